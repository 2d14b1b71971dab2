// Correlation of breach events into incidents (SPEC §9.4). The rules this implements, also
// written down in docs/configuration.md (`correlation`):
// - Policy-level events (sla.budget.*, sla.escalate, sla.deescalate: `"breach": null`) never
//   join or touch an incident; they are notified on their own.
// - Only sla.breach.created starts or joins an incident; a breach joins the collecting incident
//   of its group when it occurred before that incident's window closed (first breach's
//   occurred_at + window), else it starts a new one.
// - The group is the organization plus every `group_by` key. A breach lacking a value for one
//   of the keys (no site for a site_group-scoped policy, say) is not correlated: it is notified
//   on its own, as every breach is.
// - When the window closes, an incident of two or more breaches is announced
//   (sla.incident.opened); a single breach is just a breach and the incident is forgotten.
// - sla.breach.escalated / acknowledged / resolved refresh the breach's snapshot; once every
//   breach of an announced incident is resolved, sla.incident.resolved follows and the incident
//   is forgotten. An incident whose breaches all resolved before its window closed is announced
//   and resolved in the same tick.
// - Memory is bounded: at most kMaxIncidents incidents and kMaxBreachesPerIncident breaches in
//   each; a breach beyond either cap is not correlated (and a warning is logged).
#include <algorithm>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "common/log.h"
#include "common/uuid.h"
#include "routing/event_fields.h"
#include "routing/routing.h"

namespace slamon::routing {
namespace {

using detail::member;
using detail::object_member;
using detail::parse_rfc3339;
using detail::string_member;

constexpr std::size_t kMaxIncidents = 1000;
constexpr std::size_t kMaxBreachesPerIncident = 100;
constexpr int kStateVersion = 1;

constexpr std::string_view kBreachCreated = "sla.breach.created";
constexpr std::string_view kBreachEscalated = "sla.breach.escalated";
constexpr std::string_view kBreachAcknowledged = "sla.breach.acknowledged";
constexpr std::string_view kBreachResolved = "sla.breach.resolved";
constexpr std::string_view kIncidentOpened = "sla.incident.opened";
constexpr std::string_view kIncidentResolved = "sla.incident.resolved";

// State times are kept to the millisecond, so that a saved state restores exactly.
WallTime to_millis(WallTime t) {
  return std::chrono::floor<std::chrono::milliseconds>(t);
}

struct TrackedBreach {
  std::string id;
  nlohmann::json breach;  // the latest snapshot, as in the breach's events
  nlohmann::json policy;
  std::optional<WallTime> resolved_at;
};

struct Incident {
  std::string id;
  std::string org;
  std::string key;       // org and group values, for lookups
  nlohmann::json group;  // {group_by key: value}
  WallTime opened_at{};  // the first breach's occurred_at
  WallTime closes_at{};  // opened_at + the window in force when it opened
  bool announced = false;
  std::vector<TrackedBreach> breaches;

  bool all_resolved() const {
    return std::all_of(breaches.begin(), breaches.end(),
                       [](const TrackedBreach& b) { return b.resolved_at.has_value(); });
  }
  TrackedBreach* find(const std::string& breach_id) {
    const auto found = std::find_if(breaches.begin(), breaches.end(),
                                    [&](const TrackedBreach& b) { return b.id == breach_id; });
    return found == breaches.end() ? nullptr : &*found;
  }
};

nlohmann::json breaches_json(const Incident& incident) {
  nlohmann::json breaches = nlohmann::json::array();
  for (const TrackedBreach& tracked : incident.breaches) {
    breaches.push_back({{"breach", tracked.breach}, {"policy", tracked.policy}});
  }
  return breaches;
}

nlohmann::json incident_event(const Incident& incident, std::string_view type,
                              std::string_view priority, WallTime now) {
  nlohmann::json body{{"id", incident.id},
                      {"group", incident.group},
                      {"opened_at", format_rfc3339(incident.opened_at)},
                      {"breaches", breaches_json(incident)}};
  if (type == kIncidentResolved) {
    WallTime resolved_at = incident.opened_at;
    for (const TrackedBreach& tracked : incident.breaches) {
      if (tracked.resolved_at) resolved_at = std::max(resolved_at, *tracked.resolved_at);
    }
    body["resolved_at"] = format_rfc3339(resolved_at);
  }
  return nlohmann::json{{"id", uuid_v4()},        {"type", type},
                        {"priority", priority},   {"occurred_at", format_rfc3339(to_millis(now))},
                        {"org_id", incident.org}, {"incident", std::move(body)}};
}

// Reads a saved state, naming the first problem found.
class StateReader {
 public:
  Result<std::vector<Incident>> read(const nlohmann::json& state) {
    if (!state.is_object()) return problem("", "expected an object");
    const nlohmann::json* version = member(state, "version");
    if (version == nullptr || !version->is_number_integer() ||
        version->get<long long>() != kStateVersion) {
      return problem("version", "expected " + std::to_string(kStateVersion));
    }
    const nlohmann::json* incidents = member(state, "incidents");
    if (incidents == nullptr || !incidents->is_array())
      return problem("incidents", "expected a list");
    if (incidents->size() > kMaxIncidents) {
      return problem("incidents",
                     "holds more than " + std::to_string(kMaxIncidents) + " incidents");
    }
    std::vector<Incident> out;
    for (std::size_t i = 0; i < incidents->size(); ++i) {
      auto incident = read_incident((*incidents)[i], "incidents[" + std::to_string(i) + "]");
      if (!incident) return std::unexpected(incident.error());
      out.push_back(std::move(*incident));
    }
    return out;
  }

 private:
  static std::unexpected<Error> problem(const std::string& path, const std::string& message) {
    return fail("correlation state" + (path.empty() ? "" : " " + path) + ": " + message);
  }

  static Result<std::string> text(const nlohmann::json& object, std::string_view key,
                                  const std::string& path) {
    auto value = string_member(object, key);
    if (!value || value->empty()) {
      return problem(path + "." + std::string(key), "expected a non-empty string");
    }
    return std::move(*value);
  }

  static Result<WallTime> time(const nlohmann::json& object, std::string_view key,
                               const std::string& path) {
    const auto value = string_member(object, key);
    const auto parsed = value ? parse_rfc3339(*value) : std::nullopt;
    if (!parsed) return problem(path + "." + std::string(key), "expected an RFC 3339 time");
    return *parsed;
  }

  Result<Incident> read_incident(const nlohmann::json& item, const std::string& path) {
    if (!item.is_object()) return problem(path, "expected an object");
    Incident incident;
    auto id = text(item, "id", path);
    if (!id) return std::unexpected(id.error());
    if (!incident_ids_.insert(*id).second) return problem(path + ".id", "duplicate incident id");
    incident.id = std::move(*id);
    auto org = text(item, "org_id", path);
    if (!org) return std::unexpected(org.error());
    incident.org = std::move(*org);
    auto key = text(item, "key", path);
    if (!key) return std::unexpected(key.error());
    incident.key = std::move(*key);
    const nlohmann::json* group = member(item, "group");
    if (group == nullptr || !group->is_object())
      return problem(path + ".group", "expected an object");
    incident.group = *group;
    auto opened = time(item, "opened_at", path);
    if (!opened) return std::unexpected(opened.error());
    incident.opened_at = *opened;
    auto closes = time(item, "closes_at", path);
    if (!closes) return std::unexpected(closes.error());
    incident.closes_at = *closes;
    const nlohmann::json* announced = member(item, "announced");
    if (announced == nullptr || !announced->is_boolean()) {
      return problem(path + ".announced", "expected true or false");
    }
    incident.announced = announced->get<bool>();
    const nlohmann::json* breaches = member(item, "breaches");
    if (breaches == nullptr || !breaches->is_array() || breaches->empty()) {
      return problem(path + ".breaches", "expected a non-empty list");
    }
    if (breaches->size() > kMaxBreachesPerIncident) {
      return problem(path + ".breaches",
                     "holds more than " + std::to_string(kMaxBreachesPerIncident) + " breaches");
    }
    for (std::size_t i = 0; i < breaches->size(); ++i) {
      const std::string breach_path = path + ".breaches[" + std::to_string(i) + "]";
      const nlohmann::json& entry = (*breaches)[i];
      const nlohmann::json* breach = member(entry, "breach");
      const nlohmann::json* policy = member(entry, "policy");
      if (breach == nullptr || !breach->is_object()) {
        return problem(breach_path + ".breach", "expected an object");
      }
      if (policy == nullptr || !policy->is_object()) {
        return problem(breach_path + ".policy", "expected an object");
      }
      auto breach_id = text(*breach, "id", breach_path + ".breach");
      if (!breach_id) return std::unexpected(breach_id.error());
      if (!breach_ids_.insert(*breach_id).second) {
        return problem(breach_path + ".breach.id", "the breach is listed twice");
      }
      TrackedBreach tracked{std::move(*breach_id), *breach, *policy, std::nullopt};
      const nlohmann::json* resolved = member(entry, "resolved_at");
      if (resolved == nullptr) return problem(breach_path + ".resolved_at", "missing");
      if (!resolved->is_null()) {
        auto at = time(entry, "resolved_at", breach_path);
        if (!at) return std::unexpected(at.error());
        tracked.resolved_at = *at;
      }
      incident.breaches.push_back(std::move(tracked));
    }
    return incident;
  }

  std::unordered_set<std::string> incident_ids_;
  std::unordered_set<std::string> breach_ids_;
};

class ConfiguredCorrelator final : public Correlator {
 public:
  explicit ConfiguredCorrelator(std::shared_ptr<const Config> config)
      : config_(std::move(config)) {}

  std::vector<nlohmann::json> observe(const nlohmann::json& event, WallTime now) override {
    std::vector<nlohmann::json> out;
    const auto type = string_member(event, "type");
    if (!type || !type->starts_with("sla.breach.")) return out;
    const auto breach_id = string_member(object_member(event, "breach"), "id");
    if (!breach_id || breach_id->empty()) return out;
    const WallTime at = occurred_at(event, now);
    if (*type == kBreachCreated) {
      correlate(event, *breach_id, at);
    } else if (*type == kBreachEscalated || *type == kBreachAcknowledged ||
               *type == kBreachResolved) {
      update(event, *breach_id, *type == kBreachResolved ? std::optional(at) : std::nullopt, now,
             out);
    }
    return out;
  }

  std::vector<nlohmann::json> tick(WallTime now) override {
    std::vector<nlohmann::json> out;
    std::vector<Incident*> due;
    for (Incident& incident : incidents_) {
      if (!incident.announced && now >= incident.closes_at) due.push_back(&incident);
    }
    std::stable_sort(due.begin(), due.end(), [](const Incident* a, const Incident* b) {
      return a->closes_at < b->closes_at;
    });
    std::unordered_set<std::string> finished;
    for (Incident* incident : due) {
      if (incident->breaches.size() < 2) {
        finished.insert(incident->id);
        continue;
      }
      incident->announced = true;
      out.push_back(incident_event(*incident, kIncidentOpened, "HIGH", now));
      if (incident->all_resolved()) {
        out.push_back(incident_event(*incident, kIncidentResolved, "NORMAL", now));
        finished.insert(incident->id);
      }
    }
    forget(finished);
    return out;
  }

  std::optional<WallTime> next_due() const override {
    std::optional<WallTime> earliest;
    for (const Incident& incident : incidents_) {
      if (incident.announced) continue;
      if (!earliest || incident.closes_at < *earliest) earliest = incident.closes_at;
    }
    return earliest;
  }

  nlohmann::json save() const override {
    nlohmann::json incidents = nlohmann::json::array();
    for (const Incident& incident : incidents_) {
      nlohmann::json breaches = nlohmann::json::array();
      for (const TrackedBreach& tracked : incident.breaches) {
        breaches.push_back({{"breach", tracked.breach},
                            {"policy", tracked.policy},
                            {"resolved_at", tracked.resolved_at ? nlohmann::json(format_rfc3339(
                                                                      *tracked.resolved_at))
                                                                : nlohmann::json(nullptr)}});
      }
      incidents.push_back({{"id", incident.id},
                           {"org_id", incident.org},
                           {"key", incident.key},
                           {"group", incident.group},
                           {"opened_at", format_rfc3339(incident.opened_at)},
                           {"closes_at", format_rfc3339(incident.closes_at)},
                           {"announced", incident.announced},
                           {"breaches", std::move(breaches)}});
    }
    return {{"version", kStateVersion}, {"incidents", std::move(incidents)}};
  }

  Status restore(const nlohmann::json& state) override {
    auto incidents = StateReader().read(state);
    if (!incidents) return std::unexpected(incidents.error());
    incidents_ = std::move(*incidents);
    incident_of_breach_.clear();
    for (const Incident& incident : incidents_) {
      for (const TrackedBreach& tracked : incident.breaches) {
        incident_of_breach_.emplace(tracked.id, incident.id);
      }
    }
    return {};
  }

 private:
  static WallTime occurred_at(const nlohmann::json& event, WallTime now) {
    const auto text = string_member(event, "occurred_at");
    const auto parsed = text ? parse_rfc3339(*text) : std::nullopt;
    return to_millis(parsed.value_or(now));
  }

  // The value of one group_by key for a breach event; nullopt when the breach has none.
  std::optional<std::string> group_value(std::string_view key, const std::string& org,
                                         const nlohmann::json& event) const {
    const nlohmann::json& policy = object_member(event, "policy");
    const auto scope_text = string_member(policy, "scope");
    const auto scope_id = string_member(policy, "scope_id");
    if (key == "org") return org;
    if (key == "scope") return scope_text;
    if (key == "policy") return string_member(policy, "id");
    if (key == "metric") return string_member(object_member(event, "breach"), "metric");
    if (key == "scope_id") {
      if (scope_id) return scope_id;
      if (auto name = string_member(policy, "scope_name")) return name;
      if (scope_text == "organization") return org;
      return std::nullopt;
    }
    if (!scope_text || !scope_id) return std::nullopt;
    const std::optional<Scope> parsed_scope = parse_scope(*scope_text);
    if (!parsed_scope) return std::nullopt;
    const Scope scope = *parsed_scope;
    const Inventory& inventory = config_->inventory;
    if (key == "site") return inventory.site_of(scope, *scope_id);
    if (key == "site_group") {
      if (scope == Scope::site_group) return scope_id;
      const auto site = inventory.site_of(scope, *scope_id);
      if (!site) return std::nullopt;
      const EntityRef* entity = inventory.entity(*site);
      const Organization* owner = entity ? inventory.organization(entity->org) : nullptr;
      if (owner == nullptr) return std::nullopt;
      for (const Site& candidate : owner->sites) {
        if (candidate.id == *site && !candidate.site_group.empty()) return candidate.site_group;
      }
    }
    return std::nullopt;
  }

  void correlate(const nlohmann::json& event, const std::string& breach_id, WallTime at) {
    const CorrelationConfig& correlation = config_->correlation;
    if (!correlation.enabled || incident_of_breach_.contains(breach_id)) return;
    const auto org = string_member(event, "org_id");
    if (!org || org->empty()) return;
    std::string key = *org;
    nlohmann::json group = nlohmann::json::object();
    for (const std::string& name : correlation.group_by) {
      const auto value = group_value(name, *org, event);
      if (!value || value->empty()) return;
      key.append(1, '\x1f').append(name).append(1, '=').append(*value);
      group[name] = *value;
    }
    TrackedBreach tracked{breach_id, object_member(event, "breach"), object_member(event, "policy"),
                          std::nullopt};
    const auto open = std::find_if(incidents_.begin(), incidents_.end(), [&](const Incident& i) {
      return !i.announced && i.key == key && at < i.closes_at;
    });
    if (open != incidents_.end()) {
      if (open->breaches.size() >= kMaxBreachesPerIncident) {
        log::warn("incident holds the most breaches it may; this breach is not correlated",
                  {{"incident", open->id}, {"breach", breach_id}});
        return;
      }
      open->breaches.push_back(std::move(tracked));
      incident_of_breach_.emplace(breach_id, open->id);
      return;
    }
    if (incidents_.size() >= kMaxIncidents) {
      log::warn("too many open incidents; this breach is not correlated",
                {{"breach", breach_id}, {"incidents", incidents_.size()}});
      return;
    }
    Incident incident;
    incident.id = uuid_v4();
    incident.org = *org;
    incident.key = std::move(key);
    incident.group = std::move(group);
    incident.opened_at = at;
    incident.closes_at = at + correlation.window;
    incident.breaches.push_back(std::move(tracked));
    incident_of_breach_.emplace(breach_id, incident.id);
    incidents_.push_back(std::move(incident));
  }

  void update(const nlohmann::json& event, const std::string& breach_id,
              std::optional<WallTime> resolved_at, WallTime now, std::vector<nlohmann::json>& out) {
    const auto owner = incident_of_breach_.find(breach_id);
    if (owner == incident_of_breach_.end()) return;
    Incident* incident = find_incident(owner->second);
    TrackedBreach* tracked = incident ? incident->find(breach_id) : nullptr;
    if (tracked == nullptr) return;
    if (const nlohmann::json* breach = member(event, "breach"); breach && breach->is_object()) {
      tracked->breach = *breach;
    }
    if (const nlohmann::json* policy = member(event, "policy"); policy && policy->is_object()) {
      tracked->policy = *policy;
    }
    if (resolved_at && !tracked->resolved_at) tracked->resolved_at = resolved_at;
    if (incident->announced && incident->all_resolved()) {
      out.push_back(incident_event(*incident, kIncidentResolved, "NORMAL", now));
      forget({incident->id});
    }
  }

  Incident* find_incident(const std::string& id) {
    const auto found = std::find_if(incidents_.begin(), incidents_.end(),
                                    [&](const Incident& i) { return i.id == id; });
    return found == incidents_.end() ? nullptr : &*found;
  }

  void forget(const std::unordered_set<std::string>& incident_ids) {
    if (incident_ids.empty()) return;
    std::erase_if(incident_of_breach_,
                  [&](const auto& entry) { return incident_ids.contains(entry.second); });
    std::erase_if(incidents_, [&](const Incident& i) { return incident_ids.contains(i.id); });
  }

  std::shared_ptr<const Config> config_;
  std::vector<Incident> incidents_;                                  // in the order they opened
  std::unordered_map<std::string, std::string> incident_of_breach_;  // breach id -> incident id
};

}  // namespace

std::unique_ptr<Correlator> make_correlator(std::shared_ptr<const Config> config) {
  if (config == nullptr) config = std::make_shared<const Config>();
  return std::make_unique<ConfiguredCorrelator>(std::move(config));
}

}  // namespace slamon::routing
