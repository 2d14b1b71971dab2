#include "support/prometheus_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <optional>
#include <stdexcept>
#include <thread>

namespace slamon::testing {

namespace {

bool valid_metric_name(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    const bool ok = std::isalpha(c) || c == '_' || c == ':' || (i > 0 && std::isdigit(c));
    if (!ok) return false;
  }
  return true;
}

bool valid_label_name(std::string_view name) {
  return valid_metric_name(name) && name.find(':') == std::string_view::npos;
}

std::string format_number(double value, std::chars_format format) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  std::array<char, 64> buffer{};
  const auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value, format);
  if (ec != std::errc()) throw std::invalid_argument("number cannot be formatted");
  return std::string(buffer.data(), end);
}

std::string escape_label_value(std::string_view value) {
  std::string out;
  for (const char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// A port that was free a moment ago (Prometheus binds it itself, so a race is retried).
Result<int> free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail("socket failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
                  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  close(fd);
  if (!ok) return fail("cannot bind a free port");
  return static_cast<int>(ntohs(address.sin_port));
}

// The status code of GET `path` on 127.0.0.1:`port`, or nullopt when nothing answers.
std::optional<int> http_status(int port, const std::string& path) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::nullopt;
  const timeval io_timeout{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &io_timeout, sizeof(io_timeout));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &io_timeout, sizeof(io_timeout));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  std::optional<int> status;
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0) {
    const std::string request =
        "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
        static_cast<ssize_t>(request.size())) {
      std::array<char, 64> head{};
      std::size_t have = 0;
      while (have < head.size()) {
        const ssize_t got = recv(fd, head.data() + have, head.size() - have, 0);
        if (got <= 0) break;
        have += static_cast<std::size_t>(got);
      }
      const std::string_view line(head.data(), have);  // "HTTP/1.0 200 OK"
      if (line.starts_with("HTTP/") && line.size() >= 12) {
        int code = 0;
        const auto digits = line.substr(9, 3);
        if (std::from_chars(digits.data(), digits.data() + digits.size(), code).ec == std::errc()) {
          status = code;
        }
      }
    }
  }
  close(fd);
  return status;
}

}  // namespace

OpenMetricsBuilder& OpenMetricsBuilder::gauge(const std::string& name, const Labels& labels,
                                              std::vector<std::pair<double, double>> samples) {
  if (!valid_metric_name(name)) throw std::invalid_argument("invalid metric name " + name);
  std::string series = name;
  if (!labels.empty()) {
    series += '{';
    bool first = true;
    for (const auto& [label, value] : labels) {
      if (!valid_label_name(label)) throw std::invalid_argument("invalid label name " + label);
      if (!first) series += ',';
      first = false;
      series += label + "=\"" + escape_label_value(value) + "\"";
    }
    series += '}';
  }
  std::stable_sort(samples.begin(), samples.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  auto family = std::find_if(families_.begin(), families_.end(),
                             [&name](const Family& f) { return f.name == name; });
  if (family == families_.end()) family = families_.insert(families_.end(), Family{name, {}});
  for (const auto& [timestamp, value] : samples) {
    family->lines.push_back(series + ' ' + format_number(value, std::chars_format::general) + ' ' +
                            format_number(timestamp, std::chars_format::fixed));
  }
  return *this;
}

OpenMetricsBuilder& OpenMetricsBuilder::gauge_series(const std::string& name, const Labels& labels,
                                                     WallTime start, std::chrono::seconds step,
                                                     const std::vector<double>& values) {
  std::vector<std::pair<double, double>> samples;
  samples.reserve(values.size());
  const double first = to_unix_seconds(start);
  for (std::size_t i = 0; i < values.size(); ++i) {
    samples.emplace_back(first + static_cast<double>(i) * static_cast<double>(step.count()),
                         values[i]);
  }
  return gauge(name, labels, std::move(samples));
}

std::string OpenMetricsBuilder::str() const {
  std::string text;
  for (const auto& family : families_) {
    text += "# TYPE " + family.name + " gauge\n";
    for (const auto& line : family.lines) text += line + '\n';
  }
  text += "# EOF\n";
  return text;
}

Result<std::unique_ptr<PrometheusServer>> PrometheusServer::start(const std::string& openmetrics,
                                                                  PrometheusServerOptions options) {
  std::unique_ptr<PrometheusServer> server(new PrometheusServer());
  server->data_dir_ = server->dir_.path() / "data";
  server->log_file_ = server->dir_.path() / "prometheus.log";
  server->config_file_ = server->dir_.write("prometheus.yml",
                                            "global:\n"
                                            "  scrape_interval: 1m\n"
                                            "  evaluation_interval: 1m\n" +
                                                options.extra_config);
  std::filesystem::create_directories(server->data_dir_);

  if (!openmetrics.empty()) {
    const std::string input = server->dir_.write("history.om", openmetrics);
    const auto promtool_log = server->dir_.path() / "promtool.log";
    auto promtool = ChildProcess::spawn(
        {options.promtool_binary, "tsdb", "create-blocks-from", "openmetrics", input,
         server->data_dir_.string()},
        ChildOptions{.stdout_file = promtool_log, .stderr_file = promtool_log, .append = true});
    if (!promtool) return std::unexpected(promtool.error());
    if (const auto status = (*promtool)->wait(); !status.succeeded()) {
      return fail("promtool " + status.describe() + ":\n" +
                  tail_text(read_text_file(promtool_log)));
    }
  }

  constexpr int kAttempts = 5;
  Status launched;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    launched = server->launch(options);
    if (launched) return server;
    if (server->log().find("address already in use") == std::string::npos) break;
  }
  return std::unexpected(launched.error());
}

Status PrometheusServer::launch(const PrometheusServerOptions& options) {
  auto port = free_port();
  if (!port) return std::unexpected(port.error());
  std::vector<std::string> argv = {
      options.prometheus_binary,
      "--config.file=" + config_file_.string(),
      "--storage.tsdb.path=" + data_dir_.string(),
      "--storage.tsdb.retention.time=100y",
      "--web.listen-address=127.0.0.1:" + std::to_string(*port),
  };
  argv.insert(argv.end(), options.extra_args.begin(), options.extra_args.end());
  std::filesystem::remove(log_file_);
  auto process = ChildProcess::spawn(
      argv, ChildOptions{.stdout_file = log_file_, .stderr_file = log_file_, .append = true});
  if (!process) return std::unexpected(process.error());

  const auto deadline = std::chrono::steady_clock::now() + options.ready_deadline;
  for (;;) {
    if (const auto status = (*process)->poll_exit()) {
      return fail("prometheus " + status->describe() + ":\n" + tail_text(log()));
    }
    if (http_status(*port, "/-/ready") == 200) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      return fail("prometheus not ready within " + std::to_string(options.ready_deadline.count()) +
                  " s:\n" + tail_text(log()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  process_ = std::move(*process);
  port_ = *port;
  url_ = "http://127.0.0.1:" + std::to_string(port_);
  return {};
}

std::string PrometheusServer::log() const {
  return read_text_file(log_file_);
}

PrometheusServer::~PrometheusServer() = default;

}  // namespace slamon::testing
