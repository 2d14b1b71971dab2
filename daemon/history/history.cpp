#include "history/history.h"

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <limits>
#include <mutex>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "common/log.h"
#include "history/chunk_codec.h"
#include "store/schema.h"
#include "store/sqlite.h"

namespace slamon::history {
namespace {

using codec::HourAggregate;
using codec::kSecondsPerDay;
using codec::kSecondsPerHour;
using codec::RawPoint;

// Layout (SPEC §7.1, issue: ≤ 2 KB per series-day):
// - history_series: a small integer key per policy × metric.
// - history_head: the points of the days not yet compacted, one row per point, keyed by time
//   first so a cycle's rows go to the tail of the B-tree and a compacted day is a prefix.
// - history_raw / history_hourly: one row per series per UTC day, its points (chunk_codec) and
//   its hourly aggregates. The row id is day << 24 | series key: rowid tables keep a ~2 KB blob
//   inside the leaf page (a WITHOUT ROWID table would spill it to a mostly empty overflow page),
//   compacting a day appends at the end of the B-tree (full pages), and retention deletes a
//   prefix.
// - history_meta: `compacted_until_day`, the first day whose points are still in the head.
constexpr std::string_view kCreateTables =
    "CREATE TABLE IF NOT EXISTS history_series ("
    "series_key INTEGER PRIMARY KEY, policy_id TEXT NOT NULL, metric TEXT NOT NULL, "
    "UNIQUE (policy_id, metric)); "
    "CREATE TABLE IF NOT EXISTS history_head ("
    "at INTEGER NOT NULL, series_key INTEGER NOT NULL, value REAL NOT NULL, "
    "PRIMARY KEY (at, series_key)) WITHOUT ROWID; "
    "CREATE TABLE IF NOT EXISTS history_raw (chunk_id INTEGER PRIMARY KEY, data BLOB NOT NULL); "
    "CREATE TABLE IF NOT EXISTS history_hourly (chunk_id INTEGER PRIMARY KEY, data BLOB NOT NULL); "
    "CREATE TABLE IF NOT EXISTS history_meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) "
    "WITHOUT ROWID";

constexpr int kSeriesKeyBits = 24;
constexpr std::int64_t kMaxSeriesKey = (std::int64_t{1} << kSeriesKeyBits) - 1;
constexpr std::int64_t kNoBoundary = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kNothingInMemory = std::numeric_limits<std::int64_t>::max();
// A day is compacted this long after its end, so a late cycle still lands in the head.
constexpr std::int64_t kCompactionGraceSeconds = kSecondsPerHour;
// Work per maintain() call: each is one transaction of a few MB at most.
constexpr std::size_t kCompactionBatchSeries = 500;
constexpr int kDeleteBatchHeadRows = 20'000;
constexpr int kDeleteBatchChunks = 2'000;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}
std::int64_t day_of(std::int64_t seconds) {
  return floor_div(seconds, kSecondsPerDay);
}
std::int64_t chunk_id(std::int64_t day, std::int64_t series_key) {
  return (day << kSeriesKeyBits) | series_key;
}
// The first whole second at or after t: a point at second s lies in [from, to) exactly when
// ceil(from) <= s < ceil(to).
std::int64_t ceil_seconds(WallTime t) {
  return std::chrono::ceil<std::chrono::seconds>(t.time_since_epoch()).count();
}
std::int64_t floor_seconds(WallTime t) {
  return std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
}
WallTime at_seconds(std::int64_t s) {
  return WallTime{std::chrono::seconds{s}};
}
std::int64_t whole_seconds(Duration d) {
  return std::chrono::duration_cast<std::chrono::seconds>(d).count();
}

std::unexpected<Error> in_context(const std::string& path, const Error& error) {
  return fail("history '" + path + "': " + error.message);
}

Status configure(sqlite::Connection& connection, const std::string& path, bool create) {
  if (auto set = connection.exec("set busy_timeout", "PRAGMA busy_timeout = 5000"); !set) {
    return in_context(path, set.error());
  }
  const bool in_memory = path == ":memory:";
  if (!in_memory && create) {
    if (auto is_ours = store_schema::check_is_slamon_database(connection, path); !is_ours) {
      return is_ours;
    }
    auto application_id = connection.query_int64("read application id", "PRAGMA application_id");
    if (!application_id) return in_context(path, application_id.error());
    if (*application_id != store_schema::kApplicationId) {
      return fail("history '" + path +
                  "': the database is not initialized; open it with the store first");
    }
  }
  auto mode = connection.query_text("enable WAL journal", "PRAGMA journal_mode = WAL");
  if (!mode) return in_context(path, mode.error());
  if (*mode != "wal" && !(in_memory && *mode == "memory")) {
    return fail("history '" + path + "': cannot enable WAL journal mode (got '" + *mode + "')");
  }
  // NORMAL: in WAL mode a power loss may undo the last commits, never corrupt them.
  if (auto set = connection.exec("set synchronous", "PRAGMA synchronous = NORMAL"); !set) {
    return in_context(path, set.error());
  }
  if (create) {
    if (auto made = connection.exec("create history tables", std::string(kCreateTables)); !made) {
      return in_context(path, made.error());
    }
  }
  return {};
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

}  // namespace

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

  Status prepare() {
    struct Wanted {
      sqlite::Connection* connection;
      std::optional<sqlite::Statement>* statement;
      std::string_view operation, sql;
    };
    const Wanted wanted[] = {
        {&writer, &insert_head, "insert history point",
         "INSERT OR REPLACE INTO history_head (at, series_key, value) VALUES (?1, ?2, ?3)"},
        {&writer, &upsert_series, "insert history series",
         "INSERT INTO history_series (policy_id, metric) VALUES (?1, ?2) "
         "ON CONFLICT (policy_id, metric) DO UPDATE SET metric = excluded.metric "
         "RETURNING series_key"},
        {&writer, &put_raw, "write history chunk",
         "INSERT OR REPLACE INTO history_raw (chunk_id, data) VALUES (?1, CAST(?2 AS BLOB))"},
        {&writer, &put_hourly, "write hourly aggregates",
         "INSERT OR REPLACE INTO history_hourly (chunk_id, data) VALUES (?1, CAST(?2 AS BLOB))"},
        {&writer, &set_boundary, "advance history compaction",
         "INSERT INTO history_meta (name, value) VALUES ('compacted_until_day', ?1) "
         "ON CONFLICT (name) DO UPDATE SET value = excluded.value"},
        {&reader, &get_raw, "read history chunk",
         "SELECT data FROM history_raw WHERE chunk_id = ?1"},
        {&reader, &get_hourly, "read hourly aggregates",
         "SELECT data FROM history_hourly WHERE chunk_id = ?1"},
        {&reader, &get_head, "read recent history",
         "SELECT at, value FROM history_head WHERE at >= ?1 AND at < ?2 AND series_key = ?3 "
         "ORDER BY at"},
        {&reader, &get_boundary, "read history compaction",
         "SELECT value FROM history_meta WHERE name = 'compacted_until_day'"},
        {&reader, &min_raw, "read oldest history chunk", "SELECT min(chunk_id) FROM history_raw"},
        {&reader, &min_hourly, "read oldest hourly aggregates",
         "SELECT min(chunk_id) FROM history_hourly"},
    };
    for (const Wanted& w : wanted) {
      auto statement = w.connection->prepare(w.operation, w.sql);
      if (!statement) return in_context(path, statement.error());
      w.statement->emplace(std::move(*statement));
    }
    return {};
  }

  // A statement's single optional integer (for meta and min() lookups); kNoBoundary when NULL.
  // The statement must be fresh or reset (reset() also clears the bindings).
  static Result<std::int64_t> single_int(sqlite::Statement& statement) {
    auto row = statement.step();
    std::int64_t value = kNoBoundary;
    if (row && *row && !statement.column_is_null(0)) value = statement.column_int64(0);
    statement.reset();
    if (!row) return std::unexpected(row.error());
    return value;
  }

  Status load(std::int64_t now) {
    auto boundary =
        writer.prepare("read history compaction",
                       "SELECT value FROM history_meta WHERE name = 'compacted_until_day'");
    if (!boundary) return std::unexpected(boundary.error());
    auto b = single_int(*boundary);
    if (!b) return std::unexpected(b.error());
    boundary_day = *b;

    const std::int64_t window_start = now - window_seconds();
    auto series = writer.prepare("load history series",
                                 "SELECT series_key, policy_id, metric FROM history_series");
    if (!series) return std::unexpected(series.error());
    while (true) {
      auto row = series->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) break;
      auto metric = parse_metric(series->column_text(2));
      if (!metric) continue;  // a metric this version does not know
      Series& s = find_or_add(series->column_text(1), *metric);
      s.key = series->column_int64(0);
      s.memory_from = window_start;
      by_key[s.key] = &s;
    }

    const std::int64_t head_start =
        boundary_day == kNoBoundary ? kNoBoundary : boundary_day * kSecondsPerDay;
    std::size_t corrupted = 0;
    // Compacted days inside the window, oldest first (chunk ids are time-major).
    if (boundary_day != kNoBoundary) {
      auto chunks = writer.prepare(
          "load recent history chunks",
          "SELECT chunk_id, data FROM history_raw WHERE chunk_id >= ?1 AND chunk_id < ?2 "
          "ORDER BY chunk_id");
      if (!chunks) return std::unexpected(chunks.error());
      chunks->bind_int64(1, chunk_id(day_of(window_start), 0))
          .bind_int64(2, chunk_id(boundary_day, 0));
      std::vector<RawPoint> points;
      while (true) {
        auto row = chunks->step();
        if (!row) return std::unexpected(row.error());
        if (!*row) break;
        const std::int64_t id = chunks->column_int64(0);
        auto s = by_key.find(id & kMaxSeriesKey);
        if (s == by_key.end()) continue;
        points.clear();
        if (!codec::decode_raw(chunks->column_text(1), (id >> kSeriesKeyBits) * kSecondsPerDay,
                               points)) {
          ++corrupted;
          continue;
        }
        for (const RawPoint& p : points) {
          if (p.at >= window_start) s->second->push(p.at, p.value);
          s->second->last_at = std::max(s->second->last_at, p.at);
        }
      }
    }
    // The head: every point of the days not yet compacted (last_at needs all of them).
    auto head =
        writer.prepare("load history head",
                       "SELECT at, series_key, value FROM history_head WHERE at >= ?1 ORDER BY at");
    if (!head) return std::unexpected(head.error());
    head->bind_int64(1, head_start);
    while (true) {
      auto row = head->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) break;
      const std::int64_t at = head->column_int64(0);
      auto s = by_key.find(head->column_int64(1));
      if (s == by_key.end()) continue;
      if (at >= window_start) s->second->push(at, head->column_double(2));
      s->second->last_at = std::max(s->second->last_at, at);
    }
    if (corrupted > 0) log::warn("skipped corrupt history chunks", {{"chunks", corrupted}});
    return {};
  }

  // The key of `series`, registering it in the running transaction when new.
  Result<std::int64_t> key_of(Series& series,
                              std::vector<std::pair<Series*, std::int64_t>>& added) {
    if (series.key != 0) return series.key;
    for (const auto& [s, key] : added) {
      if (s == &series) return key;
    }
    upsert_series->reset();
    auto row =
        upsert_series->bind_text(1, series.policy_id).bind_text(2, to_string(series.metric)).step();
    const bool returned = row && *row;
    const std::int64_t key = returned ? upsert_series->column_int64(0) : 0;
    upsert_series->reset();
    if (!row) return std::unexpected(row.error());
    if (!returned) return fail("insert history series: no key returned");
    if (key <= 0 || key > kMaxSeriesKey) return fail("history: too many series");
    added.emplace_back(&series, key);
    return key;
  }

  void remember_keys(const std::vector<std::pair<Series*, std::int64_t>>& added) {
    std::lock_guard lock(memory_mutex);
    for (const auto& [s, key] : added) {
      s->key = key;
      by_key[key] = s;
    }
  }

  Status write_points(const std::vector<std::pair<Series*, RawPoint>>& accepted) {
    auto transaction = sqlite::Transaction::begin(writer);
    if (!transaction) return std::unexpected(transaction.error());
    std::vector<std::pair<Series*, std::int64_t>> added;
    for (const auto& [series, point] : accepted) {
      auto key = key_of(*series, added);
      if (!key) return std::unexpected(key.error());
      insert_head->reset();
      insert_head->bind_int64(1, point.at).bind_int64(2, *key).bind_double(3, point.value);
      auto ran = insert_head->run();
      insert_head->reset();
      if (!ran) return ran;
    }
    if (auto committed = transaction->commit(); !committed) return committed;
    remember_keys(added);
    return {};
  }

  // ---- reading ----------------------------------------------------------------------------

  // Points of the series with key `key` in [from, to) from disk, oldest first.
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
              return fail(decoded.error().message + " (day " +
                          format_rfc3339(at_seconds(day_start)) + ")");
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
              return fail(decoded.error().message + " (day " +
                          format_rfc3339(at_seconds(day_start)) + ")");
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

  static Result<std::string> read_blob(sqlite::Statement& statement, std::int64_t id, bool& found) {
    statement.reset();
    auto row = statement.bind_int64(1, id).step();
    found = row && *row;
    std::string blob = found ? statement.column_text(0) : std::string();
    statement.reset();
    if (!row) return std::unexpected(row.error());
    return blob;
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

  // ---- every series at once --------------------------------------------------------------

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

  Result<std::vector<SeriesSummary>> summaries(std::int64_t from, std::int64_t to) {
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
          if (!decoded) {
            return fail(decoded.error().message + " (day " + format_rfc3339(at_seconds(day_start)) +
                        ")");
          }
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
      auto head = reader.prepare(
          "read recent history",
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

  // ---- maintenance ------------------------------------------------------------------------

  Result<bool> exists(std::string_view operation, std::string_view sql, std::int64_t bound) {
    auto statement = writer.prepare(operation, sql);
    if (!statement) return std::unexpected(statement.error());
    auto row = statement->bind_int64(1, bound).step();
    if (!row) return std::unexpected(row.error());
    return *row;
  }

  Status delete_batch(std::string_view operation, std::string_view sql, std::int64_t bound,
                      int limit) {
    auto transaction = sqlite::Transaction::begin(writer);
    if (!transaction) return std::unexpected(transaction.error());
    {
      auto statement = writer.prepare(operation, sql);  // finalized before the commit
      if (!statement) return std::unexpected(statement.error());
      if (auto ran = statement->bind_int64(1, bound).bind_int64(2, limit).run(); !ran) return ran;
    }
    return transaction->commit();
  }

  // The day the next compaction would take, and whether it is due.
  Result<std::optional<std::int64_t>> due_day(std::int64_t now) {
    auto oldest = writer.prepare("find oldest history head point",
                                 "SELECT min(at) FROM history_head WHERE at >= ?1");
    if (!oldest) return std::unexpected(oldest.error());
    oldest->bind_int64(1, boundary_day == kNoBoundary ? std::numeric_limits<std::int64_t>::min()
                                                      : boundary_day * kSecondsPerDay);
    auto at = single_int(*oldest);
    if (!at) return std::unexpected(at.error());
    if (*at == kNoBoundary) return std::nullopt;
    const std::int64_t day = day_of(*at);
    if ((day + 1) * kSecondsPerDay + kCompactionGraceSeconds > now) return std::nullopt;
    return day;
  }

  Status start_compaction(std::int64_t day) {
    Compaction c;
    c.day = day;
    const std::int64_t day_start = day * kSecondsPerDay;
    bool need_disk = false;
    {
      std::lock_guard lock(memory_mutex);
      for (auto& [policy_id, policy] : policies) {
        for (auto& series : policy.metrics) {
          if (!series || series->key == 0 || series->last_at < day_start) continue;
          c.series.push_back(series.get());
          if (series->memory_from > day_start) need_disk = true;
        }
      }
    }
    std::sort(c.series.begin(), c.series.end(),
              [](const Series* a, const Series* b) { return a->key < b->key; });
    if (need_disk) {
      auto rows = writer.prepare("read history head day",
                                 "SELECT at, series_key, value FROM history_head "
                                 "WHERE at >= ?1 AND at < ?2 ORDER BY at");
      if (!rows) return std::unexpected(rows.error());
      rows->bind_int64(1, day_start).bind_int64(2, day_start + kSecondsPerDay);
      while (true) {
        auto row = rows->step();
        if (!row) return std::unexpected(row.error());
        if (!*row) break;
        c.from_disk[rows->column_int64(1)].push_back(
            {rows->column_int64(0), rows->column_double(2)});
      }
    }
    compaction = std::move(c);
    return {};
  }

  Status write_day(std::int64_t day, std::int64_t key, std::span<const RawPoint> points,
                   std::int64_t now) {
    if (points.empty()) return {};
    const std::int64_t day_start = day * kSecondsPerDay;
    if (day >= day_of(now - whole_seconds(options.raw_retention))) {
      put_raw->reset();
      put_raw->bind_int64(1, chunk_id(day, key)).bind_text(2, codec::encode_raw(day_start, points));
      auto ran = put_raw->run();
      put_raw->reset();
      if (!ran) return ran;
    }
    if (day >= day_of(now - whole_seconds(options.aggregate_retention))) {
      const auto hours = codec::aggregate_hours(day_start, points);
      put_hourly->reset();
      put_hourly->bind_int64(1, chunk_id(day, key)).bind_text(2, codec::encode_hourly(hours));
      auto ran = put_hourly->run();
      put_hourly->reset();
      if (!ran) return ran;
    }
    return {};
  }

  Status advance_boundary(std::int64_t day) {
    set_boundary->reset();
    auto ran = set_boundary->bind_int64(1, day).run();
    set_boundary->reset();
    return ran;
  }

  Status compact_batch(std::int64_t now) {
    Compaction& c = *compaction;
    const std::int64_t day_start = c.day * kSecondsPerDay;
    const std::size_t end = std::min(c.series.size(), c.next + kCompactionBatchSeries);
    std::vector<std::pair<std::int64_t, std::vector<RawPoint>>> batch;
    {
      std::lock_guard lock(memory_mutex);
      for (std::size_t i = c.next; i < end; ++i) {
        const Series& s = *c.series[i];
        std::vector<RawPoint> points;
        if (s.memory_from <= day_start) {
          for (std::size_t j = s.begin_at(day_start);
               j < s.times.size() && s.times[j] < day_start + kSecondsPerDay; ++j) {
            points.push_back({s.times[j], s.values[j]});
          }
        } else if (auto found = c.from_disk.find(s.key); found != c.from_disk.end()) {
          points = std::move(found->second);
        }
        batch.emplace_back(s.key, std::move(points));
      }
    }
    auto transaction = sqlite::Transaction::begin(writer);
    if (!transaction) return std::unexpected(transaction.error());
    for (const auto& [key, points] : batch) {
      if (auto written = write_day(c.day, key, points, now); !written) return written;
    }
    const bool last = end == c.series.size();
    if (last) {
      if (auto advanced = advance_boundary(c.day + 1); !advanced) return advanced;
    }
    if (auto committed = transaction->commit(); !committed) return committed;
    c.next = end;
    if (last) {
      boundary_day = c.day + 1;
      compaction.reset();
    }
    return {};
  }

  // One bounded step of maintenance; false when there was nothing to do.
  Result<bool> maintain_step(std::int64_t now) {
    if (!compaction) {
      auto day = due_day(now);
      if (!day) return std::unexpected(day.error());
      if (*day) {
        if (auto started = start_compaction(**day); !started)
          return std::unexpected(started.error());
      }
    }
    if (compaction) {
      if (auto compacted = compact_batch(now); !compacted) {
        compaction.reset();  // started afresh next time; rewriting a chunk is harmless
        return std::unexpected(compacted.error());
      }
      return true;
    }
    if (boundary_day != kNoBoundary) {
      auto leftovers =
          exists("find compacted head points", "SELECT 1 FROM history_head WHERE at < ?1 LIMIT 1",
                 boundary_day * kSecondsPerDay);
      if (!leftovers) return std::unexpected(leftovers.error());
      if (*leftovers) {
        auto deleted = delete_batch(
            "delete compacted head points",
            "DELETE FROM history_head WHERE (at, series_key) IN (SELECT at, series_key FROM "
            "history_head WHERE at < ?1 ORDER BY at LIMIT ?2)",
            boundary_day * kSecondsPerDay, kDeleteBatchHeadRows);
        if (!deleted) return std::unexpected(deleted.error());
        return true;
      }
    }
    const std::int64_t raw_cutoff = chunk_id(day_of(now - whole_seconds(options.raw_retention)), 0);
    auto old_raw = exists("find expired history chunks",
                          "SELECT 1 FROM history_raw WHERE chunk_id < ?1 LIMIT 1", raw_cutoff);
    if (!old_raw) return std::unexpected(old_raw.error());
    if (*old_raw) {
      auto deleted = delete_batch(
          "downsample history",
          "DELETE FROM history_raw WHERE chunk_id IN (SELECT chunk_id FROM history_raw "
          "WHERE chunk_id < ?1 ORDER BY chunk_id LIMIT ?2)",
          raw_cutoff, kDeleteBatchChunks);
      if (!deleted) return std::unexpected(deleted.error());
      return true;
    }
    const std::int64_t hourly_cutoff =
        chunk_id(day_of(now - whole_seconds(options.aggregate_retention)), 0);
    auto old_hourly =
        exists("find expired hourly aggregates",
               "SELECT 1 FROM history_hourly WHERE chunk_id < ?1 LIMIT 1", hourly_cutoff);
    if (!old_hourly) return std::unexpected(old_hourly.error());
    if (*old_hourly) {
      auto deleted = delete_batch(
          "expire hourly aggregates",
          "DELETE FROM history_hourly WHERE chunk_id IN (SELECT chunk_id FROM history_hourly "
          "WHERE chunk_id < ?1 ORDER BY chunk_id LIMIT ?2)",
          hourly_cutoff, kDeleteBatchChunks);
      if (!deleted) return std::unexpected(deleted.error());
      return true;
    }
    return false;
  }

  Result<bool> pending(std::int64_t now) {
    if (compaction) return true;
    auto day = due_day(now);
    if (!day) return std::unexpected(day.error());
    if (*day) return true;
    if (boundary_day != kNoBoundary) {
      auto leftovers =
          exists("find compacted head points", "SELECT 1 FROM history_head WHERE at < ?1 LIMIT 1",
                 boundary_day * kSecondsPerDay);
      if (!leftovers || *leftovers) return leftovers;
    }
    auto old_raw = exists("find expired history chunks",
                          "SELECT 1 FROM history_raw WHERE chunk_id < ?1 LIMIT 1",
                          chunk_id(day_of(now - whole_seconds(options.raw_retention)), 0));
    if (!old_raw || *old_raw) return old_raw;
    return exists("find expired hourly aggregates",
                  "SELECT 1 FROM history_hourly WHERE chunk_id < ?1 LIMIT 1",
                  chunk_id(day_of(now - whole_seconds(options.aggregate_retention)), 0));
  }
};

History::History() = default;
History::~History() = default;

Result<std::unique_ptr<History>> History::open(const std::string& db_path, Clock& clock,
                                               Options options) {
  // Readers use a connection of their own, which a private in-memory database cannot share.
  if (db_path == ":memory:") return fail("history: needs a database file, not :memory:");
  auto writer = sqlite::Connection::open(db_path);
  if (!writer) return in_context(db_path, writer.error());
  if (auto configured = configure(*writer, db_path, true); !configured) {
    return std::unexpected(configured.error());
  }
  auto reader = sqlite::Connection::open(db_path);
  if (!reader) return in_context(db_path, reader.error());
  if (auto configured = configure(*reader, db_path, false); !configured) {
    return std::unexpected(configured.error());
  }
  std::unique_ptr<History> history(new History());
  history->impl_ = std::make_unique<Impl>(std::move(*writer), std::move(*reader));
  Impl& impl = *history->impl_;
  impl.path = db_path;
  impl.clock = &clock;
  impl.options = options;
  if (auto prepared = impl.prepare(); !prepared) return std::unexpected(prepared.error());
  if (auto loaded = impl.load(floor_seconds(clock.now())); !loaded) {
    return in_context(db_path, loaded.error());
  }
  return history;
}

Status History::append(WallTime at, std::span<const Observation> observations) {
  Impl& impl = *impl_;
  const std::int64_t s = floor_seconds(at);
  if (s < 0 || s > std::numeric_limits<std::uint32_t>::max()) return {};
  std::lock_guard write_lock(impl.write_mutex);
  if (impl.boundary_day != kNoBoundary && s < impl.boundary_day * kSecondsPerDay) return {};
  std::vector<std::pair<Series*, RawPoint>> accepted;
  accepted.reserve(observations.size());
  {
    std::lock_guard memory_lock(impl.memory_mutex);
    const std::int64_t window = impl.window_seconds();
    for (const Observation& o : observations) {
      if (!std::isfinite(o.value)) continue;
      Series& series = impl.find_or_add(o.policy_id, o.metric);
      if (s <= series.last_at) continue;
      series.last_at = s;
      if (series.memory_from == kNothingInMemory) series.memory_from = s;
      series.push(s, o.value);
      series.drop_before(s - window);
      accepted.emplace_back(&series, RawPoint{s, o.value});
    }
  }
  if (accepted.empty()) return {};
  if (auto written = impl.write_points(accepted); !written) {
    return in_context(impl.path, written.error());
  }
  return {};
}

Result<std::vector<Point>> History::points(const std::string& policy_id, Metric metric,
                                           WallTime from, WallTime to) {
  std::vector<Point> out;
  auto collected = impl_->collect(
      policy_id, metric, from, to,
      [&](std::int64_t at, double v) {
        out.push_back({at_seconds(at), v, v, v, 1});
      },
      [&](std::int64_t at, const HourAggregate& h) {
        out.push_back({at_seconds(at), h.min, h.mean, h.max, h.count});
      });
  if (!collected) return std::unexpected(collected.error());
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

std::optional<double> History::recent_mean(const std::string& policy_id, Metric metric,
                                           WallTime from, WallTime to) {
  Impl& impl = *impl_;
  const std::int64_t from_s = ceil_seconds(from), to_s = ceil_seconds(to);
  if (from_s >= to_s) return std::nullopt;
  {
    std::lock_guard lock(impl.memory_mutex);
    const Series* series = impl.find(policy_id, metric);
    if (series == nullptr) return std::nullopt;
    if (from_s >= series->memory_from) {
      double sum = 0;
      long long count = 0;
      for (std::size_t i = series->begin_at(from_s);
           i < series->times.size() && series->times[i] < to_s; ++i) {
        sum += series->values[i];
        ++count;
      }
      if (count == 0) return std::nullopt;
      return sum / static_cast<double>(count);
    }
  }
  auto stats = this->stats(policy_id, metric, from, to);
  if (!stats) {
    log::warn("history: cannot read a mean from disk", {{"error", stats.error().message}});
    return std::nullopt;
  }
  if (!*stats) return std::nullopt;
  return (*stats)->mean;
}

std::vector<Point> History::recent_points(const std::string& policy_id, Metric metric,
                                          WallTime from, WallTime to) {
  Impl& impl = *impl_;
  const std::int64_t from_s = ceil_seconds(from), to_s = ceil_seconds(to);
  std::vector<Point> out;
  std::lock_guard lock(impl.memory_mutex);
  const Series* series = impl.find(policy_id, metric);
  if (series == nullptr || from_s >= to_s) return out;
  for (std::size_t i = series->begin_at(from_s);
       i < series->times.size() && series->times[i] < to_s; ++i) {
    const double v = series->values[i];
    out.push_back({at_seconds(series->times[i]), v, v, v, 1});
  }
  return out;
}

Result<bool> History::maintain() {
  Impl& impl = *impl_;
  std::lock_guard lock(impl.write_mutex);
  const std::int64_t now = floor_seconds(impl.clock->now());
  {
    // Series that stopped receiving points still age out of memory.
    std::lock_guard memory_lock(impl.memory_mutex);
    const std::int64_t window_start = now - impl.window_seconds();
    for (auto& [policy_id, policy] : impl.policies) {
      for (auto& series : policy.metrics) {
        if (series && series->memory_from < window_start) series->drop_before(window_start);
      }
    }
  }
  auto worked = impl.maintain_step(now);
  if (!worked) return in_context(impl.path, worked.error());
  auto more = impl.pending(now);
  if (!more) return in_context(impl.path, more.error());
  return *more;
}

Status History::import_days(std::span<const ImportedDay> days) {
  Impl& impl = *impl_;
  std::lock_guard write_lock(impl.write_mutex);
  const std::int64_t now = floor_seconds(impl.clock->now());
  auto transaction = sqlite::Transaction::begin(impl.writer);
  if (!transaction) return in_context(impl.path, transaction.error());
  std::int64_t boundary = impl.boundary_day;
  if (boundary == kNoBoundary) {
    // Nothing compacted yet: the boundary becomes the oldest day still in the head, or today.
    auto oldest =
        impl.writer.prepare("find oldest history head point", "SELECT min(at) FROM history_head");
    if (!oldest) return in_context(impl.path, oldest.error());
    auto at = Impl::single_int(*oldest);
    if (!at) return in_context(impl.path, at.error());
    boundary = *at == kNoBoundary ? day_of(now) : std::min(day_of(now), day_of(*at));
    if (auto advanced = impl.advance_boundary(boundary); !advanced) {
      return in_context(impl.path, advanced.error());
    }
  }
  std::vector<std::pair<Series*, std::int64_t>> added;
  std::vector<std::pair<Series*, std::int64_t>> day_ends;
  std::vector<RawPoint> points;
  for (const ImportedDay& d : days) {
    if (d.points.empty()) continue;
    points.clear();
    for (const auto& [at, value] : d.points) {
      if (!std::isfinite(value)) continue;
      points.push_back({floor_seconds(at), value});
    }
    if (points.empty()) continue;
    const std::int64_t day = day_of(points.front().at);
    for (std::size_t i = 0; i < points.size(); ++i) {
      if (day_of(points[i].at) != day || (i > 0 && points[i].at <= points[i - 1].at)) {
        return fail("history import: the points of a day must be increasing and in one UTC day");
      }
    }
    if (day >= boundary) {
      return fail("history import: " + format_rfc3339(at_seconds(day * kSecondsPerDay)) +
                  " is not before the compaction boundary");
    }
    Series* series;
    {
      std::lock_guard memory_lock(impl.memory_mutex);
      series = &impl.find_or_add(d.policy_id, d.metric);
      if (series->key == 0 && series->memory_from == std::numeric_limits<std::int64_t>::min()) {
        series->memory_from = kNothingInMemory;  // a new series: its past is on disk only
      }
    }
    auto key = impl.key_of(*series, added);
    if (!key) return in_context(impl.path, key.error());
    if (auto written = impl.write_day(day, *key, points, now); !written) {
      return in_context(impl.path, written.error());
    }
    day_ends.emplace_back(series, (day + 1) * kSecondsPerDay);
  }
  if (auto committed = transaction->commit(); !committed) {
    return in_context(impl.path, committed.error());
  }
  impl.boundary_day = boundary;
  impl.remember_keys(added);
  std::lock_guard memory_lock(impl.memory_mutex);
  for (auto& [series, day_end] : day_ends) {
    // The imported days are read from disk from now on.
    if (series->memory_from != kNothingInMemory && series->memory_from < day_end) {
      series->drop_before(day_end);
    }
    series->last_at = std::max(series->last_at, day_end - 1);
  }
  return {};
}

void History::retain_only(std::span<const std::string> live_policy_ids) {
  const std::unordered_set<std::string> live(live_policy_ids.begin(), live_policy_ids.end());
  std::lock_guard lock(impl_->memory_mutex);
  // Series objects stay (the compaction may hold them, and their keys are needed to read the
  // disk history); only their recent points are dropped.
  for (auto& [policy_id, policy] : impl_->policies) {
    if (live.contains(policy_id)) continue;
    for (auto& series : policy.metrics) {
      if (series) series->forget();
    }
  }
}

Result<History::Footprint> History::footprint() {
  Impl& impl = *impl_;
  std::lock_guard lock(impl.read_mutex);
  Footprint f;
  {
    std::lock_guard memory_lock(impl.memory_mutex);
    for (const auto& [id, policy] : impl.policies) {
      for (const auto& series : policy.metrics) f.series += series ? 1 : 0;
    }
  }
  auto snapshot = sqlite::Transaction::begin(impl.reader, sqlite::Transaction::Mode::deferred);
  if (!snapshot) return in_context(impl.path, snapshot.error());
  auto head = impl.reader.query_int64("count history head", "SELECT count(*) FROM history_head");
  if (!head) return in_context(impl.path, head.error());
  f.raw_points = *head;
  auto count_points = [&](std::string_view sql, bool raw) -> Status {
    auto statement = impl.reader.prepare("count history chunks", sql);
    if (!statement) return std::unexpected(statement.error());
    while (true) {
      auto row = statement->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) break;
      const std::string blob = statement->column_text(0);
      if (raw) {
        std::vector<RawPoint> points;
        if (codec::decode_raw(blob, 0, points))
          f.raw_points += static_cast<long long>(points.size());
      } else {
        std::vector<HourAggregate> hours;
        if (codec::decode_hourly(blob, hours)) f.aggregates += static_cast<long long>(hours.size());
      }
    }
    return {};
  };
  if (auto counted = count_points("SELECT data FROM history_raw", true); !counted) {
    return in_context(impl.path, counted.error());
  }
  if (auto counted = count_points("SELECT data FROM history_hourly", false); !counted) {
    return in_context(impl.path, counted.error());
  }
  auto bytes = impl.reader.query_int64(
      "measure history pages",
      "SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name LIKE 'history\\_%' ESCAPE '\\' "
      "OR name LIKE 'sqlite\\_autoindex\\_history\\_%' ESCAPE '\\'");
  if (!bytes) return in_context(impl.path, bytes.error());
  f.bytes_on_disk = *bytes;
  if (auto done = snapshot->commit(); !done) return in_context(impl.path, done.error());
  return f;
}

}  // namespace slamon::history
