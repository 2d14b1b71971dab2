// Reading slamon's database for a backtest without ever writing to it: the policies created
// through the API (from a read-only connection), and a private snapshot for the history reader
// (SQLite's online backup from a read-only connection into a temporary file, so the live file is
// never touched even by a reader that migrates the file it opens, as History::open does with an
// older database). Both open through store/database.h. Thread-safe: no shared state.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "model/model.h"

namespace slamon::backtest {

// The API policies stored in the database at `path`, which is opened read-only. A database
// without a policies table (a slamon older than API policies) has none.
Result<std::vector<Policy>> read_api_policies(const std::string& path);

// The policies of a cycle as the engine gathers them: every provisioned policy, and every API
// policy whose id no provisioned policy has (the provisioned one wins, as in the daemon).
std::vector<Policy> merge_policies(std::vector<Policy> provisioned, std::vector<Policy> api);

// A consistent copy of the database at `path`, in a temporary folder removed with the object.
class DatabaseSnapshot {
 public:
  static Result<std::unique_ptr<DatabaseSnapshot>> take(const std::string& path);
  ~DatabaseSnapshot();
  DatabaseSnapshot(const DatabaseSnapshot&) = delete;
  DatabaseSnapshot& operator=(const DatabaseSnapshot&) = delete;

  std::string path() const { return (folder_ / "snapshot.db").string(); }

 private:
  explicit DatabaseSnapshot(std::filesystem::path folder) : folder_(std::move(folder)) {}
  std::filesystem::path folder_;
};

}  // namespace slamon::backtest
