#include "backtest/database.h"

#include <sqlite3.h>
#include <stdlib.h>

#include <nlohmann/json.hpp>
#include <set>
#include <system_error>

#include "model/policy_json.h"
#include "store/database.h"

namespace slamon::backtest {
namespace {

// Read-only: SQLite refuses every write on this connection, and a read-only connection never
// checkpoints the WAL into the database file. Whatever the file is, it is read as it is.
Result<sqlite::Connection> open_read_only(const std::string& path) {
  return open_database(path, {.access = DatabaseOptions::Access::read_only,
                              .identity = DatabaseOptions::Identity::any,
                              .journal = DatabaseOptions::Journal::unchanged});
}

std::unexpected<Error> cannot_read(const std::string& path, const Error& error) {
  return fail("cannot read " + path + ": " + error.message);
}

}  // namespace

Result<std::vector<Policy>> read_api_policies(const std::string& path) {
  auto db = open_read_only(path);
  if (!db) return std::unexpected(db.error());
  auto exists = db->query_int64(
      "look for policies",
      "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'policies'");
  if (!exists) return cannot_read(path, exists.error());
  if (*exists == 0) return std::vector<Policy>{};

  auto rows = db->prepare("read policies",
                          "SELECT id, org, name, body FROM policies ORDER BY org, name, id");
  if (!rows) return cannot_read(path, rows.error());
  std::vector<Policy> policies;
  for (;;) {
    auto row = rows->step();
    if (!row) return cannot_read(path, row.error());
    if (!*row) break;
    const std::string id = rows->column_text(0);
    const auto body = nlohmann::json::parse(rows->column_text(3), nullptr, false);
    if (body.is_discarded()) return fail("stored policy '" + id + "' is not valid JSON");
    auto policy = policy_from_stored_json(body);
    if (!policy) return fail("stored policy '" + id + "': " + policy.error().message);
    policy->id = id;
    policy->org = rows->column_text(1);
    policy->name = rows->column_text(2);
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
  // The copy is a new private file, written only by this backup and then by the history reader.
  auto copy = open_database(snapshot->path(), {.identity = DatabaseOptions::Identity::any,
                                               .journal = DatabaseOptions::Journal::unchanged});
  if (!copy) return fail("cannot create the history snapshot: " + copy.error().message);
  sqlite3_backup* backup = sqlite3_backup_init(copy->handle(), "main", source->handle(), "main");
  if (backup == nullptr) {
    return fail("cannot snapshot " + path + ": " + sqlite3_errmsg(copy->handle()));
  }
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
