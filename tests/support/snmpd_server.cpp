#include "support/snmpd_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

namespace slamon::testing {

namespace {

using SteadyClock = std::chrono::steady_clock;

// The demo's pass_persist program (snmpd's line protocol: PING / get / getnext / set), which
// answers from a value file it re-reads on every request.
constexpr std::string_view kPassTableLauncher = SLAMON_SOURCE_DIR "/demo/snmpd/pass-table.sh";

// `count` distinct UDP ports that were free a moment ago (all bound at once, then released;
// snmpd binds them itself, so a lost race is retried by the caller).
Result<std::vector<int>> free_udp_ports(std::size_t count) {
  std::vector<int> sockets;
  std::vector<int> ports;
  Status status;
  for (std::size_t i = 0; i < count; ++i) {
    const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      status = fail("socket failed: " + std::string(std::strerror(errno)));
      break;
    }
    sockets.push_back(fd);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      status = fail("cannot bind a free UDP port: " + std::string(std::strerror(errno)));
      break;
    }
    ports.push_back(ntohs(address.sin_port));
  }
  for (const int fd : sockets) close(fd);
  if (!status) return std::unexpected(status.error());
  return ports;
}

bool valid_table_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

std::optional<std::vector<std::uint32_t>> parse_numeric_oid(std::string_view text) {
  if (text.starts_with('.')) text.remove_prefix(1);
  std::vector<std::uint32_t> ids;
  while (!text.empty()) {
    const auto dot = text.find('.');
    const auto part = text.substr(0, dot);
    std::uint32_t value = 0;
    const auto [end, error] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (part.empty() || error != std::errc{} || end != part.data() + part.size()) {
      return std::nullopt;
    }
    ids.push_back(value);
    text = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  }
  if (ids.empty()) return std::nullopt;
  return ids;
}

std::string random_token() {
  std::random_device device;
  std::string token = "ready";
  for (int i = 0; i < 4; ++i) token += std::to_string(device() % 100000);
  return token;
}

std::string delay_text(std::chrono::milliseconds delay) {
  return std::to_string(delay.count() / 1000) + "." +
         std::to_string(1000 + delay.count() % 1000).substr(1);
}

// The pass program: prints the object asked for (-g) or the first one after it (-n) from the
// value file, "OID TYPE VALUE" lines in OID order; nothing when there is none.
std::string pass_script(const std::filesystem::path& values_file, std::chrono::milliseconds delay) {
  std::string script = "#!/bin/sh\n# pass program written by SnmpdServer\n";
  if (delay.count() > 0) script += "sleep " + delay_text(delay) + "\n";
  script += R"SH([ "$1" = "-g" ] || [ "$1" = "-n" ] || exit 0
exec awk -v mode="$1" -v req="$2" '
function cmp(a, b,    x, y, n, m, i) {
  n = split(a, x, "."); m = split(b, y, ".")
  for (i = 1; i <= n && i <= m; i++) {
    if (x[i] + 0 < y[i] + 0) return -1
    if (x[i] + 0 > y[i] + 0) return 1
  }
  return n < m ? -1 : (n > m ? 1 : 0)
}
BEGIN { sub(/^\./, "", req) }
{
  c = cmp($1, req)
  if ((mode == "-g" && c == 0) || (mode == "-n" && c > 0)) {
    value = $0
    sub(/^[^ ]+ [^ ]+ /, "", value)
    print "." $1
    print $2
    print value
    exit
  }
}' ')SH";
  script += values_file.string() + "'\n";
  return script;
}

}  // namespace

Result<std::unique_ptr<SnmpdServer>> SnmpdServer::start(SnmpdOptions options) {
  std::unique_ptr<SnmpdServer> server(new SnmpdServer());
  if (options.port_count == 0) return fail("port_count must be at least 1");
  server->stop_deadline_ = options.stop_deadline;
  server->log_file_ = server->dir_.path() / "snmpd.log";
  const auto persistent = server->dir_.path() / "persist";
  const auto client = server->dir_.path() / "client";
  std::filesystem::create_directories(persistent);
  std::filesystem::create_directories(client);
  server->ready_community_ = random_token();

  std::string config =
      "# written by SnmpdServer\n"
      "dontLogTCPWrappersConnects yes\n"
      // The readiness probe's own community, restricted to sysUpTime.
      "rocommunity " +
      server->ready_community_ + " 127.0.0.1 .1.3.6.1.2.1.1.3\n";
  for (const auto& line : options.config_lines) config += line + "\n";
  for (const auto& table : options.pass_tables) {
    if (!valid_table_name(table.name)) return fail("invalid pass table name: " + table.name);
    if (!parse_numeric_oid(table.subtree)) return fail("invalid pass subtree: " + table.subtree);
    const auto values = server->dir_.path() / ("pass_" + table.name + ".values");
    if (auto written = server->set_pass_values(table.name, table.values); !written) {
      return std::unexpected(written.error());
    }
    std::string subtree = table.subtree;
    if (!subtree.starts_with('.')) subtree.insert(0, ".");
    if (table.persistent) {
      config += "pass_persist " + subtree + " /bin/sh " + std::string(kPassTableLauncher) + " " +
                subtree + " " + values.string() + " " + delay_text(table.delay) + "\n";
    } else {
      const std::string script =
          server->dir_.write("pass_" + table.name + ".sh", pass_script(values, table.delay));
      config += "pass " + subtree + " /bin/sh " + script + "\n";
    }
  }
  server->config_file_ = server->dir_.write("snmpd.conf", config);
  server->environment_ = environment_with({
      "SNMP_PERSISTENT_DIR=" + persistent.string(),
      "SNMPCONFPATH=" + client.string(),
      "MIBS=",
      "HOME=" + client.string(),
  });

  constexpr int kAttempts = 5;
  Status launched;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    launched = server->launch(options);
    if (launched) return server;
    // A port taken between probing and binding makes snmpd exit; anything else is final.
    if (server->log().find("Error opening specified endpoint") == std::string::npos) break;
  }
  return std::unexpected(launched.error());
}

Status SnmpdServer::launch(const SnmpdOptions& options) {
  auto ports = free_udp_ports(options.port_count);
  if (!ports) return std::unexpected(ports.error());
  std::string endpoints;
  for (const int port : *ports) {
    if (!endpoints.empty()) endpoints += ',';
    endpoints += "udp:127.0.0.1:" + std::to_string(port);
  }
  std::vector<std::string> argv = {options.snmpd_binary, "-f", "-Lo", "-C", "-c",
                                   config_file_.string()};
  argv.insert(argv.end(), options.extra_args.begin(), options.extra_args.end());
  argv.push_back(endpoints);
  std::filesystem::remove(log_file_);
  auto process = ChildProcess::spawn(argv, ChildOptions{.stdout_file = log_file_,
                                                        .stderr_file = log_file_,
                                                        .append = true,
                                                        .environment = environment_});
  if (!process) return std::unexpected(process.error());
  process_ = std::move(*process);
  ports_ = std::move(*ports);
  if (auto ready = wait_ready(options); !ready) {
    stop();
    return ready;
  }
  return {};
}

Status SnmpdServer::wait_ready(const SnmpdOptions& options) {
  const auto deadline = SteadyClock::now() + options.ready_deadline;
  std::vector<int> pending = {ports_.front()};
  if (ports_.size() > 1) pending.push_back(ports_.back());
  while (!pending.empty()) {
    if (const auto status = process_->poll_exit()) {
      return fail("snmpd " + status->describe() + ":\n" + tail_text(log()));
    }
    const std::vector<std::string> argv = {options.snmpget_binary,
                                           "-v2c",
                                           "-c",
                                           ready_community_,
                                           "-t",
                                           "0.3",
                                           "-r",
                                           "0",
                                           "127.0.0.1:" + std::to_string(pending.back()),
                                           "1.3.6.1.2.1.1.3.0"};
    auto probe = ChildProcess::spawn(argv, ChildOptions{.environment = environment_});
    if (!probe) return std::unexpected(probe.error());
    if ((*probe)->wait().succeeded()) {
      pending.pop_back();
      continue;
    }
    if (SteadyClock::now() >= deadline) {
      return fail("snmpd did not answer within " + std::to_string(options.ready_deadline.count()) +
                  " ms:\n" + tail_text(log()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return {};
}

std::string SnmpdServer::address(std::size_t index) const {
  return "127.0.0.1:" + std::to_string(ports_.at(index));
}

std::string SnmpdServer::log() const {
  return read_text_file(log_file_);
}

Status SnmpdServer::set_pass_values(const std::string& name,
                                    const std::vector<SnmpdPassValue>& values) {
  if (!valid_table_name(name)) return fail("invalid pass table name: " + name);
  std::vector<std::pair<std::vector<std::uint32_t>, std::string>> lines;
  for (const auto& value : values) {
    auto oid = parse_numeric_oid(value.oid);
    if (!oid) return fail("invalid OID in pass values: " + value.oid);
    if (value.type.empty() || value.type.find_first_of(" \n") != std::string::npos ||
        value.value.find('\n') != std::string::npos) {
      return fail("invalid pass value for " + value.oid);
    }
    std::string oid_text(value.oid.starts_with('.') ? value.oid.substr(1) : value.oid);
    lines.emplace_back(std::move(*oid), oid_text + " " + value.type + " " + value.value);
  }
  std::sort(lines.begin(), lines.end());
  std::string text;
  for (const auto& line : lines) text += line.second + "\n";
  const auto target = dir_.path() / ("pass_" + name + ".values");
  const auto staging = dir_.path() / ("pass_" + name + ".values.new");
  {
    std::ofstream out(staging, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) return fail("cannot write " + staging.string());
  }
  std::error_code error;
  std::filesystem::rename(staging, target, error);
  if (error) return fail("cannot replace " + target.string() + ": " + error.message());
  return {};
}

void SnmpdServer::stop() {
  if (!process_) return;
  process_->stop(stop_deadline_);
  process_.reset();
}

SnmpdServer::~SnmpdServer() {
  stop();
}

}  // namespace slamon::testing
