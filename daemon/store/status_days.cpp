// The daily rollup of the status timelines (policy_status_days, schema v6) and the reads that
// combine it with the segments. Part of Store; see store.h for the contract.
#include <algorithm>
#include <array>
#include <climits>
#include <functional>
#include <map>
#include <string>
#include <utility>

#include "store/columns.h"
#include "store/store.h"

namespace slamon {
namespace {

using store_detail::from_millis;
using store_detail::in_context;
using store_detail::to_millis;

using store_detail::ceil_day;
using store_detail::floor_day;
using store_detail::kDayMs;

// Policies summed per transaction: bounds how long a roll-up or a read holds the Store's lock,
// so a cycle's commit never waits long behind it.
constexpr int kPoliciesPerBatch = 500;

// Milliseconds per status, in the order up, degraded, down, unknown, maintenance.
using Millis = std::array<long long, 5>;

std::optional<std::size_t> status_slot(std::string_view status) {
  static constexpr std::array<std::string_view, 5> kNames{"up", "degraded", "down", "unknown",
                                                          "maintenance"};
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == status) return i;
  }
  return std::nullopt;
}

StatusTotals totals_of(std::string policy_id, std::string org, const Millis& ms) {
  StatusTotals t;
  t.policy_id = std::move(policy_id);
  t.org = std::move(org);
  t.up = Duration{ms[0]};
  t.degraded = Duration{ms[1]};
  t.down = Duration{ms[2]};
  t.unknown = Duration{ms[3]};
  t.maintenance = Duration{ms[4]};
  return t;
}

// One policy's segments overlapping [from, to): a read bounded by the primary key (segments
// never overlap, so only the last one starting at or before `from` can reach into the span).
constexpr std::string_view kPolicySegmentsSql =
    "SELECT org, start_ms, end_ms, status FROM policy_status_segments "
    "WHERE policy_id = ?1 AND start_ms < ?3 AND end_ms > ?2 AND start_ms >= "
    "coalesce((SELECT max(start_ms) FROM policy_status_segments "
    "WHERE policy_id = ?1 AND start_ms <= ?2), ?2) ORDER BY start_ms";

struct PolicySpan {
  std::string org;
  std::map<long long, Millis> by_day;  // day start → time per status within [from, to)
};

// Adds the policy's time per status within [from, to), split at UTC midnights.
Status add_policy_span(sqlite::Statement& select, const std::string& policy_id, long long from,
                       long long to, PolicySpan& span) {
  if (from >= to) return {};
  select.reset();
  select.bind_text(1, policy_id).bind_int64(2, from).bind_int64(3, to);
  while (true) {
    auto row = select.step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return {};
    auto slot = status_slot(select.column_text(3));
    if (!slot) continue;
    span.org = select.column_text(0);
    long long at = std::max(select.column_int64(1), from);
    const long long end = std::min(select.column_int64(2), to);
    while (at < end) {
      const long long day = floor_day(at);
      const long long piece_end = std::min(end, day + kDayMs);
      span.by_day[day][*slot] += piece_end - at;
      at = piece_end;
    }
  }
}

}  // namespace

Result<std::optional<long long>> Store::rolled_through_locked() {
  auto select = connection_.prepare("read status rollup marker",
                                    "SELECT through_ms FROM policy_status_rollup WHERE id = 1");
  if (!select) return std::unexpected(select.error());
  auto row = select->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<long long>{};
  return std::optional<long long>{select->column_int64(0)};
}

Result<std::optional<std::string>> Store::next_timeline_policy_locked(const std::string& after) {
  // A seek on the primary key per policy: the distinct policy ids without scanning every row.
  auto select = connection_.prepare("list timeline policies",
                                    "SELECT policy_id FROM policy_status_segments "
                                    "WHERE policy_id > ? ORDER BY policy_id LIMIT 1");
  if (!select) return std::unexpected(select.error());
  select->bind_text(1, after);
  auto row = select->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<std::string>{};
  return std::optional<std::string>{select->column_text(0)};
}

Status Store::for_each_timeline_policy(
    const std::optional<std::string>& only,
    const std::function<Status(const std::string&, sqlite::Statement&)>& visit) {
  std::string after;
  bool more = true;
  while (more) {
    // The lock is held for one batch at a time, so a cycle's commit never waits long.
    std::lock_guard lock(mutex_);
    auto select = connection_.prepare("read status timelines", kPolicySegmentsSql);
    if (!select) return std::unexpected(select.error());
    for (int n = 0; n < kPoliciesPerBatch && more; ++n) {
      if (only) {
        after = *only;
        more = false;
      } else {
        auto next = next_timeline_policy_locked(after);
        if (!next) return std::unexpected(next.error());
        more = next->has_value();
        if (!more) break;
        after = **next;
      }
      if (auto visited = visit(after, *select); !visited) return visited;
    }
  }
  return {};
}

Result<int> Store::roll_up_status_days(WallTime closed_before) {
  const long long limit = floor_day(to_millis(closed_before));
  std::optional<long long> marker;
  long long first_day = limit;
  {
    std::lock_guard lock(mutex_);
    auto read = rolled_through_locked();
    if (!read) return in_context("status rollup", read.error());
    marker = *read;
    if (marker && *marker >= limit) return 0;
    // Rows at or after the marker are not part of the rollup (a commit invalidated them, or an
    // earlier roll-up stopped half way): drop them so no stale policy-day survives.
    auto stale =
        connection_.prepare("status rollup", "DELETE FROM policy_status_days WHERE day_ms >= ?");
    if (!stale) return in_context("status rollup", stale.error());
    stale->bind_int64(1, marker.value_or(LLONG_MIN));
    if (auto done = stale->run(); !done) return in_context("status rollup", done.error());
  }
  const long long from = marker.value_or(LLONG_MIN);

  std::string after;
  bool more = true;
  while (more) {
    std::lock_guard lock(mutex_);
    auto transaction = sqlite::Transaction::begin(connection_);
    if (!transaction) return in_context("status rollup", transaction.error());
    auto select = connection_.prepare("status rollup", kPolicySegmentsSql);
    auto insert = connection_.prepare(
        "status rollup",
        "INSERT OR REPLACE INTO policy_status_days (day_ms, policy_id, org, up_ms, degraded_ms, "
        "down_ms, unknown_ms, maintenance_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    if (!select) return in_context("status rollup", select.error());
    if (!insert) return in_context("status rollup", insert.error());
    for (int n = 0; n < kPoliciesPerBatch; ++n) {
      auto next = next_timeline_policy_locked(after);
      if (!next) return in_context("status rollup", next.error());
      if (!*next) {
        more = false;
        break;
      }
      after = **next;
      PolicySpan span;
      if (auto added = add_policy_span(*select, after, from, limit, span); !added) {
        return in_context("status rollup of policy '" + after + "'", added.error());
      }
      for (const auto& [day, ms] : span.by_day) {
        first_day = std::min(first_day, day);
        insert->reset();
        insert->bind_int64(1, day).bind_text(2, after).bind_text(3, span.org);
        for (std::size_t i = 0; i < ms.size(); ++i) {
          insert->bind_int64(static_cast<int>(i) + 4, ms[i]);
        }
        if (auto done = insert->run(); !done) return in_context("status rollup", done.error());
      }
    }
    if (auto done = transaction->commit(); !done) return in_context("status rollup", done.error());
  }

  std::lock_guard lock(mutex_);
  auto transaction = sqlite::Transaction::begin(connection_);
  if (!transaction) return in_context("status rollup", transaction.error());
  // A commit that wrote into a summed day moved the marker back meanwhile: keep its marker,
  // the next roll-up sums those days again.
  auto current = rolled_through_locked();
  if (!current) return in_context("status rollup", current.error());
  if (*current != marker) return 0;
  auto mark =
      connection_.prepare("status rollup",
                          "INSERT INTO policy_status_rollup (id, through_ms) VALUES (1, ?) "
                          "ON CONFLICT (id) DO UPDATE SET through_ms = excluded.through_ms");
  if (!mark) return in_context("status rollup", mark.error());
  mark->bind_int64(1, limit);
  if (auto done = mark->run(); !done) return in_context("status rollup", done.error());
  if (auto done = transaction->commit(); !done) return in_context("status rollup", done.error());
  ++data_generation_;
  const long long start = marker.value_or(first_day);
  return static_cast<int>((limit - std::min(start, limit)) / kDayMs);
}

Result<std::vector<StatusTotals>> Store::status_totals(const std::optional<std::string>& org,
                                                       WallTime from_time, WallTime to_time) {
  const long long from = to_millis(from_time);
  const long long to = to_millis(to_time);
  if (to <= from) return std::vector<StatusTotals>{};

  std::map<std::string, std::pair<std::string, Millis>> totals;  // policy → org, time
  long long whole_from = ceil_day(from);
  long long whole_to = whole_from;
  {
    std::lock_guard lock(mutex_);
    auto marker = rolled_through_locked();
    if (!marker) return in_context("read status totals", marker.error());
    if (*marker) whole_to = std::max(whole_from, std::min(floor_day(to), **marker));
    if (whole_from < whole_to) {
      auto select = connection_.prepare(
          "read status totals",
          "SELECT policy_id, org, sum(up_ms), sum(degraded_ms), sum(down_ms), sum(unknown_ms), "
          "sum(maintenance_ms) FROM policy_status_days WHERE day_ms >= ?1 AND day_ms < ?2 "
          "AND (?3 IS NULL OR org = ?3) GROUP BY policy_id");
      if (!select) return std::unexpected(select.error());
      select->bind_int64(1, whole_from).bind_int64(2, whole_to).bind_optional_text(3, org);
      while (true) {
        auto row = select->step();
        if (!row) return std::unexpected(row.error());
        if (!*row) break;
        auto& [policy_org, ms] = totals[select->column_text(0)];
        policy_org = select->column_text(1);
        for (std::size_t i = 0; i < ms.size(); ++i) {
          ms[i] += select->column_int64(static_cast<int>(i) + 2);
        }
      }
    }
  }

  // The edges the rollup does not hold: before the first whole day and after the last summed.
  auto edges = for_each_timeline_policy(
      std::nullopt, [&](const std::string& id, sqlite::Statement& select) -> Status {
        PolicySpan span;
        const bool split = whole_from < whole_to;
        if (auto a = add_policy_span(select, id, from, split ? whole_from : to, span); !a) return a;
        if (split) {
          if (auto b = add_policy_span(select, id, whole_to, to, span); !b) return b;
        }
        if (span.by_day.empty() || (org && span.org != *org)) return {};
        auto& [policy_org, ms] = totals[id];
        policy_org = span.org;
        for (const auto& [day, day_ms] : span.by_day) {
          for (std::size_t i = 0; i < ms.size(); ++i) ms[i] += day_ms[i];
        }
        return {};
      });
  if (!edges) return std::unexpected(edges.error());

  std::vector<StatusTotals> out;
  out.reserve(totals.size());
  for (auto& [policy_id, entry] : totals) {
    out.push_back(totals_of(policy_id, std::move(entry.first), entry.second));
  }
  return out;
}

Result<std::vector<StatusDay>> Store::status_days(const std::optional<std::string>& org,
                                                  const std::optional<std::string>& policy_id,
                                                  WallTime from_time, WallTime to_time) {
  const long long first_day = floor_day(to_millis(from_time));
  const long long end_day = ceil_day(to_millis(to_time));
  if (end_day <= first_day) return std::vector<StatusDay>{};

  std::map<std::string, PolicySpan> spans;
  long long summed_to = first_day;  // days before it come from the rollup
  if (!policy_id) {
    std::lock_guard lock(mutex_);
    auto marker = rolled_through_locked();
    if (!marker) return in_context("read status days", marker.error());
    if (*marker) summed_to = std::clamp(**marker, first_day, end_day);
    if (first_day < summed_to) {
      auto select = connection_.prepare(
          "read status days",
          "SELECT policy_id, org, day_ms, up_ms, degraded_ms, down_ms, unknown_ms, "
          "maintenance_ms FROM policy_status_days WHERE day_ms >= ?1 AND day_ms < ?2 "
          "AND (?3 IS NULL OR org = ?3)");
      if (!select) return std::unexpected(select.error());
      select->bind_int64(1, first_day).bind_int64(2, summed_to).bind_optional_text(3, org);
      while (true) {
        auto row = select->step();
        if (!row) return std::unexpected(row.error());
        if (!*row) break;
        PolicySpan& span = spans[select->column_text(0)];
        span.org = select->column_text(1);
        Millis& ms = span.by_day[select->column_int64(2)];
        for (std::size_t i = 0; i < ms.size(); ++i) {
          ms[i] = select->column_int64(static_cast<int>(i) + 3);
        }
      }
    }
  }

  // Days after the rollup (or all of them for one policy, whose read the key bounds anyway).
  if (summed_to < end_day) {
    auto recent = for_each_timeline_policy(
        policy_id, [&](const std::string& id, sqlite::Statement& select) -> Status {
          PolicySpan span;
          if (auto added = add_policy_span(select, id, summed_to, end_day, span); !added) {
            return added;
          }
          if (span.by_day.empty() || (org && span.org != *org)) return {};
          PolicySpan& into = spans[id];
          into.org = span.org;
          into.by_day.merge(span.by_day);
          return {};
        });
    if (!recent) return std::unexpected(recent.error());
  }

  std::vector<StatusDay> out;
  for (auto& [id, span] : spans) {
    for (const auto& [day, ms] : span.by_day) {
      out.push_back({from_millis(day), totals_of(id, span.org, ms)});
    }
  }
  return out;
}

}  // namespace slamon
