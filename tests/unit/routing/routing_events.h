// Builders of the stored event JSON the routing library reads (breach events through the
// model's own to_json, so the tests see exactly the committed shape) and the small inventory
// the correlation tests group by. Pure functions; thread-safe.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "config/config.h"
#include "model/model.h"

namespace slamon::testing {

inline constexpr std::string_view kOrg = "3f7c1a52-0d4e-4b8e-9c11-2f3a4b5c6d7e";
inline constexpr std::string_view kOtherOrg = "9a8b7c6d-1111-4222-8333-444455556666";
inline constexpr std::string_view kGroupEmea = "a1b2c3d4-0000-4000-8000-000000000010";
inline constexpr std::string_view kSiteHq = "a1b2c3d4-0000-4000-8000-000000000001";     // in EMEA
inline constexpr std::string_view kSiteLab = "a1b2c3d4-0000-4000-8000-000000000002";    // in EMEA
inline constexpr std::string_view kSiteLoose = "a1b2c3d4-0000-4000-8000-000000000003";  // no group
inline constexpr std::string_view kDeviceGroup = "a1b2c3d4-0000-4000-8000-000000000020";
inline constexpr std::string_view kCamHq1 = "a1b2c3d4-0000-4000-8000-000000000101";
inline constexpr std::string_view kCamHq2 = "a1b2c3d4-0000-4000-8000-000000000102";
inline constexpr std::string_view kCamLab = "a1b2c3d4-0000-4000-8000-000000000103";
inline constexpr std::string_view kNvrLoose = "a1b2c3d4-0000-4000-8000-000000000104";
inline constexpr std::string_view kSiteOther = "b1b2c3d4-0000-4000-8000-000000000001";

// 2026-11-21T10:00:00Z
WallTime t0();

// What a breach event is about: the breach's id, scope, metric, severity and its policy.
struct BreachSpec {
  std::string id;
  Scope scope = Scope::site;
  std::string scope_id;  // empty: none (organization scope)
  Metric metric = Metric::uptime_percent;
  Severity severity = Severity::warning;
  std::string policy_id = "policy-1";
  std::string policy_name = "Uptime";
  std::map<std::string, std::string> labels;
  std::string org = std::string(kOrg);
};

Breach make_breach(const BreachSpec& spec, WallTime opened_at);
PolicyRef make_policy(const BreachSpec& spec);

// The stored JSON of a breach event of `type` for `spec`, occurring at `at`; the breach opened
// at `at` too, and carries the status the event implies.
nlohmann::json breach_event(EventType type, const BreachSpec& spec, WallTime at);

// The stored JSON of a policy-level event (sla.budget.warning / .critical with a budget signal,
// sla.escalate / .deescalate with a latency sliding window) about `spec`'s policy, occurring at
// `at`: `"breach": null`.
nlohmann::json policy_event(EventType type, const BreachSpec& spec, WallTime at);

// A config with the inventory above (org kOrg: group EMEA with sites HQ and Lab, site Loose
// without group, cameras HQ1/HQ2 at HQ and Lab at Lab, an NVR at Loose, a device group; org
// kOtherOrg with one site) and the given correlation settings.
std::shared_ptr<const Config> correlation_config(bool enabled, std::chrono::milliseconds window,
                                                 std::vector<std::string> group_by);

}  // namespace slamon::testing
