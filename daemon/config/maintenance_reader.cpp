// Maintenance windows (SPEC §7.3): `maintenance:` of slamon.yml and parse_maintenance_window,
// the one validation of a window object shared with the API.
#include <algorithm>
#include <array>
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "common/duration.h"
#include "common/strings.h"
#include "config/loader.h"
#include "config/loader_internal.h"
#include "model/maintenance_json.h"
#include "sla/recurrence.h"

namespace slamon {
namespace config_detail {
namespace {

using namespace std::string_view_literals;
using namespace std::chrono_literals;

constexpr std::array kWindowKeys{"id"sv,         "org"sv,      "scope"sv, "scope_id"sv,
                                 "scope_name"sv, "start"sv,    "end"sv,   "recurrence"sv,
                                 "duration"sv,   "timezone"sv, "reason"sv};
constexpr std::size_t kMaxReasonCharacters = 500;
constexpr auto kMaxOneOffLength = std::chrono::days(366);
constexpr auto kMaxOccurrenceLength = std::chrono::days(31);
// Ids the loader gives windows written without one.
constexpr std::string_view kGeneratedIdPrefix = "config-";

class WindowReader {
 public:
  WindowReader(const Reporter& r, const MapReader& map, const Config& config,
               MaintenanceWindow& window)
      : r_(r), map_(map), config_(config), window_(window) {}

  void read() {
    const bool org_known = read_owner_org(r_, map_, config_.inventory, window_.org);
    read_id();
    ScopeFields scope;
    read_scope_fields(r_, map_, config_.inventory, window_.org, org_known, "window", scope);
    window_.scope = scope.scope;
    window_.scope_id = std::move(scope.scope_id);
    window_.scope_name = std::move(scope.scope_name);
    read_times();
    if (auto f = map_.require("reason")) {
      if (auto reason = read_nonempty_string(r_, *f)) {
        if (utf8_length(*reason) > kMaxReasonCharacters) {
          r_.error(f->value_mark, f->path,
                   "must be at most " + std::to_string(kMaxReasonCharacters) + " characters, got " +
                       std::to_string(utf8_length(*reason)));
        } else {
          window_.reason = *reason;
        }
      }
    }
  }

 private:
  void read_id() {
    const auto f = map_.get("id");
    if (!f) return;
    const auto text = read_nonempty_string(r_, *f);
    if (!text) return;
    if (auto uuid = canonical_uuid(*text)) {
      window_.id = *uuid;
    } else if (!is_slug(*text)) {
      r_.error(f->value_mark, f->path,
               "must be a slug of 1 to 64 characters from a-z, 0-9, _ and - (such as "
               "hq-patching) or a UUID, got \"" +
                   *text + "\"");
    } else if (text->starts_with(kGeneratedIdPrefix)) {
      r_.error(f->value_mark, f->path,
               "ids starting with `config-` are given by slamon to windows without an id; choose "
               "another");
    } else {
      window_.id = *text;
    }
  }

  void read_times() {
    const bool one_off = map_.has("start") || map_.has("end");
    const bool recurring = map_.has("recurrence") || map_.has("duration");
    if (one_off && recurring) {
      const Field at = map_.has("recurrence") ? *map_.get("recurrence") : *map_.get("duration");
      r_.error(at.key_mark, at.path,
               "a window is either one-off (start and end) or recurring (recurrence and "
               "duration), not both");
      return;
    }
    if (!one_off && !recurring) {
      r_.error(map_.self().value_mark, map_.self().path,
               "missing the window's time: give `start` and `end` (a one-off window) or "
               "`recurrence` and `duration` (a recurring one)");
      return;
    }
    if (one_off) {
      if (auto zone = map_.get("timezone")) {
        r_.error(zone->key_mark, zone->path,
                 "applies only to recurring windows: `start` and `end` carry their own UTC "
                 "offset");
      }
      read_one_off();
    } else {
      read_recurring();
    }
  }

  std::optional<WallTime> read_time(const Field& f) {
    const auto text = read_nonempty_string(r_, f);
    if (!text) return std::nullopt;
    auto time = parse_rfc3339_time(*text);
    if (!time) {
      r_.error(f.value_mark, f.path,
               "expected an RFC 3339 time with a UTC offset such as 2026-12-01T02:00:00Z or "
               "2026-12-01T03:00:00+01:00, got \"" +
                   *text + "\"");
    }
    return time;
  }

  void read_one_off() {
    const auto start_field = map_.require("start");
    const auto end_field = map_.require("end");
    const auto start = start_field ? read_time(*start_field) : std::nullopt;
    const auto end = end_field ? read_time(*end_field) : std::nullopt;
    if (!start || !end) return;
    if (*end <= *start) {
      r_.error(end_field->value_mark, end_field->path,
               "must be after start (" + format_rfc3339(*start) + ")");
      return;
    }
    if (*end - *start > kMaxOneOffLength) {
      r_.error(end_field->value_mark, end_field->path,
               "a one-off window lasts at most 366 days; use a recurring window for regular "
               "maintenance");
      return;
    }
    window_.start = start;
    window_.end = end;
  }

  void read_recurring() {
    if (auto f = map_.require("recurrence")) {
      if (auto spec = read_nonempty_string(r_, *f)) {
        if (auto parsed = sla::Recurrence::parse(*spec); !parsed) {
          r_.error(f->value_mark, f->path,
                   "invalid recurrence: " + parsed.error().message +
                       "; write a cron expression such as \"0 2 * * sun\" or an RRULE such as "
                       "\"FREQ=WEEKLY;BYDAY=SU;BYHOUR=2;BYMINUTE=0\"");
        } else {
          window_.recurrence = *spec;
        }
      }
    }
    if (auto f = map_.require("duration")) {
      if (auto duration = read_duration(r_, *f)) {
        if (duration->count() <= 0) {
          r_.error(f->value_mark, f->path, "must be greater than 0");
        } else if (*duration > kMaxOccurrenceLength) {
          r_.error(f->value_mark, f->path,
                   "an occurrence lasts at most 31d, got " + format_duration(*duration));
        } else {
          window_.duration = *duration;
        }
      }
    }
    if (auto f = map_.get("timezone")) {
      if (auto zone = read_timezone(r_, *f)) window_.timezone = *zone;
    } else {
      window_.timezone = config_.inventory.timezone_of(window_.scope, window_.scope_id);
    }
  }

  const Reporter& r_;
  const MapReader& map_;
  const Config& config_;
  MaintenanceWindow& window_;
};

// Reads one window; reports into `r`. Returns whether it is valid.
bool read_window(const Reporter& r, const Field& field, const Config& config,
                 MaintenanceWindow& window) {
  const std::size_t before = r.count();
  if (!field.value.IsDefined() || field.value.IsNull()) {
    r.error(field.value_mark, field.path, "expected a maintenance window (a map), got nothing");
  } else {
    const MapReader map(r, field, kWindowKeys);
    if (map.ok()) WindowReader(r, map, config, window).read();
  }
  return r.count() == before;
}

}  // namespace

void read_maintenance(const Reporter& r, const Field& field, Config& config) {
  const auto items = read_list(r, field);
  if (!items) return;
  std::map<std::string, int> ids;  // explicit id -> line
  std::size_t position = 0;
  for (const Field& item : *items) {
    ++position;
    MaintenanceWindow window;
    const bool valid = read_window(r, item, config, window);
    if (!window.id.empty()) {
      const YAML::Node id_node = item.value.IsMap() ? item.value["id"] : YAML::Node();
      const YAML::Mark at = id_node.IsDefined() ? id_node.Mark() : item.value_mark;
      const auto [existing, inserted] = ids.emplace(window.id, at.line + 1);
      if (!inserted) {
        r.error(at, join_path(item.path, "id"),
                "duplicate maintenance window id `" + window.id + "` (already used on line " +
                    std::to_string(existing->second) + ")");
        continue;
      }
    }
    if (!valid) continue;
    if (window.id.empty()) window.id = std::string(kGeneratedIdPrefix) + std::to_string(position);
    window.provisioned = true;
    config.maintenance.push_back(std::move(window));
  }
}

}  // namespace config_detail

MaintenanceParseResult parse_maintenance_window(const YAML::Node& node, const Config& config,
                                                const std::string& file,
                                                const std::string& path_prefix) {
  using namespace config_detail;
  MaintenanceParseResult result;
  const Reporter r(file, result.diagnostics);
  const YAML::Mark mark = node.IsDefined() ? node.Mark() : YAML::Mark::null_mark();
  read_window(r, Field{node, path_prefix, mark, mark}, config, result.window);
  std::stable_sort(result.diagnostics.begin(), result.diagnostics.end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     return std::pair(a.line, a.column) < std::pair(b.line, b.column);
                   });
  return result;
}

}  // namespace slamon
