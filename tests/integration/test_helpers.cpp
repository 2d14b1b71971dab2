#include "integration/test_helpers.h"

#include "integration/slamon_daemon.h"
#include "support/child_process.h"

namespace slamon::integration {

using testing::run_to_completion;

Result<VersionInfo> slamon_version(const std::filesystem::path& dir) {
  auto run = run_to_completion({slamon_binary(), "version"}, dir, "version");
  if (!run) return std::unexpected(run.error());
  if (run->status.code() != 0)
    return fail("slamon version " + run->status.describe() + ": " + run->err);
  const std::string first_line = run->out.substr(0, run->out.find('\n'));
  const std::string version_prefix = "slamon, version ";
  const std::string revision_prefix = " (revision: ";
  const auto revision_at = first_line.find(revision_prefix);
  if (!first_line.starts_with(version_prefix) || revision_at == std::string::npos ||
      !first_line.ends_with(")")) {
    return fail("unexpected `slamon version` output: " + run->out);
  }
  VersionInfo info;
  info.version = first_line.substr(version_prefix.size(), revision_at - version_prefix.size());
  const auto revision_start = revision_at + revision_prefix.size();
  info.revision = first_line.substr(revision_start, first_line.size() - 1 - revision_start);
  if (info.version.empty() || info.revision.empty())
    return fail("empty version or revision: " + first_line);
  return info;
}

bool has_line(const std::string& text, const std::string& line) {
  for (auto at = text.find(line); at != std::string::npos; at = text.find(line, at + 1)) {
    const bool starts_line = at == 0 || text[at - 1] == '\n';
    const auto end = at + line.size();
    const bool ends_line = end == text.size() || text[end] == '\n';
    if (starts_line && ends_line) return true;
  }
  return false;
}

std::vector<BreachRow> open_breaches(const std::vector<BreachRow>& rows) {
  std::vector<BreachRow> open;
  for (const auto& row : rows) {
    if (row.status == "active" || row.status == "acknowledged") open.push_back(row);
  }
  return open;
}

std::vector<EventRow> events_of_type(const std::vector<EventRow>& rows, const std::string& type) {
  std::vector<EventRow> found;
  for (const auto& row : rows) {
    if (row.type == type) found.push_back(row);
  }
  return found;
}

}  // namespace slamon::integration
