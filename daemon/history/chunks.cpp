// History's chunks: loading the recent points at open, writing cycles to the head, writing a
// series-day in its compacted form (a raw Gorilla chunk and its hourly aggregates, one row each,
// keyed by day << 24 | series key; the layout is described with the v7 migration in
// store/schema.cpp), backfill by import_days, and the footprint over every chunk.
#include <sqlite3.h>

#include <cmath>
#include <limits>

#include "common/log.h"
#include "history/history_impl.h"

namespace slamon::history {

Result<std::int64_t> History::Impl::single_int(sqlite::Statement& statement) {
  auto row = statement.step();
  std::int64_t value = kNoBoundary;
  if (row && *row && !statement.column_is_null(0)) value = statement.column_int64(0);
  statement.reset();
  if (!row) return std::unexpected(row.error());
  return value;
}

Status History::Impl::load(std::int64_t now) {
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
  if (corrupted > 0) {
    corrupt_chunks.fetch_add(corrupted, std::memory_order_relaxed);
    log::warn("skipped corrupt history chunks", {{"chunks", corrupted}});
  }
  return {};
}

Result<std::int64_t> History::Impl::key_of(Series& series,
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

void History::Impl::remember_keys(const std::vector<std::pair<Series*, std::int64_t>>& added) {
  std::lock_guard lock(memory_mutex);
  for (const auto& [s, key] : added) {
    s->key = key;
    by_key[key] = s;
  }
}

Status History::Impl::write_points(const std::vector<std::pair<Series*, RawPoint>>& accepted) {
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

Status History::Impl::write_day(std::int64_t day, std::int64_t key,
                                std::span<const RawPoint> points, std::int64_t now) {
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

Status History::Impl::advance_boundary(std::int64_t day) {
  set_boundary->reset();
  auto ran = set_boundary->bind_int64(1, day).run();
  set_boundary->reset();
  return ran;
}

Result<std::string> History::Impl::read_blob(sqlite::Statement& statement, std::int64_t id,
                                             bool& found) {
  statement.reset();
  auto row = statement.bind_int64(1, id).step();
  found = row && *row;
  std::string blob = found ? statement.column_text(0) : std::string();
  statement.reset();
  if (!row) return std::unexpected(row.error());
  return blob;
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
