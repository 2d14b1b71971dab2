// The RAII SQLite layer: binding and reading values (NULLs, infinities), transactions that roll
// back unless committed, and error messages that name the operation.
#include "store/sqlite.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "support/temp_dir.h"

namespace slamon::sqlite {
namespace {

Connection open_memory() {
  auto connection = Connection::open(":memory:");
  EXPECT_TRUE(connection.has_value()) << connection.error().message;
  return std::move(*connection);
}

long long count_rows(Connection& connection) {
  auto count = connection.query_int64("count", "SELECT count(*) FROM t");
  EXPECT_TRUE(count.has_value()) << count.error().message;
  return count.value_or(-1);
}

TEST(Sqlite, BindsAndReadsValuesIncludingNullAndInfinity) {
  Connection db = open_memory();
  ASSERT_TRUE(db.exec("create", "CREATE TABLE t (s TEXT, i INTEGER, d REAL)"));
  auto insert = db.prepare("insert", "INSERT INTO t VALUES (?, ?, ?)");
  ASSERT_TRUE(insert) << insert.error().message;
  const double inf = std::numeric_limits<double>::infinity();
  ASSERT_TRUE(insert->bind_text(1, std::string_view("héllo"))
                  .bind_int64(2, 42LL)
                  .bind_double(3, inf)
                  .run());
  insert->reset();
  ASSERT_TRUE(insert->bind_optional_text(1, std::optional<std::string>{})
                  .bind_optional_int64(2, std::optional<long long>{})
                  .bind_optional_double(3, std::optional<double>{})
                  .run());

  auto select = db.prepare("select", "SELECT s, i, d FROM t ORDER BY rowid");
  ASSERT_TRUE(select) << select.error().message;
  auto row = select->step();
  ASSERT_TRUE(row && *row);
  EXPECT_EQ(select->column_text(0), "héllo");
  EXPECT_EQ(select->column_int64(1), 42);
  EXPECT_TRUE(std::isinf(select->column_double(2)));
  EXPECT_GT(select->column_double(2), 0);
  row = select->step();
  ASSERT_TRUE(row && *row);
  EXPECT_EQ(select->column_optional_text(0), std::nullopt);
  EXPECT_EQ(select->column_optional_int64(1), std::nullopt);
  EXPECT_EQ(select->column_optional_double(2), std::nullopt);
  row = select->step();
  ASSERT_TRUE(row);
  EXPECT_FALSE(*row);
}

TEST(Sqlite, InfinitySurvivesTheFileAndAReopen) {
  testing::TempDir dir;
  const std::string path = (dir.path() / "inf.db").string();
  {
    auto db = Connection::open(path);
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->exec("create", "CREATE TABLE t (d REAL)"));
    auto insert = db->prepare("insert", "INSERT INTO t VALUES (?)");
    ASSERT_TRUE(insert);
    ASSERT_TRUE(insert->bind_double(1, std::numeric_limits<double>::infinity()).run());
  }
  auto db = Connection::open(path);
  ASSERT_TRUE(db);
  auto select = db->prepare("select", "SELECT d, typeof(d) FROM t");
  ASSERT_TRUE(select);
  ASSERT_TRUE(select->step().value_or(false));
  EXPECT_EQ(select->column_double(0), std::numeric_limits<double>::infinity());
  EXPECT_EQ(select->column_text(1), "real");
}

TEST(Sqlite, TransactionRollsBackUnlessCommitted) {
  Connection db = open_memory();
  ASSERT_TRUE(db.exec("create", "CREATE TABLE t (x INTEGER)"));
  {
    auto tx = Transaction::begin(db);
    ASSERT_TRUE(tx) << tx.error().message;
    ASSERT_TRUE(db.exec("insert", "INSERT INTO t VALUES (1)"));
    EXPECT_TRUE(db.in_transaction());
  }
  EXPECT_FALSE(db.in_transaction());
  EXPECT_EQ(count_rows(db), 0);
  {
    auto tx = Transaction::begin(db, Transaction::Mode::deferred);
    ASSERT_TRUE(tx);
    ASSERT_TRUE(db.exec("insert", "INSERT INTO t VALUES (1)"));
    ASSERT_TRUE(tx->commit());
    EXPECT_FALSE(tx->commit()) << "a second commit is an error";
  }
  EXPECT_EQ(count_rows(db), 1);
}

TEST(Sqlite, NestedBeginIsAnErrorAndLeavesTheOuterTransactionUsable) {
  Connection db = open_memory();
  ASSERT_TRUE(db.exec("create", "CREATE TABLE t (x INTEGER)"));
  auto outer = Transaction::begin(db);
  ASSERT_TRUE(outer);
  auto inner = Transaction::begin(db);
  ASSERT_FALSE(inner);
  EXPECT_NE(inner.error().message.find("begin transaction"), std::string::npos);
  ASSERT_TRUE(db.exec("insert", "INSERT INTO t VALUES (1)"));
  ASSERT_TRUE(outer->commit());
  EXPECT_EQ(count_rows(db), 1);
}

TEST(Sqlite, ErrorsNameTheOperationAndNotTheBoundValues) {
  Connection db = open_memory();
  ASSERT_TRUE(db.exec("create", "CREATE TABLE t (x TEXT NOT NULL UNIQUE)"));
  auto insert = db.prepare("insert widget", "INSERT INTO t VALUES (?)");
  ASSERT_TRUE(insert);
  ASSERT_TRUE(insert->bind_text(1, std::string_view("secret-value")).run());
  insert->reset();
  auto duplicate = insert->bind_text(1, std::string_view("secret-value")).run();
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().message.rfind("insert widget: ", 0), 0u) << duplicate.error().message;
  EXPECT_NE(duplicate.error().message.find("UNIQUE"), std::string::npos);
  EXPECT_EQ(duplicate.error().message.find("secret-value"), std::string::npos);

  auto bad = db.prepare("read gadgets", "SELECT nope FROM t");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message.rfind("read gadgets: ", 0), 0u) << bad.error().message;

  auto script = db.exec("run script", "CREATE TABLE u (x); SELEC 1");
  ASSERT_FALSE(script);
  EXPECT_EQ(script.error().message.rfind("run script: ", 0), 0u) << script.error().message;
}

TEST(Sqlite, BindFailureIsReportedByStep) {
  Connection db = open_memory();
  auto select = db.prepare("select one", "SELECT ?");
  ASSERT_TRUE(select);
  auto row = select->bind_int64(5, 1LL).step();
  ASSERT_FALSE(row);
  EXPECT_NE(row.error().message.find("select one: cannot bind parameter 5"), std::string::npos)
      << row.error().message;
  select->reset();
  row = select->bind_int64(1, 7LL).step();
  ASSERT_TRUE(row && *row);
  EXPECT_EQ(select->column_int64(0), 7);
}

TEST(Sqlite, QueryWithoutRowIsAnError) {
  Connection db = open_memory();
  ASSERT_TRUE(db.exec("create", "CREATE TABLE t (x INTEGER)"));
  auto value = db.query_int64("read x", "SELECT x FROM t");
  ASSERT_FALSE(value);
  EXPECT_EQ(value.error().message, "read x: no result");
}

TEST(Sqlite, OpenFailureNamesThePath) {
  auto db = Connection::open("/nonexistent-dir-for-slamon-test/x.db");
  ASSERT_FALSE(db);
  EXPECT_NE(db.error().message.find("/nonexistent-dir-for-slamon-test/x.db"), std::string::npos);
}

TEST(Sqlite, MovedConnectionAndStatementStayUsable) {
  Connection first = open_memory();
  Connection second = std::move(first);
  auto statement = second.prepare("select", "SELECT 3");
  ASSERT_TRUE(statement);
  Statement moved = std::move(*statement);
  ASSERT_TRUE(moved.step().value_or(false));
  EXPECT_EQ(moved.column_int64(0), 3);
}

}  // namespace
}  // namespace slamon::sqlite
