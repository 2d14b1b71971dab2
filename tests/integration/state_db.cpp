#include "integration/state_db.h"

#include <sqlite3.h>

#include <memory>

namespace slamon::integration {
namespace {

struct CloseDatabase {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct FinalizeStatement {
  void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};
using Database = std::unique_ptr<sqlite3, CloseDatabase>;
using Statement = std::unique_ptr<sqlite3_stmt, FinalizeStatement>;

Result<Database> open_read_only(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) return fail(path.string() + ": no such file");
  sqlite3* raw = nullptr;
  const int code = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  Database db(raw);
  if (code != SQLITE_OK) {
    return fail(path.string() + ": " + (db ? sqlite3_errmsg(db.get()) : sqlite3_errstr(code)));
  }
  sqlite3_busy_timeout(db.get(), 5000);
  return db;
}

Result<Statement> prepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &raw, nullptr) != SQLITE_OK) {
    return fail(std::string("prepare: ") + sqlite3_errmsg(db));
  }
  return Statement(raw);
}

std::string text_column(sqlite3_stmt* statement, int column) {
  const auto* text = sqlite3_column_text(statement, column);
  return text ? reinterpret_cast<const char*>(text) : "";
}

std::optional<std::string> optional_text(sqlite3_stmt* statement, int column) {
  if (sqlite3_column_type(statement, column) == SQLITE_NULL) return std::nullopt;
  return text_column(statement, column);
}

std::optional<double> optional_double(sqlite3_stmt* statement, int column) {
  if (sqlite3_column_type(statement, column) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_double(statement, column);
}

// Steps `statement` to its end, calling `row` for each row.
template <typename OnRow>
Status each_row(sqlite3* db, sqlite3_stmt* statement, OnRow row) {
  for (;;) {
    const int code = sqlite3_step(statement);
    if (code == SQLITE_DONE) return {};
    if (code != SQLITE_ROW) return fail(std::string("step: ") + sqlite3_errmsg(db));
    row(statement);
  }
}

}  // namespace

Result<std::vector<BreachRow>> read_breaches(const std::filesystem::path& database) {
  auto db = open_read_only(database);
  if (!db) return std::unexpected(db.error());
  auto statement =
      prepare(db->get(),
              "SELECT id, org, policy_id, metric, severity, status, actual, threshold, "
              "deviation_percent, resolve_reason FROM breaches "
              "ORDER BY policy_id, metric, opened_at, id");
  if (!statement) return std::unexpected(statement.error());
  std::vector<BreachRow> rows;
  auto done = each_row(db->get(), statement->get(), [&rows](sqlite3_stmt* s) {
    rows.push_back(BreachRow{text_column(s, 0), text_column(s, 1), text_column(s, 2),
                             text_column(s, 3), text_column(s, 4), text_column(s, 5),
                             optional_double(s, 6), sqlite3_column_double(s, 7),
                             optional_double(s, 8), optional_text(s, 9)});
  });
  if (!done) return std::unexpected(done.error());
  return rows;
}

Result<std::vector<EventRow>> read_events(const std::filesystem::path& database) {
  auto db = open_read_only(database);
  if (!db) return std::unexpected(db.error());
  auto statement =
      prepare(db->get(),
              "SELECT sequence, id, type, priority, org_id, breach_id, payload FROM events "
              "ORDER BY sequence");
  if (!statement) return std::unexpected(statement.error());
  std::vector<EventRow> rows;
  auto done = each_row(db->get(), statement->get(), [&rows](sqlite3_stmt* s) {
    rows.push_back(EventRow{sqlite3_column_int64(s, 0), text_column(s, 1), text_column(s, 2),
                            text_column(s, 3), text_column(s, 4), text_column(s, 5),
                            text_column(s, 6)});
  });
  if (!done) return std::unexpected(done.error());
  return rows;
}

}  // namespace slamon::integration
