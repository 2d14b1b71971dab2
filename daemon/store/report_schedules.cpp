// The Store's report schedules (SPEC §10): the API's schedules, the scheduling state of every
// schedule, and the runs (store.h documents each member).
#include <nlohmann/json.hpp>

#include "common/log.h"
#include "model/report_schedule_json.h"
#include "store/columns.h"
#include "store/store.h"

namespace slamon {
namespace {

using store_detail::from_millis;
using store_detail::in_context;
using store_detail::refuse;
using store_detail::storage_failure;
using store_detail::to_millis;

constexpr std::string_view kRunColumns =
    "schedule_id, due_at, org, schedule_name, report_id, notifiers, timezone, recorded_at";

Result<ReportScheduleRun> read_run(const sqlite::Statement& row) {
  ReportScheduleRun run;
  run.schedule_id = row.column_text(0);
  run.due_at = from_millis(row.column_int64(1));
  run.org = row.column_text(2);
  run.schedule_name = row.column_text(3);
  run.report_id = row.column_text(4);
  const auto notifiers = nlohmann::json::parse(row.column_text(5), nullptr, false);
  if (!notifiers.is_array()) {
    return fail("report schedule run of '" + run.schedule_id + "' has unreadable notifiers");
  }
  for (const auto& name : notifiers) {
    if (name.is_string()) run.notifiers.push_back(name.get<std::string>());
  }
  run.timezone = row.column_text(6);
  run.recorded_at = from_millis(row.column_int64(7));
  return run;
}

// A UNIQUE constraint refused the write (the caller's conflict), as opposed to a failure.
bool is_constraint_violation(const Error& error) {
  return error.message.find("UNIQUE constraint failed") != std::string::npos;
}

}  // namespace

WriteResult<void> Store::insert_report_schedule(const StoredReportSchedule& schedule,
                                                WallTime since) {
  std::lock_guard lock(mutex_);
  auto transaction = sqlite::Transaction::begin(connection_);
  if (!transaction) return storage_failure("store report schedule", transaction.error());
  auto insert = connection_.prepare(
      "store report schedule",
      "INSERT INTO report_schedules (id, org, name, body, created_at, updated_at) "
      "VALUES (?, ?, ?, ?, ?, ?)");
  if (!insert) return storage_failure("store report schedule", insert.error());
  insert->bind_text(1, schedule.id)
      .bind_text(2, schedule.org)
      .bind_text(3, schedule.name)
      .bind_text(4, schedule.body)
      .bind_int64(5, to_millis(schedule.created_at))
      .bind_int64(6, to_millis(schedule.updated_at));
  if (auto done = insert->run(); !done) {
    if (is_constraint_violation(done.error())) {
      return refuse(WriteFailure::conflict,
                    "a report schedule with this id or name exists in the organization");
    }
    return storage_failure("store report schedule", done.error());
  }
  auto state =
      connection_.prepare("start report schedule",
                          "INSERT INTO report_schedule_state (schedule_id, since) VALUES (?, ?) "
                          "ON CONFLICT (schedule_id) DO UPDATE SET since = excluded.since");
  if (!state) return storage_failure("start report schedule", state.error());
  state->bind_text(1, schedule.id).bind_int64(2, to_millis(since));
  if (auto done = state->run(); !done)
    return storage_failure("start report schedule", done.error());
  if (auto committed = transaction->commit(); !committed) {
    return storage_failure("store report schedule", committed.error());
  }
  ++data_generation_;
  return {};
}

WriteResult<void> Store::update_report_schedule(const StoredReportSchedule& schedule,
                                                std::optional<WallTime> since) {
  std::lock_guard lock(mutex_);
  auto transaction = sqlite::Transaction::begin(connection_);
  if (!transaction) return storage_failure("update report schedule", transaction.error());
  auto update = connection_.prepare(
      "update report schedule",
      "UPDATE report_schedules SET name = ?, body = ?, updated_at = ? WHERE id = ? AND org = ? "
      "RETURNING id");
  if (!update) return storage_failure("update report schedule", update.error());
  update->bind_text(1, schedule.name)
      .bind_text(2, schedule.body)
      .bind_int64(3, to_millis(schedule.updated_at))
      .bind_text(4, schedule.id)
      .bind_text(5, schedule.org);
  auto row = update->step();
  if (!row) {
    if (is_constraint_violation(row.error())) {
      return refuse(WriteFailure::conflict,
                    "a report schedule with this name exists in the organization");
    }
    return storage_failure("update report schedule", row.error());
  }
  if (!*row) return refuse(WriteFailure::not_found, "no report schedule '" + schedule.id + "'");
  if (auto done = update->run(); !done) {
    return storage_failure("update report schedule", done.error());
  }
  if (since) {
    auto state =
        connection_.prepare("restart report schedule",
                            "INSERT INTO report_schedule_state (schedule_id, since) VALUES (?, ?) "
                            "ON CONFLICT (schedule_id) DO UPDATE SET since = excluded.since");
    if (!state) return storage_failure("restart report schedule", state.error());
    state->bind_text(1, schedule.id).bind_int64(2, to_millis(*since));
    if (auto done = state->run(); !done) {
      return storage_failure("restart report schedule", done.error());
    }
  }
  if (auto committed = transaction->commit(); !committed) {
    return storage_failure("update report schedule", committed.error());
  }
  ++data_generation_;
  return {};
}

WriteResult<void> Store::delete_report_schedule(const std::string& org, const std::string& id) {
  std::lock_guard lock(mutex_);
  auto transaction = sqlite::Transaction::begin(connection_);
  if (!transaction) return storage_failure("delete report schedule", transaction.error());
  auto remove =
      connection_.prepare("delete report schedule",
                          "DELETE FROM report_schedules WHERE id = ? AND org = ? RETURNING id");
  if (!remove) return storage_failure("delete report schedule", remove.error());
  remove->bind_text(1, id).bind_text(2, org);
  auto row = remove->step();
  if (!row) return storage_failure("delete report schedule", row.error());
  if (!*row) return refuse(WriteFailure::not_found, "no report schedule '" + id + "'");
  if (auto done = remove->run(); !done) {
    return storage_failure("delete report schedule", done.error());
  }
  auto state = connection_.prepare("forget report schedule",
                                   "DELETE FROM report_schedule_state WHERE schedule_id = ?");
  if (!state) return storage_failure("forget report schedule", state.error());
  state->bind_text(1, id);
  if (auto done = state->run(); !done) {
    return storage_failure("forget report schedule", done.error());
  }
  if (auto committed = transaction->commit(); !committed) {
    return storage_failure("delete report schedule", committed.error());
  }
  ++data_generation_;
  return {};
}

Result<std::vector<ReportSchedule>> Store::report_schedules(const std::optional<std::string>& org) {
  std::lock_guard lock(mutex_);
  auto select = connection_.prepare("read report schedules",
                                    "SELECT id, body FROM report_schedules "
                                    "WHERE ?1 IS NULL OR org = ?1 ORDER BY org, name");
  if (!select) return std::unexpected(select.error());
  select->bind_optional_text(1, org);
  std::vector<ReportSchedule> out;
  while (true) {
    auto row = select->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return out;
    auto schedule = report_schedule_from_stored(select->column_text(1));
    if (!schedule) {
      log::warn("report schedule skipped",
                {{"schedule", select->column_text(0)}, {"error", schedule.error().message}});
      continue;
    }
    out.push_back(std::move(*schedule));
  }
}

Result<WallTime> Store::report_schedule_since(const std::string& id, WallTime now) {
  std::lock_guard lock(mutex_);
  // Read first: the scheduler asks every minute, and a schedule is new only once.
  auto select =
      connection_.prepare("read report schedule state",
                          "SELECT since FROM report_schedule_state WHERE schedule_id = ?");
  if (!select) return std::unexpected(select.error());
  select->bind_text(1, id);
  auto row = select->step();
  if (!row) return std::unexpected(row.error());
  if (*row) return from_millis(select->column_int64(0));
  auto insert =
      connection_.prepare("start report schedule state",
                          "INSERT INTO report_schedule_state (schedule_id, since) VALUES (?, ?)");
  if (!insert) return std::unexpected(insert.error());
  insert->bind_text(1, id).bind_int64(2, to_millis(now));
  if (auto done = insert->run(); !done) return std::unexpected(done.error());
  return now;
}

Result<std::vector<ReportScheduleRun>> Store::latest_report_schedule_runs() {
  std::lock_guard lock(mutex_);
  auto select = connection_.prepare(
      "read report schedule runs",
      "SELECT " + std::string(kRunColumns) +
          " FROM report_schedule_runs AS r WHERE due_at = (SELECT max(due_at) FROM "
          "report_schedule_runs WHERE schedule_id = r.schedule_id) ORDER BY schedule_id");
  if (!select) return std::unexpected(select.error());
  std::vector<ReportScheduleRun> out;
  while (true) {
    auto row = select->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return out;
    auto run = read_run(*select);
    if (!run) return in_context(select->operation(), run.error());
    out.push_back(std::move(*run));
  }
}

WriteResult<void> Store::record_report_schedule_run(const ReportScheduleRun& run,
                                                    const StoredReport& report) {
  std::lock_guard lock(mutex_);
  auto transaction = sqlite::Transaction::begin(connection_);
  if (!transaction) return storage_failure("record report schedule run", transaction.error());
  auto insert = connection_.prepare(
      "record report schedule run",
      "INSERT INTO report_schedule_runs (" + std::string(kRunColumns) +
          ") VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (schedule_id, due_at) DO NOTHING "
          "RETURNING report_id");
  if (!insert) return storage_failure("record report schedule run", insert.error());
  insert->bind_text(1, run.schedule_id)
      .bind_int64(2, to_millis(run.due_at))
      .bind_text(3, run.org)
      .bind_text(4, run.schedule_name)
      .bind_text(5, run.report_id)
      .bind_text(6, nlohmann::json(run.notifiers).dump())
      .bind_text(7, run.timezone)
      .bind_int64(8, to_millis(run.recorded_at));
  auto row = insert->step();
  if (!row) return storage_failure("record report schedule run", row.error());
  if (!*row) {
    return refuse(WriteFailure::conflict,
                  "report schedule '" + run.schedule_id + "' already ran for this occurrence");
  }
  if (auto done = insert->run(); !done) {
    return storage_failure("record report schedule run", done.error());
  }
  if (auto inserted = insert_report_locked(report); !inserted) return inserted;
  if (auto committed = transaction->commit(); !committed) {
    return storage_failure("record report schedule run", committed.error());
  }
  ++data_generation_;
  return {};
}

Result<std::optional<ReportScheduleRun>> Store::report_schedule_run_of(
    const std::string& report_id) {
  std::lock_guard lock(mutex_);
  auto select = connection_.prepare(
      "read report schedule run",
      "SELECT " + std::string(kRunColumns) + " FROM report_schedule_runs WHERE report_id = ?");
  if (!select) return std::unexpected(select.error());
  select->bind_text(1, report_id);
  auto row = select->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<ReportScheduleRun>{};
  auto run = read_run(*select);
  if (!run) return std::unexpected(run.error());
  return std::optional<ReportScheduleRun>{std::move(*run)};
}

}  // namespace slamon
