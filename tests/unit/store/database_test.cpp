// The one database opener (store/database.h) and the version 7 migration, which took over the
// tables the history and the SNMP sample history used to create themselves.
#include "store/database.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "store/schema.h"
#include "store/sqlite.h"
#include "store/store.h"
#include "support/temp_dir.h"

namespace slamon {
namespace {

using Options = DatabaseOptions;

long long query_int(sqlite::Connection& connection, std::string_view sql) {
  auto value = connection.query_int64("test query", sql);
  EXPECT_TRUE(value) << (value ? "" : value.error().message);
  return value.value_or(-1);
}

std::string query_text(sqlite::Connection& connection, std::string_view sql) {
  auto value = connection.query_text("test query", sql);
  EXPECT_TRUE(value) << (value ? "" : value.error().message);
  return value.value_or("");
}

bool has_table(sqlite::Connection& connection, const std::string& name) {
  auto statement =
      connection.prepare("find table", "SELECT count(*) FROM sqlite_schema WHERE name = ?");
  EXPECT_TRUE(statement);
  statement->bind_text(1, name);
  EXPECT_TRUE(statement->step().value_or(false));
  return statement->column_int64(0) == 1;
}

// Sets the process umask for a scope, and puts the old one back.
class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t mask) : previous_(::umask(mask)) {}
  ~ScopedUmask() { ::umask(previous_); }
  ScopedUmask(const ScopedUmask&) = delete;
  ScopedUmask& operator=(const ScopedUmask&) = delete;

 private:
  mode_t previous_;
};

unsigned mode_of(const std::string& path) {
  struct stat status {};
  EXPECT_EQ(::stat(path.c_str(), &status), 0) << path;
  return static_cast<unsigned>(status.st_mode & 07777);
}

class DatabaseTest : public ::testing::Test {
 protected:
  // A slamon database at schema version 6, as a slamon before version 7 left it.
  void create_version6(bool with_owner_tables) {
    auto db = sqlite::Connection::open(path_);
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->exec("wal", "PRAGMA journal_mode = WAL"));
    ASSERT_TRUE(store_schema::migrate(*db, store_schema::migrations().first(6), path_));
    if (!with_owner_tables) return;
    // The statements of the history and the sample history before version 7, with a row each.
    ASSERT_TRUE(db->exec(
        "old owner tables",
        "CREATE TABLE IF NOT EXISTS history_series (series_key INTEGER PRIMARY KEY, policy_id "
        "TEXT NOT NULL, metric TEXT NOT NULL, UNIQUE (policy_id, metric)); "
        "CREATE TABLE IF NOT EXISTS history_head (at INTEGER NOT NULL, series_key INTEGER NOT "
        "NULL, value REAL NOT NULL, PRIMARY KEY (at, series_key)) WITHOUT ROWID; "
        "CREATE TABLE IF NOT EXISTS history_raw (chunk_id INTEGER PRIMARY KEY, data BLOB NOT "
        "NULL); "
        "CREATE TABLE IF NOT EXISTS history_hourly (chunk_id INTEGER PRIMARY KEY, data BLOB NOT "
        "NULL); "
        "CREATE TABLE IF NOT EXISTS history_meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) "
        "WITHOUT ROWID; "
        "CREATE TABLE IF NOT EXISTS snmp_devices (device_key INTEGER PRIMARY KEY, device_id TEXT "
        "NOT NULL UNIQUE); "
        "CREATE TABLE IF NOT EXISTS snmp_samples (at_ms INTEGER NOT NULL, device_key INTEGER NOT "
        "NULL, answered INTEGER NOT NULL, round_trip_ms REAL, all_up INTEGER, error_delta REAL, "
        "packet_delta REAL, oid_values TEXT, PRIMARY KEY (at_ms, device_key)) WITHOUT ROWID; "
        "INSERT INTO history_series (policy_id, metric) VALUES ('p', 'latency_ms'); "
        "INSERT INTO snmp_devices (device_id) VALUES ('sw-1'); "
        "INSERT INTO snmp_samples (at_ms, device_key, answered) VALUES (1000, 1, 1)"));
  }

  void expect_version7_tables(bool with_rows) {
    auto db = sqlite::Connection::open(path_);
    ASSERT_TRUE(db);
    EXPECT_EQ(query_int(*db, "SELECT max(version) FROM schema_migrations"),
              store_schema::latest_version());
    for (const char* name : {"history_series", "history_head", "history_raw", "history_hourly",
                             "history_meta", "snmp_devices", "snmp_samples"}) {
      EXPECT_TRUE(has_table(*db, name)) << name;
    }
    EXPECT_EQ(query_int(*db, "SELECT count(*) FROM history_series"), with_rows ? 1 : 0);
    EXPECT_EQ(query_int(*db, "SELECT count(*) FROM snmp_samples"), with_rows ? 1 : 0);
  }

  testing::TempDir dir_;
  std::string path_ = (dir_.path() / "slamon.db").string();
};

TEST_F(DatabaseTest, AppliesTheOptionsItIsGiven) {
  auto store_like = open_database(path_, {.synchronous = Options::Synchronous::full,
                                          .foreign_keys = true,
                                          .automatic_checkpoints = false,
                                          .busy_timeout = std::chrono::milliseconds(1234)});
  ASSERT_TRUE(store_like) << store_like.error().message;
  EXPECT_EQ(query_text(*store_like, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(query_int(*store_like, "PRAGMA synchronous"), 2);  // FULL
  EXPECT_EQ(query_int(*store_like, "PRAGMA foreign_keys"), 1);
  EXPECT_EQ(query_int(*store_like, "PRAGMA wal_autocheckpoint"), 0);
  EXPECT_EQ(query_int(*store_like, "PRAGMA busy_timeout"), 1234);
  EXPECT_TRUE(checkpoint_database(*store_like));

  auto delivery_like = open_database(path_, {.journal = Options::Journal::require_wal,
                                             .synchronous = Options::Synchronous::normal});
  ASSERT_TRUE(delivery_like) << delivery_like.error().message;
  EXPECT_EQ(query_int(*delivery_like, "PRAGMA synchronous"), 1);  // NORMAL
  EXPECT_EQ(query_int(*delivery_like, "PRAGMA foreign_keys"), 0);
  EXPECT_EQ(query_int(*delivery_like, "PRAGMA wal_autocheckpoint"), 1000);
  EXPECT_EQ(query_int(*delivery_like, "PRAGMA busy_timeout"), 5000);
}

// Issue 16: the database holds every tenant's breaches and policies; it and the WAL and shared
// memory files SQLite puts beside it are the owner's alone, whatever the umask.
TEST_F(DatabaseTest, ANewDatabaseAndItsWalAreTheOwnersAloneWhateverTheUmask) {
  for (const mode_t mask : {mode_t{0}, mode_t{022}, mode_t{0277}}) {
    SCOPED_TRACE("umask " + std::to_string(mask));
    const std::string path = (dir_.path() / ("umask-" + std::to_string(mask) + ".db")).string();
    const ScopedUmask umask(mask);
    auto store = Store::open(path);
    ASSERT_TRUE(store) << store.error().message;
    auto other = open_database(path, {.journal = Options::Journal::require_wal});
    ASSERT_TRUE(other) << other.error().message;
    ASSERT_TRUE(other->exec("write",
                            "CREATE TABLE written (x INTEGER); INSERT INTO written "
                            "VALUES (1)"));
    for (const std::string& file : {path, path + "-wal", path + "-shm"}) {
      ASSERT_TRUE(std::filesystem::exists(file)) << file;
      EXPECT_EQ(mode_of(file), 0600u) << file;
    }
  }
  // Any connection that creates the file, not only the store's.
  const ScopedUmask umask(0);
  const std::string plain = (dir_.path() / "plain.db").string();
  auto created = open_database(plain, {.identity = Options::Identity::any});
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_EQ(mode_of(plain), 0600u);
}

TEST_F(DatabaseTest, AnExistingFileKeepsTheModeItsOperatorGaveIt) {
  { std::ofstream touch(path_); }
  std::filesystem::permissions(path_, std::filesystem::perms(0640),
                               std::filesystem::perm_options::replace);
  const ScopedUmask umask(0);
  auto store = Store::open(path_);  // warns that the group may read it, and leaves it so
  ASSERT_TRUE(store) << store.error().message;
  EXPECT_EQ(mode_of(path_), 0640u);
  EXPECT_EQ(mode_of(path_ + "-wal"), 0640u);  // SQLite follows the database file
}

TEST_F(DatabaseTest, ReadOnlyRefusesWrites) {
  {
    auto writer = open_database(path_, {});
    ASSERT_TRUE(writer);
    ASSERT_TRUE(writer->exec("create", "CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1)"));
  }
  auto reader = open_database(path_, {.access = Options::Access::read_only,
                                      .identity = Options::Identity::any,
                                      .journal = Options::Journal::unchanged});
  ASSERT_TRUE(reader) << reader.error().message;
  EXPECT_EQ(query_int(*reader, "SELECT count(*) FROM t"), 1);
  auto write = reader->exec("write", "INSERT INTO t VALUES (2)");
  ASSERT_FALSE(write);
  EXPECT_NE(write.error().message.find("readonly"), std::string::npos) << write.error().message;

  auto missing = open_database((dir_.path() / "missing.db").string(),
                               {.access = Options::Access::read_only,
                                .identity = Options::Identity::any,
                                .journal = Options::Journal::unchanged});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("read-only"), std::string::npos)
      << missing.error().message;
}

TEST_F(DatabaseTest, IdentityAndJournalChecksUseTheLabel) {
  const Options needs_store{.identity = Options::Identity::initialized_slamon,
                            .label = "snmp sample history"};
  auto fresh = open_database(path_, needs_store);
  ASSERT_FALSE(fresh);
  EXPECT_EQ(fresh.error().message, "snmp sample history '" + path_ +
                                       "': the database is not initialized; open it with the "
                                       "store first");
  EXPECT_TRUE(open_database(":memory:", needs_store)) << "a private database is always new";

  const std::string other = (dir_.path() / "other.db").string();
  {
    auto db = sqlite::Connection::open(other);
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->exec("create", "CREATE TABLE photos (id INTEGER PRIMARY KEY)"));
  }
  auto foreign = open_database(other, {});
  ASSERT_FALSE(foreign);
  EXPECT_NE(foreign.error().message.find("is not a slamon database"), std::string::npos);

  const std::string rollback_journal = (dir_.path() / "journal.db").string();
  auto not_wal = open_database(rollback_journal, {.journal = Options::Journal::require_wal});
  ASSERT_FALSE(not_wal);
  EXPECT_EQ(not_wal.error().message,
            "database '" + rollback_journal + "' is not in WAL mode; open it with the store first");
}

TEST_F(DatabaseTest, SchemaVersionOfANewAndAMigratedDatabase) {
  auto db = open_database(path_, {});
  ASSERT_TRUE(db);
  EXPECT_EQ(store_schema::schema_version(*db).value_or(-1), 0);
  ASSERT_TRUE(store_schema::migrate(*db, store_schema::migrations(), path_));
  EXPECT_EQ(store_schema::schema_version(*db).value_or(-1), store_schema::latest_version());
}

TEST_F(DatabaseTest, Version6WithTheOwnersTablesMigratesKeepingTheirRows) {
  create_version6(/*with_owner_tables=*/true);
  auto store = Store::open(path_);
  ASSERT_TRUE(store) << store.error().message;
  EXPECT_EQ((*store)->schema_version(), store_schema::latest_version());
  expect_version7_tables(/*with_rows=*/true);
}

TEST_F(DatabaseTest, Version6WithoutTheOwnersTablesGainsThem) {
  create_version6(/*with_owner_tables=*/false);
  auto store = Store::open(path_);
  ASSERT_TRUE(store) << store.error().message;
  EXPECT_EQ((*store)->schema_version(), store_schema::latest_version());
  expect_version7_tables(/*with_rows=*/false);
}

}  // namespace
}  // namespace slamon
