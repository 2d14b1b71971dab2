// Small helpers shared by the integration tests: the version slamon reports, the exact text
// of an exposition line, and lookups in the breach / event rows read from the state file.
// Stateless; thread-safe.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/result.h"
#include "integration/state_db.h"

namespace slamon::integration {

struct VersionInfo {
  std::string version;
  std::string revision;
};

// Runs `slamon version` (its output files go to `dir`) and reads the version and revision
// from its first line, "slamon, version V (revision: R)".
Result<VersionInfo> slamon_version(const std::filesystem::path& dir);

// Whether `text` holds `line` as a whole line.
bool has_line(const std::string& text, const std::string& line);

// The open (active or acknowledged) breaches among `rows`.
std::vector<BreachRow> open_breaches(const std::vector<BreachRow>& rows);
// The events of `type` among `rows`.
std::vector<EventRow> events_of_type(const std::vector<EventRow>& rows, const std::string& type);

}  // namespace slamon::integration
