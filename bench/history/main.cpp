// slamon_bench_history: the measured-value history and the status timelines (SPEC §7.1) at fleet
// scale. Loads N series × D days of 5-minute points through History::import_days (the bulk
// path: chunks written directly, never point by point) and P policies × D days of status
// segments through Store::commit, then measures bytes on disk per series-day, the latency of a
// 30-day p99 for one series, 90-day summaries of every series, the daily status rollup and the
// 90-day compliance of every policy from it (Store::status_totals), appending a cycle for every
// series, and the longest maintain() call while compacting and downsampling.
// Markdown to stdout, progress to stderr; see bench/history/README.md.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "history/history.h"
#include "sla/accounting.h"
#include "store/sqlite.h"
#include "store/store.h"

namespace {

using namespace slamon;
using history::History;
using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using Steady = std::chrono::steady_clock;

constexpr int kPointsPerDay = 288;  // a 5-minute cycle

double millis_since(Steady::time_point start) {
  return std::chrono::duration<double, std::milli>(Steady::now() - start).count();
}

// CPU time of this thread: the machine may be shared, so every timing is also given in CPU time.
double thread_cpu_ms() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

std::uint64_t splitmix(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
double uniform(std::uint64_t& state) {
  return static_cast<double>(splitmix(state) >> 11) * 0x1.0p-53;
}

// Values shaped like what the metrics carry. "mixed": per metric (series index mod 6), mostly
// constant availability, full-precision latency means, rare loss, slowly moving integer scores,
// two-decimal satisfaction, rare error fractions. "noisy": every series a full-precision mean
// (the worst case for the XOR encoding).
struct Generator {
  bool noisy = false;
  double value(int series, std::uint64_t& state, double& level) const {
    const int kind = noisy ? 1 : series % 6;
    switch (kind) {
      case 0:
        return uniform(state) < 0.97 ? 100.0 : 100.0 * (1.0 - (1 + splitmix(state) % 5) / 60.0);
      case 1:
        return level + 4.0 * (uniform(state) + uniform(state) - 1.0);
      case 2:
        return uniform(state) < 0.9 ? 0.0 : 2.0 * uniform(state);
      case 3:
        if (uniform(state) < 0.2)
          level = std::clamp(level + (uniform(state) < 0.5 ? -1 : 1), 60.0, 100.0);
        return level;
      case 4:
        return std::round((level + 3.0 * uniform(state)) * 100.0) / 100.0;
      default:
        return uniform(state) < 0.85 ? 0.0 : (1 + splitmix(state) % 20) / 1000.0;
    }
  }
  double start_level(int series) const {
    const int kind = noisy ? 1 : series % 6;
    return kind == 3 ? 90.0 : kind == 4 ? 80.0 : 5.0 + (series % 75);
  }
};

// Zero-padded so that the store's (policy_id, start) order is the numeric order.
std::string policy_name(int p) {
  char name[32];
  std::snprintf(name, sizeof name, "policy-%06d", p);
  return name;
}
std::string policy_of(int s) {
  return policy_name(s / 6);
}
Metric metric_of(int s) {
  return kAllMetrics[static_cast<std::size_t>(s % 6)];
}

long long rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atoll(line.c_str() + 6);
  }
  return -1;
}

struct Percentiles {
  double p50, p99, max;
};
// Bytes of the pages of each table and index (page slack counted).
std::vector<std::pair<std::string, long long>> pages_by_name(const std::string& path) {
  std::vector<std::pair<std::string, long long>> out;
  auto db = slamon::sqlite::Connection::open(path);
  if (!db) return out;
  auto pages = db->prepare("pages", "SELECT name, sum(pgsize) FROM dbstat GROUP BY name");
  while (pages) {
    auto row = pages->step();
    if (!row || !*row) break;
    out.emplace_back(pages->column_text(0), pages->column_int64(1));
  }
  return out;
}

// A policy's status timeline, as the engine writes it: up, with `breaches_per_day` breaches a
// day on average (degraded or down, 5 to 60 minutes), the up stretch between them one row.
void status_timeline(int policy, WallTime base, int days_count, double breaches_per_day,
                     std::vector<slamon::StoredStatusSegment>& out) {
  std::uint64_t state = 0xC0FFEE00ull + static_cast<std::uint64_t>(policy);
  const std::string id = policy_name(policy);
  const std::string org = "org-" + std::to_string(policy % 20);
  WallTime up_since = base;
  for (int d = 0; d < days_count; ++d) {
    const WallTime day_start = base + days(d);
    const int whole = static_cast<int>(breaches_per_day);
    const int count = whole + (uniform(state) < breaches_per_day - whole ? 1 : 0);
    std::vector<std::pair<WallTime, WallTime>> breaches;
    for (int b = 0; b < count; ++b) {
      const WallTime start = day_start + minutes(5 * static_cast<int>(splitmix(state) % 276));
      breaches.emplace_back(start,
                            start + minutes(5 * (1 + static_cast<int>(splitmix(state) % 12))));
    }
    std::sort(breaches.begin(), breaches.end());
    for (auto [start, end] : breaches) {
      if (start < up_since) continue;  // overlaps the previous breach
      if (start > up_since) out.push_back({id, org, up_since, start, "up"});
      out.push_back({id, org, start, end, uniform(state) < 0.7 ? "degraded" : "down"});
      up_since = end;
    }
  }
  out.push_back({id, org, up_since, base + days(days_count), "up"});
}

Percentiles summarize(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  auto at = [&](double p) {
    return v[std::min(v.size() - 1, static_cast<std::size_t>(p * v.size()))];
  };
  return {at(0.5), at(0.99), v.back()};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"slamon history benchmark (SPEC §7.1)"};
  int series_count = 10'000;
  int day_count = 130;
  int policy_count = 10'000;
  double breaches_per_day = 2;
  int queries = 200;
  int stats_sample = 500;
  int append_days = 1;
  std::string dir = "/tmp";
  std::string values = "mixed";
  bool keep = false;
  bool baseline_scan = false;
  app.add_option("--series", series_count, "history series (policy × metric)");
  app.add_option("--days", day_count,
                 "days of history and status loaded before today (400 for the full retention; "
                 "130 covers every 90-day read and the 35 raw days in a third of the time)");
  app.add_option("--policies", policy_count, "policies with a status timeline (0 to skip)");
  app.add_option("--breaches-per-day", breaches_per_day,
                 "breaches per policy-day in the status timelines (2 = 4 status changes)");
  app.add_option("--queries", queries, "30-day p99 queries timed");
  app.add_option("--stats-sample", stats_sample, "series read one by one with 90-day stats()");
  app.add_option("--append-days", append_days, "days appended cycle by cycle (0 to skip)");
  app.add_option("--dir", dir, "where the database file goes");
  app.add_option("--values", values, "mixed | noisy")->check(CLI::IsMember({"mixed", "noisy"}));
  app.add_flag("--keep", keep, "keep the database file");
  app.add_flag("--baseline-scan", baseline_scan,
               "also time the 90-day compliance of every policy read from the raw segments "
               "(Store::status_segments over all policies), the read the rollup replaces");
  CLI11_PARSE(app, argc, argv);
  const Generator generator{values == "noisy"};
  const auto run_start = Steady::now();

  const std::filesystem::path folder =
      std::filesystem::path(dir) / ("slamon-bench-history-" + std::to_string(::getpid()));
  std::filesystem::create_directories(folder);
  const std::string path = (folder / "slamon.db").string();
  int status = 1;
  {
    auto store = Store::open(path);
    if (!store) {
      std::fprintf(stderr, "store: %s\n", store.error().message.c_str());
      return 1;
    }
    const WallTime base = WallTime{seconds{20'000LL * 86'400}};  // a UTC midnight
    const WallTime today = base + days(day_count);
    FakeClock clock(today);
    auto opened = History::open(path, clock);
    if (!opened) {
      std::fprintf(stderr, "history: %s\n", opened.error().message.c_str());
      return 1;
    }
    History& h = **opened;

    // ---- bulk load of the history -----------------------------------------------------------
    // Day d + 1 is generated on a second thread while day d is imported.
    std::vector<std::uint64_t> rng(static_cast<std::size_t>(series_count));
    std::vector<double> level(rng.size());
    for (int s = 0; s < series_count; ++s) {
      rng[static_cast<std::size_t>(s)] = 0x5EED0000ull + static_cast<std::uint64_t>(s);
      level[static_cast<std::size_t>(s)] = generator.start_level(s);
    }
    const auto load_start = Steady::now();
    const double load_cpu_start = thread_cpu_ms();
    std::vector<history::ImportedDay> current(static_cast<std::size_t>(series_count));
    for (int s = 0; s < series_count; ++s) {
      current[static_cast<std::size_t>(s)].policy_id = policy_of(s);
      current[static_cast<std::size_t>(s)].metric = metric_of(s);
      current[static_cast<std::size_t>(s)].points.resize(kPointsPerDay);
    }
    std::vector<history::ImportedDay> next = current;
    auto generate = [&](std::vector<history::ImportedDay>& batch, int d) {
      const WallTime day_start = base + days(d);
      for (int s = 0; s < series_count; ++s) {
        auto& points = batch[static_cast<std::size_t>(s)].points;
        auto& state = rng[static_cast<std::size_t>(s)];
        auto& lvl = level[static_cast<std::size_t>(s)];
        for (int i = 0; i < kPointsPerDay; ++i) {
          points[static_cast<std::size_t>(i)] = {day_start + minutes(5 * i),
                                                 generator.value(s, state, lvl)};
        }
      }
    };
    if (day_count > 0) generate(current, 0);
    for (int d = 0; d < day_count; ++d) {
      std::thread producer([&] {
        if (d + 1 < day_count) generate(next, d + 1);
      });
      auto imported = h.import_days(current);
      producer.join();
      if (!imported) {
        std::fprintf(stderr, "import: %s\n", imported.error().message.c_str());
        return 1;
      }
      std::swap(current, next);
      if (d % 50 == 49)
        std::fprintf(stderr, "loaded %d/%d days (%.0f s)\n", d + 1, day_count,
                     millis_since(load_start) / 1000);
    }
    current = {};
    next = {};
    const double load_ms = millis_since(load_start);
    const double load_cpu_ms = thread_cpu_ms() - load_cpu_start;

    // ---- bulk load of the status timelines --------------------------------------------------
    long long segment_rows = 0;
    double segments_load_ms = 0;
    if (policy_count > 0) {
      const auto start = Steady::now();
      constexpr int kPoliciesPerCommit = 250;
      CycleWrite write;
      for (int p = 0; p < policy_count; p += kPoliciesPerCommit) {
        write.segments.clear();
        for (int q = p; q < std::min(policy_count, p + kPoliciesPerCommit); ++q) {
          status_timeline(q, base, day_count, breaches_per_day, write.segments);
        }
        segment_rows += static_cast<long long>(write.segments.size());
        if (auto committed = (*store)->commit(write); !committed) {
          std::fprintf(stderr, "store: %s\n", committed.error().message.c_str());
          return 1;
        }
        if (auto checkpointed = (*store)->checkpoint(); !checkpointed) {
          std::fprintf(stderr, "checkpoint: %s\n", checkpointed.error().message.c_str());
          return 1;
        }
        if ((p / kPoliciesPerCommit) % 8 == 7)
          std::fprintf(stderr, "stored the status of %d/%d policies (%.0f s)\n",
                       p + kPoliciesPerCommit, policy_count, millis_since(start) / 1000);
      }
      segments_load_ms = millis_since(start);
    }

    // ---- the daily status rollup ------------------------------------------------------------
    // As the daemon runs it after cycles: every day older than one day is summed. First the
    // whole backlog (an upgrade from a database without the rollup), then one more day.
    double rollup_backlog_ms = 0, rollup_day_ms = 0;
    int rollup_backlog_days = 0;
    if (policy_count > 0) {
      const auto start = Steady::now();
      auto rolled = (*store)->roll_up_status_days(today - days(2));
      rollup_backlog_ms = millis_since(start);
      const auto one_day = Steady::now();
      auto rolled_day = (*store)->roll_up_status_days(today - days(1));
      rollup_day_ms = millis_since(one_day);
      if (!rolled || !rolled_day || *rolled_day != 1) {
        std::fprintf(stderr, "status rollup failed\n");
        return 1;
      }
      rollup_backlog_days = *rolled;
    }

    // ---- bytes on disk ----------------------------------------------------------------------
    long long raw_bytes = 0, hourly_bytes = 0, other_bytes = 0, segment_bytes = 0, rollup_bytes = 0;
    for (const auto& [name, bytes] : pages_by_name(path)) {
      if (name == "history_raw")
        raw_bytes = bytes;
      else if (name == "history_hourly")
        hourly_bytes = bytes;
      else if (name.find("history") != std::string::npos)
        other_bytes += bytes;
      else if (name == "policy_status_segments")
        segment_bytes = bytes;
      else if (name == "policy_status_days")
        rollup_bytes = bytes;
    }
    const int raw_days = std::min(day_count, 35);
    const double series_days = static_cast<double>(series_count) * day_count;
    const double total_bytes = static_cast<double>(raw_bytes + hourly_bytes + other_bytes);

    // ---- 30-day p99 for one series ----------------------------------------------------------
    std::vector<double> p99_ms, p99_cpu_ms;
    std::uint64_t pick = 42;
    for (int q = 0; q < queries; ++q) {
      const int s = static_cast<int>(splitmix(pick) % static_cast<std::uint64_t>(series_count));
      const auto start = Steady::now();
      const double cpu = thread_cpu_ms();
      auto stats = h.stats(policy_of(s), metric_of(s), today - days(30), today);
      p99_ms.push_back(millis_since(start));
      p99_cpu_ms.push_back(thread_cpu_ms() - cpu);
      if (!stats || !*stats || (*stats)->count != 30LL * kPointsPerDay) {
        std::fprintf(stderr, "30-day stats failed for series %d\n", s);
        return 1;
      }
    }
    const Percentiles p99_latency = summarize(p99_ms);
    const Percentiles p99_cpu = summarize(p99_cpu_ms);

    // ---- 90-day summaries of every series ---------------------------------------------------
    // Three runs: the first after the loads above, with whatever of the file the OS caches.
    const int window_90 = std::min(day_count, 90);
    std::vector<double> summaries_ms, summaries_cpu_ms;
    for (int run = 0; run < 3; ++run) {
      const auto start = Steady::now();
      const double cpu = thread_cpu_ms();
      auto summaries = h.summaries(today - days(window_90), today);
      summaries_ms.push_back(millis_since(start));
      summaries_cpu_ms.push_back(thread_cpu_ms() - cpu);
      long long counted = 0;
      if (summaries) {
        for (const auto& summary : *summaries) counted += summary.count;
      }
      if (!summaries || summaries->size() != static_cast<std::size_t>(series_count) ||
          counted != static_cast<long long>(series_count) * window_90 * kPointsPerDay) {
        std::fprintf(stderr, "90-day summaries failed: %s\n",
                     summaries ? "wrong counts" : summaries.error().message.c_str());
        return 1;
      }
    }

    // ---- 90-day stats() one series at a time, on a sample -----------------------------------
    double sample_ms = 0, sample_cpu_ms = 0;
    const int sampled = std::min(stats_sample, series_count);
    if (sampled > 0) {
      const auto start = Steady::now();
      const double cpu = thread_cpu_ms();
      for (int i = 0; i < sampled; ++i) {
        const int s = static_cast<int>(static_cast<long long>(i) * series_count / sampled);
        auto stats = h.stats(policy_of(s), metric_of(s), today - days(window_90), today);
        if (!stats || !*stats ||
            (*stats)->count != static_cast<long long>(window_90) * kPointsPerDay) {
          std::fprintf(stderr, "90-day stats failed for series %d\n", s);
          return 1;
        }
      }
      sample_ms = millis_since(start);
      sample_cpu_ms = thread_cpu_ms() - cpu;
    }

    // ---- 90-day compliance of every policy --------------------------------------------------
    // As the API computes it: the timelines from the store, grouped by policy, sla::distribution.
    struct ComplianceRun {
      double read_ms = 0, read_cpu_ms = 0, reduce_ms = 0, reduce_cpu_ms = 0;
      std::size_t rows = 0, policies = 0;
      double mean_compliance = 0;
    };
    // Reduces the segments (ordered by policy, start) to each policy's compliance.
    auto reduce = [&](const std::vector<StoredStatusSegment>& segments, const sla::Interval& window,
                      ComplianceRun& run) {
      const auto start = Steady::now();
      const double cpu = thread_cpu_ms();
      std::vector<sla::StatusSegment> timeline;
      double sum = 0;
      for (std::size_t i = 0; i < segments.size();) {
        const std::string& policy = segments[i].policy_id;
        timeline.clear();
        for (; i < segments.size() && segments[i].policy_id == policy; ++i) {
          const auto& stored = segments[i];
          timeline.push_back({stored.start, stored.end,
                              sla::parse_policy_status_kind(stored.status)
                                  .value_or(sla::PolicyStatusKind::unknown)});
        }
        sum += sla::distribution(timeline, window).compliance_ratio().value_or(0);
        ++run.policies;
      }
      run.reduce_ms = millis_since(start);
      run.reduce_cpu_ms = thread_cpu_ms() - cpu;
      run.rows = segments.size();
      run.mean_compliance = run.policies ? sum / static_cast<double>(run.policies) : 0;
    };
    const sla::Interval window{today - days(window_90), today};
    // As the API reads them today: Store::status_segments(nullopt, from, to).
    auto compliance_of_all = [&]() -> std::optional<ComplianceRun> {
      ComplianceRun run;
      const auto start = Steady::now();
      const double cpu = thread_cpu_ms();
      auto segments = (*store)->status_segments(std::nullopt, window.start, window.end);
      run.read_ms = millis_since(start);
      run.read_cpu_ms = thread_cpu_ms() - cpu;
      if (!segments) {
        std::fprintf(stderr, "status segments: %s\n", segments.error().message.c_str());
        return std::nullopt;
      }
      reduce(*segments, window, run);
      return run;
    };
    // As the Store answers it: whole days from the daily rollup, the rest (here the last day,
    // not summed yet) from each policy's segments read by primary key.
    auto compliance_from_totals = [&]() -> std::optional<ComplianceRun> {
      ComplianceRun run;
      const auto start = Steady::now();
      const double cpu = thread_cpu_ms();
      auto totals = (*store)->status_totals(std::nullopt, window.start, window.end);
      run.read_ms = millis_since(start);
      run.read_cpu_ms = thread_cpu_ms() - cpu;
      if (!totals) {
        std::fprintf(stderr, "status totals: %s\n", totals.error().message.c_str());
        return std::nullopt;
      }
      const auto reduce_start = Steady::now();
      const double reduce_cpu = thread_cpu_ms();
      double sum = 0;
      for (const StatusTotals& t : *totals) {
        const auto counted = (t.up + t.degraded + t.down).count();
        sum += counted > 0 ? static_cast<double>(t.up.count()) / static_cast<double>(counted) : 0;
        ++run.policies;
      }
      run.rows = totals->size();
      run.reduce_ms = millis_since(reduce_start);
      run.reduce_cpu_ms = thread_cpu_ms() - reduce_cpu;
      run.mean_compliance = run.policies ? sum / static_cast<double>(run.policies) : 0;
      return run;
    };
    std::vector<ComplianceRun> compliance, compliance_scan;
    std::string plan;
    if (policy_count > 0) {
      for (int run = 0; run < 3; ++run) {
        auto r = compliance_from_totals();
        if (!r || r->policies != static_cast<std::size_t>(policy_count)) return 1;
        compliance.push_back(*r);
      }
      if (baseline_scan) {
        auto db = sqlite::Connection::open(path);
        auto explain = db->prepare(
            "plan",
            "EXPLAIN QUERY PLAN SELECT policy_id, org, start_ms, end_ms, status FROM "
            "policy_status_segments WHERE (?1 IS NULL OR policy_id = ?1) AND start_ms < ?3 "
            "AND end_ms > ?2 ORDER BY policy_id, start_ms");
        while (explain) {
          auto row = explain->step();
          if (!row || !*row) break;
          plan += (plan.empty() ? "" : "; ") + explain->column_text(3);
        }
        auto r = compliance_of_all();
        if (!r || std::abs(r->mean_compliance - compliance.front().mean_compliance) > 1e-9) {
          std::fprintf(stderr, "the rollup disagrees with the segments\n");
          return 1;
        }
        compliance_scan.push_back(*r);
      }
    }

    // ---- appending cycles, then compaction and downsampling ---------------------------------
    std::vector<double> append_ms, append_cpu_ms;
    std::vector<history::Observation> cycle(static_cast<std::size_t>(series_count));
    for (int s = 0; s < series_count; ++s) {
      cycle[static_cast<std::size_t>(s)] = {policy_of(s), metric_of(s), 0};
    }
    for (int c = 0; c < append_days * kPointsPerDay; ++c) {
      const WallTime at = today + minutes(5 * c);
      clock.set(at);
      for (int s = 0; s < series_count; ++s) {
        cycle[static_cast<std::size_t>(s)].value = generator.value(
            s, rng[static_cast<std::size_t>(s)], level[static_cast<std::size_t>(s)]);
      }
      const auto start = Steady::now();
      const double cpu = thread_cpu_ms();
      if (auto appended = h.append(at, cycle); !appended) {
        std::fprintf(stderr, "append: %s\n", appended.error().message.c_str());
        return 1;
      }
      append_ms.push_back(millis_since(start));
      append_cpu_ms.push_back(thread_cpu_ms() - cpu);
      if (c % 96 == 95) std::fprintf(stderr, "appended %d cycles\n", c + 1);
    }
    const long long rss_after_append = rss_kib();
    // Summaries with a day in the head (memory) and the rest in hourly aggregates.
    std::vector<double> tail_summaries_ms, tail_summaries_cpu_ms;
    for (int run = 0; run < 2 && append_days > 0; ++run) {
      const WallTime now = today + days(append_days);
      const auto start = Steady::now();
      const double cpu = thread_cpu_ms();
      auto summaries = h.summaries(now - days(window_90), now);
      tail_summaries_ms.push_back(millis_since(start));
      tail_summaries_cpu_ms.push_back(thread_cpu_ms() - cpu);
      long long counted = 0;
      if (summaries) {
        for (const auto& summary : *summaries) counted += summary.count;
      }
      if (counted != static_cast<long long>(series_count) * window_90 * kPointsPerDay) {
        std::fprintf(stderr, "90-day summaries with a head day counted %lld points\n", counted);
        return 1;
      }
    }
    std::vector<double> maintain_ms, maintain_cpu_ms;
    double maintain_total_ms = 0;
    if (append_days > 0) {
      clock.set(today + days(append_days) + hours(2));
      const auto all = Steady::now();
      while (true) {
        const auto start = Steady::now();
        const double cpu = thread_cpu_ms();
        auto more = h.maintain();
        maintain_ms.push_back(millis_since(start));
        maintain_cpu_ms.push_back(thread_cpu_ms() - cpu);
        if (!more) {
          std::fprintf(stderr, "maintain: %s\n", more.error().message.c_str());
          return 1;
        }
        if (!*more) break;
      }
      maintain_total_ms = millis_since(all);
    }

    // ---- report -----------------------------------------------------------------------------
    std::printf(
        "## slamon_bench_history: %d series × %d days (%s values), %d policies' status, then %d "
        "day(s) appended\n\n",
        series_count, day_count, values.c_str(), policy_count, append_days);
    std::printf("| figure | value | goal |\n|---|---|---|\n");
    std::printf(
        "| history: bytes on disk per series-day (all %d days loaded, tables + indexes) | "
        "%.0f B | ≤ 2,048 B |\n",
        day_count, total_bytes / series_days);
    const double raw_per_series_day = raw_bytes / (static_cast<double>(series_count) * raw_days);
    const double hourly_per_series_day = hourly_bytes / series_days;
    if (day_count < 400 && day_count >= 35) {
      // Both tables grow linearly with days (one row per series-day), so 400 days follow.
      std::printf(
          "| history: bytes per series-day projected to 400 days: (35 × raw + 400 × hourly) / "
          "400 | %.0f B | ≤ 2,048 B |\n",
          (35 * raw_per_series_day + 400 * hourly_per_series_day) / 400 +
              other_bytes / (static_cast<double>(series_count) * 400));
    }
    std::printf("| — raw chunks per series-day (last %d days) | %.0f B | |\n", raw_days,
                raw_per_series_day);
    std::printf("| — hourly aggregates per series-day (%d days) | %.0f B | |\n", day_count,
                hourly_per_series_day);
    if (policy_count > 0) {
      std::printf(
          "| status timelines: bytes on disk per policy-day (%lld rows, %.1f per policy-day) | "
          "%.0f B | |\n",
          segment_rows, static_cast<double>(segment_rows) / policy_count / day_count,
          static_cast<double>(segment_bytes) / policy_count / day_count);
      std::printf("| daily status rollup: bytes on disk per policy-day | %.0f B | |\n",
                  static_cast<double>(rollup_bytes) / policy_count / day_count);
      std::printf(
          "| roll_up_status_days: the backlog of %d days (an upgrade), then one more day: wall | "
          "%.1f s, %.2f s | |\n",
          rollup_backlog_days, rollup_backlog_ms / 1000, rollup_day_ms / 1000);
    }
    std::printf("| database file size | %.2f GB | |\n", std::filesystem::file_size(path) / 1e9);
    std::printf(
        "| bulk load of the history (import_days): wall (CPU of the importing thread) | "
        "%.1f s (%.1f s) | |\n",
        load_ms / 1000, load_cpu_ms / 1000);
    if (policy_count > 0)
      std::printf("| bulk load of the status timelines (Store::commit): wall | %.1f s | |\n",
                  segments_load_ms / 1000);
    std::printf(
        "| 30-day stats (p99) of one series, median / p99 / max of %d: wall (CPU) | "
        "%.2f / %.2f / %.2f ms (%.2f / %.2f / %.2f) | < 20 ms |\n",
        queries, p99_latency.p50, p99_latency.p99, p99_latency.max, p99_cpu.p50, p99_cpu.p99,
        p99_cpu.max);
    std::printf(
        "| %d-day summaries() of all %d series, 3 runs: wall (CPU) | %.2f / %.2f / %.2f s "
        "(%.2f / %.2f / %.2f) | < 2 s |\n",
        window_90, series_count, summaries_ms[0] / 1000, summaries_ms[1] / 1000,
        summaries_ms[2] / 1000, summaries_cpu_ms[0] / 1000, summaries_cpu_ms[1] / 1000,
        summaries_cpu_ms[2] / 1000);
    if (sampled > 0) {
      std::printf(
          "| %d-day stats() one series at a time, %d of %d series: wall (CPU); × %d series | "
          "%.2f s (%.2f s); ≈ %.1f s (%.1f s) | |\n",
          window_90, sampled, series_count, series_count, sample_ms / 1000, sample_cpu_ms / 1000,
          sample_ms / 1000 * series_count / sampled, sample_cpu_ms / 1000 * series_count / sampled);
    }
    auto print_compliance = [&](const char* label, const std::vector<ComplianceRun>& runs) {
      for (std::size_t i = 0; i < runs.size(); ++i) {
        const ComplianceRun& r = runs[i];
        std::printf(
            "| %d-day compliance of all %zu policies%s, run %zu: read %zu rows + compute: wall "
            "(CPU) | %.2f s + %.2f s = %.2f s (%.2f + %.2f s) | < 2 s |\n",
            window_90, r.policies, label, i + 1, r.rows, r.read_ms / 1000, r.reduce_ms / 1000,
            (r.read_ms + r.reduce_ms) / 1000, r.read_cpu_ms / 1000, r.reduce_cpu_ms / 1000);
      }
    };
    if (policy_count > 0) {
      print_compliance(" (Store::status_totals: rollup + segments)", compliance);
      print_compliance(" (baseline: every segment, Store::status_segments)", compliance_scan);
    }
    if (!append_ms.empty()) {
      const Percentiles a = summarize(append_ms);
      const Percentiles ac = summarize(append_cpu_ms);
      std::printf(
          "| append one cycle of %d series, median / p99 / max of %zu: wall (CPU) | "
          "%.1f / %.1f / %.1f ms (%.1f / %.1f / %.1f) | |\n",
          series_count, append_ms.size(), a.p50, a.p99, a.max, ac.p50, ac.p99, ac.max);
      std::printf(
          "| %d-day summaries() with the last day not yet compacted (in memory), 2 runs: wall "
          "(CPU) | %.2f / %.2f s (%.2f / %.2f s) | < 2 s |\n",
          window_90, tail_summaries_ms[0] / 1000, tail_summaries_ms[1] / 1000,
          tail_summaries_cpu_ms[0] / 1000, tail_summaries_cpu_ms[1] / 1000);
      const Percentiles m = summarize(maintain_ms);
      const Percentiles mc = summarize(maintain_cpu_ms);
      std::printf(
          "| maintain() after the appended day (compaction, downsampling): %zu calls, "
          "total wall, longest call wall (CPU) | %.2f s, %.1f ms (%.1f ms) | |\n",
          maintain_ms.size(), maintain_total_ms / 1000, m.max, mc.max);
      std::printf("| resident memory after the appended day | %.0f MB | |\n",
                  rss_after_append / 1024.0);
    }
    if (policy_count > 0) {
      if (!plan.empty())
        std::printf("\nQuery plan of Store::status_segments(nullopt, from, to): %s\n",
                    plan.c_str());
      std::printf("Mean 90-day compliance: %.5f\n", compliance.front().mean_compliance);
    }
    std::printf("\nWhole run: %.0f s wall.\n", millis_since(run_start) / 1000);
    status = 0;
  }
  if (!keep) std::filesystem::remove_all(folder);
  return status;
}
