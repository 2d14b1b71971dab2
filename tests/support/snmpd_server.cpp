#include "support/snmpd_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
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

extern char** environ;

namespace slamon::testing {

namespace {

using SteadyClock = std::chrono::steady_clock;

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string tail(const std::string& text, std::size_t max_bytes = 4000) {
  return text.size() <= max_bytes ? text : "..." + text.substr(text.size() - max_bytes);
}

// This process' environment with `overrides` ("NAME=value") replacing same-named entries.
std::vector<std::string> environment_with(const std::vector<std::string>& overrides) {
  std::vector<std::string> result;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const auto name = text.substr(0, text.find('=') + 1);
    const bool replaced = std::any_of(overrides.begin(), overrides.end(),
                                      [&](const std::string& o) { return o.starts_with(name); });
    if (!replaced) result.emplace_back(text);
  }
  result.insert(result.end(), overrides.begin(), overrides.end());
  return result;
}

// Starts `argv` with `environment`, stdout and stderr appended to `log` (or /dev/null). The
// child dies with this thread (PR_SET_PDEATHSIG) and inherits no descriptor beyond 0-2.
Result<pid_t> spawn(const std::vector<std::string>& argv,
                    const std::vector<std::string>& environment, const std::filesystem::path& log) {
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  std::vector<char*> env;
  for (const auto& entry : environment) env.push_back(const_cast<char*>(entry.c_str()));
  env.push_back(nullptr);
  const std::string log_path = log.empty() ? std::string("/dev/null") : log.string();
  const pid_t parent = getpid();

  const pid_t pid = fork();
  if (pid < 0) return fail("fork failed: " + std::string(std::strerror(errno)));
  if (pid == 0) {
    // Only async-signal-safe calls from here on.
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) _exit(126);
    const int out = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    const int in = open("/dev/null", O_RDONLY);
    if (out < 0 || in < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0) _exit(126);
    syscall(SYS_close_range, 3U, ~0U, 0U);
    execve(args[0], args.data(), env.data());
    _exit(127);
  }
  return pid;
}

std::optional<int> wait_for(pid_t pid, int options) {
  int status = 0;
  for (;;) {
    const pid_t done = waitpid(pid, &status, options);
    if (done == pid) return status;
    if (done == 0) return std::nullopt;
    if (errno != EINTR) return -1;
  }
}

std::string describe_exit(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "ended";
}

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

// The pass_persist program (snmpd's line protocol: PING / get / getnext / set), answering
// from the value file, which it re-reads on every request.
constexpr std::string_view kPersistentProgram = R"AWK(
function cmp(a, b,    x, y, n, m, i) {
  n = split(a, x, "."); m = split(b, y, ".")
  for (i = 1; i <= n && i <= m; i++) {
    if (x[i] + 0 < y[i] + 0) return -1
    if (x[i] + 0 > y[i] + 0) return 1
  }
  return n < m ? -1 : (n > m ? 1 : 0)
}
function answer(mode, req,    line, f, c, value, found) {
  sub(/^\./, "", req)
  found = 0
  while ((getline line < file) > 0) {
    split(line, f, " ")
    c = cmp(f[1], req)
    if ((mode == "get" && c == 0) || (mode == "getnext" && c > 0)) {
      value = line
      sub(/^[^ ]+ [^ ]+ /, "", value)
      print "." f[1]
      print f[2]
      print value
      found = 1
      break
    }
  }
  close(file)
  if (!found) print "NONE"
  fflush()
}
state == "" && $0 == "PING" { print "PONG"; fflush(); next }
state == "" && ($0 == "get" || $0 == "getnext") { state = $0; next }
state == "" && $0 == "set" { state = "set1"; next }
state == "set1" { state = "set2"; next }
state == "set2" { print "not-writable"; fflush(); state = ""; next }
state == "get" || state == "getnext" {
  if (delay != "0.000") system("sleep " delay)
  answer(state, $0)
  state = ""
  next
}
)AWK";

std::string persistent_launcher(const std::filesystem::path& program,
                                const std::filesystem::path& values_file,
                                std::chrono::milliseconds delay) {
  const std::string arguments = "-v file='" + values_file.string() +
                                "' -v delay=" + delay_text(delay) + " -f '" + program.string() +
                                "'";
  // mawk buffers a pipe's input unless interactive; other awks answer line by line anyway.
  return "#!/bin/sh\n# pass_persist program written by SnmpdServer\n"
         "if command -v mawk >/dev/null 2>&1; then exec mawk -W interactive " +
         arguments + "; fi\nexec awk " + arguments + "\n";
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
    const auto script = server->dir_.path() / ("pass_" + table.name + ".sh");
    const auto values = server->dir_.path() / ("pass_" + table.name + ".values");
    if (table.persistent) {
      const auto program = server->dir_.path() / ("pass_" + table.name + ".awk");
      server->dir_.write(program.filename().string(), std::string(kPersistentProgram));
      server->dir_.write(script.filename().string(),
                         persistent_launcher(program, values, table.delay));
    } else {
      server->dir_.write(script.filename().string(), pass_script(values, table.delay));
    }
    if (auto written = server->set_pass_values(table.name, table.values); !written) {
      return std::unexpected(written.error());
    }
    std::string subtree = table.subtree;
    if (!subtree.starts_with('.')) subtree.insert(0, ".");
    config += std::string(table.persistent ? "pass_persist " : "pass ") + subtree + " /bin/sh " +
              script.string() + "\n";
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
  auto pid = spawn(argv, environment_, log_file_);
  if (!pid) return std::unexpected(pid.error());
  pid_ = *pid;
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
    if (const auto status = wait_for(pid_, WNOHANG)) {
      pid_ = -1;
      return fail("snmpd " + describe_exit(*status) + ":\n" + tail(log()));
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
    auto probe = spawn(argv, environment_, {});
    if (!probe) return std::unexpected(probe.error());
    const auto status = wait_for(*probe, 0);
    if (status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0) {
      pending.pop_back();
      continue;
    }
    if (SteadyClock::now() >= deadline) {
      return fail("snmpd did not answer within " + std::to_string(options.ready_deadline.count()) +
                  " ms:\n" + tail(log()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return {};
}

std::string SnmpdServer::address(std::size_t index) const {
  return "127.0.0.1:" + std::to_string(ports_.at(index));
}

std::string SnmpdServer::log() const {
  return read_file(log_file_);
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
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  const auto deadline = SteadyClock::now() + stop_deadline_;
  while (!wait_for(pid_, WNOHANG)) {
    if (SteadyClock::now() >= deadline) {
      kill(pid_, SIGKILL);
      wait_for(pid_, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pid_ = -1;
}

SnmpdServer::~SnmpdServer() {
  stop();
}

}  // namespace slamon::testing
