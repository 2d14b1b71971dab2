// History's compaction and retention: a finished day's head points become one chunk per
// series (in batches, each its own transaction), compacted head points are deleted, raw chunks
// older than raw_retention are dropped (their hourly aggregates stay) and hourly aggregates
// older than aggregate_retention too. Each maintain() call does one bounded step.
#include <limits>

#include "history/history_impl.h"

namespace slamon::history {
namespace {

// A day is compacted this long after its end, so a late cycle still lands in the head.
constexpr std::int64_t kCompactionGraceSeconds = kSecondsPerHour;
// Work per maintain() call: each is one transaction of a few MB at most.
constexpr std::size_t kCompactionBatchSeries = 500;
constexpr int kDeleteBatchHeadRows = 20'000;
constexpr int kDeleteBatchChunks = 2'000;

}  // namespace

Result<bool> History::Impl::exists(std::string_view operation, std::string_view sql,
                                   std::int64_t bound) {
  auto statement = writer.prepare(operation, sql);
  if (!statement) return std::unexpected(statement.error());
  auto row = statement->bind_int64(1, bound).step();
  if (!row) return std::unexpected(row.error());
  return *row;
}

Status History::Impl::delete_batch(std::string_view operation, std::string_view sql,
                                   std::int64_t bound, int limit) {
  auto transaction = sqlite::Transaction::begin(writer);
  if (!transaction) return std::unexpected(transaction.error());
  {
    auto statement = writer.prepare(operation, sql);  // finalized before the commit
    if (!statement) return std::unexpected(statement.error());
    if (auto ran = statement->bind_int64(1, bound).bind_int64(2, limit).run(); !ran) return ran;
  }
  return transaction->commit();
}

Result<std::optional<std::int64_t>> History::Impl::due_day(std::int64_t now) {
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

Status History::Impl::start_compaction(std::int64_t day) {
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
      c.from_disk[rows->column_int64(1)].push_back({rows->column_int64(0), rows->column_double(2)});
    }
  }
  compaction = std::move(c);
  return {};
}

Status History::Impl::compact_batch(std::int64_t now) {
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

Result<bool> History::Impl::maintain_step(std::int64_t now) {
  if (!compaction) {
    auto day = due_day(now);
    if (!day) return std::unexpected(day.error());
    if (*day) {
      if (auto started = start_compaction(**day); !started) return std::unexpected(started.error());
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
    auto deleted =
        delete_batch("downsample history",
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

Result<bool> History::Impl::pending(std::int64_t now) {
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
  auto old_raw =
      exists("find expired history chunks", "SELECT 1 FROM history_raw WHERE chunk_id < ?1 LIMIT 1",
             chunk_id(day_of(now - whole_seconds(options.raw_retention)), 0));
  if (!old_raw || *old_raw) return old_raw;
  return exists("find expired hourly aggregates",
                "SELECT 1 FROM history_hourly WHERE chunk_id < ?1 LIMIT 1",
                chunk_id(day_of(now - whole_seconds(options.aggregate_retention)), 0));
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
  if (!worked) {
    impl.maintain_failures.fetch_add(1, std::memory_order_relaxed);
    return in_context(impl.path, worked.error());
  }
  auto more = impl.pending(now);
  if (!more) {
    impl.maintain_failures.fetch_add(1, std::memory_order_relaxed);
    return in_context(impl.path, more.error());
  }
  return *more;
}

}  // namespace slamon::history
