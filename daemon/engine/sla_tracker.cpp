#include "engine/sla_tracker.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

#include "common/log.h"
#include "history/history.h"
#include "sla/calendar.h"

namespace slamon {
namespace {

using sla::Interval;
using sla::IntervalSet;
using sla::PolicyStatusKind;
using sla::StatusSegment;

// Timelines older than this are folded into per-status totals (the all-time window needs no
// more), so a flapping policy does not grow without bound in memory.
constexpr auto kTimelineMemory = std::chrono::days(92);

long long millis(Duration d) {
  return d.count();
}

long long to_ms(WallTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

WallTime from_ms(long long ms) {
  return WallTime{std::chrono::milliseconds(ms)};
}

// The policy's SLA period zone (resolved at load), else its site's zone, else UTC.
sla::TimeZone zone_of(const Policy& policy, const Inventory* inventory) {
  const std::string fallback =
      inventory != nullptr ? inventory->timezone_of(policy.scope, policy.scope_id) : std::string();
  return sla::zone_of(policy, fallback).value_or(sla::TimeZone::utc());
}

PeriodKind period_kind_of(const Policy& policy) {
  return policy.sla_period ? policy.sla_period->kind : PeriodKind::month;
}

// The policy's counted time (business hours) within `range`; nullopt: all of it counts.
std::optional<IntervalSet> counted_within(const Policy& policy, const sla::TimeZone& zone,
                                          Interval range) {
  if (!policy.time_period) return std::nullopt;
  return sla::counted_time(&*policy.time_period, zone, range);
}

Duration counted_length(const std::optional<IntervalSet>& counted, const IntervalSet& excluded,
                        Interval range) {
  IntervalSet base = counted ? counted->intersected(range) : IntervalSet(range);
  return base.minus(excluded).total();
}

PolicyStatusKind status_of(const Policy& policy, const std::map<std::string, Severity>& worst_open,
                           const std::set<std::string>& measured,
                           const std::map<std::string, std::string>& in_maintenance) {
  if (in_maintenance.contains(policy.id)) return PolicyStatusKind::maintenance;
  if (auto it = worst_open.find(policy.id); it != worst_open.end()) {
    return it->second == Severity::critical ? PolicyStatusKind::down : PolicyStatusKind::degraded;
  }
  return measured.contains(policy.id) ? PolicyStatusKind::up : PolicyStatusKind::unknown;
}

std::optional<double> measured_value(const MeasuredValues& values, const std::string& policy_id,
                                     Metric metric) {
  auto it = values.find({policy_id, metric});
  if (it == values.end() || !std::isfinite(it->second)) return std::nullopt;
  return it->second;
}

}  // namespace

SlaTracker::SlaTracker(Store* store, history::History* history)
    : store_(store), history_(history) {}

std::string SlaTracker::encode(const Signals& s) {
  nlohmann::json out{{"downtime_ms", s.downtime_ms},
                     {"warned", s.warned},
                     {"critical", s.critical},
                     {"escalated", s.escalated}};
  if (s.period_start) out["period_start_ms"] = to_ms(*s.period_start);
  if (s.last_escalation) out["last_escalation_ms"] = to_ms(*s.last_escalation);
  nlohmann::json outages = nlohmann::json::object();
  for (const auto& [id, outage] : s.outages) {
    outages[id] = {{"metric", to_string(outage.metric)}, {"duration_ms", outage.duration_ms}};
  }
  out["outages"] = std::move(outages);
  return out.dump();
}

Result<SlaTracker::Signals> SlaTracker::decode(const std::string& text) {
  try {
    const auto in = nlohmann::json::parse(text);
    Signals s;
    s.downtime_ms = in.value("downtime_ms", 0.0);
    s.warned = in.value("warned", false);
    s.critical = in.value("critical", false);
    s.escalated = in.value("escalated", false);
    if (in.contains("period_start_ms"))
      s.period_start = from_ms(in["period_start_ms"].get<long long>());
    if (in.contains("last_escalation_ms")) {
      s.last_escalation = from_ms(in["last_escalation_ms"].get<long long>());
    }
    if (auto it = in.find("outages"); it != in.end() && it->is_object()) {
      for (const auto& [id, outage] : it->items()) {
        auto metric = parse_metric(outage.value("metric", std::string()));
        if (!metric) continue;
        s.outages[id] = Outage{*metric, outage.value("duration_ms", 0LL)};
      }
    }
    return s;
  } catch (const nlohmann::json::exception& e) {
    return fail(std::string("unreadable signal state: ") + e.what());
  }
}

Status SlaTracker::load(WallTime now) {
  if (loaded_ || store_ == nullptr) {
    loaded_ = true;
    return {};
  }
  // A year of a flapping fleet is millions of segments: the old part is read as totals.
  const WallTime horizon = now - kTimelineMemory;
  auto old = store_->status_totals(std::nullopt, WallTime{}, horizon);
  if (!old) return fail("cannot read status timelines: " + old.error().message);
  auto segments = store_->status_segments(std::nullopt, horizon, WallTime::max());
  if (!segments) return fail("cannot read status timelines: " + segments.error().message);
  for (const auto& stored : *segments) {
    auto status = sla::parse_policy_status_kind(stored.status);
    if (!status) continue;
    Track& track = tracks_[stored.policy_id];
    track.org = stored.org;
    track.timeline.push_back({std::max(stored.start, horizon), stored.end, *status});
  }
  for (const StatusTotals& totals : *old) {
    // Back to back, ending where the recent timeline begins: the same fold apply() makes.
    Track& track = tracks_[totals.policy_id];
    track.org = totals.org;
    WallTime at = track.timeline.empty() ? horizon : track.timeline.front().start;
    std::vector<StatusSegment> folded;
    const std::array<std::pair<PolicyStatusKind, Duration>, 5> parts{{
        {PolicyStatusKind::maintenance, totals.maintenance},
        {PolicyStatusKind::unknown, totals.unknown},
        {PolicyStatusKind::down, totals.down},
        {PolicyStatusKind::degraded, totals.degraded},
        {PolicyStatusKind::up, totals.up},
    }};
    for (const auto& [kind, length] : parts) {
      if (length <= Duration{0}) continue;
      folded.insert(folded.begin(), {at - length, at, kind});
      at -= length;
    }
    track.timeline.insert(track.timeline.begin(), folded.begin(), folded.end());
  }
  auto states = store_->signal_states();
  if (!states) return fail("cannot read SLA signal state: " + states.error().message);
  for (const auto& stored : *states) {
    auto signals = decode(stored.state);
    if (!signals) {
      log::warn("ignoring unreadable SLA signal state",
                {{"policy_id", stored.policy_id}, {"err", signals.error().message}});
      continue;
    }
    tracks_[stored.policy_id].signals = std::move(*signals);
  }
  loaded_ = true;
  return {};
}

SlaCycleOutput SlaTracker::prepare(const SlaCycleInput& input) const {
  SlaCycleOutput out;
  const WallTime now = input.now;
  const Duration interval = input.interval;
  const Evaluation& evaluation = *input.evaluation;

  std::map<std::string, Severity> worst_open;
  for (const Breach& b : evaluation.open_breaches) {
    auto [it, inserted] = worst_open.emplace(b.policy_id, b.severity);
    if (!inserted && b.severity == Severity::critical) it->second = Severity::critical;
  }
  std::set<std::string> measured;
  for (const Verdict& v : evaluation.verdicts) {
    if (v.actual) measured.insert(v.policy_id);
  }
  static const std::map<std::string, std::string> kNone;
  const auto& in_maintenance = input.in_maintenance ? *input.in_maintenance : kNone;
  // Breaches of this cycle by policy: the open ones and those resolved now (outage counting).
  std::map<std::string, std::vector<const Breach*>> breaches_by_policy;
  for (const Breach& b : evaluation.open_breaches) breaches_by_policy[b.policy_id].push_back(&b);
  for (const Breach& b : evaluation.changed_breaches) {
    if (!b.open()) breaches_by_policy[b.policy_id].push_back(&b);
  }

  const Duration tolerance = interval / 2;
  for (const Policy& policy : *input.policies) {
    if (policy.status != PolicyStatus::active) continue;
    const Track* track = nullptr;
    if (auto it = tracks_.find(policy.id); it != tracks_.end()) track = &it->second;

    // --- §7.1 status timeline ------------------------------------------------------------
    const PolicyStatusKind status = status_of(policy, worst_open, measured, in_maintenance);
    const std::string status_text(sla::to_string(status));
    auto segment = [&](WallTime start, WallTime end, PolicyStatusKind kind) {
      out.segments.push_back(
          {policy.id, policy.org, start, end, std::string(sla::to_string(kind))});
    };
    std::vector<StatusSegment> timeline_now =
        track ? track->timeline : std::vector<StatusSegment>{};
    if (!timeline_now.empty() && timeline_now.back().start >= now) {
      // A second cycle at the same instant (an API evaluation): this one's status wins.
      StatusSegment& last = timeline_now.back();
      last.end = std::max(last.end, now + interval);
      last.status = status;
      segment(last.start, last.end, status);
    } else if (!timeline_now.empty() && timeline_now.back().status == status &&
               timeline_now.back().end + tolerance >= now) {
      StatusSegment& last = timeline_now.back();
      last.end = std::max(last.end, now + interval);
      segment(last.start, last.end, status);
    } else {
      if (!timeline_now.empty() && timeline_now.back().end > now) {
        StatusSegment& last = timeline_now.back();
        last.end = now;
        segment(last.start, last.end, last.status);
      }
      timeline_now.push_back({now, now + interval, status});
      segment(now, now + interval, status);
    }

    PolicySla figures;
    figures.org = policy.org;
    figures.policy_id = policy.id;
    figures.in_maintenance = status == PolicyStatusKind::maintenance;

    const sla::TimeZone zone = zone_of(policy, input.inventory);
    const WallTime first_seen = timeline_now.front().start;
    for (std::size_t w = 0; w < sla::kComplianceWindows.size(); ++w) {
      const Interval window = sla::window_interval(sla::kComplianceWindows[w], now, first_seen);
      const auto counted = counted_within(policy, zone, window);
      const auto distribution =
          sla::distribution(timeline_now, window, counted ? &*counted : nullptr);
      figures.compliance[w] = distribution.compliance_ratio();
    }

    // --- §7.4 / §7.5 budget and outages over the current SLA period -------------------------
    Signals signals = track ? track->signals : Signals{};
    const Signals before = signals;
    const Interval period = sla::period_containing(period_kind_of(policy), zone, now);
    if (signals.period_start != period.start) {
      const bool escalated = signals.escalated;
      const auto last_escalation = signals.last_escalation;
      signals = Signals{};
      signals.period_start = period.start;
      signals.escalated = escalated;
      signals.last_escalation = last_escalation;
    }
    const bool covered_by_maintenance =
        input.maintenance != nullptr &&
        std::ranges::any_of(input.maintenance->windows(), [&](const MaintenanceWindow& w) {
          return input.maintenance->covers(w, policy);
        });

    double budget_used = 0;
    std::string driver;
    const auto uptime_target = policy.threshold(Metric::uptime_percent);
    if (uptime_target) {
      if (auto uptime = measured_value(*input.values, policy.id, Metric::uptime_percent)) {
        // The cycle's value describes the interval that ends now.
        const Interval covers = sla::intersect({now - interval, now}, period);
        if (!covers.empty()) {
          const IntervalSet excluded =
              covered_by_maintenance ? input.maintenance->intervals(policy, covers) : IntervalSet{};
          const Duration counted =
              counted_length(counted_within(policy, zone, covers), excluded, covers);
          const double down = 1.0 - std::clamp(*uptime, 0.0, 100.0) / 100.0;
          signals.downtime_ms += down * static_cast<double>(millis(counted));
        }
      }
      const IntervalSet excluded =
          covered_by_maintenance ? input.maintenance->intervals(policy, period) : IntervalSet{};
      const Duration period_counted =
          counted_length(counted_within(policy, zone, period), excluded, period);
      const double budget_ms =
          (1.0 - *uptime_target / 100.0) * static_cast<double>(millis(period_counted));
      double used_ratio = 0;
      if (budget_ms > 0) {
        used_ratio = signals.downtime_ms / budget_ms;
      } else if (signals.downtime_ms > 0) {
        used_ratio = std::numeric_limits<double>::infinity();
      }
      figures.budget_remaining = 1.0 - used_ratio;
      budget_used = used_ratio;
      driver = "downtime";

      // Burn rates from the recent raw history plus this cycle's value.
      std::vector<sla::UptimeSample> samples;
      const auto longest = sla::burn_windows().back().length;
      if (history_ != nullptr) {
        for (const auto& point :
             history_->recent_points(policy.id, Metric::uptime_percent, now - longest, now)) {
          samples.push_back({point.at - interval, interval, point.mean});
        }
      }
      if (auto uptime = measured_value(*input.values, policy.id, Metric::uptime_percent)) {
        samples.push_back({now - interval, interval, *uptime});
      }
      const IntervalSet burn_excluded =
          covered_by_maintenance ? input.maintenance->intervals(policy, {now - longest, now})
                                 : IntervalSet{};
      const auto windows = sla::burn_windows();
      for (std::size_t w = 0; w < windows.size() && w < figures.burn_rates.size(); ++w) {
        // Only the samples that can fall in the window: they are sorted by time.
        const WallTime from = now - windows[w].length - interval;
        auto first = std::ranges::lower_bound(samples, from, {}, &sla::UptimeSample::at);
        std::span<const sla::UptimeSample> recent(first, samples.end());
        figures.burn_rates[w] =
            sla::burn_rate(*uptime_target, recent, now, windows[w].length, nullptr,
                           burn_excluded.empty() ? nullptr : &burn_excluded);
      }
    }

    if (!policy.requirements.empty()) {
      if (auto it = breaches_by_policy.find(policy.id); it != breaches_by_policy.end()) {
        for (const Breach* b : it->second) {
          if (!period.contains(b->opened_at)) continue;
          const WallTime end = b->resolved_at.value_or(now);
          signals.outages[b->id] =
              Outage{b->metric, millis(std::chrono::duration_cast<Duration>(end - b->opened_at))};
        }
      }
      for (const auto& requirement : policy.requirements) {
        int count = 0;
        for (const auto& [id, outage] : signals.outages) {
          if (outage.metric == requirement.metric &&
              outage.duration_ms >= millis(requirement.min_duration)) {
            ++count;
          }
        }
        const double used = requirement.max_outages > 0
                                ? static_cast<double>(count) / requirement.max_outages
                                : (count > 0 ? std::numeric_limits<double>::infinity() : 0.0);
        if (used > budget_used) {
          budget_used = used;
          driver = "outages:" + std::string(to_string(requirement.metric));
        }
      }
    }

    std::vector<Event> events;
    if (policy.levels) {
      const auto& levels = *policy.levels;
      auto budget_event = [&](EventType type, double level) {
        events.push_back(make_budget_event(
            type, policy.org, policy_ref(policy),
            BudgetSignal{period.start, period.end, budget_used, level, driver}, now));
      };
      if (budget_used >= levels.crit_at_budget_used && !signals.critical) {
        budget_event(EventType::budget_critical, levels.crit_at_budget_used);
        signals.critical = true;
        signals.warned = true;
      } else if (budget_used >= levels.warn_at_budget_used && !signals.warned) {
        budget_event(EventType::budget_warning, levels.warn_at_budget_used);
        signals.warned = true;
      }
    }

    // --- §7.6 sliding window with hysteresis ----------------------------------------------
    if (policy.sliding_window) {
      const SlidingWindow& sw = *policy.sliding_window;
      double sum = 0;
      long long count = 0;
      if (history_ != nullptr) {
        // Points strictly after now − interval, up to (not including) now: this cycle's value
        // is added below, since the history gets it only after the commit.
        for (const auto& point :
             history_->recent_points(policy.id, sw.metric, now - sw.interval + Duration(1), now)) {
          sum += point.mean;
          ++count;
        }
      }
      if (auto value = measured_value(*input.values, policy.id, sw.metric)) {
        sum += *value;
        ++count;
      }
      if (count > 0) {
        const double mean = sum / static_cast<double>(count);
        const WindowSignal signal{sw.metric, mean, sw.upper, sw.lower, sw.interval};
        if (mean > sw.upper && !signals.escalated) {
          const bool cooling =
              signals.last_escalation && now - *signals.last_escalation < sw.cooldown;
          if (!cooling) {
            events.push_back(make_window_event(EventType::escalate, policy.org, policy_ref(policy),
                                               signal, now));
            signals.escalated = true;
            signals.last_escalation = now;
          }
        } else if (mean < sw.lower && signals.escalated) {
          events.push_back(make_window_event(EventType::deescalate, policy.org, policy_ref(policy),
                                             signal, now));
          signals.escalated = false;
        }
      }
    }

    if (auto it = in_maintenance.find(policy.id); it != in_maintenance.end()) {
      for (auto& event : events) out.suppressed.emplace_back(std::move(event), it->second);
    } else {
      for (auto& event : events) out.events.push_back(std::move(event));
    }
    if (!(signals == before) || !track) {
      out.signal_states.push_back({policy.id, encode(signals)});
    }
    out.figures.push_back(std::move(figures));
  }
  return out;
}

void SlaTracker::apply(const SlaCycleOutput& output) {
  for (const auto& stored : output.segments) {
    auto status = sla::parse_policy_status_kind(stored.status);
    if (!status) continue;
    Track& track = tracks_[stored.policy_id];
    track.org = stored.org;
    auto& timeline = track.timeline;
    auto it = std::ranges::find(timeline, stored.start, &StatusSegment::start);
    if (it != timeline.end()) {
      it->end = stored.end;
      it->status = *status;
    } else {
      timeline.push_back({stored.start, stored.end, *status});
    }
  }
  for (const auto& stored : output.signal_states) {
    if (auto signals = decode(stored.state))
      tracks_[stored.policy_id].signals = std::move(*signals);
  }
  // Fold what is older than kTimelineMemory into the first segment's start, keeping all-time
  // compliance exact enough: the folded stretch keeps its status and length as one segment.
  if (!output.segments.empty()) {
    const WallTime horizon = output.segments.back().start - kTimelineMemory;
    for (auto& [id, track] : tracks_) {
      auto& timeline = track.timeline;
      if (timeline.size() < 64 || timeline.front().end >= horizon) continue;
      std::vector<StatusSegment> folded;
      std::map<PolicyStatusKind, Duration> totals;
      WallTime first = timeline.front().start;
      std::size_t keep_from = 0;
      while (keep_from < timeline.size() && timeline[keep_from].end < horizon) {
        const auto& s = timeline[keep_from];
        totals[s.status] += std::chrono::duration_cast<Duration>(s.end - s.start);
        ++keep_from;
      }
      // Old statuses become back-to-back segments from the first start, one per status:
      // window sums over "all" stay right; only their order within the folded past changes.
      WallTime at = first;
      for (const auto& [kind, length] : totals) {
        folded.push_back({at, at + length, kind});
        at += length;
      }
      if (keep_from < timeline.size() && at > timeline[keep_from].start) {
        // Gaps (unknown) shrank away in folding; never overlap the kept segments.
        const auto shift = at - timeline[keep_from].start;
        for (auto& f : folded) {
          f.start -= shift;
          f.end -= shift;
        }
      }
      folded.insert(folded.end(), timeline.begin() + static_cast<std::ptrdiff_t>(keep_from),
                    timeline.end());
      timeline = std::move(folded);
    }
  }
}

void SlaTracker::retain_only(const std::vector<Policy>& policies) {
  std::set<std::string> live;
  for (const auto& p : policies) live.insert(p.id);
  std::erase_if(tracks_, [&](const auto& entry) { return !live.contains(entry.first); });
}

}  // namespace slamon
