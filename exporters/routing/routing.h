// The two decisions the delivery worker asks of the alert configuration (SPEC §9.4): which
// notifiers an outbox event goes to (alert rules), and which incidents breach events form
// (correlation). Both work on the stored event JSON so that they see exactly what was
// committed. EventRouter is immutable and thread-safe; a Correlator is used by one thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/result.h"
#include "config/config.h"

namespace slamon::routing {

// Alert rules: the notifier names an event goes to, each once, in the order the rules and
// their notifier lists name them. Empty: the event is stored and sent nowhere. A scheduled
// report's sla.report.ready goes to the notifiers its `schedule` names, whatever the rules.
class EventRouter {
 public:
  explicit EventRouter(std::vector<AlertRule> rules);
  std::vector<std::string> notifiers_for(const nlohmann::json& event) const;

 private:
  std::vector<AlertRule> rules_;
};

// Correlation state machine. It sees every committed event once, in commit order, and returns
// the incident events (complete event JSON with a fresh id, ready for the outbox) that follow
// from it; tick() returns those due by the clock alone (an incident is announced once its
// window has closed, listing its breaches). Its state is saved with the outbox after each step
// and restored on start, so incidents survive restarts.
class Correlator {
 public:
  virtual ~Correlator() = default;
  virtual std::vector<nlohmann::json> observe(const nlohmann::json& event, WallTime now) = 0;
  virtual std::vector<nlohmann::json> tick(WallTime now) = 0;
  // The earliest time tick() has something to do, if any (so the worker can sleep until then).
  virtual std::optional<WallTime> next_due() const = 0;
  virtual nlohmann::json save() const = 0;
  // Replaces the state with a saved one; a state it cannot read is an error (the caller logs
  // it and starts empty).
  virtual Status restore(const nlohmann::json& state) = 0;
};

// The correlator of `config.correlation`: group_by keys are resolved against the config's
// inventory (site and site_group of a breach's scope). With correlation disabled it forms no
// incidents.
std::unique_ptr<Correlator> make_correlator(std::shared_ptr<const Config> config);

}  // namespace slamon::routing
