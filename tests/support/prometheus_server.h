// PrometheusServer: a real Prometheus on 127.0.0.1 for tests, holding a backfilled history
// (OpenMetrics text turned into TSDB blocks by `promtool tsdb create-blocks-from openmetrics`).
// Query it with `time=` set to a backfilled instant. The process is killed and reaped, and its
// data removed, when the object goes away. OpenMetricsBuilder writes that text.
// Neither class is thread-safe (one owner). Create the server on the thread that will destroy
// it: the child gets PR_SET_PDEATHSIG, so it also dies if that thread ends early (a crash of
// the test must not leave Prometheus running).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "support/child_process.h"
#include "support/temp_dir.h"

namespace slamon::testing {

using Labels = std::map<std::string, std::string>;

// Builds OpenMetrics text with timestamps: one TYPE line per family, the samples of each
// series sorted by time, `# EOF` at the end (all of which promtool insists on).
class OpenMetricsBuilder {
 public:
  // Samples are (unix seconds, value); values may be NaN or ±Inf.
  OpenMetricsBuilder& gauge(const std::string& name, const Labels& labels,
                            std::vector<std::pair<double, double>> samples);
  // `values[i]` at `start + i * step`.
  OpenMetricsBuilder& gauge_series(const std::string& name, const Labels& labels, WallTime start,
                                   std::chrono::seconds step, const std::vector<double>& values);
  std::string str() const;

 private:
  struct Family {
    std::string name;
    std::vector<std::string> lines;
  };
  std::vector<Family> families_;
};

struct PrometheusServerOptions {
  std::string prometheus_binary = "/usr/bin/prometheus";
  std::string promtool_binary = "/usr/bin/promtool";
  std::chrono::seconds ready_deadline{30};
  std::vector<std::string> extra_args;  // e.g. "--query.lookback-delta=10m"
  // Appended to the minimal prometheus.yml (which has only `global:`), e.g. scrape_configs or
  // `storage: {tsdb: {out_of_order_time_window: 4h}}`, which live scrapes need when the
  // backfill reaches past the current time.
  std::string extra_config;
};

class PrometheusServer {
 public:
  // Backfills `openmetrics` (may be empty: then no history) and starts Prometheus on a free
  // port; returns once /-/ready answers 200. The error carries promtool's or Prometheus' output.
  static Result<std::unique_ptr<PrometheusServer>> start(const std::string& openmetrics,
                                                         PrometheusServerOptions options = {});
  ~PrometheusServer();
  PrometheusServer(const PrometheusServer&) = delete;
  PrometheusServer& operator=(const PrometheusServer&) = delete;

  const std::string& url() const { return url_; }  // http://127.0.0.1:PORT
  int port() const { return port_; }
  const std::filesystem::path& data_dir() const { return data_dir_; }
  // Prometheus' own log so far (stdout and stderr), for failure messages.
  std::string log() const;

 private:
  PrometheusServer() = default;
  Status launch(const PrometheusServerOptions& options);

  TempDir dir_;
  std::filesystem::path data_dir_;
  std::filesystem::path log_file_;
  std::filesystem::path config_file_;
  std::unique_ptr<ChildProcess> process_;  // after dir_: stopped before its files go
  int port_ = 0;
  std::string url_;
};

}  // namespace slamon::testing
