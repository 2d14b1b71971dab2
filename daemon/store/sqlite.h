// A thin RAII layer over the sqlite3 C API: a connection, prepared statements with bind / step /
// column helpers, and a transaction guard that rolls back unless committed. Every handle is
// released by its owner, and every failure becomes an Error that names the operation (the
// caller's words plus SQLite's message, never bound values). Not thread-safe: one object is
// used by one thread at a time (Store serializes its connection with a mutex). A Statement or
// Transaction must not outlive the Connection it came from.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace slamon::sqlite {

class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Parameters are 1-based, as in SQLite. A failed bind is remembered and returned by the next
  // step() or run(), so a chain of binds needs one check. std::nullopt binds NULL.
  Statement& bind_text(int index, std::string_view text);
  Statement& bind_optional_text(int index, const std::optional<std::string>& text);
  Statement& bind_int64(int index, long long value);
  Statement& bind_optional_int64(int index, std::optional<long long> value);
  Statement& bind_double(int index, double value);
  Statement& bind_optional_double(int index, std::optional<double> value);
  Statement& bind_null(int index);

  // Advances to the next row: true when a row is ready, false when the statement is done.
  Result<bool> step();
  // Steps until done, for statements that return no rows of interest (INSERT, UPDATE, DDL).
  Status run();
  // Makes the statement ready to run again with fresh bindings.
  void reset();

  // Columns are 0-based, as in SQLite; valid only after step() returned true.
  bool column_is_null(int column) const;
  long long column_int64(int column) const;
  double column_double(int column) const;
  std::string column_text(int column) const;
  std::optional<long long> column_optional_int64(int column) const;
  std::optional<double> column_optional_double(int column) const;
  std::optional<std::string> column_optional_text(int column) const;

  const std::string& operation() const { return operation_; }

 private:
  friend class Connection;
  Statement(sqlite3_stmt* statement, std::string operation);
  void remember_bind_failure(int rc, int index);
  Error error(int rc) const;

  sqlite3_stmt* statement_ = nullptr;
  std::string operation_;
  std::optional<Error> bind_error_;
};

class Connection {
 public:
  enum class Access { read_write_create, read_only };

  // Opens `path` with no settings applied (slamon's connections are opened and configured by
  // open_database in store/database.h). read_write_create creates the file when missing.
  // `path` is a plain file name (no URI); ":memory:" gives a private in-memory database.
  static Result<Connection> open(const std::string& path,
                                 Access access = Access::read_write_create);

  Connection(Connection&& other) noexcept;
  Connection& operator=(Connection&& other) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Runs a script of one or more statements written by slamon itself (DDL, pragmas,
  // transaction control). Values from outside must go through prepare() and bind.
  Status exec(std::string_view operation, const std::string& sql);
  Result<Statement> prepare(std::string_view operation, std::string_view sql);

  // The first column of the first row of `sql` (e.g. a PRAGMA or a count); an error when the
  // statement yields no row.
  Result<long long> query_int64(std::string_view operation, std::string_view sql);
  Result<std::string> query_text(std::string_view operation, std::string_view sql);

  // The primary result code of the last failed call (SQLITE_NOTADB, SQLITE_BUSY, ...), for
  // callers that turn a specific failure into a clearer message.
  int last_error_code() const;
  bool in_transaction() const;
  sqlite3* handle() const { return db_; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  Error error(std::string_view operation) const;

  sqlite3* db_ = nullptr;
};

// Begins a transaction on construction (through begin()) and rolls it back on destruction
// unless commit() succeeded, so an early return or an error path never leaves half a change.
class Transaction {
 public:
  enum class Mode { deferred, immediate };

  // `immediate` takes the write lock up front, so a writer fails (after busy_timeout) at BEGIN
  // rather than in the middle of its work.
  static Result<Transaction> begin(Connection& connection, Mode mode = Mode::immediate);

  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  Status commit();

 private:
  explicit Transaction(Connection& connection) : connection_(&connection) {}

  Connection* connection_ = nullptr;  // null once committed, rolled back or moved from
};

}  // namespace slamon::sqlite
