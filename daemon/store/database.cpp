#include "store/database.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "common/log.h"
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

// The database holds every tenant's data: a new file is the owner's alone (0600), whatever the
// umask. SQLite would create it 0644 less the umask, and gives the -wal and -shm files the
// main file's mode, so creating the main file first decides all three.
Status create_private_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return {};  // another process created it first: as it exists
    return fail("cannot create database '" + path + "': " + std::strerror(errno));
  }
  // The umask may have taken bits from 0600 (never added any): set it exactly.
  Status made;
  if (::fchmod(fd, S_IRUSR | S_IWUSR) != 0) {
    made = fail("cannot set the mode of database '" + path + "': " + std::strerror(errno));
  }
  ::close(fd);
  if (!made) ::unlink(path.c_str());
  return made;
}

void warn_if_not_private(const std::string& path) {
  struct stat status {};
  if (::stat(path.c_str(), &status) != 0) return;
  const auto mode = status.st_mode & 0777;
  if ((mode & 077) == 0) return;
  char octal[8];
  std::snprintf(octal, sizeof octal, "%04o", static_cast<unsigned>(mode));
  log::warn(
      "the database may be read by users other than its owner (it holds every tenant's "
      "breaches and policies); chmod 600 it unless that is intended",
      {{"path", path}, {"mode", octal}});
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
    if (path != kInMemory) {
      std::error_code error;
      if (!std::filesystem::exists(path, error)) {
        if (auto created = create_private_file(path); !created) {
          return std::unexpected(created.error());
        }
      } else if (options.warn_if_not_private) {
        warn_if_not_private(path);
      }
    }
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
