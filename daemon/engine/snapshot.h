// Snapshot: the immutable result of the latest evaluation cycle, published by the engine and
// read by /metrics, the API and `slamon eval`. Readers hold a shared_ptr<const Snapshot>, so a
// scrape never waits on a cycle. Immutable; thread-safe to share.
#pragma once

#include <array>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/model.h"

namespace slamon {

enum class VerdictState { ok, warning, critical, no_data };
std::string_view to_string(VerdictState);

// One policy × threshold as decided this cycle.
struct Verdict {
  std::string org;
  std::string policy_id;
  std::string policy_name;
  Metric metric = Metric::uptime_percent;
  Bound bound = Bound::min;
  double threshold = 0;
  std::optional<double> actual;             // nullopt = no data
  std::optional<double> deviation_percent;  // set when violated; +Inf for threshold 0
  VerdictState state = VerdictState::ok;
};

struct PolicyInfo {
  std::string org;
  std::string id;
  std::string name;
  Scope scope = Scope::organization;
  std::string scope_id;  // scope_id, or scope_name for ssid, or empty for organization
  PolicyStatus status = PolicyStatus::active;
  std::map<std::string, std::string> labels;
  bool evaluated = false;  // active and evaluated this cycle
  bool compliant = true;   // no open breach after this cycle
};

struct SourceStatus {
  std::string name;
  bool up = false;
  double request_seconds = 0;  // total time waiting on this source in the last cycle
};

// SPEC §7.1 / §7.5 figures of one policy, as of the cycle.
struct PolicySla {
  std::string org;
  std::string policy_id;
  // By sla::kComplianceWindows order (1d, 7d, 30d, 90d, all); nullopt: nothing evaluated.
  std::array<std::optional<double>, 5> compliance{};
  // Uptime policies only: the current SLA period's budget remaining (may be negative).
  std::optional<double> budget_remaining;
  // Uptime policies only, by sla::burn_windows() order (5m 30m 1h 2h 6h 1d 3d).
  std::array<std::optional<double>, 7> burn_rates{};
  bool in_maintenance = false;
};

struct Snapshot {
  WallTime evaluated_at{};
  std::vector<PolicyInfo> policies;
  std::vector<Verdict> verdicts;
  std::vector<Breach> open_breaches;
  std::vector<SourceStatus> sources;
  std::vector<PolicySla> sla;  // one per active policy evaluated
  double duration_seconds = 0;
};

using SnapshotPtr = std::shared_ptr<const Snapshot>;

}  // namespace slamon
