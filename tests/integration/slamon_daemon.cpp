#include "integration/slamon_daemon.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

namespace slamon::integration {

using testing::ChildProcess;
using testing::ExitStatus;
using testing::tail_text;
namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(50);
constexpr auto kReadyDeadline = std::chrono::seconds(30);
constexpr int kPortAttempts = 5;

std::string tail(const std::string& text) {
  return tail_text(text, 6000);
}

}  // namespace

const char* slamon_binary() {
  return SLAMON_BINARY;
}

Result<int> free_loopback_port() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail("socket failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
                  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  close(fd);
  if (!ok) return fail("cannot bind a free loopback port");
  return static_cast<int>(ntohs(address.sin_port));
}

Result<std::unique_ptr<SlamonDaemon>> SlamonDaemon::start(
    const std::filesystem::path& config_file, const std::filesystem::path& dir,
    const std::string& name, const std::vector<std::string>& extra_args) {
  std::string last_failure;
  for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
    auto port = free_loopback_port();
    if (!port) return std::unexpected(port.error());
    std::vector<std::string> argv{slamon_binary(), "run", "--config.file=" + config_file.string(),
                                  "--web.listen-address=127.0.0.1:" + std::to_string(*port)};
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    auto child = ChildProcess::spawn(argv, dir / (name + ".stdout"), dir / (name + ".stderr"), dir);
    if (!child) return std::unexpected(child.error());

    std::unique_ptr<SlamonDaemon> daemon(new SlamonDaemon());
    daemon->process_ = std::move(*child);
    daemon->port_ = *port;
    const auto deadline = std::chrono::steady_clock::now() + kReadyDeadline;
    for (;;) {
      if (const auto ended = daemon->process_->poll_exit()) {
        last_failure =
            "slamon " + ended->describe() + " before it was ready:\n" + tail(daemon->log());
        break;
      }
      const auto ready = http_request(*port, "GET", "/-/ready", std::chrono::seconds(2));
      // The body tells slamon from another server that took the port after slamon failed.
      if (ready && ready->status == 200 && ready->body.starts_with("slamon")) return daemon;
      if (std::chrono::steady_clock::now() >= deadline) {
        return fail("slamon not ready within " + std::to_string(kReadyDeadline.count()) + " s:\n" +
                    tail(daemon->log()));
      }
      std::this_thread::sleep_for(kPollInterval);
    }
    // Only a lost race for the port is worth another attempt.
    if (last_failure.find("cannot start the HTTP server") == std::string::npos) break;
  }
  return fail(last_failure);
}

Result<HttpAnswer> SlamonDaemon::get(const std::string& path) const {
  return http_request(port_, "GET", path);
}

Result<HttpAnswer> SlamonDaemon::post(const std::string& path) const {
  return http_request(port_, "POST", path);
}

Result<MetricsText> SlamonDaemon::scrape() const {
  auto answer = get("/metrics");
  if (!answer) return std::unexpected(answer.error());
  if (answer->status != 200) return fail("GET /metrics answered " + std::to_string(answer->status));
  auto parsed = MetricsText::parse(answer->body);
  if (!parsed) return fail("GET /metrics: " + parsed.error().message);
  return parsed;
}

Result<MetricsText> SlamonDaemon::wait_for_metrics(
    const std::string& what, const std::function<bool(const MetricsText&)>& condition,
    std::chrono::milliseconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  std::string last;
  for (;;) {
    if (const auto ended = process_->poll_exit()) {
      return fail("waiting for " + what + ": slamon " + ended->describe() + ":\n" + tail(log()));
    }
    auto scraped = scrape();
    if (scraped && condition(*scraped)) return scraped;
    if (!scraped) last = scraped.error().message;
    if (std::chrono::steady_clock::now() >= until) {
      auto answer = get("/metrics");
      if (answer) last = answer->body;
      return fail("timed out waiting for " + what + "\nlast /metrics:\n" + tail(last) +
                  "\nslamon log:\n" + tail(log()));
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

Result<MetricsText> SlamonDaemon::wait_for_evaluations(double count,
                                                       std::chrono::milliseconds deadline) {
  return wait_for_metrics(
      "slamon_evaluations_total >= " + std::to_string(static_cast<long long>(count)),
      [count](const MetricsText& metrics) { return evaluations_total(metrics) >= count; },
      deadline);
}

Result<ExitStatus> SlamonDaemon::stop(std::chrono::milliseconds deadline) {
  if (auto ended = process_->poll_exit()) {
    return fail("slamon had already ended (" + ended->describe() + "):\n" + tail(log()));
  }
  if (!process_->send_signal(SIGTERM)) return fail("cannot send SIGTERM to slamon");
  auto status = process_->wait_exit(deadline);
  if (!status)
    return fail("slamon did not stop within the deadline after SIGTERM:\n" + tail(log()));
  return *status;
}

double evaluations_total(const MetricsText& metrics) {
  return metrics.value("slamon_evaluations_total").value_or(-1);
}

}  // namespace slamon::integration
