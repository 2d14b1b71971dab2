// TempDir: a private directory for one test, removed with everything in it when the object
// goes out of scope. Not thread-safe (one owner).
#pragma once

#include <filesystem>
#include <string>

namespace slamon::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // Writes `content` to `relative` (creating parent folders) and returns the full path.
  std::string write(const std::string& relative, const std::string& content) const;

 private:
  std::filesystem::path path_;
};

}  // namespace slamon::testing
