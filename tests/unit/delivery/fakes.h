// Test doubles for the delivery worker: a notifier that answers from a script and records
// every attempt, and a small correlator whose incidents the tests control. Both thread-safe.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/uuid.h"
#include "notify/notifier.h"
#include "routing/routing.h"

namespace slamon::testing {

inline notify::DeliveryResult delivered() {
  return {notify::DeliveryOutcome::delivered, std::nullopt, ""};
}
inline notify::DeliveryResult retry(std::string detail = "HTTP 503",
                                    std::optional<std::chrono::milliseconds> after = {}) {
  return {notify::DeliveryOutcome::retry, after, std::move(detail)};
}
inline notify::DeliveryResult refused(std::string detail = "HTTP 400") {
  return {notify::DeliveryOutcome::dead, std::nullopt, std::move(detail)};
}

struct SentNotification {
  std::string event_id;
  std::string type;
  WallTime at{};
  nlohmann::json event;
};

class FakeNotifier final : public notify::Notifier {
 public:
  explicit FakeNotifier(std::string name) : name_(std::move(name)) {}

  const std::string& name() const override { return name_; }

  notify::DeliveryResult send(const notify::Notification& notification, WallTime now) override {
    std::function<void()> hook;
    notify::DeliveryResult result;
    {
      std::lock_guard lock(mutex_);
      sent_.push_back({notification.event_id, notification.type, now, notification.event});
      if (!script_.empty()) {
        result = script_.front();
        script_.pop_front();
      } else if (answer_) {
        result = answer_(notification);
      } else {
        result = fallback_;
      }
      hook = on_send_;
    }
    if (hook) hook();
    return result;
  }

  // Answers used in order; then `fallback` (default: delivered).
  void script(std::vector<notify::DeliveryResult> answers) {
    std::lock_guard lock(mutex_);
    script_.insert(script_.end(), answers.begin(), answers.end());
  }
  void set_fallback(notify::DeliveryResult fallback) {
    std::lock_guard lock(mutex_);
    fallback_ = std::move(fallback);
  }
  // Answers by event (when no scripted answer is left); overrides the fallback.
  void answer_with(std::function<notify::DeliveryResult(const notify::Notification&)> answer) {
    std::lock_guard lock(mutex_);
    answer_ = std::move(answer);
  }
  // Runs after each attempt is recorded here, outside the lock (e.g. to block or signal).
  void on_send(std::function<void()> hook) {
    std::lock_guard lock(mutex_);
    on_send_ = std::move(hook);
  }

  std::vector<SentNotification> sent() const {
    std::lock_guard lock(mutex_);
    return sent_;
  }
  std::vector<std::string> sent_ids() const {
    std::vector<std::string> ids;
    for (const auto& s : sent()) ids.push_back(s.event_id);
    return ids;
  }
  std::size_t sent_count() const {
    std::lock_guard lock(mutex_);
    return sent_.size();
  }

 private:
  const std::string name_;
  mutable std::mutex mutex_;
  std::deque<notify::DeliveryResult> script_;
  notify::DeliveryResult fallback_ = delivered();
  std::function<notify::DeliveryResult(const notify::Notification&)> answer_;
  std::function<void()> on_send_;
  std::vector<SentNotification> sent_;
};

// Opens an incident for each sla.breach.created event of a breach listed in `opens_for`
// (incident id "incident-<breach id>"), and resolves it by tick() one minute later.
class FakeCorrelator final : public routing::Correlator {
 public:
  explicit FakeCorrelator(std::set<std::string> opens_for = {})
      : opens_for_(std::move(opens_for)) {}

  std::vector<nlohmann::json> observe(const nlohmann::json& event, WallTime now) override {
    std::lock_guard lock(mutex_);
    ++observed_;
    std::vector<nlohmann::json> out;
    const std::string breach = event["breach"].value("id", "");
    if (event.value("type", "") == "sla.breach.created" && opens_for_.contains(breach)) {
      const std::string incident = "incident-" + breach;
      open_.push_back({incident, event.value("org_id", ""), now + std::chrono::minutes(1)});
      out.push_back(
          incident_event(incident, event.value("org_id", ""), "sla.incident.opened", now));
    }
    return out;
  }

  std::vector<nlohmann::json> tick(WallTime now) override {
    std::lock_guard lock(mutex_);
    ++ticks_;
    std::vector<nlohmann::json> out;
    for (auto it = open_.begin(); it != open_.end();) {
      if (it->resolves_at > now) {
        ++it;
        continue;
      }
      out.push_back(incident_event(it->id, it->org, "sla.incident.resolved", now));
      it = open_.erase(it);
    }
    return out;
  }

  std::optional<WallTime> next_due() const override {
    std::lock_guard lock(mutex_);
    std::optional<WallTime> due;
    for (const auto& incident : open_) {
      if (!due || incident.resolves_at < *due) due = incident.resolves_at;
    }
    return due;
  }

  nlohmann::json save() const override {
    std::lock_guard lock(mutex_);
    nlohmann::json open = nlohmann::json::array();
    for (const auto& incident : open_) {
      open.push_back({{"id", incident.id},
                      {"org", incident.org},
                      {"resolves_at", incident.resolves_at.time_since_epoch().count()}});
    }
    return {{"observed", observed_}, {"open", open}};
  }

  Status restore(const nlohmann::json& state) override {
    std::lock_guard lock(mutex_);
    if (!state.is_object() || !state.contains("open")) return fail("unreadable state");
    observed_ = state.value("observed", 0);
    open_.clear();
    for (const auto& item : state["open"]) {
      open_.push_back({item["id"].get<std::string>(), item["org"].get<std::string>(),
                       WallTime{WallTime::duration{item["resolves_at"].get<long long>()}}});
    }
    return {};
  }

  int observed() const {
    std::lock_guard lock(mutex_);
    return observed_;
  }

 private:
  struct OpenIncident {
    std::string id;
    std::string org;
    WallTime resolves_at;
  };

  static nlohmann::json incident_event(const std::string& id, const std::string& org,
                                       const std::string& type, WallTime now) {
    return {
        {"id", uuid_v4()},    {"type", type},
        {"priority", "HIGH"}, {"occurred_at", format_rfc3339(now)},
        {"org_id", org},      {"incident", {{"id", id}, {"breaches", nlohmann::json::array()}}}};
  }

  mutable std::mutex mutex_;
  std::set<std::string> opens_for_;
  std::vector<OpenIncident> open_;
  int observed_ = 0;
  int ticks_ = 0;
};

}  // namespace slamon::testing
