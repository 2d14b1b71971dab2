// Loads and validates slamon.yml and every rule and inventory file it names (SPEC §2–§5).
// Validation is strict and complete: every problem in every file is reported, each with its
// position, and the configuration is accepted or rejected whole. Stateless; thread-safe.
#pragma once

#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "common/result.h"
#include "config/config.h"

namespace slamon {

struct Diagnostic {
  std::string file;
  int line = 0;      // 1-based; 0 when unknown
  int column = 0;    // 1-based
  std::string path;  // the field, dotted: "policies[2].thresholds.latency_ms_max"
  std::string message;

  // "FILE:LINE:COL: PATH: message", the format of `slamon check config`; ":LINE:COL" is left
  // out when the position is unknown (an unreadable file), "PATH: " when there is no path.
  std::string to_string() const;
};

// Either a validated configuration or every problem found.
struct LoadResult {
  ConfigPtr config;  // null when diagnostics is non-empty
  std::vector<Diagnostic> diagnostics;
  bool ok() const { return config != nullptr; }
};

// Overrides from the command line (empty = not given); the flag wins over `global:`.
struct FlagOverrides {
  std::string listen_address;
  std::string web_config_file;
  std::string storage_path;
  std::string reports_dir;
  std::string log_level;
  std::string log_format;
  // Not a config key: how many HTTP connections are served at once (one worker thread each,
  // as civetweb keeps a connection on its thread while it stays alive). 0 = the default.
  int web_max_connections = 0;
};

LoadResult load_config(const std::string& path, const FlagOverrides& flags = {});

// Validates one policy object (a rule file entry, or an API body parsed as YAML/JSON) against
// `config` (its inventory and measurements). `file` and `path_prefix` are used in diagnostics.
// Returns the policy with defaults applied (and a derived id when none was given) or the
// problems found. Used by the rule-file loader and by the API, so both enforce one rule set.
struct PolicyParseResult {
  Policy policy;
  std::vector<Diagnostic> diagnostics;
};
PolicyParseResult parse_policy(const YAML::Node& node, const Config& config,
                               const std::string& file, const std::string& path_prefix);

// Validates one maintenance window object (SPEC §7.3; an item of `maintenance:` in slamon.yml,
// or an API body parsed as YAML/JSON with the caller's `org` added) against `config`'s
// inventory: `org` known; scope, scope_id and scope_name by the rules of policies; `start` and
// `end` (RFC 3339, end after start, at most 366 days apart) or `recurrence` and `duration`
// (above 0, at most 31 days) with an optional `timezone` (default: the scope's site's zone, else
// UTC); `reason` required, at most 500 characters; `id` optional (a slug or a UUID). The window
// is returned with `id` empty when none was given; `provisioned` is false.
struct MaintenanceParseResult {
  MaintenanceWindow window;
  std::vector<Diagnostic> diagnostics;
};
MaintenanceParseResult parse_maintenance_window(const YAML::Node& node, const Config& config,
                                                const std::string& file,
                                                const std::string& path_prefix);

// Validates one report schedule object (SPEC §10; an item of `report_schedules:` in slamon.yml,
// or an API body parsed as YAML/JSON with the caller's `org` added): `org` known; `name`
// required (at most 200 characters); `id` optional (a slug or a UUID; default a UUIDv5 of org
// and name); `cron` five fields; `timezone` (default UTC); `period`
// previous_day|previous_week|previous_month|previous_quarter|previous_year; `policy_ids` 1 to
// 1000 ids; `format` pdf|csv (default pdf); `title` (default the name); `notifiers` names of
// configured notifiers other than alertmanager. `provisioned` is false.
struct ReportScheduleParseResult {
  ReportSchedule schedule;
  std::vector<Diagnostic> diagnostics;
};
ReportScheduleParseResult parse_report_schedule(const YAML::Node& node, const Config& config,
                                                const std::string& file,
                                                const std::string& path_prefix);

}  // namespace slamon
