#include "store/sqlite.h"

#include <sqlite3.h>

#include <utility>

#include "common/log.h"

namespace slamon::sqlite {

// ---- Statement ----------------------------------------------------------------------------

Statement::Statement(sqlite3_stmt* statement, std::string operation)
    : statement_(statement), operation_(std::move(operation)) {}

Statement::Statement(Statement&& other) noexcept
    : statement_(std::exchange(other.statement_, nullptr)),
      operation_(std::move(other.operation_)),
      bind_error_(std::move(other.bind_error_)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(statement_);
    statement_ = std::exchange(other.statement_, nullptr);
    operation_ = std::move(other.operation_);
    bind_error_ = std::move(other.bind_error_);
  }
  return *this;
}

Statement::~Statement() {
  sqlite3_finalize(statement_);
}

void Statement::remember_bind_failure(int rc, int index) {
  if (rc == SQLITE_OK || bind_error_) return;
  bind_error_ = Error{operation_ + ": cannot bind parameter " + std::to_string(index) + ": " +
                      sqlite3_errstr(rc)};
}

Statement& Statement::bind_text(int index, std::string_view text) {
  // SQLITE_TRANSIENT: SQLite copies the text, so the caller's buffer may go away before step().
  remember_bind_failure(sqlite3_bind_text64(statement_, index, text.data(), text.size(),
                                            SQLITE_TRANSIENT, SQLITE_UTF8),
                        index);
  return *this;
}

Statement& Statement::bind_optional_text(int index, const std::optional<std::string>& text) {
  return text ? bind_text(index, std::string_view(*text)) : bind_null(index);
}

Statement& Statement::bind_int64(int index, long long value) {
  remember_bind_failure(sqlite3_bind_int64(statement_, index, value), index);
  return *this;
}

Statement& Statement::bind_optional_int64(int index, std::optional<long long> value) {
  return value ? bind_int64(index, *value) : bind_null(index);
}

Statement& Statement::bind_double(int index, double value) {
  remember_bind_failure(sqlite3_bind_double(statement_, index, value), index);
  return *this;
}

Statement& Statement::bind_optional_double(int index, std::optional<double> value) {
  return value ? bind_double(index, *value) : bind_null(index);
}

Statement& Statement::bind_null(int index) {
  remember_bind_failure(sqlite3_bind_null(statement_, index), index);
  return *this;
}

Error Statement::error(int rc) const {
  sqlite3* db = sqlite3_db_handle(statement_);
  const char* message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  return Error{operation_ + ": " + message};
}

Result<bool> Statement::step() {
  if (bind_error_) return std::unexpected(*bind_error_);
  const int rc = sqlite3_step(statement_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return std::unexpected(error(rc));
}

Status Statement::run() {
  for (;;) {
    auto row = step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return {};
  }
}

void Statement::reset() {
  // sqlite3_reset repeats the error of a failed step; that error was already reported by step().
  sqlite3_reset(statement_);
  sqlite3_clear_bindings(statement_);
  bind_error_.reset();
}

bool Statement::column_is_null(int column) const {
  return sqlite3_column_type(statement_, column) == SQLITE_NULL;
}

long long Statement::column_int64(int column) const {
  return sqlite3_column_int64(statement_, column);
}

double Statement::column_double(int column) const {
  return sqlite3_column_double(statement_, column);
}

std::string Statement::column_text(int column) const {
  const auto* text = sqlite3_column_text(statement_, column);
  if (text == nullptr) return {};
  // column_bytes must follow column_text so it measures the UTF-8 form just produced.
  const int size = sqlite3_column_bytes(statement_, column);
  return std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(size));
}

std::optional<long long> Statement::column_optional_int64(int column) const {
  if (column_is_null(column)) return std::nullopt;
  return column_int64(column);
}

std::optional<double> Statement::column_optional_double(int column) const {
  if (column_is_null(column)) return std::nullopt;
  return column_double(column);
}

std::optional<std::string> Statement::column_optional_text(int column) const {
  if (column_is_null(column)) return std::nullopt;
  return column_text(column);
}

// ---- Connection ---------------------------------------------------------------------------

Result<Connection> Connection::open(const std::string& path, Access access) {
  sqlite3* db = nullptr;
  const bool read_only = access == Access::read_only;
  const int flags = read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    // SQLite hands back a handle even on failure (to carry the message); it must be closed.
    std::string message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return fail("cannot open database '" + path + "'" + (read_only ? " read-only" : "") + ": " +
                message);
  }
  return Connection(db);
}

Connection::Connection(Connection&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
  }
  return *this;
}

Connection::~Connection() {
  // close_v2 never fails on a busy handle; every Statement is finalized by its own destructor,
  // so the connection is really released here.
  sqlite3_close_v2(db_);
}

Error Connection::error(std::string_view operation) const {
  return Error{std::string(operation) + ": " + sqlite3_errmsg(db_)};
}

Status Connection::exec(std::string_view operation, const std::string& sql) {
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return {};
  std::string text = message != nullptr ? message : sqlite3_errstr(rc);
  sqlite3_free(message);
  return fail(std::string(operation) + ": " + text);
}

Result<Statement> Connection::prepare(std::string_view operation, std::string_view sql) {
  sqlite3_stmt* statement = nullptr;
  const int rc =
      sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &statement, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(statement);
    return std::unexpected(error(operation));
  }
  return Statement(statement, std::string(operation));
}

Result<long long> Connection::query_int64(std::string_view operation, std::string_view sql) {
  auto statement = prepare(operation, sql);
  if (!statement) return std::unexpected(statement.error());
  auto row = statement->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return fail(std::string(operation) + ": no result");
  return statement->column_int64(0);
}

Result<std::string> Connection::query_text(std::string_view operation, std::string_view sql) {
  auto statement = prepare(operation, sql);
  if (!statement) return std::unexpected(statement.error());
  auto row = statement->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return fail(std::string(operation) + ": no result");
  return statement->column_text(0);
}

int Connection::last_error_code() const {
  return sqlite3_errcode(db_) & 0xff;
}

bool Connection::in_transaction() const {
  return sqlite3_get_autocommit(db_) == 0;
}

// ---- Transaction --------------------------------------------------------------------------

Result<Transaction> Transaction::begin(Connection& connection, Mode mode) {
  const char* sql = mode == Mode::immediate ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED";
  if (auto begun = connection.exec("begin transaction", sql); !begun) {
    return std::unexpected(begun.error());
  }
  return Transaction(connection);
}

Transaction::Transaction(Transaction&& other) noexcept
    : connection_(std::exchange(other.connection_, nullptr)) {}

Transaction::~Transaction() {
  // Some errors (SQLITE_FULL, SQLITE_IOERR, ...) make SQLite roll back on its own; a second
  // ROLLBACK would only fail with "no transaction is active".
  if (connection_ == nullptr || !connection_->in_transaction()) return;
  if (auto rolled_back = connection_->exec("roll back transaction", "ROLLBACK"); !rolled_back) {
    log::error("database rollback failed", {{"error", rolled_back.error().message}});
  }
}

Status Transaction::commit() {
  if (connection_ == nullptr) return fail("commit transaction: the transaction is not active");
  auto committed = connection_->exec("commit transaction", "COMMIT");
  // A failed COMMIT (e.g. SQLITE_BUSY) leaves the transaction open; the destructor rolls it
  // back. When it succeeded, or SQLite already rolled back, there is nothing left to undo.
  if (committed || !connection_->in_transaction()) connection_ = nullptr;
  return committed;
}

}  // namespace slamon::sqlite
