#include "backtest/database.h"

#include <sqlite3.h>
#include <stdlib.h>

#include <nlohmann/json.hpp>
#include <set>
#include <system_error>

#include "model/policy_json.h"

namespace slamon::backtest {
namespace {

struct ConnectionCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StatementFinalizer {
  void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};
using Connection = std::unique_ptr<sqlite3, ConnectionCloser>;
using Statement = std::unique_ptr<sqlite3_stmt, StatementFinalizer>;

std::string message_of(sqlite3* db) {
  return db != nullptr ? sqlite3_errmsg(db) : "out of memory";
}

// SQLITE_OPEN_READONLY: SQLite refuses every write on this connection, and a read-only
// connection never checkpoints the WAL into the database file.
Result<Connection> open_read_only(const std::string& path) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  Connection db(raw);
  if (rc != SQLITE_OK) {
    return fail("cannot open " + path + " read-only: " + message_of(db.get()));
  }
  sqlite3_busy_timeout(db.get(), 5000);
  return db;
}

Result<Statement> prepare(sqlite3* db, const std::string& path, const char* sql) {
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v2(db, sql, -1, &raw, nullptr);
  Statement statement(raw);
  if (rc != SQLITE_OK) return fail("cannot read " + path + ": " + message_of(db));
  return statement;
}

std::string column_text(sqlite3_stmt* statement, int column) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement, column));
  return text != nullptr ? std::string(text) : std::string();
}

}  // namespace

Result<std::vector<Policy>> read_api_policies(const std::string& path) {
  auto db = open_read_only(path);
  if (!db) return std::unexpected(db.error());
  auto exists = prepare(db->get(), path,
                        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'policies'");
  if (!exists) return std::unexpected(exists.error());
  const int found = sqlite3_step(exists->get());
  if (found == SQLITE_DONE) return std::vector<Policy>{};
  if (found != SQLITE_ROW) return fail("cannot read " + path + ": " + message_of(db->get()));

  auto rows =
      prepare(db->get(), path, "SELECT id, org, name, body FROM policies ORDER BY org, name, id");
  if (!rows) return std::unexpected(rows.error());
  std::vector<Policy> policies;
  for (;;) {
    const int rc = sqlite3_step(rows->get());
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return fail("cannot read " + path + ": " + message_of(db->get()));
    const std::string id = column_text(rows->get(), 0);
    const auto body = nlohmann::json::parse(column_text(rows->get(), 3), nullptr, false);
    if (body.is_discarded()) return fail("stored policy '" + id + "' is not valid JSON");
    auto policy = policy_from_stored_json(body);
    if (!policy) return fail("stored policy '" + id + "': " + policy.error().message);
    policy->id = id;
    policy->org = column_text(rows->get(), 1);
    policy->name = column_text(rows->get(), 2);
    policy->provisioned = false;
    policies.push_back(std::move(*policy));
  }
  return policies;
}

std::vector<Policy> merge_policies(std::vector<Policy> provisioned, std::vector<Policy> api) {
  std::set<std::string> ids;
  for (const auto& p : provisioned) ids.insert(p.id);
  for (auto& p : api) {
    if (!ids.contains(p.id)) provisioned.push_back(std::move(p));
  }
  return provisioned;
}

Result<std::unique_ptr<DatabaseSnapshot>> DatabaseSnapshot::take(const std::string& path) {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "slamon-backtest-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    return fail("cannot create a temporary folder for the history snapshot");
  }
  std::unique_ptr<DatabaseSnapshot> snapshot(new DatabaseSnapshot(pattern));

  auto source = open_read_only(path);
  if (!source) return std::unexpected(source.error());
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(snapshot->path().c_str(), &raw,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  Connection copy(raw);
  if (rc != SQLITE_OK) return fail("cannot create the history snapshot: " + message_of(raw));
  sqlite3_backup* backup = sqlite3_backup_init(copy.get(), "main", source->get(), "main");
  if (backup == nullptr) return fail("cannot snapshot " + path + ": " + message_of(copy.get()));
  const int stepped = sqlite3_backup_step(backup, -1);
  sqlite3_backup_finish(backup);
  if (stepped != SQLITE_DONE) {
    return fail("cannot snapshot " + path + ": " + std::string(sqlite3_errstr(stepped)));
  }
  return snapshot;
}

DatabaseSnapshot::~DatabaseSnapshot() {
  std::error_code ignored;
  std::filesystem::remove_all(folder_, ignored);
}

}  // namespace slamon::backtest
