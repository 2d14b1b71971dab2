#include "engine/engine.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <set>
#include <thread>

#include "common/log.h"
#include "engine/evaluator.h"
#include "engine/join.h"
#include "engine/planner.h"
#include "history/history.h"
#include "store/store.h"

namespace slamon {
namespace {

// Enough to overlap network latency in per-scope mode without flooding a Prometheus.
constexpr std::size_t kMaxParallelQueries = 8;

struct FetchOutcome {
  Result<QueryResult> result = fail("not run");
  double seconds = 0;  // measured here so failures (timeouts above all) count too
};

std::vector<FetchOutcome> fetch_all(const std::vector<PlannedQuery>& queries,
                                    const std::map<std::string, MetricSourcePtr>& sources,
                                    WallTime at) {
  std::vector<FetchOutcome> outcomes(queries.size());
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < queries.size(); i = next++) {
      const auto& source = sources.at(queries[i].source);
      const auto started = std::chrono::steady_clock::now();
      try {
        outcomes[i].result = source->query(queries[i].query, at);
      } catch (const std::exception& e) {
        outcomes[i].result = fail(std::string("source failed: ") + e.what());
      }
      outcomes[i].seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    }
  };
  const std::size_t thread_count = std::min(kMaxParallelQueries, queries.size());
  if (thread_count <= 1) {
    worker();
    return outcomes;
  }
  {
    // The workers write into `outcomes`: join them (end of this block) before it is returned,
    // since without copy elision a return would move it out before locals are destroyed.
    std::vector<std::jthread> threads;
    threads.reserve(thread_count);
    for (std::size_t t = 0; t < thread_count; ++t) threads.emplace_back(worker);
  }
  return outcomes;
}

std::vector<PolicyInfo> policy_infos(const std::vector<Policy>& policies,
                                     const std::vector<Breach>& open) {
  std::set<std::string> in_breach;
  for (const auto& b : open) in_breach.insert(b.policy_id);
  std::vector<PolicyInfo> infos;
  infos.reserve(policies.size());
  for (const auto& p : policies) {
    const std::string scope_id =
        p.scope == Scope::organization ? "" : p.scope_id.value_or(p.scope_name.value_or(""));
    infos.push_back(PolicyInfo{p.org, p.id, p.name, p.scope, scope_id, p.status, p.labels,
                               p.status == PolicyStatus::active, !in_breach.contains(p.id)});
  }
  return infos;
}

// For a cycle limited to one org: this org's fresh results, every other org's from before.
template <typename T, typename OrgOf>
void keep_other_orgs(std::vector<T>& fresh, const std::vector<T>& previous, const std::string& org,
                     OrgOf org_of) {
  for (const auto& item : previous) {
    if (org_of(item) != org) fresh.push_back(item);
  }
}

}  // namespace

std::string_view to_string(VerdictState s) {
  switch (s) {
    case VerdictState::ok:
      return "ok";
    case VerdictState::warning:
      return "warning";
    case VerdictState::critical:
      return "critical";
    case VerdictState::no_data:
      return "no_data";
  }
  return "";
}

Engine::Engine(Clock& clock, Store* store, SourceFactory sources)
    : clock_(clock), store_(store), sla_(store, nullptr), source_factory_(std::move(sources)) {}

void Engine::set_history(history::History* history) {
  std::lock_guard cycle(cycle_mutex_);
  history_ = history;
  sla_ = SlaTracker(store_, history);
}

std::shared_ptr<const MaintenanceCalendar> Engine::maintenance_calendar(const ConfigPtr& config) {
  std::lock_guard lock(calendar_mutex_);
  const long long revision = store_ != nullptr ? store_->maintenance_revision() : 0;
  if (calendar_ && calendar_config_ == config.get() && calendar_revision_ == revision) {
    return calendar_;
  }
  auto windows = load_maintenance_windows(*config, store_);
  if (!windows) {
    log::warn("maintenance windows could not be read; only the config's apply this cycle",
              {{"err", windows.error().message}});
    {
      std::lock_guard counting(state_mutex_);
      ++counters_.maintenance_read_failures_total;
    }
    return std::make_shared<const MaintenanceCalendar>(config->maintenance, config->inventory);
  }
  calendar_ = std::make_shared<const MaintenanceCalendar>(std::move(*windows), config->inventory);
  calendar_config_ = config.get();
  calendar_config_owner_ = config;
  calendar_revision_ = revision;
  return calendar_;
}

void Engine::count_skipped() {
  std::lock_guard lock(state_mutex_);
  ++counters_.evaluations_skipped_total;
}

Result<CycleReport> Engine::run_cycle(const ConfigPtr& config, const CycleOptions& options) {
  std::unique_lock cycle(cycle_mutex_, std::defer_lock);
  if (options.wait_if_running) {
    cycle.lock();
  } else if (!cycle.try_lock()) {
    count_skipped();
    return fail("skipped: an evaluation cycle is already running");
  }
  running_ = true;
  struct ResetRunning {
    std::atomic<bool>& flag;
    ~ResetRunning() { flag = false; }
  } reset{running_};

  const WallTime now = clock_.now();
  const auto started = clock_.monotonic();

  auto gathered = cycle_policies(*config, options.org);
  if (!gathered) {
    if (!options.dry_run) {
      std::lock_guard lock(state_mutex_);
      ++counters_.evaluations_total;
      ++counters_.evaluation_failures_total;
    }
    return fail("cannot read the API policies: " + gathered.error().message);
  }
  const std::vector<Policy> policies = std::move(*gathered);

  std::vector<Breach> open_breaches;
  if (store_ != nullptr) {
    auto loaded = store_->open_breaches();
    if (!loaded) {
      if (!options.dry_run) {
        std::lock_guard lock(state_mutex_);
        ++counters_.evaluations_total;
        ++counters_.evaluation_failures_total;
      }
      return fail("cannot read open breaches: " + loaded.error().message);
    }
    for (auto& b : *loaded) {
      if (!options.org || b.org == *options.org) open_breaches.push_back(std::move(b));
    }
  }

  const auto queries = plan_queries(*config, policies);
  std::map<std::string, MetricSourcePtr> sources;
  for (const auto& q : queries) {
    if (sources.contains(q.source)) continue;
    if (const SourceConfig* sc = config->source(q.source)) {
      if (auto created = source_factory_(*sc)) sources.emplace(q.source, std::move(created));
    }
  }
  std::vector<PlannedQuery> runnable;
  for (const auto& q : queries) {
    if (sources.contains(q.source)) runnable.push_back(q);
  }

  using SteadyClock = std::chrono::steady_clock;
  auto seconds_since = [](SteadyClock::time_point t) {
    return std::chrono::duration<double>(SteadyClock::now() - t).count();
  };
  const auto fetch_started = SteadyClock::now();
  const auto outcomes = fetch_all(runnable, sources, now);
  const double fetch_seconds = seconds_since(fetch_started);
  const auto evaluate_started = SteadyClock::now();
  MeasuredValues values;
  UnmeasuredKeys source_failed_keys;
  std::map<std::string, SourceStatus> source_status;
  std::set<std::string> failed_sources;
  for (std::size_t i = 0; i < runnable.size(); ++i) {
    const std::string& name = runnable[i].source;
    auto& status = source_status[name];
    status.name = name;
    const auto& outcome = outcomes[i].result;
    status.request_seconds += outcomes[i].seconds;
    if (!outcome) {
      if (failed_sources.insert(name).second) {
        log::warn("source query failed; its policies have no data this cycle",
                  {{"source", name}, {"err", outcome.error().message}});
      }
      for (const auto& target : runnable[i].targets)
        source_failed_keys.insert({target.policy_id, target.metric});
      continue;
    }
    log_join_issues(runnable[i], join_samples(runnable[i], outcome->samples, values));
  }
  for (auto& [name, status] : source_status) status.up = !failed_sources.contains(name);

  // SPEC §7.3: a policy inside a maintenance window opens no breach and sends no event.
  const auto calendar = maintenance_calendar(config);
  std::map<std::string, std::string> in_maintenance;
  for (const Policy& policy : policies) {
    if (policy.status != PolicyStatus::active) continue;
    if (const auto* window = calendar->active(policy, now))
      in_maintenance.emplace(policy.id, window->id);
  }
  const EvaluationInput input{&policies,           &values,        &open_breaches, now,
                              &source_failed_keys, &in_maintenance};
  Evaluation evaluation = evaluate(input);

  // SPEC §7: status timelines, budgets, burn rates, budget and sliding-window events.
  if (auto loaded = sla_.load(now); !loaded) {
    if (!options.dry_run) {
      std::lock_guard lock(state_mutex_);
      ++counters_.evaluations_total;
      ++counters_.evaluation_failures_total;
    }
    return fail(loaded.error().message);
  }
  SlaCycleOutput sla_output = sla_.prepare(
      SlaCycleInput{&policies, &values, &evaluation, calendar.get(), &config->inventory,
                    &in_maintenance, now, config->global.evaluation_interval});
  const double evaluate_seconds = seconds_since(evaluate_started);

  CycleWrite write;
  write.breaches = evaluation.changed_breaches;
  write.events = evaluation.events;
  write.events.insert(write.events.end(), sla_output.events.begin(), sla_output.events.end());
  for (auto& [event, window] : evaluation.suppressed) write.suppressed.push_back({event, window});
  for (auto& [event, window] : sla_output.suppressed) write.suppressed.push_back({event, window});
  write.segments = std::move(sla_output.segments);
  write.signal_states = std::move(sla_output.signal_states);

  const auto commit_started = SteadyClock::now();
  if (!options.dry_run && store_ != nullptr) {
    if (auto committed = store_->commit(write); !committed) {
      std::lock_guard lock(state_mutex_);
      ++counters_.evaluation_failures_total;
      ++counters_.evaluations_total;
      log::error("evaluation cycle could not be stored; breaches unchanged",
                 {{"err", committed.error().message}});
      return fail("cannot store the cycle's changes: " + committed.error().message);
    }
    for (const auto& event : write.events) {
      if (!event.breach) {
        log::info("event", {{"type", to_string(event.type)},
                            {"priority", to_string(event.priority)},
                            {"org", event.org_id},
                            {"policy_id", event.policy.id}});
        continue;
      }
      log::info("event", {{"type", to_string(event.type)},
                          {"priority", to_string(event.priority)},
                          {"org", event.org_id},
                          {"policy_id", event.breach->policy_id},
                          {"metric", to_string(event.breach->metric)},
                          {"severity", to_string(event.breach->severity)},
                          {"breach_id", event.breach->id}});
    }
  }

  const double commit_seconds = seconds_since(commit_started);
  if (!options.dry_run) {
    sla_.apply(SlaCycleOutput{write.segments, write.signal_states, {}, {}, {}});
    if (!options.org) sla_.retain_only(policies);
    for (const auto& [event, window] : write.suppressed) {
      log::info("event suppressed by maintenance", {{"type", to_string(event.type)},
                                                    {"org", event.org_id},
                                                    {"policy_id", event.policy.id},
                                                    {"maintenance_id", window}});
    }
    if (history_ != nullptr) {
      // Every measured value of an active policy: its thresholds' metrics and the metric its
      // sliding window watches (which may have no threshold).
      std::vector<history::Observation> observations;
      for (const auto& [key, value] : values) {
        if (std::isfinite(value)) observations.push_back({key.first, key.second, value});
      }
      if (auto appended = history_->append(now, observations); !appended) {
        log::warn("measured values could not be added to the history",
                  {{"err", appended.error().message}});
        std::lock_guard counting(state_mutex_);
        ++counters_.history_append_failures_total;
      }
    }
  }

  auto snapshot = std::make_shared<Snapshot>();
  snapshot->evaluated_at = now;
  snapshot->policies = policy_infos(policies, evaluation.open_breaches);
  snapshot->verdicts = std::move(evaluation.verdicts);
  snapshot->open_breaches = std::move(evaluation.open_breaches);
  snapshot->sla = std::move(sla_output.figures);
  for (auto& [name, status] : source_status) snapshot->sources.push_back(status);
  snapshot->duration_seconds = std::chrono::duration<double>(clock_.monotonic() - started).count();

  CycleReport report;
  report.policies_evaluated =
      static_cast<int>(std::count_if(policies.begin(), policies.end(), [](const Policy& p) {
        return p.status == PolicyStatus::active;
      }));
  report.breaches_opened = evaluation.opened;
  report.breaches_escalated = evaluation.escalated;
  report.breaches_resolved = evaluation.resolved;
  report.no_data = evaluation.no_data;
  report.sla_events = static_cast<int>(sla_output.events.size());
  report.suppressed_events = static_cast<int>(write.suppressed.size());
  report.queries = static_cast<int>(runnable.size());
  report.fetch_seconds = fetch_seconds;
  report.evaluate_seconds = evaluate_seconds;
  report.commit_seconds = commit_seconds;

  if (options.dry_run) {
    report.snapshot = std::move(snapshot);
    return report;
  }

  std::lock_guard lock(state_mutex_);
  if (options.org && snapshot_) {
    const std::string& org = *options.org;
    keep_other_orgs(snapshot->policies, snapshot_->policies, org,
                    [](const PolicyInfo& p) { return p.org; });
    keep_other_orgs(snapshot->verdicts, snapshot_->verdicts, org,
                    [](const Verdict& v) { return v.org; });
    keep_other_orgs(snapshot->open_breaches, snapshot_->open_breaches, org,
                    [](const Breach& b) { return b.org; });
    keep_other_orgs(snapshot->sla, snapshot_->sla, org, [](const PolicySla& p) { return p.org; });
  }
  if (snapshot_) {
    for (const auto& previous : snapshot_->sources) {
      if (!source_status.contains(previous.name)) snapshot->sources.push_back(previous);
    }
  }
  ++counters_.evaluations_total;
  counters_.last_success = now;
  for (const auto& event : evaluation.events) {
    if (event.type == EventType::breach_created && event.breach) {
      ++counters_.breaches_opened_total[{event.org_id, event.breach->severity}];
    }
  }
  snapshot_ = snapshot;
  report.snapshot = std::move(snapshot);
  return report;
}

Status Engine::refresh_api_policies() {
  if (store_ == nullptr) return {};
  // Read before the policies: a write landing in between moves the revision again, so the
  // next cycle reads once more rather than keeping a list older than its revision.
  const long long revision = store_->policies_revision();
  if (api_policies_revision_ == revision) return {};
  auto stored = store_->policies();
  if (!stored) return std::unexpected(stored.error());
  api_policies_.clear();
  api_policies_.reserve(stored->size());
  for (auto& s : *stored) api_policies_.push_back(std::move(s.policy));
  api_policies_revision_ = revision;
  return {};
}

Result<std::vector<Policy>> Engine::cycle_policies(const Config& config,
                                                   const std::optional<std::string>& org) {
  // A failed read fails the cycle: evaluating without the API policies would resolve their
  // breaches as deleted.
  if (auto refreshed = refresh_api_policies(); !refreshed) {
    return std::unexpected(refreshed.error());
  }
  std::vector<Policy> policies;
  std::set<std::string_view> provisioned_ids;
  for (const auto& p : config.policies) {
    provisioned_ids.insert(p.id);
    if (!org || p.org == *org) policies.push_back(p);
  }
  for (const auto& p : api_policies_) {
    if (provisioned_ids.contains(p.id)) {
      if (warned_shadowed_ids_.insert(p.id).second) {
        log::warn("an API policy has the id of a provisioned policy; the provisioned one is used",
                  {{"policy_id", p.id}, {"org", p.org}, {"name", p.name}});
      }
      continue;
    }
    if (!org || p.org == *org) policies.push_back(p);
  }
  return policies;
}

SnapshotPtr Engine::snapshot() const {
  std::lock_guard lock(state_mutex_);
  return snapshot_;
}

EngineCounters Engine::counters() const {
  std::lock_guard lock(state_mutex_);
  return counters_;
}

}  // namespace slamon
