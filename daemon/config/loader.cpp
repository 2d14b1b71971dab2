#include "config/loader.h"

#include <fcntl.h>
#include <glob.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <map>
#include <system_error>
#include <tuple>
#include <unordered_set>
#include <vector>

#include "common/log.h"
#include "common/strings.h"
#include "common/uuid.h"
#include "config/loader_internal.h"

namespace slamon {
namespace config_detail {
namespace {

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

class GlobResult {
 public:
  GlobResult() = default;
  ~GlobResult() { ::globfree(&result_); }
  GlobResult(const GlobResult&) = delete;
  GlobResult& operator=(const GlobResult&) = delete;
  glob_t* get() { return &result_; }

 private:
  glob_t result_{};
};

std::string system_reason(int error) {
  return std::generic_category().message(error);
}

}  // namespace

Result<std::string> read_file(const std::filesystem::path& path, std::size_t max_bytes) {
  const FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return fail(system_reason(errno));
  std::string content;
  std::vector<char> buffer(65536);  // on the heap: callers may run on small thread stacks
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(system_reason(errno));
    }
    if (n == 0) break;
    content.append(buffer.data(), static_cast<std::size_t>(n));
    if (content.size() > max_bytes)
      return fail("file is larger than " + std::to_string(max_bytes) + " bytes");
  }
  return content;
}

std::optional<YAML::Node> load_document(const Reporter& r, const std::filesystem::path& path,
                                        std::size_t max_bytes) {
  const auto content = read_file(path, max_bytes);
  if (!content) {
    r.error(YAML::Mark::null_mark(), "", "cannot read file: " + content.error().message);
    return std::nullopt;
  }
  try {
    std::vector<YAML::Node> documents = YAML::LoadAll(*content);
    if (documents.empty()) return YAML::Node();
    if (documents.size() > 1) {
      r.error(documents[1].Mark(), "",
              "a file holds one YAML document; remove the extra `---` sections");
      return std::nullopt;
    }
    return documents.front();
  } catch (const YAML::ParserException& e) {
    r.error(e.mark, "", "YAML syntax error: " + e.msg);
  } catch (const YAML::Exception& e) {
    r.error(e.mark, "", "cannot parse YAML: " + e.msg);
  }
  return std::nullopt;
}

std::filesystem::path resolve_path(const std::filesystem::path& base_dir, const std::string& path) {
  const std::filesystem::path given(path);
  return (given.is_absolute() ? given : base_dir / given).lexically_normal();
}

std::optional<std::string> canonical_uuid(std::string_view text) {
  if (!is_uuid(text)) return std::nullopt;
  return to_lower_ascii(text);
}

bool is_label_name(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front())) != 0) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
  });
}

std::map<std::string, std::string> read_label_map(const Reporter& r, const Field& field,
                                                  bool nonempty_values) {
  std::map<std::string, std::string> labels;
  const MapReader map(r, field, std::array{kAnyKey});
  for (const auto& [name, label] : map.entries()) {
    if (!is_label_name(name)) {
      r.error(label.key_mark, label.path,
              "invalid label name `" + name +
                  "`: use letters, digits and `_`, not starting with a digit");
      continue;
    }
    auto value = nonempty_values ? read_nonempty_string(r, label) : read_string(r, label);
    if (value) labels[name] = std::move(*value);
  }
  return labels;
}

std::string Location::describe() const {
  return line > 0 ? file + ":" + std::to_string(line) : file;
}

Location location_of(const Reporter& r, const YAML::Mark& mark) {
  return Location{r.file(), mark.line >= 0 ? mark.line + 1 : 0};
}

namespace {

using namespace std::string_view_literals;

constexpr std::array kTopKeys{
    "global"sv,       "rule_files"sv,       "inventory_files"sv, "sources"sv,     "measurements"sv,
    "auth"sv,         "notifiers"sv,        "alert_rules"sv,     "correlation"sv, "maintenance"sv,
    "status_pages"sv, "report_schedules"sv, "reports"sv};
constexpr std::array kGlobalKeys{"evaluation_interval"sv, "external_url"sv, "listen_address"sv,
                                 "web_config_file"sv,     "storage_path"sv, "reports_dir"sv,
                                 "log_level"sv,           "log_format"sv};
constexpr std::array kRuleFileKeys{"policies"sv};
constexpr std::array kLogLevels{"debug"sv, "info"sv, "warn"sv, "error"sv};
constexpr std::array kLogFormats{"logfmt"sv, "json"sv};

bool valid_listen_address(std::string_view address) {
  const std::size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) return false;
  const std::string_view host = address.substr(0, colon);
  const std::string_view port = address.substr(colon + 1);
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      std::stoi(std::string(port)) > 65535) {
    return false;
  }
  if (host.starts_with('[')) return host.size() > 2 && host.ends_with(']');
  return host.find(':') == std::string_view::npos &&
         std::none_of(host.begin(), host.end(), [](char c) { return c == ' ' || c == '/'; });
}

bool is_http_url(std::string_view url) {
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return false;
  const std::string_view scheme = url.substr(0, scheme_end);
  const std::string_view rest = url.substr(scheme_end + 3);
  return (scheme == "http" || scheme == "https") && !rest.empty() && rest.front() != '/' &&
         url.find(' ') == std::string_view::npos;
}

void read_global(const Reporter& r, const Field& field, const std::filesystem::path& base_dir,
                 GlobalConfig& global) {
  const MapReader map(r, field, kGlobalKeys);
  if (auto f = map.get("evaluation_interval")) {
    if (auto interval = read_duration(r, *f)) {
      if (interval->count() <= 0) {
        r.error(f->value_mark, f->path, "must be greater than 0");
      } else {
        global.evaluation_interval = *interval;
      }
    }
  }
  if (auto f = map.get("external_url")) {
    if (auto url = read_nonempty_string(r, *f)) {
      if (!is_http_url(*url)) {
        r.error(
            f->value_mark, f->path,
            "must be an http:// or https:// URL such as http://slamon.example.net:9877, got \"" +
                *url + "\"");
      } else {
        global.external_url = *url;
      }
    }
  }
  if (auto f = map.get("listen_address")) {
    if (auto address = read_nonempty_string(r, *f)) {
      if (!valid_listen_address(*address)) {
        r.error(
            f->value_mark, f->path,
            "must be host:port such as 0.0.0.0:9877, :9877 or [::]:9877, got \"" + *address + "\"");
      } else {
        global.listen_address = *address;
      }
    }
  }
  // Paths written in the file are relative to it, as every other path of the configuration.
  const auto read_path = [&](std::string_view key, std::string& out) {
    if (auto f = map.get(key)) {
      if (auto path = read_nonempty_string(r, *f)) out = resolve_path(base_dir, *path).string();
    }
  };
  read_path("web_config_file", global.web_config_file);
  read_path("storage_path", global.storage_path);
  read_path("reports_dir", global.reports_dir);
  if (auto f = map.get("log_level")) {
    if (auto level = read_choice(r, *f, kLogLevels)) global.log_level = *level;
  }
  if (auto f = map.get("log_format")) {
    if (auto format = read_choice(r, *f, kLogFormats)) global.log_format = *format;
  }
}

// Command-line flags win over `global:`; they are checked like the keys they replace.
void apply_flags(std::vector<Diagnostic>& diagnostics, const FlagOverrides& flags,
                 GlobalConfig& global) {
  const auto report = [&](std::string flag, std::string message) {
    diagnostics.push_back(Diagnostic{"command line", 0, 0, std::move(flag), std::move(message)});
  };
  if (!flags.listen_address.empty()) {
    if (valid_listen_address(flags.listen_address)) {
      global.listen_address = flags.listen_address;
    } else {
      report("--web.listen-address",
             "must be host:port such as 0.0.0.0:9877, got \"" + flags.listen_address + "\"");
    }
  }
  if (!flags.web_config_file.empty()) global.web_config_file = flags.web_config_file;
  if (!flags.storage_path.empty()) global.storage_path = flags.storage_path;
  if (!flags.reports_dir.empty()) global.reports_dir = flags.reports_dir;
  if (!flags.log_level.empty()) {
    if (std::find(kLogLevels.begin(), kLogLevels.end(), flags.log_level) != kLogLevels.end()) {
      global.log_level = flags.log_level;
    } else {
      report("--log.level",
             "must be one of " + list_words(kLogLevels) + ", got \"" + flags.log_level + "\"");
    }
  }
  if (!flags.log_format.empty()) {
    if (std::find(kLogFormats.begin(), kLogFormats.end(), flags.log_format) != kLogFormats.end()) {
      global.log_format = flags.log_format;
    } else {
      report("--log.format",
             "must be one of " + list_words(kLogFormats) + ", got \"" + flags.log_format + "\"");
    }
  }
}

// Expands rule_files / inventory_files: globs relative to slamon.yml's folder. A pattern
// matching nothing is fine (logged); a plain path that does not exist is an error.
std::vector<std::string> resolve_files(const Reporter& r, const MapReader& top,
                                       std::string_view key,
                                       const std::filesystem::path& base_dir) {
  std::vector<std::string> files;
  const auto field = top.get(key);
  if (!field) return files;
  const auto items = read_list(r, *field);
  if (!items) return files;
  std::unordered_set<std::string> seen;
  for (const Field& item : *items) {
    const auto pattern_text = read_nonempty_string(r, item);
    if (!pattern_text) continue;
    const std::string pattern = resolve_path(base_dir, *pattern_text).string();
    const bool wildcard = pattern_text->find_first_of("*?[") != std::string::npos;
    GlobResult matches;
    const int status = ::glob(pattern.c_str(), 0, nullptr, matches.get());
    if (status == GLOB_NOMATCH) {
      if (wildcard) {
        log::warn("pattern matches no file", {{"key", key}, {"pattern", pattern}});
      } else {
        r.error(item.value_mark, item.path, "file not found: \"" + pattern + "\"");
      }
      continue;
    }
    if (status != 0) {
      r.error(item.value_mark, item.path,
              "cannot expand \"" + pattern + "\": a folder could not be read");
      continue;
    }
    for (std::size_t i = 0; i < matches.get()->gl_pathc; ++i) {
      std::string path =
          std::filesystem::path(matches.get()->gl_pathv[i]).lexically_normal().string();
      if (seen.insert(path).second) files.push_back(std::move(path));
    }
  }
  return files;
}

bool has_key(const YAML::Node& node, std::string_view key) {
  if (!node.IsMap()) return false;
  return std::any_of(node.begin(), node.end(), [&](const auto& entry) {
    return entry.first.IsScalar() && entry.first.Scalar() == key;
  });
}

// Where a key's value of a policy node is, for duplicate reports (the node itself otherwise).
YAML::Mark mark_of_value(const YAML::Node& node, std::string_view key) {
  if (node.IsMap()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (it->first.IsScalar() && it->first.Scalar() == key) {
        return it->second.IsNull() ? it->first.Mark() : it->second.Mark();
      }
    }
  }
  return node.Mark();
}

void read_rule_file(const Reporter& r, const YAML::Node& document, Config& config,
                    std::map<std::string, Location>& ids,
                    std::map<std::pair<std::string, std::string>, Location>& names,
                    std::vector<Diagnostic>& diagnostics) {
  const MapReader top(r, Field::root(document), kRuleFileKeys);
  const auto policies = top.get("policies");
  if (!policies) return;
  const auto items = read_list(r, *policies);
  if (!items) return;
  for (const Field& item : *items) {
    if (!item.value.IsDefined() || item.value.IsNull()) {
      r.error(item.value_mark, item.path, "expected a policy (a map), got nothing");
      continue;
    }
    PolicyParseResult parsed = parse_policy(item.value, config, r.file(), item.path);
    const bool valid = parsed.diagnostics.empty();
    diagnostics.insert(diagnostics.end(), std::make_move_iterator(parsed.diagnostics.begin()),
                       std::make_move_iterator(parsed.diagnostics.end()));
    Policy& policy = parsed.policy;
    if (!policy.id.empty()) {
      const YAML::Mark at = mark_of_value(item.value, "id");
      const auto [existing, inserted] = ids.emplace(policy.id, location_of(r, at));
      // A derived id repeats only when org and name repeat, which is reported just below.
      const bool explicit_id = has_key(item.value, "id");
      if (!inserted && explicit_id) {
        r.error(at, join_path(item.path, "id"),
                "duplicate policy id `" + policy.id + "` (already used at " +
                    existing->second.describe() + "); policy ids are unique across all rule files");
      }
    }
    if (!policy.org.empty() && !policy.name.empty()) {
      const YAML::Mark at = mark_of_value(item.value, "name");
      const auto [existing, inserted] =
          names.emplace(std::pair{policy.org, policy.name}, location_of(r, at));
      if (!inserted) {
        r.error(at, join_path(item.path, "name"),
                "duplicate policy name \"" + policy.name + "\" in organization `" + policy.org +
                    "` (already used at " + existing->second.describe() + ")");
      }
    }
    if (valid) {
      policy.provisioned = true;
      config.policies.push_back(std::move(policy));
    }
  }
}

// Problems of one file stay together, in file order, sorted by position inside each file.
void sort_by_file_and_position(std::vector<Diagnostic>& diagnostics) {
  std::map<std::string, std::size_t> file_order;
  for (const Diagnostic& d : diagnostics) file_order.emplace(d.file, file_order.size());
  std::stable_sort(diagnostics.begin(), diagnostics.end(),
                   [&](const Diagnostic& a, const Diagnostic& b) {
                     return std::tuple(file_order[a.file], a.line, a.column) <
                            std::tuple(file_order[b.file], b.line, b.column);
                   });
}

}  // namespace
}  // namespace config_detail

std::string Diagnostic::to_string() const {
  std::string out = file;
  if (line > 0) {
    out += ':' + std::to_string(line) + ':' + std::to_string(column);
  }
  out += ": ";
  if (!path.empty()) out += path + ": ";
  out += message;
  return out;
}

LoadResult load_config(const std::string& path, const FlagOverrides& flags) {
  using namespace config_detail;
  LoadResult result;
  std::vector<Diagnostic>& diagnostics = result.diagnostics;
  auto config = std::make_shared<Config>();
  if (path.empty()) {
    diagnostics.push_back(Diagnostic{"", 0, 0, "--config.file", "no configuration file given"});
    return result;
  }
  const std::filesystem::path absolute = std::filesystem::absolute(path).lexically_normal();
  const std::filesystem::path base_dir = absolute.parent_path();
  config->file = absolute.string();

  const Reporter main(path, diagnostics);
  const auto document = load_document(main, absolute, kMaxConfigFileBytes);
  if (!document) return result;

  const MapReader top(main, Field::root(*document), kTopKeys);
  if (auto f = top.get("global")) read_global(main, *f, base_dir, config->global);
  std::set<std::string> untyped_sources;
  if (auto f = top.get("sources")) untyped_sources = read_sources(main, *f, base_dir, *config);
  if (auto f = top.get("measurements")) read_measurements(main, *f, *config, untyped_sources);
  AuthReferences auth_references;
  if (auto f = top.get("auth")) auth_references = read_auth(main, *f, base_dir, config->auth);
  std::set<std::string> notifier_names;
  if (auto f = top.get("notifiers")) {
    notifier_names = read_notifiers(main, *f, base_dir, config->notifiers);
  }
  std::vector<Field> alert_rule_orgs;
  if (auto f = top.get("alert_rules")) {
    alert_rule_orgs = read_alert_rules(main, *f, notifier_names, config->alert_rules);
  }
  if (auto f = top.get("correlation")) read_correlation(main, *f, config->correlation);
  config->inventory_files = resolve_files(main, top, "inventory_files", base_dir);
  config->rule_files = resolve_files(main, top, "rule_files", base_dir);
  apply_flags(diagnostics, flags, config->global);

  EntityIds entity_ids;
  for (const std::string& file : config->inventory_files) {
    const Reporter reporter(file, diagnostics);
    if (auto inventory = load_document(reporter, file, kMaxConfigFileBytes)) {
      read_inventory_file(reporter, *inventory, *config, untyped_sources, entity_ids);
    }
  }
  config->inventory.index();
  check_auth_references(main, auth_references, *config);
  check_alert_rule_orgs(main, alert_rule_orgs, *config);
  if (auto f = top.get("maintenance")) read_maintenance(main, *f, *config);
  if (auto f = top.get("status_pages")) read_status_pages(main, *f, *config);
  if (auto f = top.get("report_schedules")) read_report_schedules(main, *f, *config);
  if (auto f = top.get("reports")) read_reports(main, *f, config->reports);

  std::map<std::string, Location> policy_ids;
  std::map<std::pair<std::string, std::string>, Location> policy_names;
  for (const std::string& file : config->rule_files) {
    const Reporter reporter(file, diagnostics);
    if (auto rules = load_document(reporter, file, kMaxConfigFileBytes)) {
      read_rule_file(reporter, *rules, *config, policy_ids, policy_names, diagnostics);
    }
  }

  if (!diagnostics.empty()) {
    sort_by_file_and_position(diagnostics);
    return result;
  }
  result.config = std::move(config);
  return result;
}

}  // namespace slamon
