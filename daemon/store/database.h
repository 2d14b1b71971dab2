// The one way slamon opens its SQLite state database: every connection (the store's, the
// history's, the SNMP sample history's, the delivery outbox's, backtest's read-only ones) is
// opened here, with its settings as options rather than as a copy of the pragmas, so the
// difference between two connections is visible in their options. The tables themselves are
// created only by the versioned migrations (store/schema.h).
// Thread-safe: the functions share no state; the Connection returned belongs to one thread at
// a time (see store/sqlite.h).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "store/sqlite.h"

namespace slamon {

struct DatabaseOptions {
  enum class Access {
    read_write,  // creates the file when missing
    read_only,   // SQLite refuses every write, and the connection never checkpoints the WAL
  };
  // What the file must be before anything else is done with it.
  enum class Identity {
    any,            // no check (backtest reads whatever it is given)
    slamon_or_new,  // a slamon database or a new, empty file (the store migrates it)
    // A slamon database the store has already initialized: a connection that needs the
    // schema must not turn a new file into one the store would refuse as foreign. ":memory:"
    // is always new and is accepted (its owner runs the migrations itself).
    initialized_slamon,
  };
  enum class Journal {
    wal,          // switch to WAL (":memory:" stays in memory)
    require_wal,  // the store has switched it already; refuse a file that is not in WAL
    unchanged,
  };
  enum class Synchronous { full, normal };

  Access access = Access::read_write;
  Identity identity = Identity::slamon_or_new;
  Journal journal = Journal::wal;
  // nullopt leaves SQLite's default (FULL).
  std::optional<Synchronous> synchronous = std::nullopt;
  bool foreign_keys = false;
  // false sets wal_autocheckpoint = 0: the owner checkpoints itself (checkpoint_database).
  bool automatic_checkpoints = true;
  std::chrono::milliseconds busy_timeout{5000};
  // Logs a warning when the existing file may be read or written by its group or by others.
  // The file holds every tenant's breaches and policies, but its mode is the operator's and is
  // never changed here. The store's connection asks; the others open the same file after it.
  bool warn_if_not_private = false;
  // Names the user of the connection in errors: "<label> '<path>': ...".
  std::string_view label = "database";
};

// Opens `path` and applies `options` in a safe order: busy_timeout first (the next steps may
// wait on another connection's lock), then the identity check, the journal mode, synchronous,
// foreign keys and the checkpoint mode. ":memory:" gives a private in-memory database.
// A missing file is created mode 0600 whatever the umask; SQLite gives the -wal, -shm and
// -journal files it creates beside it the database file's mode.
Result<sqlite::Connection> open_database(const std::string& path, const DatabaseOptions& options);

// Copies the write-ahead log back into the database without waiting for readers (PASSIVE).
Status checkpoint_database(sqlite::Connection& connection);

}  // namespace slamon
