// History's façade: opening (the connections through the store's opener, the statements, the
// load), appending cycles, reading one series' points, and the in-memory reads. Chunks,
// summaries and maintenance live in the files named in history_impl.h.
#include "history/history.h"

#include <cmath>
#include <limits>
#include <unordered_set>

#include "common/log.h"
#include "history/history_impl.h"
#include "store/database.h"
#include "store/schema.h"

namespace slamon::history {

Status History::Impl::prepare() {
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
      {&reader, &get_raw, "read history chunk", "SELECT data FROM history_raw WHERE chunk_id = ?1"},
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

History::History() = default;
History::~History() = default;

Result<std::unique_ptr<History>> History::open(const std::string& db_path, Clock& clock,
                                               Options options) {
  // Readers use a connection of their own, which a private in-memory database cannot share.
  if (db_path == ":memory:") return fail("history: needs a database file, not :memory:");
  // synchronous = NORMAL: in WAL mode a power loss may undo the last commits, never corrupt
  // them.
  const DatabaseOptions writer_options{.identity = DatabaseOptions::Identity::initialized_slamon,
                                       .synchronous = DatabaseOptions::Synchronous::normal,
                                       .label = "history"};
  auto writer = open_database(db_path, writer_options);
  if (!writer) return std::unexpected(writer.error());
  // The store has migrated the file already in the daemon; a file opened on its own (a
  // backtest snapshot of an older database, a benchmark) gains the history tables here.
  if (auto migrated = store_schema::migrate(*writer, store_schema::migrations(), db_path);
      !migrated) {
    return in_context(db_path, migrated.error());
  }
  auto reader = open_database(db_path, {.identity = DatabaseOptions::Identity::any,
                                        .synchronous = DatabaseOptions::Synchronous::normal,
                                        .label = "history"});
  if (!reader) return std::unexpected(reader.error());
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
    impl.append_failures.fetch_add(1, std::memory_order_relaxed);
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

History::Health History::health() const {
  return Health{
      .corrupt_chunks = impl_->corrupt_chunks.load(std::memory_order_relaxed),
      .maintain_failures = impl_->maintain_failures.load(std::memory_order_relaxed),
      .append_failures = impl_->append_failures.load(std::memory_order_relaxed),
  };
}

}  // namespace slamon::history
