// slamon_bench_cycle_under_reports: does rendering reports slow the evaluation cycle down?
// One database holds the cycle benchmark's fleet (10,000 policies × 3 thresholds over 5,000
// sites, 1,414 breaches updated every cycle) and a report organization (1,000 policies × 3
// metrics with 30 days of history). As in the daemon, one Store and one History are shared by a
// real Engine (in-process source, so the figures are slamon's own work and its contention, not
// a Prometheus's) and the report worker. The cycle is timed with nothing else running, while the
// daemon's real report worker (ReportJobs: one thread, one report at a time) renders four queued
// monthly PDFs back to back, and while four threads each render monthly PDFs (build_report
// through the SLA read model, then render_pdf) as a stress case. Markdown to stdout, one line
// per cycle to stderr; see bench/README.md.
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "../cycle/fleet.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/uuid.h"
#include "engine/engine.h"
#include "history/history.h"
#include "report_history.h"
#include "reports/pdf.h"
#include "reports/report.h"
#include "reports/report_jobs.h"
#include "slaview/sla_view.h"
#include "store/store.h"

namespace slamon::bench {
namespace {

using Steady = std::chrono::steady_clock;

double seconds_since(Steady::time_point start) {
  return std::chrono::duration<double>(Steady::now() - start).count();
}

// The calling thread's time on a CPU and its time runnable but waiting for one, from the
// scheduler's own accounting (/proc/thread-self/schedstat, nanoseconds).
struct ThreadSchedule {
  double on_cpu = 0, waiting_for_cpu = 0;
};

ThreadSchedule thread_schedule() {
  std::ifstream in("/proc/thread-self/schedstat");
  double on_cpu = 0, waiting = 0;
  in >> on_cpu >> waiting;
  return {on_cpu / 1e9, waiting / 1e9};
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

struct CycleSample {
  double wall = 0, fetch = 0, evaluate = 0, commit = 0;
  // The thread that runs the cycle (planning, evaluate and commit run on it; the queries on
  // threads of their own): on a CPU, runnable but waiting for one, and neither (waiting on a
  // lock, the disk or the query threads).
  double on_cpu = 0, waiting_for_cpu = 0, blocked = 0;
};

// The statistics of one field over a phase's cycles: median and p95 (nearest rank).
struct Spread {
  double median = 0, p95 = 0;
};

Spread spread_of(const std::vector<CycleSample>& samples, double CycleSample::*field) {
  std::vector<double> values;
  for (const auto& sample : samples) values.push_back(sample.*field);
  std::sort(values.begin(), values.end());
  const auto rank = [&](double q) {
    const auto index = static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size())));
    return values[std::clamp<std::size_t>(index, 1, values.size()) - 1];
  };
  return {rank(0.5), rank(0.95)};
}

// How the report worker's thread is scheduled (--worker-priority): as the daemon starts it (the
// worker lowers itself to nice 19), or set from outside first (nice 19 again, or SCHED_IDLE).
enum class WorkerPriority { normal, nice19, idle };

// Applies `priority` to the calling thread; threads it starts inherit it (Linux: the nice
// value and the policy are per thread and copied at creation).
void lower_this_thread(WorkerPriority priority) {
  if (priority == WorkerPriority::nice19) {
    if (setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 19) != 0) {
      throw std::runtime_error(std::string("setpriority: ") + std::strerror(errno));
    }
  } else if (priority == WorkerPriority::idle) {
    sched_param param{};
    if (sched_setscheduler(0, SCHED_IDLE, &param) != 0) {
      throw std::runtime_error(std::string("sched_setscheduler: ") + std::strerror(errno));
    }
  }
}

class Bench {
 public:
  struct Options {
    int sites = 5000;
    int policies = 1000;
    int days = 30;
    int rounds = 3;
    int cycles = 8;  // per phase and round
    int gap_ms = 200;
    int queued = 4;
    int stress_threads = 4;
    // One worker phase per entry, all taking turns in each round; the goal is judged on the
    // first.
    std::vector<WorkerPriority> worker_priorities{WorkerPriority::normal};
  };

  Bench(Options options, const std::filesystem::path& dir)
      : options_(options),
        dir_(dir),
        database_((dir / "slamon.db").string()),
        fleet_(make_fleet(FleetOptions{.sites = options.sites})),
        report_org_(make_report_org(options.policies, options.days)),
        clock_(report_org_.period_end + std::chrono::hours(1)) {}

  int run();

 private:
  // One condition the cycle runs under, over every round.
  struct Phase {
    explicit Phase(std::string phase_name) : name(std::move(phase_name)) {}
    std::string name;
    std::vector<CycleSample> cycles;
    int overlapped = 0;  // cycles that began and ended while a report was rendering
    int renders = 0;     // reports finished during the phase's blocks
    double render_seconds = 0;
  };

  CycleSample run_cycle();
  // One round's block of `cycles` cycles, `gap_ms` apart, appended to `phase`; `rendering`
  // tells whether a report is being rendered now.
  void run_block(Phase& phase, const std::function<void()>& before_cycle,
                 const std::function<bool()>& rendering);
  void idle_block(Phase& phase);
  void worker_block(Phase& phase, WorkerPriority priority);
  void stress_block(Phase& phase);
  void queue_reports(int count);
  void print(const std::vector<Phase>& phases, const std::string& load_at_start) const;

  Options options_;
  std::filesystem::path dir_;
  std::string database_;
  Fleet fleet_;
  ConfigPtr engine_config_;
  ReportOrg report_org_;
  ConfigPtr report_config_;  // the report org with its policies, as the worker resolves them
  FakeClock clock_;          // the engine's and the history's
  RealClock worker_clock_;   // the worker's, so its render durations are real
  std::unique_ptr<Store> store_;
  std::unique_ptr<history::History> history_;
  std::unique_ptr<Engine> engine_;
};

CycleSample Bench::run_cycle() {
  clock_.advance(std::chrono::seconds(60));  // the history takes one point per cycle instant
  const ThreadSchedule before = thread_schedule();
  const auto start = Steady::now();
  auto report = engine_->run_cycle(engine_config_);
  const double wall = seconds_since(start);
  const ThreadSchedule after = thread_schedule();
  if (!report) throw std::runtime_error("cycle failed: " + report.error().message);
  if (static_cast<int>(report->snapshot->open_breaches.size()) != fleet_.expected_breaches ||
      report->no_data != 0) {
    throw std::runtime_error(
        "the cycle saw " + std::to_string(report->snapshot->open_breaches.size()) +
        " open breaches and " + std::to_string(report->no_data) + " without data, expected " +
        std::to_string(fleet_.expected_breaches) + " and 0");
  }
  if (engine_->counters().history_append_failures_total != 0) {
    throw std::runtime_error("the cycle could not append to the history");
  }
  (void)store_->checkpoint();  // as the daemon does after each cycle
  CycleSample sample{wall, report->fetch_seconds, report->evaluate_seconds, report->commit_seconds};
  sample.on_cpu = after.on_cpu - before.on_cpu;
  sample.waiting_for_cpu = after.waiting_for_cpu - before.waiting_for_cpu;
  sample.blocked = wall - sample.on_cpu - sample.waiting_for_cpu;
  return sample;
}

void Bench::run_block(Phase& phase, const std::function<void()>& before_cycle,
                      const std::function<bool()>& rendering) {
  for (int i = 0; i < options_.cycles; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(options_.gap_ms));
    before_cycle();
    const bool rendering_before = rendering();
    const CycleSample sample = run_cycle();
    if (rendering_before && rendering()) ++phase.overlapped;
    std::fprintf(stderr,
                 "%s: cycle %zu: %.1f ms (fetch %.1f, evaluate %.1f, commit %.1f; cycle thread on "
                 "a CPU %.1f, waiting for one %.1f, blocked %.1f)\n",
                 phase.name.c_str(), phase.cycles.size() + 1, sample.wall * 1e3, sample.fetch * 1e3,
                 sample.evaluate * 1e3, sample.commit * 1e3, sample.on_cpu * 1e3,
                 sample.waiting_for_cpu * 1e3, sample.blocked * 1e3);
    phase.cycles.push_back(sample);
  }
}

void Bench::idle_block(Phase& phase) {
  run_block(
      phase, [] {}, [] { return false; });
}

void Bench::queue_reports(int count) {
  for (int i = 0; i < count; ++i) {
    StoredReport report;
    report.id = uuid_v4();
    report.org = kReportOrg;
    report.title = "Monthly SLA report";
    report.period_start = report_org_.period_start;
    report.period_end = report_org_.period_end;
    report.format = "pdf";
    for (const Policy& policy : report_org_.policies) report.policy_ids.push_back(policy.id);
    report.created_at = worker_clock_.now();
    report.created_by = "bench";
    if (auto inserted = store_->insert_report(report); !inserted) {
      throw std::runtime_error("cannot queue a report: " + inserted.error().message);
    }
  }
}

// The daemon's case: the report worker renders the queued reports one at a time on its thread.
// Whenever the queue runs dry another `queued` reports are queued, so it never idles. Stopping
// it at the end of the block lets the report in progress finish; the next block's worker
// resumes the ones still pending, as the daemon does after a restart.
void Bench::worker_block(Phase& phase, WorkerPriority priority) {
  reports::ReportJobs jobs([this] { return report_config_; }, *store_, history_.get(),
                           worker_clock_, reports::ReportJobsOptions{dir_ / "reports"});
  auto pending = [this] {
    auto reports = store_->pending_reports();
    if (!reports) throw std::runtime_error(reports.error().message);
    return static_cast<int>(reports->size());
  };
  if (pending() == 0) queue_reports(options_.queued);
  // Started from a thread of its own so that only the worker inherits a lowered priority.
  std::thread([&] {
    lower_this_thread(priority);
    jobs.start();
  }).join();
  run_block(
      phase,
      [&] {
        if (pending() == 0) {
          queue_reports(options_.queued);
          jobs.wake();
        }
      },
      [&] { return pending() > 0; });
  jobs.stop();
  const reports::ReportJobStats stats = jobs.stats();
  phase.renders += static_cast<int>(stats.durations);
  phase.render_seconds += stats.duration_seconds_sum;
  if (stats.renders.contains({"pdf", "failure"})) {
    throw std::runtime_error("the worker failed to render a report");
  }
}

// Stress: `stress_threads` threads each render monthly PDFs back to back through the same
// Store and History, competing with the cycle (and each other) for the two cores.
void Bench::stress_block(Phase& phase) {
  std::atomic<bool> stopping = false;
  std::atomic<int> renders = 0;
  std::atomic<int> busy = 0;
  std::atomic<long long> render_micros = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < options_.stress_threads; ++t) {
    threads.emplace_back([&] {
      while (!stopping) {
        ++busy;
        const auto start = Steady::now();
        const slaview::SlaView view(*report_config_, *store_, history_.get());
        auto report = reports::build_report(view, *report_config_,
                                            {kReportOrg,
                                             report_org_.policies,
                                             {report_org_.period_start, report_org_.period_end},
                                             worker_clock_.now(),
                                             ""});
        auto pdf = report ? reports::render_pdf(*report)
                          : Result<std::string>(std::unexpected(report.error()));
        --busy;
        if (!pdf) {
          std::fprintf(stderr, "stress render failed: %s\n", pdf.error().message.c_str());
          std::abort();
        }
        render_micros += static_cast<long long>(seconds_since(start) * 1e6);
        ++renders;
      }
    });
  }
  // Every thread is rendering before the first cycle.
  while (busy < options_.stress_threads) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  run_block(
      phase, [] {}, [&] { return busy > 0; });
  stopping = true;
  for (auto& thread : threads) thread.join();
  phase.renders += renders;
  phase.render_seconds += static_cast<double>(render_micros) / 1e6;
}

void Bench::print(const std::vector<Phase>& phases, const std::string& load_at_start) const {
  const Spread baseline = spread_of(phases.front().cycles, &CycleSample::wall);
  std::printf("# Evaluation cycle while reports render\n\n");
  std::printf("- machine: %u CPUs; load average at start %s, at end %s\n",
              std::thread::hardware_concurrency(), load_at_start.c_str(), load_average().c_str());
  std::printf(
      "- fleet: %zu policies × 3 thresholds over %zu sites, %d open breaches updated per cycle; "
      "in-process source; one Store and one History shared with the reports, as in the daemon\n",
      fleet_.policies.size(), fleet_.sites.size(), fleet_.expected_breaches);
  std::printf("- reports: monthly PDF of %zu policies × 3 metrics, %d days of history\n",
              report_org_.policies.size(), options_.days);
  std::printf(
      "- %d rounds; in each, every phase in turn runs %d cycles, %d ms apart; times in "
      "ms, medians but for the p95 column\n\n",
      options_.rounds, options_.cycles, options_.gap_ms);
  std::printf(
      "| phase | cycle median | cycle p95 | median vs idle | p95 vs idle | fetch | evaluate | "
      "commit | cycle thread on a CPU | waiting for a CPU | blocked | cycles overlapping a render "
      "| reports rendered, s each |\n"
      "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (const auto& phase : phases) {
    const Spread wall = spread_of(phase.cycles, &CycleSample::wall);
    const auto median_ms = [&](double CycleSample::*field) {
      return spread_of(phase.cycles, field).median * 1e3;
    };
    std::printf(
        "| %s | %.1f | %.1f | %+.1f %% | %+.1f %% | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | ",
        phase.name.c_str(), wall.median * 1e3, wall.p95 * 1e3,
        (wall.median / baseline.median - 1) * 100, (wall.p95 / baseline.p95 - 1) * 100,
        median_ms(&CycleSample::fetch), median_ms(&CycleSample::evaluate),
        median_ms(&CycleSample::commit), median_ms(&CycleSample::on_cpu),
        median_ms(&CycleSample::waiting_for_cpu), median_ms(&CycleSample::blocked));
    if (&phase == &phases.front()) {
      std::printf("– | – |\n");
    } else {
      std::printf("%d of %zu | %d, %.1f |\n", phase.overlapped, phase.cycles.size(), phase.renders,
                  phase.renders ? phase.render_seconds / phase.renders : 0.0);
    }
  }
  const double longer =
      spread_of(phases[1].cycles, &CycleSample::wall).median / baseline.median - 1;
  std::printf(
      "\nGoal: the cycle at most 10 %% longer while the report worker renders (median): "
      "%+.1f %%, **%s**\n",
      longer * 100, longer <= 0.10 ? "met" : "not met");
}

int Bench::run() {
  log::configure(log::Level::warn, log::Format::logfmt);
  const std::string load_at_start = load_average();
  const auto load_start = Steady::now();
  if (auto loaded = load_report_history(database_, clock_, report_org_); !loaded) {
    throw std::runtime_error(loaded.error().message);
  }
  auto config = std::make_shared<Config>(report_org_.config);
  for (Policy policy : report_org_.policies) {
    policy.provisioned = true;  // from a rule file, as ReportJobs resolves them
    config->policies.push_back(std::move(policy));
  }
  report_config_ = config;
  engine_config_ = make_config(fleet_, "http://in-process", QueryMode::batched);

  auto store = Store::open(database_);
  if (!store) throw std::runtime_error(store.error().message);
  store_ = std::move(*store);
  auto history = history::History::open(database_, clock_);
  if (!history) throw std::runtime_error(history.error().message);
  history_ = std::move(*history);
  auto source = std::make_shared<FleetSource>(fleet_);
  engine_ = std::make_unique<Engine>(clock_, store_.get(),
                                     [source](const SourceConfig&) { return source; });
  engine_->set_history(history_.get());
  run_cycle();  // warm-up: opens the breaches
  std::fprintf(stderr, "loaded and warmed up in %.1f s\n", seconds_since(load_start));

  // The phases take turns, a block of cycles each per round, so that a change in the machine's
  // speed or load during the run weighs on all of them alike.
  const std::string worker_name =
      "one worker, " + std::to_string(options_.queued) + " queued reports";
  std::vector<Phase> phases{Phase{"idle"}};
  for (WorkerPriority priority : options_.worker_priorities) {
    phases.emplace_back(priority == WorkerPriority::nice19 ? worker_name + ", worker at nice 19"
                        : priority == WorkerPriority::idle ? worker_name + ", worker SCHED_IDLE"
                                                           : worker_name);
  }
  phases.emplace_back(std::to_string(options_.stress_threads) + " threads rendering (stress)");
  for (int round = 0; round < options_.rounds; ++round) {
    idle_block(phases[0]);
    for (std::size_t w = 0; w < options_.worker_priorities.size(); ++w) {
      worker_block(phases[1 + w], options_.worker_priorities[w]);
    }
    if (options_.stress_threads > 0) stress_block(phases.back());
  }
  if (options_.stress_threads == 0) phases.pop_back();
  print(phases, load_at_start);
  return 0;
}

}  // namespace
}  // namespace slamon::bench

int main(int argc, char** argv) {
  using namespace slamon::bench;
  CLI::App app{"slamon_bench_cycle_under_reports: the evaluation cycle while reports render"};
  Bench::Options options;
  std::string dir;
  app.add_option("--sites", options.sites, "fleet sites (2 policies × 3 thresholds each)")
      ->capture_default_str();
  app.add_option("--policies", options.policies, "policies in each report (3 metrics each)")
      ->capture_default_str();
  app.add_option("--days", options.days, "days of history, the report's period")
      ->capture_default_str();
  app.add_option("--rounds", options.rounds, "rounds of the phases, taking turns")
      ->capture_default_str();
  app.add_option("--cycles", options.cycles, "cycles per phase and round")->capture_default_str();
  app.add_option("--gap-ms", options.gap_ms, "pause before each cycle")->capture_default_str();
  app.add_option("--queued", options.queued, "reports queued for the worker at a time")
      ->capture_default_str();
  app.add_option("--stress-threads", options.stress_threads,
                 "threads rendering at once in the stress phase (0: no stress phase)")
      ->capture_default_str();
  app.add_option("--worker-priority", options.worker_priorities,
                 "the report worker thread's scheduling: normal (as the daemon runs it: it lowers "
                 "itself to nice 19), nice19 or "
                 "idle (SCHED_IDLE); repeat it for a worker phase of each")
      ->transform(CLI::CheckedTransformer(
          std::map<std::string, WorkerPriority>{{"normal", WorkerPriority::normal},
                                                {"nice19", WorkerPriority::nice19},
                                                {"idle", WorkerPriority::idle}}))
      ->default_str("normal")
      ->expected(1, 3);
  app.add_option("--dir", dir,
                 "folder for the database and the reports (default: a temporary "
                 "folder, removed at the end)");
  CLI11_PARSE(app, argc, argv);

  namespace fs = std::filesystem;
  const bool own_dir = dir.empty();
  if (own_dir) {
    dir = (fs::temp_directory_path() /
           ("slamon-bench-cycle-under-reports-" + std::to_string(::getpid())))
              .string();
  }
  fs::create_directories(dir);
  for (const char* file : {"slamon.db", "slamon.db-wal", "slamon.db-shm"}) {
    fs::remove(fs::path(dir) / file);
  }
  int status = 1;
  try {
    status = Bench(options, dir).run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "slamon_bench_cycle_under_reports: %s\n", e.what());
  }
  if (own_dir) fs::remove_all(dir);
  return status;
}
