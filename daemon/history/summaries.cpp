// History's window statistics: count, min, mean, max and nearest-rank percentiles of one
// series (stats), and count, min, mean and max of every series at once (summaries) from the
// hourly aggregates of compacted days, the head and memory.
#include <sqlite3.h>

#include <cmath>
#include <limits>
#include <tuple>

#include "history/history_impl.h"

namespace slamon::history {
namespace {

// Nearest-rank weighted selection in [first, items.end()): the smallest value v whose weight at
// or below it reaches `target`. Expected O(n) (quickselect). Leaves the answer at the returned
// index with everything before it no greater and everything after no smaller, and sets
// `weight_before` to the weight before it, so a higher percentile can continue from there.
using Weighted = std::vector<std::pair<double, double>>;
Weighted::iterator weighted_select(Weighted& items, Weighted::iterator first, double target,
                                   double& weight_before) {
  auto by_value = [](const auto& a, const auto& b) { return a.first < b.first; };
  auto lo = first, hi = items.end();  // the answer lies in [lo, hi)
  weight_before = 0;
  while (hi - lo > 1) {
    auto mid = lo + (hi - lo) / 2;
    std::nth_element(lo, mid, hi, by_value);
    double left = 0;  // weight of [lo, mid], all at or below mid's value
    for (auto it = lo; it <= mid; ++it) left += it->second;
    if (left >= target) {
      // Nothing in [lo, mid) reaches the rank on its own: mid's value is the answer.
      if (left - mid->second < target) {
        weight_before += left - mid->second;
        return mid;
      }
      hi = mid;
    } else {
      target -= left;
      weight_before += left;
      lo = mid + 1;
    }
  }
  if (lo == hi) {  // only by rounding: the target exceeded the total weight
    --lo;
    weight_before -= lo->second;
  }
  std::nth_element(lo, lo, hi, by_value);
  return lo;
}

// p50, p95 and p99 by nearest rank over weighted values; reorders `items`.
std::array<double, 3> weighted_percentiles(Weighted& items, double total) {
  std::array<double, 3> out{};
  auto from = items.begin();
  double consumed = 0;
  const double ps[3] = {0.50, 0.95, 0.99};
  for (int i = 0; i < 3; ++i) {
    const double rank = std::max(std::ceil(ps[i] * total - 1e-9), 1.0);
    double before = 0;
    from = weighted_select(items, from, rank - consumed, before);
    consumed += before;
    out[static_cast<std::size_t>(i)] = from->first;
  }
  return out;
}

// A scan of (integer, blob) rows that hands out each blob in place, valid until the next
// step: sqlite::Statement returns a copy, which would be most of the cost of reading every
// series' aggregates at once. Owns its statement.
class BlobScan {
 public:
  static Result<BlobScan> prepare(sqlite::Connection& connection, const char* sql) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(connection.handle(), sql, -1, &statement, nullptr) != SQLITE_OK) {
      sqlite3_finalize(statement);
      return fail(std::string("read hourly aggregates: ") + sqlite3_errmsg(connection.handle()));
    }
    return BlobScan(statement, connection.handle());
  }
  void bind(std::int64_t from, std::int64_t to) {
    sqlite3_bind_int64(statement_.get(), 1, from);
    sqlite3_bind_int64(statement_.get(), 2, to);
  }
  // true: a row; false: done.
  Result<bool> step() {
    const int rc = sqlite3_step(statement_.get());
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return fail(std::string("read hourly aggregates: ") + sqlite3_errmsg(db_));
  }
  std::int64_t id() const { return sqlite3_column_int64(statement_.get(), 0); }
  std::string_view blob() const {
    const void* data = sqlite3_column_blob(statement_.get(), 1);
    const int size = sqlite3_column_bytes(statement_.get(), 1);
    if (data == nullptr || size <= 0) return {};
    return {static_cast<const char*>(data), static_cast<std::size_t>(size)};
  }

 private:
  struct Finalize {
    void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
  };
  BlobScan(sqlite3_stmt* statement, sqlite3* db) : statement_(statement), db_(db) {}
  std::unique_ptr<sqlite3_stmt, Finalize> statement_;
  sqlite3* db_ = nullptr;
};

struct Tally {
  const Series* series = nullptr;
  long long count = 0;
  double sum = 0;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  // The head on disk is read for [tail_start, disk_until) when memory does not cover it.
  std::int64_t disk_until = 0;

  void add(double value, int n = 1) {
    count += n;
    sum += value * n;
    min = std::min(min, value);
    max = std::max(max, value);
  }
};

}  // namespace

Result<std::vector<SeriesSummary>> History::Impl::summaries(std::int64_t from, std::int64_t to) {
  std::vector<SeriesSummary> out;
  if (from >= to) return out;
  std::lock_guard lock(read_mutex);
  // One snapshot: the boundary, the hourly aggregates and the head agree with each other.
  auto snapshot = sqlite::Transaction::begin(reader, sqlite::Transaction::Mode::deferred);
  if (!snapshot) return std::unexpected(snapshot.error());
  auto boundary = single_int(*get_boundary);
  if (!boundary) return std::unexpected(boundary.error());

  std::vector<Tally> tallies;
  std::vector<std::int32_t> tally_of_key;  // series keys are small and dense
  {
    std::lock_guard memory_lock(memory_mutex);
    tallies.reserve(by_key.size());
    for (const auto& [policy_id, policy] : policies) {
      for (const auto& series : policy.metrics) {
        if (!series) continue;
        if (series->key > 0) {
          if (tally_of_key.size() <= static_cast<std::size_t>(series->key)) {
            tally_of_key.resize(static_cast<std::size_t>(series->key) + 1, -1);
          }
          tally_of_key[static_cast<std::size_t>(series->key)] =
              static_cast<std::int32_t>(tallies.size());
        }
        tallies.push_back({.series = series.get()});
      }
    }
  }

  // Compacted days: their hourly aggregates, in chunk id order (time-major, sequential).
  if (*boundary != kNoBoundary) {
    const std::int64_t first_day = day_of(from);
    const std::int64_t end_day = std::min(day_of(to - 1) + 1, *boundary);
    if (first_day < end_day) {
      // The blobs are read in place (sqlite::Statement would copy each one twice).
      auto chunks = BlobScan::prepare(
          reader,
          "SELECT chunk_id, data FROM history_hourly WHERE chunk_id >= ?1 AND chunk_id < ?2 "
          "ORDER BY chunk_id");
      if (!chunks) return std::unexpected(chunks.error());
      chunks->bind(chunk_id(first_day, 0), chunk_id(end_day, 0));
      thread_local std::vector<HourAggregate> hours;
      while (true) {
        auto row = chunks->step();
        if (!row) return std::unexpected(row.error());
        if (!*row) break;
        const std::int64_t id = chunks->id();
        const auto key = static_cast<std::size_t>(id & kMaxSeriesKey);
        if (key >= tally_of_key.size() || tally_of_key[key] < 0) continue;  // unknown metric
        Tally& tally = tallies[static_cast<std::size_t>(tally_of_key[key])];
        const std::int64_t day_start = (id >> kSeriesKeyBits) * kSecondsPerDay;
        const std::string_view blob = chunks->blob();
        Status decoded;
        if (day_start >= from && day_start + kSecondsPerDay <= to) {
          // A whole day: its totals, without decoding the hours.
          codec::DayTotals day;
          decoded = codec::decode_hourly_totals(blob, day);
          if (decoded) {
            tally.count += day.count;
            tally.sum += day.sum;
            tally.min = std::min(tally.min, day.min);
            tally.max = std::max(tally.max, day.max);
          }
        } else {
          hours.clear();
          decoded = codec::decode_hourly(blob, hours);
          for (const HourAggregate& h : hours) {
            const std::int64_t at = day_start + h.hour * kSecondsPerHour;
            if (at < from || at >= to) continue;
            tally.count += h.count;
            tally.sum += h.mean * h.count;
            tally.min = std::min(tally.min, h.min);
            tally.max = std::max(tally.max, h.max);
          }
        }
        if (!decoded) return corrupt_chunk(decoded.error(), day_start);
      }
    }
  }

  // Not yet compacted: from memory, which holds every point since memory_from; the head on
  // disk for what memory no longer holds (after retain_only, or a compaction running late).
  const std::int64_t tail_start =
      *boundary == kNoBoundary ? from : std::max(from, *boundary * kSecondsPerDay);
  std::int64_t disk_until = tail_start;
  if (tail_start < to) {
    std::lock_guard memory_lock(memory_mutex);
    for (Tally& tally : tallies) {
      const Series& s = *tally.series;
      const std::int64_t memory_start = std::max(tail_start, s.memory_from);
      if (memory_start > tail_start && s.key > 0) {
        tally.disk_until = std::min(memory_start, to);
        disk_until = std::max(disk_until, tally.disk_until);
      }
      if (memory_start >= to) continue;
      for (std::size_t i = s.begin_at(memory_start); i < s.times.size() && s.times[i] < to; ++i) {
        tally.add(s.values[i]);
      }
    }
  }
  if (tail_start < disk_until) {
    auto head =
        reader.prepare("read recent history",
                       "SELECT at, series_key, value FROM history_head WHERE at >= ?1 AND at < ?2");
    if (!head) return std::unexpected(head.error());
    head->bind_int64(1, tail_start).bind_int64(2, disk_until);
    while (true) {
      auto row = head->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) break;
      const auto key = static_cast<std::size_t>(head->column_int64(1));
      if (key >= tally_of_key.size() || tally_of_key[key] < 0) continue;
      Tally& tally = tallies[static_cast<std::size_t>(tally_of_key[key])];
      if (head->column_int64(0) < tally.disk_until) tally.add(head->column_double(2));
    }
  }
  if (auto done = snapshot->commit(); !done) return std::unexpected(done.error());

  for (const Tally& tally : tallies) {
    if (tally.count == 0) continue;
    const double mean =
        std::clamp(tally.sum / static_cast<double>(tally.count), tally.min, tally.max);
    out.push_back(
        {tally.series->policy_id, tally.series->metric, tally.count, tally.min, mean, tally.max});
  }
  std::sort(out.begin(), out.end(), [](const SeriesSummary& a, const SeriesSummary& b) {
    return std::tie(a.policy_id, a.metric) < std::tie(b.policy_id, b.metric);
  });
  return out;
}

Result<std::optional<WindowStats>> History::stats(const std::string& policy_id, Metric metric,
                                                  WallTime from, WallTime to) {
  // Raw values alone take the fast path (plain selection); hourly means carry their count.
  thread_local std::vector<double> values;
  thread_local std::vector<std::pair<double, double>> weighted;
  values.clear();
  weighted.clear();
  WindowStats stats;
  stats.min = std::numeric_limits<double>::infinity();
  stats.max = -std::numeric_limits<double>::infinity();
  double sum = 0;
  auto collected = impl_->collect(
      policy_id, metric, from, to,
      [&](std::int64_t, double v) {
        values.push_back(v);
        sum += v;
        stats.min = std::min(stats.min, v);
        stats.max = std::max(stats.max, v);
      },
      [&](std::int64_t, const HourAggregate& h) {
        weighted.emplace_back(h.mean, static_cast<double>(h.count));
        stats.count += h.count;
        sum += h.mean * h.count;
        stats.min = std::min(stats.min, h.min);
        stats.max = std::max(stats.max, h.max);
      });
  if (!collected) return std::unexpected(collected.error());
  stats.count += static_cast<long long>(values.size());
  if (stats.count == 0) return std::optional<WindowStats>();
  const auto total = static_cast<double>(stats.count);
  stats.mean = std::clamp(sum / total, stats.min, stats.max);
  if (weighted.empty()) {
    // Nearest rank: the value at 1-based rank ceil(p × n); each selection narrows the next.
    auto rank = [&](double p) {
      return static_cast<std::size_t>(std::max(std::ceil(p * total - 1e-9), 1.0)) - 1;
    };
    auto select = [&](std::size_t from_index, std::size_t k) {
      std::nth_element(values.begin() + static_cast<std::ptrdiff_t>(from_index),
                       values.begin() + static_cast<std::ptrdiff_t>(k), values.end());
      return values[k];
    };
    const std::size_t k50 = rank(0.50), k95 = rank(0.95), k99 = rank(0.99);
    stats.p50 = select(0, k50);
    stats.p95 = select(k95 > k50 ? k50 + 1 : k50, k95);
    stats.p99 = select(k99 > k95 ? k95 + 1 : k95, k99);
  } else {
    for (double v : values) weighted.emplace_back(v, 1.0);
    const auto [p50, p95, p99] = weighted_percentiles(weighted, total);
    stats.p50 = p50;
    stats.p95 = p95;
    stats.p99 = p99;
  }
  return std::optional<WindowStats>(stats);
}

Result<std::vector<SeriesSummary>> History::summaries(WallTime from, WallTime to) {
  auto summaries = impl_->summaries(ceil_seconds(from), ceil_seconds(to));
  if (!summaries) return in_context(impl_->path, summaries.error());
  return summaries;
}

}  // namespace slamon::history
