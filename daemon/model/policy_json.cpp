#include "model/policy_json.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>

#include "common/duration.h"

namespace slamon {
namespace {

using nlohmann::json;

json optional_text(const std::optional<std::string>& value) {
  return value ? json(*value) : json(nullptr);
}

constexpr std::array<std::string_view, 7> kWeekdays{"mon", "tue", "wed", "thu",
                                                    "fri", "sat", "sun"};
constexpr int kMinutesPerDay = 24 * 60;

std::string clock_text(int minute) {
  const auto two = [](int v) { return std::string(v < 10 ? "0" : "") + std::to_string(v); };
  return two(minute / 60) + ":" + two(minute % 60);
}

// "HH:MM" (or "24:00" when `allow_24`) as minutes since midnight.
std::optional<int> parse_clock(std::string_view text, bool allow_24) {
  if (text.size() != 5 || text[2] != ':') return std::nullopt;
  for (std::size_t i : {0u, 1u, 3u, 4u}) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
  }
  const int hours = (text[0] - '0') * 10 + (text[1] - '0');
  const int minutes = (text[3] - '0') * 10 + (text[4] - '0');
  if (minutes > 59) return std::nullopt;
  if (hours == 24 && minutes == 0 && allow_24) return kMinutesPerDay;
  if (hours > 23) return std::nullopt;
  return hours * 60 + minutes;
}

// The input form of a time period, one entry per weekday that counts: {"mon": "09:00-18:00"}.
json time_period_json(const TimePeriod& period) {
  json out = json::object();
  for (std::size_t day = 0; day < 7; ++day) {
    const auto& windows = period.by_weekday[day];
    if (windows.empty()) continue;
    std::string hours;
    for (const DailyWindow& w : windows) {
      if (!hours.empty()) hours += ",";
      hours += clock_text(w.start_minute) + "-" + clock_text(w.end_minute);
    }
    out[std::string(kWeekdays[day])] = hours;
  }
  return out;
}

// Reads what time_period_json writes: single weekday keys, "HH:MM-HH:MM" lists.
std::optional<TimePeriod> time_period_from_json(const json& object) {
  if (!object.is_object()) return std::nullopt;
  TimePeriod period;
  for (const auto& [key, value] : object.items()) {
    const auto day = std::find(kWeekdays.begin(), kWeekdays.end(), key);
    if (day == kWeekdays.end() || !value.is_string()) return std::nullopt;
    auto& windows = period.by_weekday[static_cast<std::size_t>(day - kWeekdays.begin())];
    const std::string hours = value.get<std::string>();
    std::size_t pos = 0;
    while (pos <= hours.size()) {
      const std::size_t comma = std::min(hours.find(',', pos), hours.size());
      const std::string_view item = std::string_view(hours).substr(pos, comma - pos);
      if (item.size() != 11 || item[5] != '-') return std::nullopt;
      const auto start = parse_clock(item.substr(0, 5), false);
      const auto end = parse_clock(item.substr(6, 5), true);
      if (!start || !end) return std::nullopt;
      windows.push_back(DailyWindow{*start, *end});
      pos = comma + 1;
    }
  }
  return period;
}

json sla_keys_json(const Policy& p, json out) {
  out["sla_period"] =
      p.sla_period ? json{{"kind", to_string(p.sla_period->kind)},
                          {"timezone", p.sla_period->timezone.empty() ? std::string("UTC")
                                                                      : p.sla_period->timezone}}
                   : json(nullptr);
  out["time_period"] = p.time_period ? time_period_json(*p.time_period) : json(nullptr);
  json requirements = json::array();
  for (const OutageRequirement& r : p.requirements) {
    requirements.push_back({{"max_outages", r.max_outages},
                            {"min_duration", format_duration(r.min_duration)},
                            {"metric", to_string(r.metric)}});
  }
  out["requirements"] = std::move(requirements);
  out["levels"] = p.levels ? json{{"warn_at_budget_used", p.levels->warn_at_budget_used},
                                  {"crit_at_budget_used", p.levels->crit_at_budget_used}}
                           : json(nullptr);
  out["sliding_window"] = p.sliding_window
                              ? json{{"metric", to_string(p.sliding_window->metric)},
                                     {"upper", p.sliding_window->upper},
                                     {"lower", p.sliding_window->lower},
                                     {"interval", format_duration(p.sliding_window->interval)},
                                     {"cooldown", format_duration(p.sliding_window->cooldown)}}
                              : json(nullptr);
  json credits = json::array();
  for (const CreditTier& tier : p.credits) {
    credits.push_back({{"below", tier.below}, {"percent", tier.percent}});
  }
  out["credits"] = std::move(credits);
  return out;
}

// Reads one member of a stored policy object, naming the policy and the key on failure.
class StoredPolicyReader {
 public:
  explicit StoredPolicyReader(const json& object) : object_(object) {}

  Result<const json*> member(std::string_view key, json::value_t type) const {
    auto it = object_.find(key);
    if (it == object_.end()) return problem("is missing `" + std::string(key) + "`");
    if (it->type() != type) {
      return problem("has `" + std::string(key) + "` of type " + it->type_name());
    }
    return &*it;
  }

  Result<std::string> text(std::string_view key) const {
    auto value = member(key, json::value_t::string);
    if (!value) return std::unexpected(value.error());
    return (*value)->get<std::string>();
  }

  // A string or null.
  Result<std::optional<std::string>> optional_text(std::string_view key) const {
    auto it = object_.find(key);
    if (it == object_.end()) return problem("is missing `" + std::string(key) + "`");
    if (it->is_null()) return std::optional<std::string>{};
    if (!it->is_string())
      return problem("has `" + std::string(key) + "` of type " + it->type_name());
    return std::optional<std::string>{it->get<std::string>()};
  }

  template <typename Enum, typename Parse>
  Result<Enum> enumeration(std::string_view key, Parse parse) const {
    auto value = text(key);
    if (!value) return std::unexpected(value.error());
    if (auto parsed = parse(*value)) return *parsed;
    return problem("has an unknown " + std::string(key) + " '" + *value + "'");
  }

  std::unexpected<Error> problem(const std::string& what) const {
    std::string name = "stored policy";
    if (auto id = object_.find("id"); id != object_.end() && id->is_string()) {
      name += " '" + id->get<std::string>() + "'";
    }
    return fail(name + " " + what);
  }

 private:
  const json& object_;
};

std::optional<double> finite_number(const json& value) {
  if (!value.is_number()) return std::nullopt;
  const double number = value.get<double>();
  if (!std::isfinite(number)) return std::nullopt;
  return number;
}

std::optional<Duration> duration_of(const json& value) {
  if (!value.is_string()) return std::nullopt;
  return parse_duration(value.get<std::string>());
}

// The SPEC §7 keys: each may be absent (a policy stored before they existed) or null.
Status read_sla_keys(const StoredPolicyReader& read, const json& object, Policy& p) {
  const auto present = [&](std::string_view key) -> const json* {
    auto it = object.find(key);
    return it == object.end() || it->is_null() ? nullptr : &*it;
  };
  if (const json* value = present("sla_period")) {
    const json* kind = value->is_object() && value->contains("kind") ? &(*value)["kind"] : nullptr;
    const json* zone =
        value->is_object() && value->contains("timezone") ? &(*value)["timezone"] : nullptr;
    const auto parsed =
        kind && kind->is_string() ? parse_period_kind(kind->get<std::string>()) : std::nullopt;
    if (!parsed || !zone || !zone->is_string()) return read.problem("has an unreadable sla_period");
    p.sla_period = SlaPeriod{*parsed, zone->get<std::string>()};
  }
  if (const json* value = present("time_period")) {
    auto period = time_period_from_json(*value);
    if (!period) return read.problem("has an unreadable time_period");
    p.time_period = std::move(*period);
  }
  if (const json* value = present("requirements")) {
    if (!value->is_array()) return read.problem("has requirements that are not a list");
    for (const json& item : *value) {
      const bool readable = item.is_object() && item.contains("max_outages") &&
                            item["max_outages"].is_number_integer() &&
                            item.contains("min_duration") && item.contains("metric") &&
                            item["metric"].is_string();
      const auto min_duration = readable ? duration_of(item["min_duration"]) : std::nullopt;
      const auto metric = readable ? parse_metric(item["metric"].get<std::string>()) : std::nullopt;
      if (!min_duration || !metric) return read.problem("has an unreadable requirement");
      p.requirements.push_back(
          OutageRequirement{item["max_outages"].get<int>(), *min_duration, *metric});
    }
  }
  if (const json* value = present("levels")) {
    const auto warn = value->is_object() && value->contains("warn_at_budget_used")
                          ? finite_number((*value)["warn_at_budget_used"])
                          : std::nullopt;
    const auto crit = value->is_object() && value->contains("crit_at_budget_used")
                          ? finite_number((*value)["crit_at_budget_used"])
                          : std::nullopt;
    if (!warn || !crit) return read.problem("has unreadable levels");
    p.levels = BudgetLevels{*warn, *crit};
  }
  if (const json* value = present("sliding_window")) {
    const auto field = [&](std::string_view key) -> const json* {
      if (!value->is_object()) return nullptr;
      auto it = value->find(key);
      return it == value->end() ? nullptr : &*it;
    };
    const json* metric_text = field("metric");
    const auto metric = metric_text && metric_text->is_string()
                            ? parse_metric(metric_text->get<std::string>())
                            : std::nullopt;
    const auto upper = field("upper") ? finite_number(*field("upper")) : std::nullopt;
    const auto lower = field("lower") ? finite_number(*field("lower")) : std::nullopt;
    const auto interval = field("interval") ? duration_of(*field("interval")) : std::nullopt;
    const auto cooldown = field("cooldown") ? duration_of(*field("cooldown")) : std::nullopt;
    if (!metric || !upper || !lower || !interval || !cooldown) {
      return read.problem("has an unreadable sliding_window");
    }
    p.sliding_window = SlidingWindow{*metric, *upper, *lower, *interval, *cooldown};
  }
  if (const json* value = present("credits")) {
    if (!value->is_array()) return read.problem("has credits that are not a list");
    for (const json& item : *value) {
      const auto below =
          item.is_object() && item.contains("below") ? finite_number(item["below"]) : std::nullopt;
      const auto percent = item.is_object() && item.contains("percent")
                               ? finite_number(item["percent"])
                               : std::nullopt;
      if (!below || !percent) return read.problem("has an unreadable credit tier");
      p.credits.push_back(CreditTier{*below, *percent});
    }
  }
  return {};
}

}  // namespace

json to_json(const Policy& p) {
  json thresholds = json::object();
  for (const ThresholdSpec& spec : threshold_specs()) {
    if (auto value = p.threshold(spec.metric)) thresholds[std::string(spec.key)] = *value;
  }
  json out{{"id", p.id},
           {"org", p.org},
           {"name", p.name},
           {"description", p.description},
           {"scope", to_string(p.scope)},
           {"scope_id", optional_text(p.scope_id)},
           {"scope_name", optional_text(p.scope_name)},
           {"status", to_string(p.status)},
           {"labels", p.labels},
           {"thresholds", std::move(thresholds)},
           {"no_data", to_string(p.no_data)},
           {"provisioned", p.provisioned}};
  return sla_keys_json(p, std::move(out));
}

Result<Policy> policy_from_stored_json(const json& object) {
  if (!object.is_object()) {
    return fail(std::string("stored policy is not a JSON object but ") + object.type_name());
  }
  const StoredPolicyReader read(object);
  Policy p;

  auto id = read.text("id");
  if (!id) return std::unexpected(id.error());
  p.id = std::move(*id);
  auto org = read.text("org");
  if (!org) return std::unexpected(org.error());
  p.org = std::move(*org);
  auto name = read.text("name");
  if (!name) return std::unexpected(name.error());
  p.name = std::move(*name);
  auto description = read.text("description");
  if (!description) return std::unexpected(description.error());
  p.description = std::move(*description);

  auto scope = read.enumeration<Scope>("scope", parse_scope);
  if (!scope) return std::unexpected(scope.error());
  p.scope = *scope;
  auto scope_id = read.optional_text("scope_id");
  if (!scope_id) return std::unexpected(scope_id.error());
  p.scope_id = std::move(*scope_id);
  auto scope_name = read.optional_text("scope_name");
  if (!scope_name) return std::unexpected(scope_name.error());
  p.scope_name = std::move(*scope_name);

  auto status = read.enumeration<PolicyStatus>("status", parse_policy_status);
  if (!status) return std::unexpected(status.error());
  p.status = *status;
  auto no_data = read.enumeration<NoDataMode>("no_data", parse_no_data_mode);
  if (!no_data) return std::unexpected(no_data.error());
  p.no_data = *no_data;

  auto labels = read.member("labels", json::value_t::object);
  if (!labels) return std::unexpected(labels.error());
  for (const auto& [key, value] : (*labels)->items()) {
    if (!value.is_string()) {
      return read.problem("has label '" + key + "' of type " + value.type_name());
    }
    p.labels[key] = value.get<std::string>();
  }

  auto thresholds = read.member("thresholds", json::value_t::object);
  if (!thresholds) return std::unexpected(thresholds.error());
  for (const auto& [key, value] : (*thresholds)->items()) {
    const ThresholdSpec* spec = threshold_spec_by_key(key);
    if (spec == nullptr) return read.problem("has an unknown threshold '" + key + "'");
    if (!value.is_number() || !std::isfinite(value.get<double>())) {
      return read.problem("has threshold '" + key + "' that is not a finite number");
    }
    p.thresholds[static_cast<std::size_t>(spec->metric)] = value.get<double>();
  }

  auto provisioned = read.member("provisioned", json::value_t::boolean);
  if (!provisioned) return std::unexpected(provisioned.error());
  p.provisioned = (*provisioned)->get<bool>();
  if (auto sla = read_sla_keys(read, object, p); !sla) return std::unexpected(sla.error());
  return p;
}

}  // namespace slamon
