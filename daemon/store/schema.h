// The store's schema: the ordered list of migrations that build it, the check that a file is a
// slamon database, and the runner that brings a database to the newest version in one
// transaction. Used by Store::open, and by the history and the SNMP sample history, which bring
// the file they are given to the newest version themselves (a no-op after Store::open); exposed
// so tests can run the runner with their own lists.
// Functions are thread-safe in themselves; the Connection they use must not be shared.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "common/result.h"
#include "store/sqlite.h"

namespace slamon::store_schema {

// Marks a file as a slamon database in its header (`PRAGMA application_id`), so a database of
// another application is refused rather than migrated. 0x534C414D is "SLAM".
inline constexpr int kApplicationId = 0x534C414D;

struct Migration {
  int version;           // 1, 2, 3, ... without gaps
  std::string_view sql;  // a script of DDL statements
};

// The slamon schema, oldest first. The last entry's version is the version this binary knows.
std::span<const Migration> migrations();
int latest_version();

// Succeeds for a new (empty) database and for a slamon database; fails with
// "'<path>' is not a slamon database (...)" for any other file, SQLite or not.
Status check_is_slamon_database(sqlite::Connection& connection, const std::string& path);

// The newest migration applied to the database; 0 for a database with no schema_migrations.
Result<int> schema_version(sqlite::Connection& connection);

// Applies every migration newer than the database's version, recording each in
// schema_migrations, all in one transaction: on any failure nothing is changed. Refuses a
// database whose version is newer than the last of `migrations`. Returns the resulting version.
// `migrations` must be ordered by version without gaps (a programming error otherwise).
Result<int> migrate(sqlite::Connection& connection, std::span<const Migration> migrations,
                    const std::string& path);

}  // namespace slamon::store_schema
