// History: every measured value per policy × metric (SPEC §7.1), one point per evaluation
// cycle, kept at cycle resolution for `raw_retention` (default 35 days) and as hourly aggregates
// (min, mean, max, count) for `aggregate_retention` (default 400 days), compactly on disk in
// slamon's SQLite file (the history_* tables of the store's migrations, its own connections).
// Recent raw points are also kept in memory so burn rates and sliding windows are answered
// without touching the disk.
//
// Thread-safe: append() is called by the engine after each cycle, reads by the engine, the API
// and reports concurrently; retention and downsampling run in maintain(), which the daemon
// calls from a background thread and never blocks appends for longer than one small
// transaction.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "model/model.h"

namespace slamon::history {

struct Options {
  Duration raw_retention = std::chrono::days(35);
  Duration aggregate_retention = std::chrono::days(400);
  // How far back raw points are kept in memory (burn rates need 3 days).
  Duration memory_window = std::chrono::days(3);
};

// One series' points of one finished UTC day, for import_days().
struct ImportedDay {
  std::string policy_id;
  Metric metric = Metric::uptime_percent;
  std::vector<std::pair<WallTime, double>> points;  // strictly increasing, all in one UTC day
};

// One cycle's value for one series.
struct Observation {
  std::string policy_id;
  Metric metric = Metric::uptime_percent;
  double value = 0;  // finite; non-finite values are not recorded (no data)
};

// A point as read back: a raw point (count 1, min = mean = max = value) or an hourly aggregate
// (at = the hour's start).
struct Point {
  WallTime at{};
  double min = 0;
  double mean = 0;
  double max = 0;
  int count = 1;
};

// Statistics of one series over a window. Percentiles are nearest-rank (the smallest value with
// at least p % of the points at or below it), exact where raw points exist and computed over
// hourly means (weighted by count) beyond the raw retention.
struct WindowStats {
  long long count = 0;
  double min = 0, mean = 0, max = 0, p50 = 0, p95 = 0, p99 = 0;
};

// One series' count, min, mean and max over a window, from summaries().
struct SeriesSummary {
  std::string policy_id;
  Metric metric = Metric::uptime_percent;
  long long count = 0;
  double min = 0, mean = 0, max = 0;
};

class History {
 public:
  // Opens the history in the SQLite database at `db_path` (which Store::open has created),
  // migrating it to the newest schema when it is older (a no-op after Store::open) and loading
  // the recent raw points into memory.
  static Result<std::unique_ptr<History>> open(const std::string& db_path, Clock& clock,
                                               Options options = {});
  ~History();
  History(const History&) = delete;
  History& operator=(const History&) = delete;

  // Records one cycle at `at` (one transaction). Times are kept to the second. Appending for a
  // time at or before the series' last point, or in a day already compacted, replaces nothing
  // and is ignored for that series. On a storage failure the points are still kept in memory.
  Status append(WallTime at, std::span<const Observation> observations);

  // Points of one series with at in [from, to), oldest first: raw points where still kept,
  // hourly aggregates before that.
  Result<std::vector<Point>> points(const std::string& policy_id, Metric metric, WallTime from,
                                    WallTime to);
  // nullopt when the series has no point in [from, to).
  Result<std::optional<WindowStats>> stats(const std::string& policy_id, Metric metric,
                                           WallTime from, WallTime to);
  // count, min, mean and max of every series with a point in [from, to), ordered by policy id,
  // then metric: one pass over the hourly aggregates of the compacted days (every compacted
  // day has them, raw chunks or not) and the points not yet compacted, so a report over all
  // series costs a sequential read instead of one stats() per series. Compacted days count
  // per hour, an hour when its start lies in [from, to) (as points() beyond raw retention);
  // for a window on whole hours the figures are those of stats() (the mean up to rounding).
  // Other reads wait while it scans (~0.5 s for 10,000 series × 90 days).
  Result<std::vector<SeriesSummary>> summaries(WallTime from, WallTime to);
  // The mean of the raw points with at in [from, to), from memory when the window lies within
  // memory_window (else from disk); nullopt when there is none.
  std::optional<double> recent_mean(const std::string& policy_id, Metric metric, WallTime from,
                                    WallTime to);
  // Raw points with at in [from, to) from memory (empty beyond memory_window).
  std::vector<Point> recent_points(const std::string& policy_id, Metric metric, WallTime from,
                                   WallTime to);

  // Downsamples raw points older than raw_retention into hourly aggregates and drops what is
  // older than aggregate_retention. Safe to call at any time; does bounded work per call and
  // returns whether more remains.
  Result<bool> maintain();

  // Backfill and benchmarks: writes whole past days straight in their compacted form (raw
  // chunk within raw_retention, hourly aggregates within aggregate_retention), in one
  // transaction, replacing what those series-days held. Every day must lie before the
  // compaction boundary (the oldest day not yet compacted; today when nothing is pending).
  Status import_days(std::span<const ImportedDay> days);

  // Forgets series of policies not in `live_policy_ids` from memory (their disk history stays
  // until retention removes it).
  void retain_only(std::span<const std::string> live_policy_ids);

  struct Footprint {
    long long series = 0;
    long long raw_points = 0;
    long long aggregates = 0;
    long long bytes_on_disk = 0;  // pages used by the history's tables and indexes
  };
  // Reads the whole history (every chunk and page): for diagnostics and benchmarks.
  Result<Footprint> footprint();

  // Failures the history survives (it logs them or returns them to a caller that logs them),
  // counted since open for /metrics: reads that met a corrupt chunk (each read, and each chunk
  // skipped at open; footprint() does not count), maintain() calls that failed, and appends
  // whose points stayed in memory only because the write failed.
  struct Health {
    std::uint64_t corrupt_chunks = 0;
    std::uint64_t maintain_failures = 0;
    std::uint64_t append_failures = 0;
  };
  Health health() const;

 private:
  History();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace slamon::history
