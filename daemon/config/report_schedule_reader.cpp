// Reports (SPEC §10): `report_schedules:` and `reports:` of slamon.yml, and
// parse_report_schedule, the one validation of a schedule object shared with the API.
#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <string>
#include <vector>

#include "common/strings.h"
#include "common/uuid.h"
#include "config/loader.h"
#include "config/loader_internal.h"
#include "model/report_schedule_json.h"
#include "sla/recurrence.h"

namespace slamon {
namespace config_detail {
namespace {

using namespace std::string_view_literals;

constexpr std::array kScheduleKeys{"id"sv,       "org"sv,      "name"sv,       "cron"sv,
                                   "timezone"sv, "period"sv,   "policy_ids"sv, "format"sv,
                                   "title"sv,    "notifiers"sv};
constexpr std::array kReportsKeys{"retention"sv, "max_bytes"sv};
constexpr std::array kPeriods{"previous_day"sv, "previous_week"sv, "previous_month"sv,
                              "previous_quarter"sv, "previous_year"sv};
constexpr std::array kFormats{"pdf"sv, "csv"sv};
constexpr std::size_t kMaxTextCharacters = 200;
constexpr std::size_t kMaxPolicies = 1000;

std::string lower_ascii(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

class ScheduleReader {
 public:
  ScheduleReader(const Reporter& r, const MapReader& map, const Config& config,
                 ReportSchedule& schedule)
      : r_(r), map_(map), config_(config), schedule_(schedule) {}

  void read() {
    read_owner_org(r_, map_, config_.inventory, schedule_.org);
    if (auto f = map_.require("name")) {
      if (auto name = read_text(*f)) schedule_.name = *name;
    }
    read_id();
    read_cron();
    if (auto f = map_.get("timezone")) {
      if (auto zone = read_timezone(r_, *f)) schedule_.timezone = *zone;
    }
    if (auto f = map_.require("period")) {
      if (auto period = read_choice(r_, *f, kPeriods)) {
        schedule_.period = *parse_report_period(*period);
      }
    }
    read_policy_ids();
    if (auto f = map_.get("format")) {
      if (auto format = read_choice(r_, *f, kFormats)) schedule_.format = *format;
    }
    if (auto f = map_.get("title")) {
      if (auto title = read_text(*f)) schedule_.title = *title;
    }
    if (schedule_.title.empty()) schedule_.title = schedule_.name;
    read_notifiers();
  }

 private:
  std::optional<std::string> read_text(const Field& f) {
    auto text = read_nonempty_string(r_, f);
    if (text && utf8_length(*text) > kMaxTextCharacters) {
      r_.error(f.value_mark, f.path,
               "must be at most " + std::to_string(kMaxTextCharacters) + " characters");
      return std::nullopt;
    }
    return text;
  }

  void read_id() {
    const auto f = map_.get("id");
    if (!f) {
      if (!schedule_.org.empty() && !schedule_.name.empty()) {
        schedule_.id = uuid_v5(kReportScheduleIdNamespace, schedule_.org + "/" + schedule_.name);
      }
      return;
    }
    const auto text = read_nonempty_string(r_, *f);
    if (!text) return;
    if (auto uuid = canonical_uuid(*text)) {
      schedule_.id = *uuid;
    } else if (is_slug(*text)) {
      schedule_.id = *text;
    } else {
      r_.error(f->value_mark, f->path,
               "must be a slug of 1 to 64 characters from a-z, 0-9, _ and - (such as "
               "monthly-northwind) or a UUID, got \"" +
                   *text + "\"");
    }
  }

  void read_cron() {
    const auto f = map_.require("cron");
    if (!f) return;
    const auto spec = read_nonempty_string(r_, *f);
    if (!spec) return;
    const bool rrule = spec->starts_with("RRULE:") || spec->find("FREQ=") != std::string::npos;
    auto parsed = rrule ? Result<sla::Recurrence>(fail("an RRULE is not a cron expression"))
                        : sla::Recurrence::parse(*spec);
    if (!parsed) {
      r_.error(f->value_mark, f->path,
               "invalid cron expression: " + parsed.error().message +
                   "; write five fields (minute hour day-of-month month day-of-week) such as "
                   "\"0 6 1 * *\" (06:00 on the first of each month)");
      return;
    }
    schedule_.cron = *spec;
  }

  void read_policy_ids() {
    const auto f = map_.require("policy_ids");
    if (!f) return;
    const auto items = read_list(r_, *f);
    if (!items) return;
    if (items->empty() || items->size() > kMaxPolicies) {
      r_.error(f->value_mark, f->path, "must list 1 to 1000 policy ids");
      return;
    }
    for (const Field& item : *items) {
      auto id = read_nonempty_string(r_, item);
      if (!id) continue;
      std::string lowered = lower_ascii(*id);
      if (std::find(schedule_.policy_ids.begin(), schedule_.policy_ids.end(), lowered) !=
          schedule_.policy_ids.end()) {
        r_.error(item.value_mark, item.path, "policy `" + *id + "` is listed twice");
        continue;
      }
      schedule_.policy_ids.push_back(std::move(lowered));
    }
  }

  void read_notifiers() {
    const auto f = map_.get("notifiers");
    if (!f) return;
    const auto items = read_list(r_, *f);
    if (!items) return;
    for (const Field& item : *items) {
      auto name = read_nonempty_string(r_, item);
      if (!name) continue;
      const auto notifier = std::find_if(config_.notifiers.begin(), config_.notifiers.end(),
                                         [&](const NotifierConfig& n) { return n.name == *name; });
      if (notifier == config_.notifiers.end()) {
        r_.error(item.value_mark, item.path, "unknown notifier `" + *name + "`");
      } else if (notifier->type == NotifierType::alertmanager) {
        r_.error(item.value_mark, item.path,
                 "notifier `" + *name +
                     "` is an alertmanager: a report is not an alert; name an smtp, webhook, "
                     "slack or teams notifier");
      } else if (std::find(schedule_.notifiers.begin(), schedule_.notifiers.end(), *name) !=
                 schedule_.notifiers.end()) {
        r_.error(item.value_mark, item.path, "notifier `" + *name + "` is listed twice");
      } else {
        schedule_.notifiers.push_back(*name);
      }
    }
  }

  const Reporter& r_;
  const MapReader& map_;
  const Config& config_;
  ReportSchedule& schedule_;
};

bool read_schedule(const Reporter& r, const Field& field, const Config& config,
                   ReportSchedule& schedule) {
  const std::size_t before = r.count();
  if (!field.value.IsDefined() || field.value.IsNull()) {
    r.error(field.value_mark, field.path, "expected a report schedule (a map), got nothing");
  } else {
    const MapReader map(r, field, kScheduleKeys);
    if (map.ok()) ScheduleReader(r, map, config, schedule).read();
  }
  return r.count() == before;
}

// "10GiB", "512MiB", "1.5GB", "1000": bytes. As in Prometheus's size flags the units are
// powers of 1024 whether written KB or KiB.
std::optional<std::uint64_t> parse_bytes(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() &&
         (std::isdigit(static_cast<unsigned char>(text[digits])) || text[digits] == '.')) {
    ++digits;
  }
  if (digits == 0) return std::nullopt;
  double number = 0;
  try {
    std::size_t used = 0;
    number = std::stod(std::string(text.substr(0, digits)), &used);
    if (used != digits) return std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;
  }
  static const std::map<std::string, double, std::less<>> kUnits{{"", 1},
                                                                 {"B", 1},
                                                                 {"KB", 1024.0},
                                                                 {"KiB", 1024.0},
                                                                 {"MB", 1048576},
                                                                 {"MiB", 1048576},
                                                                 {"GB", 1073741824},
                                                                 {"GiB", 1073741824},
                                                                 {"TB", 1099511627776.0},
                                                                 {"TiB", 1099511627776.0}};
  const auto unit = kUnits.find(text.substr(digits));
  if (unit == kUnits.end()) return std::nullopt;
  const double bytes = number * unit->second;
  if (bytes > 9.0e18) return std::nullopt;
  return static_cast<std::uint64_t>(bytes);
}

}  // namespace

void read_report_schedules(const Reporter& r, const Field& field, Config& config) {
  const auto items = read_list(r, field);
  if (!items) return;
  std::map<std::string, int> ids;  // id -> line
  std::map<std::pair<std::string, std::string>, int> names;
  for (const Field& item : *items) {
    ReportSchedule schedule;
    if (!read_schedule(r, item, config, schedule)) continue;
    const int line = item.value_mark.line + 1;
    if (const auto [at, inserted] = ids.emplace(schedule.id, line); !inserted) {
      r.error(item.value_mark, item.path,
              "duplicate report schedule id `" + schedule.id + "` (already used on line " +
                  std::to_string(at->second) + ")");
      continue;
    }
    if (const auto [at, inserted] = names.emplace(std::pair(schedule.org, schedule.name), line);
        !inserted) {
      r.error(item.value_mark, item.path,
              "duplicate report schedule name `" + schedule.name +
                  "` in this organization (already used on line " + std::to_string(at->second) +
                  ")");
      continue;
    }
    schedule.provisioned = true;
    config.report_schedules.push_back(std::move(schedule));
  }
}

void read_reports(const Reporter& r, const Field& field, ReportsConfig& reports) {
  const MapReader map(r, field, kReportsKeys);
  if (auto f = map.get("retention")) {
    if (auto retention = read_duration(r, *f)) {
      if (retention->count() <= 0) {
        r.error(f->value_mark, f->path, "must be greater than 0");
      } else {
        reports.retention = *retention;
      }
    }
  }
  if (auto f = map.get("max_bytes")) {
    if (auto text = read_nonempty_string(r, *f)) {
      if (auto bytes = parse_bytes(*text)) {
        reports.max_bytes = *bytes;
      } else {
        r.error(f->value_mark, f->path,
                "expected a size such as 10GiB, 500MiB or 1000000 (bytes), or 0 for no limit, "
                "got \"" +
                    *text + "\"");
      }
    }
  }
}

}  // namespace config_detail

ReportScheduleParseResult parse_report_schedule(const YAML::Node& node, const Config& config,
                                                const std::string& file,
                                                const std::string& path_prefix) {
  using namespace config_detail;
  ReportScheduleParseResult result;
  const Reporter r(file, result.diagnostics);
  const YAML::Mark mark = node.IsDefined() ? node.Mark() : YAML::Mark::null_mark();
  read_schedule(r, Field{node, path_prefix, mark, mark}, config, result.schedule);
  std::stable_sort(result.diagnostics.begin(), result.diagnostics.end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     return std::pair(a.line, a.column) < std::pair(b.line, b.column);
                   });
  return result;
}

}  // namespace slamon
