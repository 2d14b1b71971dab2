// SlamonDaemon: the real `slamon run` process under test, listening on a loopback port the
// test picked (slamon cannot report a port it chose itself), with helpers to talk to it over
// HTTP, to wait for conditions on /metrics with a deadline (never a fixed sleep), and to stop
// it with SIGTERM. The process is killed and reaped when the object goes away.
// Not thread-safe (one owner); create and destroy it on the test's thread.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "integration/http_get.h"
#include "integration/metrics_text.h"
#include "support/child_process.h"

namespace slamon::integration {

// The slamon binary built with this test.
const char* slamon_binary();

// A loopback TCP port that was free a moment ago.
Result<int> free_loopback_port();

class SlamonDaemon {
 public:
  // Runs `slamon run --config.file=CONFIG --web.listen-address=127.0.0.1:PORT EXTRA...` in
  // `dir`, output captured in `dir`/NAME.stdout and NAME.stderr, and waits until /-/ready
  // answers 200. A port taken by someone else between the pick and slamon's bind is retried
  // with another one.
  static Result<std::unique_ptr<SlamonDaemon>> start(
      const std::filesystem::path& config_file, const std::filesystem::path& dir,
      const std::string& name, const std::vector<std::string>& extra_args = {});

  int port() const { return port_; }
  Result<HttpAnswer> get(const std::string& path) const;
  Result<HttpAnswer> post(const std::string& path) const;
  Result<MetricsText> scrape() const;

  // Scrapes /metrics until `condition` holds; after `deadline` fails with `what`, the last
  // exposition and the daemon's log. Also fails at once when the daemon has ended.
  Result<MetricsText> wait_for_metrics(
      const std::string& what, const std::function<bool(const MetricsText&)>& condition,
      std::chrono::milliseconds deadline = std::chrono::seconds(30));
  // Waits until slamon_evaluations_total reaches `count`.
  Result<MetricsText> wait_for_evaluations(
      double count, std::chrono::milliseconds deadline = std::chrono::seconds(30));

  bool send_signal(int signal) const { return process_->send_signal(signal); }
  // SIGTERM, then waits for the exit.
  Result<testing::ExitStatus> stop(std::chrono::milliseconds deadline = std::chrono::seconds(20));
  testing::ChildProcess& process() { return *process_; }
  std::string log() const { return process_->stderr_text(); }

 private:
  SlamonDaemon() = default;

  std::unique_ptr<testing::ChildProcess> process_;
  int port_ = 0;
};

// slamon_evaluations_total in `metrics`, or -1 when absent.
double evaluations_total(const MetricsText& metrics);

}  // namespace slamon::integration
