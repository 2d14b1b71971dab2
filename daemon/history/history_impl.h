// The inside of History (internal to slamon_history; not part of its API): the state shared by
// the files that make it up (history.cpp: opening and the façade; chunks.cpp: loading, writing
// and reading the per series-day chunks; summaries.cpp: window statistics and summaries over
// every series; maintenance.cpp: compaction and retention), the in-memory series, and the
// helpers on times and chunk ids. Thread-safety as History's: the mutexes below say what
// guards what.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "history/chunk_codec.h"
#include "history/history.h"
#include "model/model.h"
#include "store/sqlite.h"

namespace slamon::history {

using codec::HourAggregate;
using codec::kSecondsPerDay;
using codec::kSecondsPerHour;
using codec::RawPoint;

// Chunk ids are day << kSeriesKeyBits | series key (see the v7 migration in store/schema.cpp).
inline constexpr int kSeriesKeyBits = 24;
inline constexpr std::int64_t kMaxSeriesKey = (std::int64_t{1} << kSeriesKeyBits) - 1;
inline constexpr std::int64_t kNoBoundary = std::numeric_limits<std::int64_t>::min();
inline constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::min();
inline constexpr std::int64_t kNothingInMemory = std::numeric_limits<std::int64_t>::max();

inline std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}
inline std::int64_t day_of(std::int64_t seconds) {
  return floor_div(seconds, kSecondsPerDay);
}
inline std::int64_t chunk_id(std::int64_t day, std::int64_t series_key) {
  return (day << kSeriesKeyBits) | series_key;
}
// The first whole second at or after t: a point at second s lies in [from, to) exactly when
// ceil(from) <= s < ceil(to).
inline std::int64_t ceil_seconds(WallTime t) {
  return std::chrono::ceil<std::chrono::seconds>(t.time_since_epoch()).count();
}
inline std::int64_t floor_seconds(WallTime t) {
  return std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
}
inline WallTime at_seconds(std::int64_t s) {
  return WallTime{std::chrono::seconds{s}};
}
inline std::int64_t whole_seconds(Duration d) {
  return std::chrono::duration_cast<std::chrono::seconds>(d).count();
}

inline std::unexpected<Error> in_context(const std::string& path, const Error& error) {
  return fail("history '" + path + "': " + error.message);
}

// Recent raw points of one series, in memory: times (unix seconds) and exact values side by
// side (12 bytes a point), oldest first from index `first`.
struct Series {
  std::int64_t key = 0;  // 0 until the series has a row in history_series
  std::string policy_id;
  Metric metric = Metric::uptime_percent;
  std::int64_t last_at = kNever;  // newest point accepted
  // Memory holds every point with at >= memory_from.
  std::int64_t memory_from = std::numeric_limits<std::int64_t>::min();
  std::vector<std::uint32_t> times;
  std::vector<double> values;
  std::size_t first = 0;

  std::size_t begin_at(std::int64_t s) const {
    auto it = std::lower_bound(times.begin() + static_cast<std::ptrdiff_t>(first), times.end(), s,
                               [](std::uint32_t t, std::int64_t v) { return t < v; });
    return static_cast<std::size_t>(it - times.begin());
  }
  void push(std::int64_t at, double value) {
    times.push_back(static_cast<std::uint32_t>(at));
    values.push_back(value);
  }
  void drop_before(std::int64_t s) {
    memory_from = std::max(memory_from, s);
    first = begin_at(s);
    // Compacting only when half is dead keeps the cost of a drop amortized O(1).
    if (first > 0 && first * 2 >= times.size()) {
      times.erase(times.begin(), times.begin() + static_cast<std::ptrdiff_t>(first));
      values.erase(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(first));
      first = 0;
    }
  }
  void forget() {
    times = {};
    values = {};
    first = 0;
    memory_from = kNothingInMemory;
  }
};

struct PolicySeries {
  std::array<std::unique_ptr<Series>, kMetricCount> metrics;
};

struct History::Impl {
  std::string path;
  Clock* clock = nullptr;
  Options options;

  // Lock order: write_mutex, then read_mutex, then memory_mutex. Reads never take
  // write_mutex, so a maintain() transaction never holds up a reader.
  std::mutex write_mutex;
  sqlite::Connection writer;
  std::optional<sqlite::Statement> insert_head, upsert_series, put_raw, put_hourly, set_boundary;
  std::int64_t boundary_day = kNoBoundary;  // guarded by write_mutex; mirrors history_meta

  // Compaction of one day in progress (guarded by write_mutex).
  struct Compaction {
    std::int64_t day = 0;
    std::vector<Series*> series;
    std::size_t next = 0;
    // Points of series whose memory does not cover the day (after a restart or retain_only).
    std::unordered_map<std::int64_t, std::vector<RawPoint>> from_disk;
  };
  std::optional<Compaction> compaction;

  std::mutex read_mutex;
  sqlite::Connection reader;
  std::optional<sqlite::Statement> get_raw, get_hourly, get_head, get_boundary, min_raw, min_hourly;

  mutable std::mutex memory_mutex;
  std::unordered_map<std::string, PolicySeries> policies;
  std::unordered_map<std::int64_t, Series*> by_key;

  Impl(sqlite::Connection w, sqlite::Connection r) : writer(std::move(w)), reader(std::move(r)) {}

  std::int64_t window_seconds() const { return whole_seconds(options.memory_window); }

  Series* find(const std::string& policy_id, Metric metric) {
    auto it = policies.find(policy_id);
    if (it == policies.end()) return nullptr;
    return it->second.metrics[static_cast<std::size_t>(metric)].get();
  }
  Series& find_or_add(const std::string& policy_id, Metric metric) {
    auto& slot = policies[policy_id].metrics[static_cast<std::size_t>(metric)];
    if (!slot) {
      slot = std::make_unique<Series>();
      slot->policy_id = policy_id;
      slot->metric = metric;
    }
    return *slot;
  }

  // ---- opening (history.cpp) --------------------------------------------------------------

  Status prepare();

  // ---- chunks (chunks.cpp) ----------------------------------------------------------------

  // A statement's single optional integer (for meta and min() lookups); kNoBoundary when NULL.
  // The statement must be fresh or reset (reset() also clears the bindings).
  static Result<std::int64_t> single_int(sqlite::Statement& statement);
  // Loads the series, the compaction boundary and the recent points into memory.
  Status load(std::int64_t now);
  // The key of `series`, registering it in the running transaction when new.
  Result<std::int64_t> key_of(Series& series, std::vector<std::pair<Series*, std::int64_t>>& added);
  void remember_keys(const std::vector<std::pair<Series*, std::int64_t>>& added);
  Status write_points(const std::vector<std::pair<Series*, RawPoint>>& accepted);
  // Writes one series-day in its compacted form (raw chunk and hourly aggregates, each within
  // its retention), in the caller's transaction.
  Status write_day(std::int64_t day, std::int64_t key, std::span<const RawPoint> points,
                   std::int64_t now);
  Status advance_boundary(std::int64_t day);
  static Result<std::string> read_blob(sqlite::Statement& statement, std::int64_t id, bool& found);

  // A corrupt chunk met by a read: counted for health(), and the read fails with `error`.
  std::unexpected<Error> corrupt_chunk(const Error& error, std::int64_t day_start) {
    corrupt_chunks.fetch_add(1, std::memory_order_relaxed);
    return fail(error.message + " (day " + format_rfc3339(at_seconds(day_start)) + ")");
  }

  // Feeds the points of the series with key `key` in [from, to) on disk, oldest first, to
  // on_raw(at, value) and on_hour(hour_start, aggregate).
  template <typename OnRaw, typename OnHour>
  Status read_disk(std::int64_t key, std::int64_t from, std::int64_t to, OnRaw&& on_raw,
                   OnHour&& on_hour) {
    std::lock_guard lock(read_mutex);
    // One read transaction: the boundary, chunks and head come from the same snapshot.
    auto snapshot = sqlite::Transaction::begin(reader, sqlite::Transaction::Mode::deferred);
    if (!snapshot) return std::unexpected(snapshot.error());
    auto boundary = single_int(*get_boundary);
    if (!boundary) return std::unexpected(boundary.error());
    auto oldest_raw = single_int(*min_raw);
    if (!oldest_raw) return std::unexpected(oldest_raw.error());
    auto oldest_hourly = single_int(*min_hourly);
    if (!oldest_hourly) return std::unexpected(oldest_hourly.error());

    // Reused across calls: a 90-day read decodes tens of thousands of points.
    thread_local std::vector<RawPoint> raw;
    thread_local std::vector<HourAggregate> hours;
    if (*boundary != kNoBoundary) {
      const std::int64_t raw_from_day =
          *oldest_raw == kNoBoundary ? *boundary : *oldest_raw >> kSeriesKeyBits;
      const std::int64_t hourly_from_day =
          *oldest_hourly == kNoBoundary ? *boundary : *oldest_hourly >> kSeriesKeyBits;
      const std::int64_t last_day = std::min(day_of(to - 1), *boundary - 1);
      for (std::int64_t day = std::max(day_of(from), std::min(raw_from_day, hourly_from_day));
           day <= last_day; ++day) {
        const std::int64_t day_start = day * kSecondsPerDay;
        bool found = false;
        if (day >= raw_from_day) {
          auto blob = read_blob(*get_raw, chunk_id(day, key), found);
          if (!blob) return std::unexpected(blob.error());
          if (found) {
            raw.clear();
            if (auto decoded = codec::decode_raw(*blob, day_start, raw); !decoded) {
              return corrupt_chunk(decoded.error(), day_start);
            }
            for (const RawPoint& p : raw) {
              if (p.at >= from && p.at < to) {
                on_raw(p.at, p.value);
              }
            }
          }
        }
        if (!found && day >= hourly_from_day) {
          auto blob = read_blob(*get_hourly, chunk_id(day, key), found);
          if (!blob) return std::unexpected(blob.error());
          if (found) {
            hours.clear();
            if (auto decoded = codec::decode_hourly(*blob, hours); !decoded) {
              return corrupt_chunk(decoded.error(), day_start);
            }
            for (const HourAggregate& h : hours) {
              const std::int64_t at = day_start + h.hour * kSecondsPerHour;
              if (at >= from && at < to) on_hour(at, h);
            }
          }
        }
      }
    }
    const std::int64_t head_from =
        *boundary == kNoBoundary ? from : std::max(from, *boundary * kSecondsPerDay);
    if (head_from < to) {
      sqlite::Statement& head = *get_head;
      head.reset();
      head.bind_int64(1, head_from).bind_int64(2, to).bind_int64(3, key);
      while (true) {
        auto row = head.step();
        if (!row) {
          head.reset();
          return std::unexpected(row.error());
        }
        if (!*row) break;
        on_raw(head.column_int64(0), head.column_double(1));
      }
      head.reset();
    }
    return snapshot->commit();
  }

  // Feeds every point of the series in [from, to) to the callbacks, oldest first: disk before
  // memory_from, memory after it.
  template <typename OnRaw, typename OnHour>
  Status collect(const std::string& policy_id, Metric metric, WallTime from, WallTime to,
                 OnRaw&& on_raw, OnHour&& on_hour) {
    Impl& impl = *this;
    const std::int64_t from_s = ceil_seconds(from), to_s = ceil_seconds(to);
    if (from_s >= to_s) return {};
    std::int64_t key = 0, split = to_s;
    thread_local std::vector<RawPoint> recent;
    recent.clear();
    {
      std::lock_guard lock(impl.memory_mutex);
      const Series* series = impl.find(policy_id, metric);
      if (series == nullptr) return {};
      key = series->key;
      split = std::clamp(series->memory_from, from_s, to_s);
      for (std::size_t i = series->begin_at(split);
           i < series->times.size() && series->times[i] < to_s; ++i) {
        recent.push_back({series->times[i], series->values[i]});
      }
    }
    if (from_s < split && key != 0) {
      if (auto read = impl.read_disk(key, from_s, split, on_raw, on_hour); !read) {
        return in_context(impl.path, read.error());
      }
    }
    for (const RawPoint& p : recent) on_raw(p.at, p.value);
    return {};
  }

  // ---- summaries (summaries.cpp) ----------------------------------------------------------

  Result<std::vector<SeriesSummary>> summaries(std::int64_t from, std::int64_t to);

  // ---- compaction and retention (maintenance.cpp) ----------------------------------------

  Result<bool> exists(std::string_view operation, std::string_view sql, std::int64_t bound);
  Status delete_batch(std::string_view operation, std::string_view sql, std::int64_t bound,
                      int limit);
  // The day the next compaction would take, and whether it is due.
  Result<std::optional<std::int64_t>> due_day(std::int64_t now);
  Status start_compaction(std::int64_t day);
  Status compact_batch(std::int64_t now);
  // One bounded step of maintenance; false when there was nothing to do.
  Result<bool> maintain_step(std::int64_t now);
  Result<bool> pending(std::int64_t now);

  // ---- health (read by health(), any thread) ----------------------------------------------

  std::atomic<std::uint64_t> corrupt_chunks{0};
  std::atomic<std::uint64_t> maintain_failures{0};
  std::atomic<std::uint64_t> append_failures{0};
};

}  // namespace slamon::history
