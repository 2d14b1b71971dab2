// ReportJobs: the report worker (SPEC §10). The API stores a requested report as `pending`
// and wakes the worker; its one background thread renders pending reports, one at a time, off
// the HTTP threads and off the evaluation cycle (it only reads, through the SLA read model),
// writes each file to a temporary name in the reports directory, fsyncs and renames it, and
// marks the report done (file name, size, sha256) or failed. A restart resumes the reports
// left pending. A report a schedule queued also gets a PNG chart for the e-mail body, and the
// transaction that marks it done puts its `sla.report.ready` event in the outbox (so it is
// announced exactly once). Retention (config `reports:`) removes reports, rows and files, older
// than `retention`, then the oldest until their files take at most `max_bytes`.
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
#include <optional>
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

struct ReportData;

struct ReportJobsOptions {
  std::filesystem::path dir;  // --reports.dir; created 0750 when missing
};

// What the worker did since start (slamon_reports_total, slamon_report_duration_seconds).
struct ReportJobStats {
  std::map<std::pair<std::string, std::string>, std::uint64_t> renders;  // (format, result)
  double duration_seconds_sum = 0;
  std::uint64_t durations = 0;
  // Scheduled reports that failed to render, by schedule id
  // (part of slamon_report_schedule_failures_total).
  std::map<std::string, std::uint64_t> schedule_failures;
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
  // Deletes the reports created before now - reports.retention, then the oldest finished ones
  // while the files take more than reports.max_bytes; files first; returns how many.
  Result<int> remove_expired();

  ReportJobStats stats() const;

 private:
  void loop();
  void render(const StoredReport& report);
  // The ready event of a scheduled report that rendered; nullopt for one requested through
  // the API.
  void write_chart(const ReportData& data, const std::string& report_id);
  void remove_files(const StoredReport& report);
  std::optional<StoredEvent> ready_event(const StoredReport& finished,
                                         const std::optional<ReportScheduleRun>& run,
                                         const Config& config);

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

// The generated name of a scheduled report's e-mail chart (a PNG) in the reports directory.
std::string report_chart_file_name(const std::string& id);

// Writes `bytes` to a temporary name in the folder of `path`, fsyncs, sets `mode` and renames
// it to `path`, then fsyncs the folder: a reader sees the old file or the whole new one.
Status write_file_atomically(const std::filesystem::path& path, const std::string& bytes,
                             std::filesystem::perms mode);

}  // namespace slamon::reports
