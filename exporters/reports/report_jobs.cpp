#include "reports/report_jobs.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/bearer_token.h"
#include "common/log.h"
#include "common/uuid.h"
#include "history/history.h"
#include "reports/csv.h"
#include "reports/pdf.h"
#include "reports/report.h"
#include "reports/report_scheduler.h"
#include "slaview/sla_view.h"

namespace slamon::reports {

namespace {

// Pending reports are also picked up at this interval, should a wake-up be lost; retention
// runs at the same pace.
constexpr auto kPollInterval = std::chrono::seconds(60);
// The worker's nice value: reports wait for the evaluation cycle, never the reverse.
constexpr int kWorkerNice = 19;

Status write_fully(int fd, const std::string& bytes) {
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(std::strerror(errno));
    written += static_cast<std::size_t>(n);
  }
  return {};
}

// The reports directory, created 0750 whatever the umask when missing (its parents with the
// default mode). It is made 0700 and then opened to the group, so that it is never more open
// than 0750, not even between the two steps.
Status ensure_directory(const std::filesystem::path& dir) {
  std::error_code error;
  if (std::filesystem::is_directory(dir, error)) return {};
  if (dir.has_parent_path()) std::filesystem::create_directories(dir.parent_path(), error);
  if (error) return fail("cannot create " + dir.parent_path().string() + ": " + error.message());
  if (::mkdir(dir.c_str(), S_IRWXU) != 0) {
    const int reason = errno;
    if (reason == EEXIST && std::filesystem::is_directory(dir, error)) return {};  // made meanwhile
    return fail("cannot create " + dir.string() + ": " + std::strerror(reason));
  }
  std::filesystem::permissions(dir, std::filesystem::perms(0750),
                               std::filesystem::perm_options::replace, error);
  if (error) return fail("cannot set the mode of " + dir.string() + ": " + error.message());
  return {};
}

}  // namespace

Status write_file_atomically(const std::filesystem::path& path, const std::string& bytes,
                             std::filesystem::perms mode) {
  const std::filesystem::path folder =
      path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  std::string temporary = (folder / ("." + path.filename().string() + ".XXXXXX")).string();
  const int fd = ::mkstemp(temporary.data());
  if (fd < 0)
    return fail("cannot create a file in " + folder.string() + ": " + std::strerror(errno));
  Status written = write_fully(fd, bytes);
  if (written && ::fchmod(fd, static_cast<mode_t>(mode)) != 0) {
    written = fail(std::strerror(errno));
  }
  if (written && ::fsync(fd) != 0) written = fail(std::strerror(errno));
  if (::close(fd) != 0 && written) written = fail(std::strerror(errno));
  if (written && std::rename(temporary.c_str(), path.c_str()) != 0) {
    written = fail(std::strerror(errno));
  }
  if (!written) {
    ::unlink(temporary.c_str());
    return fail("cannot write " + path.string() + ": " + written.error().message);
  }
  const int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return {};
}

Result<std::vector<Policy>> report_policies(const Config& config, Store& store,
                                            const StoredReport& report) {
  std::vector<Policy> policies;
  for (const std::string& id : report.policy_ids) {
    auto provisioned = std::find_if(config.policies.begin(), config.policies.end(),
                                    [&](const Policy& p) { return p.provisioned && p.id == id; });
    if (provisioned != config.policies.end()) {
      if (provisioned->org != report.org) return fail("policy " + id + " no longer exists");
      policies.push_back(*provisioned);
      continue;
    }
    auto stored = store.policy(id);
    if (!stored) return std::unexpected(stored.error());
    if (!*stored || (*stored)->policy.org != report.org) {
      return fail("policy " + id + " no longer exists");
    }
    (*stored)->policy.provisioned = false;
    policies.push_back(std::move((*stored)->policy));
  }
  return policies;
}

namespace {

Result<ReportData> build_stored(const Config& config, Store& store, history::History* history,
                                const StoredReport& report, WallTime now) {
  auto policies = report_policies(config, store, report);
  if (!policies) return std::unexpected(policies.error());
  const slaview::SlaView view(config, store, history);
  return build_report(view, config,
                      ReportRequest{report.org,
                                    std::move(*policies),
                                    {report.period_start, report.period_end},
                                    now,
                                    report.title});
}

}  // namespace

Result<nlohmann::json> report_json(const Config& config, Store& store, history::History* history,
                                   const StoredReport& report, WallTime now) {
  auto data = build_stored(config, store, history, report, now);
  if (!data) return std::unexpected(data.error());
  return to_json(*data);
}

ReportJobs::ReportJobs(std::function<ConfigPtr()> config, Store& store, history::History* history,
                       Clock& clock, ReportJobsOptions options)
    : config_(std::move(config)),
      store_(store),
      history_(history),
      clock_(clock),
      options_(std::move(options)) {}

ReportJobs::~ReportJobs() {
  stop();
}

void ReportJobs::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  woken_ = true;  // resume what a previous run left pending
  thread_ = std::thread([this] { loop(); });
}

void ReportJobs::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wakeup_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ReportJobs::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  wakeup_.notify_all();
}

void ReportJobs::loop() {
  // Rendering takes a core for seconds; at normal priority it made the evaluation cycle 75 %
  // slower on two cores (bench/README.md, slamon_bench_cycle_under_reports). At nice 19 the
  // worker still has every idle cycle. On Linux nice is per thread, and the threads a render
  // starts inherit it.
  if (::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), kWorkerNice) != 0) {
    log::warn("report worker: cannot lower its priority", {{"error", std::strerror(errno)}});
  }
  while (true) {
    {
      std::unique_lock lock(mutex_);
      wakeup_.wait_for(lock, kPollInterval, [this] { return woken_ || stopping_; });
      if (stopping_) return;
      woken_ = false;
    }
    if (auto ran = run_once(); !ran) {
      log::warn("report worker: cannot read pending reports", {{"error", ran.error().message}});
    }
    if (auto removed = remove_expired(); !removed) {
      log::warn("report retention failed", {{"error", removed.error().message}});
    }
  }
}

Result<int> ReportJobs::run_once() {
  std::lock_guard run(run_mutex_);
  auto pending = store_.pending_reports();
  if (!pending) return std::unexpected(pending.error());
  int finished = 0;
  for (const StoredReport& report : *pending) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) break;
    }
    render(report);
    ++finished;
  }
  return finished;
}

namespace {

// The policy the e-mail's chart shows: the one with the least compliant time (the one a reader
// should look at first); the first when none was evaluated.
const PolicyReport* chart_policy(const ReportData& data) {
  const PolicyReport* chosen = nullptr;
  for (const PolicyReport& policy : data.policies) {
    const auto ratio = policy.compliance.compliant_time_ratio;
    if (!chosen || (ratio && (!chosen->compliance.compliant_time_ratio ||
                              *ratio < *chosen->compliance.compliant_time_ratio))) {
      chosen = &policy;
    }
  }
  return chosen;
}

// The size of a report's files on disk (0 for those missing).
std::uintmax_t files_size(const std::filesystem::path& dir, const StoredReport& report) {
  std::uintmax_t total = 0;
  for (const std::string& name :
       {report_file_name(report.id, report.format, false),
        report_file_name(report.id, report.format, true), report_chart_file_name(report.id)}) {
    std::error_code missing;
    const auto size = std::filesystem::file_size(dir / name, missing);
    if (!missing) total += size;
  }
  return total;
}

}  // namespace

std::string report_chart_file_name(const std::string& id) {
  return id + "-chart.png";
}

std::optional<StoredEvent> ReportJobs::ready_event(const StoredReport& finished,
                                                   const std::optional<ReportScheduleRun>& run,
                                                   const Config& config) {
  if (!run || finished.status != "done") return std::nullopt;
  StoredEvent event;
  event.id = uuid_v4();
  event.type = "sla.report.ready";
  event.priority = "LOW";
  event.org_id = finished.org;
  event.occurred_at = clock_.now();
  event.payload =
      report_ready_event(finished, *run, config.global.external_url, event.id, event.occurred_at)
          .dump();
  return event;
}

void ReportJobs::render(const StoredReport& report) {
  const auto started = clock_.monotonic();
  StoredReport finished = report;
  finished.status = "failed";
  std::optional<ReportScheduleRun> run;
  if (auto found = store_.report_schedule_run_of(report.id); found) {
    run = std::move(*found);
  } else {
    log::warn("report worker: cannot read the report's schedule run",
              {{"report", report.id}, {"error", found.error().message}});
  }
  const ConfigPtr config = config_();
  auto outcome = [&]() -> Status {
    if (!config) return fail("no configuration is loaded");
    auto data = build_stored(*config, store_, history_, report, clock_.now());
    if (!data) return std::unexpected(data.error());
    auto bytes =
        report.format == "pdf" ? render_pdf(*data) : Result<std::string>(render_csv(*data));
    if (!bytes) return std::unexpected(bytes.error());
    if (auto made = ensure_directory(options_.dir); !made) return made;
    const auto mode = std::filesystem::perms(0640);
    // The breaches CSV (`?part=breaches`) and the chart are written first, so a done report
    // has all its files.
    const std::string breaches_name = report_file_name(report.id, report.format, true);
    if (auto written =
            write_file_atomically(options_.dir / breaches_name, render_breaches_csv(*data), mode);
        !written) {
      return written;
    }
    if (run) write_chart(*data, report.id);
    finished.file_name = report_file_name(report.id, report.format, false);
    if (auto written = write_file_atomically(options_.dir / finished.file_name, *bytes, mode);
        !written) {
      return written;
    }
    finished.size = static_cast<long long>(bytes->size());
    finished.sha256 = sha256_hex(*bytes);
    finished.status = "done";
    return {};
  }();
  if (!outcome) {
    finished.error = outcome.error().message;
    log::warn("report failed", {{"report", report.id}, {"error", finished.error}});
  }
  finished.finished_at = clock_.now();
  const auto event = config ? ready_event(finished, run, *config) : std::nullopt;
  if (auto stored = store_.finish_report(finished, event); !stored) {
    log::warn("cannot record a finished report",
              {{"report", report.id}, {"error", stored.error().message}});
  }
  const double seconds = std::chrono::duration<double>(clock_.monotonic() - started).count();
  std::lock_guard lock(mutex_);
  ++stats_.renders[{report.format, outcome ? "success" : "failure"}];
  stats_.duration_seconds_sum += seconds;
  ++stats_.durations;
  if (run && !outcome) ++stats_.schedule_failures[run->schedule_id];
}

void ReportJobs::write_chart(const ReportData& data, const std::string& report_id) {
  const PolicyReport* policy = chart_policy(data);
  if (!policy) return;
  auto png = render_chart_png(*policy, ChartKind::daily_compliance);
  Status written = png ? write_file_atomically(options_.dir / report_chart_file_name(report_id),
                                               *png, std::filesystem::perms(0640))
                       : Status(std::unexpected(png.error()));
  // The mail goes out without its picture rather than not at all.
  if (!written) {
    log::warn("report chart not written",
              {{"report", report_id}, {"error", written.error().message}});
  }
}

void ReportJobs::remove_files(const StoredReport& report) {
  std::error_code ignored;  // a file already gone is no reason to keep the row
  for (const std::string& name :
       {report_file_name(report.id, report.format, false),
        report_file_name(report.id, report.format, true), report_chart_file_name(report.id)}) {
    std::filesystem::remove(options_.dir / name, ignored);
  }
}

Result<int> ReportJobs::remove_expired() {
  std::lock_guard run(run_mutex_);
  const ConfigPtr config = config_();
  const ReportsConfig limits = config ? config->reports : ReportsConfig{};
  auto all = store_.reports_created_before(WallTime::max());
  if (!all) return std::unexpected(all.error());
  const WallTime oldest_kept = clock_.now() - limits.retention;
  std::uintmax_t total = 0;
  std::vector<std::uintmax_t> sizes;
  for (const StoredReport& report : *all) {
    sizes.push_back(files_size(options_.dir, report));
    total += sizes.back();
  }
  int removed = 0;
  for (std::size_t i = 0; i < all->size(); ++i) {
    const StoredReport& report = (*all)[i];
    const bool expired = report.created_at < oldest_kept;
    const bool over_budget =
        limits.max_bytes > 0 && total > limits.max_bytes && report.status != "pending";
    if (!expired && !over_budget) continue;
    remove_files(report);
    total -= sizes[i];
    if (auto deleted = store_.delete_report(report.id); !deleted) {
      if (deleted.error().kind != WriteFailure::not_found) return fail(deleted.error().message);
      continue;
    }
    log::info("report removed",
              {{"report", report.id}, {"reason", expired ? "retention" : "reports.max_bytes"}});
    ++removed;
  }
  return removed;
}

ReportJobStats ReportJobs::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

}  // namespace slamon::reports
