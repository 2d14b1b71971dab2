#include "store/database.h"

#include <sqlite3.h>

#include <filesystem>
#include <system_error>

#include "store/columns.h"
#include "store/schema.h"

namespace slamon {
namespace {

using Options = DatabaseOptions;
using store_detail::in_context;

constexpr std::string_view kInMemory = ":memory:";

// A clearer message than SQLite's "unable to open database file" for the usual mistakes.
Status check_parent_directory(const std::string& path) {
  if (path.empty()) return fail("cannot open database: the path is empty");
  if (path == kInMemory) return {};
  std::error_code error;
  const std::filesystem::path file(path);
  if (std::filesystem::is_directory(file, error)) {
    return fail("cannot open database '" + path + "': it is a directory");
  }
  const auto parent = std::filesystem::absolute(file, error).parent_path();
  if (!std::filesystem::is_directory(parent, error)) {
    return fail("cannot open database '" + path + "': directory '" + parent.string() +
                "' does not exist");
  }
  return {};
}

Status check_identity(sqlite::Connection& connection, const std::string& path,
                      const Options& options) {
  if (options.identity == Options::Identity::any) return {};
  if (auto is_ours = store_schema::check_is_slamon_database(connection, path); !is_ours) {
    return is_ours;
  }
  if (options.identity == Options::Identity::slamon_or_new || path == kInMemory) return {};
  // Creating tables in a new file would make the store refuse it as another application's
  // database, so the store must have initialized the file first.
  auto application_id = connection.query_int64("read application id", "PRAGMA application_id");
  if (!application_id)
    return in_context(std::string(options.label) + " '" + path + "'", application_id.error());
  if (*application_id != store_schema::kApplicationId) {
    return fail(std::string(options.label) + " '" + path +
                "': the database is not initialized; open it with the store first");
  }
  return {};
}

Status set_journal(sqlite::Connection& connection, const std::string& path,
                   const Options& options) {
  const std::string context = std::string(options.label) + " '" + path + "'";
  switch (options.journal) {
    case Options::Journal::unchanged:
      return {};
    case Options::Journal::wal: {
      auto mode = connection.query_text("enable WAL journal", "PRAGMA journal_mode = WAL");
      if (!mode) return in_context(context, mode.error());
      if (*mode != "wal" && !(path == kInMemory && *mode == "memory")) {
        return fail(context + ": cannot enable WAL journal mode (got '" + *mode + "')");
      }
      return {};
    }
    case Options::Journal::require_wal: {
      // Switching needs the file to itself; the store does it once, before anyone else.
      auto mode = connection.query_text("read journal mode", "PRAGMA journal_mode");
      if (!mode) return in_context(context, mode.error());
      if (*mode != "wal")
        return fail(context + " is not in WAL mode; open it with the store first");
      return {};
    }
  }
  return {};
}

std::string settings_script(const Options& options) {
  std::string script;
  if (options.synchronous) {
    script += options.synchronous == Options::Synchronous::full ? "PRAGMA synchronous = FULL; "
                                                                : "PRAGMA synchronous = NORMAL; ";
  }
  if (options.foreign_keys) script += "PRAGMA foreign_keys = ON; ";
  if (!options.automatic_checkpoints) script += "PRAGMA wal_autocheckpoint = 0; ";
  return script;
}

}  // namespace

Result<sqlite::Connection> open_database(const std::string& path, const Options& options) {
  const bool read_only = options.access == Options::Access::read_only;
  if (!read_only) {
    if (auto parent = check_parent_directory(path); !parent) return std::unexpected(parent.error());
  }
  auto connection =
      sqlite::Connection::open(path, read_only ? sqlite::Connection::Access::read_only
                                               : sqlite::Connection::Access::read_write_create);
  if (!connection) return std::unexpected(connection.error());

  const std::string context = std::string(options.label) + " '" + path + "'";
  sqlite3_busy_timeout(connection->handle(), static_cast<int>(options.busy_timeout.count()));
  if (auto identity = check_identity(*connection, path, options); !identity) {
    return std::unexpected(identity.error());
  }
  if (auto journal = set_journal(*connection, path, options); !journal) {
    return std::unexpected(journal.error());
  }
  if (const std::string script = settings_script(options); !script.empty()) {
    if (auto set = connection->exec("configure connection", script); !set) {
      return in_context(context, set.error());
    }
  }
  return std::move(*connection);
}

Status checkpoint_database(sqlite::Connection& connection) {
  return connection.exec("checkpoint the write-ahead log", "PRAGMA wal_checkpoint(PASSIVE)");
}

}  // namespace slamon
