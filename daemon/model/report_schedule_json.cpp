#include "model/report_schedule_json.h"

#include "common/time_format.h"
#include "model/maintenance_json.h"

namespace slamon {

namespace {

using nlohmann::json;

constexpr std::string_view kPeriodPrefix = "previous_";

}  // namespace

std::string report_period_name(PeriodKind period) {
  return std::string(kPeriodPrefix) + std::string(to_string(period));
}

std::optional<PeriodKind> parse_report_period(std::string_view name) {
  if (!name.starts_with(kPeriodPrefix)) return std::nullopt;
  return parse_period_kind(name.substr(kPeriodPrefix.size()));
}

json report_schedule_to_json(const ReportSchedule& s) {
  return json{{"id", s.id},
              {"org", s.org},
              {"name", s.name},
              {"cron", s.cron},
              {"timezone", s.timezone},
              {"period", report_period_name(s.period)},
              {"policy_ids", s.policy_ids},
              {"format", s.format},
              {"title", s.title},
              {"notifiers", s.notifiers},
              {"provisioned", s.provisioned},
              {"created_at", s.created_at ? json(format_rfc3339(*s.created_at)) : json(nullptr)},
              {"created_by", s.created_by.empty() ? json(nullptr) : json(s.created_by)}};
}

Result<ReportSchedule> report_schedule_from_stored(const std::string& body) {
  const json object = json::parse(body, nullptr, false);
  if (!object.is_object()) return fail("stored report schedule is not a JSON object");
  ReportSchedule s;
  try {
    s.id = object.at("id").get<std::string>();
    s.org = object.at("org").get<std::string>();
    s.name = object.at("name").get<std::string>();
    s.cron = object.at("cron").get<std::string>();
    s.timezone = object.at("timezone").get<std::string>();
    const auto period = parse_report_period(object.at("period").get<std::string>());
    if (!period) return fail("stored report schedule '" + s.id + "' has an unknown period");
    s.period = *period;
    s.policy_ids = object.at("policy_ids").get<std::vector<std::string>>();
    s.format = object.at("format").get<std::string>();
    s.title = object.at("title").get<std::string>();
    s.notifiers = object.at("notifiers").get<std::vector<std::string>>();
    if (const json& created = object.value("created_at", json()); created.is_string()) {
      s.created_at = parse_rfc3339_time(created.get<std::string>());
    }
    if (const json& by = object.value("created_by", json()); by.is_string()) {
      s.created_by = by.get<std::string>();
    }
  } catch (const json::exception& e) {
    return fail("stored report schedule '" + s.id + "' cannot be read: " + e.what());
  }
  s.provisioned = false;
  return s;
}

}  // namespace slamon
