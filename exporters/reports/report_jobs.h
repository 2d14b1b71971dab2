// ReportJobs: the report worker (SPEC §10). The API stores a requested report as `pending`
// and wakes the worker; its one background thread renders pending reports, one at a time, off
// the HTTP threads and off the evaluation cycle (it only reads, through the SLA read model),
// writes each file to a temporary name in the reports directory, fsyncs and renames it, and
// marks the report done (file name, size, sha256) or failed. A restart resumes the reports
// left pending. Retention removes reports (rows and files) older than `retention`.
//
// Thread-safe: run_once() and remove_expired() serialize on one mutex, so the thread and a
// test driving the worker synchronously never render the same report twice.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/result.h"
#include "config/config.h"
#include "store/store.h"

namespace slamon::history {
class History;
}

namespace slamon::reports {

inline constexpr Duration kDefaultReportRetention = std::chrono::days(90);

struct ReportJobsOptions {
  std::filesystem::path dir;  // --reports.dir; created 0750 when missing
  Duration retention = kDefaultReportRetention;
};

// What the worker did since start (slamon_reports_total, slamon_report_duration_seconds).
struct ReportJobStats {
  std::map<std::pair<std::string, std::string>, std::uint64_t> renders;  // (format, result)
  double duration_seconds_sum = 0;
  std::uint64_t durations = 0;
};

class ReportJobs {
 public:
  // `store`, `history` (may be null) and `clock` must outlive the worker.
  ReportJobs(std::function<ConfigPtr()> config, Store& store, history::History* history,
             Clock& clock, ReportJobsOptions options);
  ~ReportJobs();
  ReportJobs(const ReportJobs&) = delete;
  ReportJobs& operator=(const ReportJobs&) = delete;

  // Starts the background thread, which first renders what a previous run left pending.
  void start();
  void stop();
  // A report was queued: render it now rather than at the next poll.
  void wake();

  // Renders every pending report on the calling thread; returns how many it finished (done
  // or failed).
  Result<int> run_once();
  // Deletes the reports created before now - retention, files first; returns how many.
  Result<int> remove_expired();

  ReportJobStats stats() const;

 private:
  void loop();
  void render(const StoredReport& report);

  std::function<ConfigPtr()> config_;
  Store& store_;
  history::History* history_;
  Clock& clock_;
  ReportJobsOptions options_;
  std::mutex run_mutex_;
  mutable std::mutex mutex_;  // guards everything below
  std::condition_variable wakeup_;
  bool woken_ = false;
  bool stopping_ = false;
  ReportJobStats stats_;
  std::thread thread_;
};

// The policies a stored report covers, resolved as the API resolves them (a provisioned policy
// of the report's org, else one created through the API); an error names a policy that no
// longer exists.
Result<std::vector<Policy>> report_policies(const Config& config, Store& store,
                                            const StoredReport& report);
// The report's data as JSON (to_json of build_report), built now from the read model: what the
// download of a pending report answers.
Result<nlohmann::json> report_json(const Config& config, Store& store, history::History* history,
                                   const StoredReport& report, WallTime now);

// Writes `bytes` to a temporary name in the folder of `path`, fsyncs, sets `mode` and renames
// it to `path`, then fsyncs the folder: a reader sees the old file or the whole new one.
Status write_file_atomically(const std::filesystem::path& path, const std::string& bytes,
                             std::filesystem::perms mode);

}  // namespace slamon::reports
