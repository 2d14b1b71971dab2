#include "reports/report.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <optional>
#include <thread>
#include <utility>

#include "common/duration.h"
#include "sla/calendar.h"
#include "slamon/build_info.h"
#include "slaview/sla_json.h"

namespace slamon::reports {

namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using Days = std::chrono::days;
using slaview::period_json;
using slaview::seconds_of;
using slaview::statuses_json;
using slaview::window_stats_json;

json number(double value) {
  return slaview::number_json(value);
}
json number(const std::optional<double>& value) {
  return slaview::number_json(value);
}

void add(sla::StatusDistribution& into, const sla::StatusDistribution& more) {
  into.up += more.up;
  into.degraded += more.degraded;
  into.down += more.down;
  into.unknown += more.unknown;
  into.maintenance += more.maintenance;
}

std::vector<std::string> counting_rules(const ReportData& report) {
  return {
      "Compliance is the time in compliance: up / (up + degraded + down) of the evaluated time. "
      "Up: evaluated with no breach open; degraded: a warning breach open; down: a critical "
      "breach open.",
      "Unknown time (no data, slamon not running, a policy not yet created) is shown apart and "
      "counts neither as compliant nor as breached.",
      "Maintenance windows are excluded from compliance, downtime and budgets and shown as "
      "their own share; the windows are listed per policy.",
      "Where a policy has business hours (time_period), only that time counts, in the policy's "
      "time zone.",
      "Measured uptime and downtime come from the uptime values measured each cycle (" +
          format_duration(report.evaluation_interval) +
          "); the downtime budget is (1 - target) x the period's counted time outside "
          "maintenance. For policies without an uptime target, downtime is the time a critical "
          "breach was open.",
      "Outages are breaches opened within the period, each lasting until it was resolved; "
      "breaches are counted by the highest severity they reached.",
  };
}

json seconds_of(const std::optional<Duration>& d) {
  return d ? json(seconds_of(*d)) : json(nullptr);
}

json interval_json(const sla::Interval& interval) {
  return {{"start", format_rfc3339(interval.start)}, {"end", format_rfc3339(interval.end)}};
}

json breach_json(const Breach& breach) {
  auto optional_time = [](const std::optional<WallTime>& t) {
    return t ? json(format_rfc3339(*t)) : json(nullptr);
  };
  return {{"id", breach.id},
          {"metric", to_string(breach.metric)},
          {"severity", to_string(breach.peak_severity)},
          {"status", to_string(breach.status)},
          {"threshold", number(breach.threshold)},
          {"actual", number(breach.actual)},
          {"opened_at", format_rfc3339(breach.opened_at)},
          {"acknowledged_at", optional_time(breach.acknowledged_at)},
          {"resolved_at", optional_time(breach.resolved_at)}};
}

// The zone every policy shares, else UTC.
std::string common_zone(const std::vector<PolicyReport>& policies) {
  if (policies.empty()) return "UTC";
  for (const PolicyReport& policy : policies) {
    if (policy.timezone != policies.front().timezone) return "UTC";
  }
  return policies.front().timezone.empty() ? "UTC" : policies.front().timezone;
}

Result<PolicyReport> policy_report(const slaview::SlaView& view, const Policy& policy,
                                   sla::Interval judged, sla::Interval period, WallTime now) {
  auto calendar = view.calendar(policy);
  if (!calendar) return fail("policy " + policy.id + ": " + calendar.error().message);
  PolicyReport report;
  report.id = policy.id;
  report.name = policy.name;
  report.scope = policy.scope;
  report.scope_id = policy.scope_id;
  report.period_kind = calendar->kind;
  report.timezone = calendar->zone.name().empty() ? "UTC" : calendar->zone.name();
  report.measures_uptime = policy.threshold(Metric::uptime_percent).has_value();
  report.has_credits = !policy.credits.empty();

  auto compliance = view.compliance(policy, judged);
  if (!compliance) return std::unexpected(compliance.error());
  report.compliance = std::move(*compliance);
  for (const slaview::MetricFigures& figures : report.compliance.metrics) {
    report.metrics.push_back({figures.metric, *policy.threshold(figures.metric),
                              threshold_spec(figures.metric).bound, figures.stats});
  }

  auto overall = view.judge(policy, period, now);
  if (!overall) return std::unexpected(overall.error());
  report.overall = std::move(*overall);

  auto periods = view.periods(policy, period, now);
  if (!periods) return std::unexpected(periods.error());
  report.periods = std::move(periods->items);

  if (!judged.empty()) {
    const WallTime first_day = std::chrono::floor<Days>(judged.start);
    const WallTime end_day = std::chrono::ceil<Days>(judged.end);
    int count = static_cast<int>((end_day - first_day) / Days(1));
    const WallTime chart_start = first_day + Days(std::max(0, count - kMaxChartDays));
    count = std::min(count, kMaxChartDays);
    auto days = view.days(policy, chart_start, count, judged.end);
    if (!days) return std::unexpected(days.error());
    for (const slaview::DayStatuses& day : *days) {
      report.days.push_back({day.start, day.statuses.compliance_ratio()});
    }
  }

  auto breaches = view.breaches_opened_in(policy, judged);
  if (!breaches) return std::unexpected(breaches.error());
  std::reverse(breaches->begin(), breaches->end());  // the store answers newest first
  report.breaches = std::move(*breaches);
  report.breach_figures = slaview::breach_figures(report.breaches, now);

  auto maintenance = view.maintenance(policy, judged);
  if (!maintenance) return std::unexpected(maintenance.error());
  report.maintenance = maintenance->intervals();
  return report;
}

// Policies' figures are independent reads of a thread-safe SlaView, so they are built on
// kBuildThreads threads, each taking the next policy not yet taken; each result lands in its
// policy's slot, so the order is the request's whatever thread built it.
constexpr unsigned kBuildThreads = 2;

Result<std::vector<PolicyReport>> policy_reports(const slaview::SlaView& view,
                                                 const ReportRequest& request,
                                                 sla::Interval judged) {
  const std::size_t count = request.policies.size();
  std::vector<std::optional<Result<PolicyReport>>> results(count);
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  auto work = [&] {
    for (std::size_t i = next++; i < count && !failed; i = next++) {
      results[i] =
          policy_report(view, request.policies[i], judged, request.period, request.generated_at);
      if (!*results[i]) failed = true;
    }
  };
  {
    std::vector<std::jthread> helpers;
    const unsigned threads = std::min<std::size_t>(
        {kBuildThreads, std::max(1U, std::thread::hardware_concurrency()), count});
    for (unsigned t = 1; t < threads; ++t) helpers.emplace_back(work);
    work();
  }
  // Policies are taken in order, so every policy before a failed one was built: the first
  // failure in order is the one a loop would have stopped at.
  for (const std::optional<Result<PolicyReport>>& result : results) {
    if (result && !*result) return std::unexpected(result->error());
  }
  std::vector<PolicyReport> reports;
  reports.reserve(count);
  for (std::optional<Result<PolicyReport>>& result : results) {
    reports.push_back(std::move(**result));
  }
  return reports;
}

}  // namespace

Duration PolicyReport::downtime() const {
  if (overall.budget) return overall.budget->used;
  return compliance.statuses.down;
}

std::optional<double> PolicyReport::budget_remaining_ratio() const {
  if (!overall.budget) return std::nullopt;
  return overall.budget->remaining_ratio();
}

Result<ReportData> build_report(const slaview::SlaView& view, const Config& config,
                                const ReportRequest& request) {
  ReportData report;
  report.org = request.org;
  const Organization* organization = config.inventory.organization(request.org);
  report.org_name = organization && !organization->name.empty() ? organization->name : request.org;
  report.period = request.period;
  report.judged = {
      request.period.start,
      std::max(request.period.start, std::min(request.period.end, request.generated_at))};
  report.generated_at = request.generated_at;
  report.version = build::kVersion;
  report.evaluation_interval =
      std::chrono::duration_cast<Duration>(config.global.evaluation_interval);

  auto policies = policy_reports(view, request, report.judged);
  if (!policies) return std::unexpected(policies.error());
  report.policies = std::move(*policies);
  report.timezone = common_zone(report.policies);

  OrgSummary& summary = report.summary;
  for (const PolicyReport& policy : report.policies) {
    ++summary.policies;
    ++(policy.met() ? summary.met : summary.missed);
    add(summary.statuses, policy.compliance.statuses);
  }
  summary.compliance_ratio = summary.statuses.compliance_ratio();

  if (request.title.empty()) {
    auto zone = sla::TimeZone::find(report.timezone);
    const sla::TimeZone shown = zone ? *zone : sla::TimeZone::utc();
    report.title = "SLA report " + report.org_name + " " +
                   shown.format_local(report.period.start).substr(0, 10) + " to " +
                   shown.format_local(report.period.end).substr(0, 10);
  } else {
    report.title = request.title;
  }
  report.counting_rules = counting_rules(report);
  return report;
}

json to_json(const ReportData& report) {
  json policies = json::array();
  for (const PolicyReport& policy : report.policies) {
    json metrics = json::array();
    for (const MetricReport& metric : policy.metrics) {
      metrics.push_back({{"metric", to_string(metric.metric)},
                         {"threshold", number(metric.threshold)},
                         {"bound", to_string(metric.bound)},
                         {"stats", window_stats_json(metric.stats)}});
    }
    json periods = json::array();
    for (const sla::PeriodResult& period : policy.periods) {
      periods.push_back(period_json(period, policy.measures_uptime, policy.has_credits));
    }
    json days = json::array();
    for (const DayReport& day : policy.days) {
      days.push_back({{"start", format_rfc3339(day.start)},
                      {"compliance_ratio", number(day.compliance_ratio)}});
    }
    json breaches = json::array();
    for (const Breach& breach : policy.breaches) breaches.push_back(breach_json(breach));
    json maintenance = json::array();
    for (const sla::Interval& interval : policy.maintenance) {
      maintenance.push_back(interval_json(interval));
    }
    const slaview::BreachFigures& figures = policy.breach_figures;
    policies.push_back({
        {"id", policy.id},
        {"name", policy.name},
        {"scope", to_string(policy.scope)},
        {"scope_id", policy.scope_id ? json(*policy.scope_id) : json(nullptr)},
        {"sla_period", {{"kind", to_string(policy.period_kind)}, {"timezone", policy.timezone}}},
        {"met", policy.met()},
        {"compliance_ratio", number(policy.compliance.compliant_time_ratio)},
        {"statuses", statuses_json(policy.compliance.statuses)},
        {"overall", period_json(policy.overall, policy.measures_uptime, policy.has_credits)},
        {"downtime_seconds", seconds_of(policy.downtime())},
        {"budget_remaining_ratio", number(policy.budget_remaining_ratio())},
        {"breach_seconds", seconds_of(policy.overall.breach_time)},
        {"breaches_by_severity", {{"warning", figures.warning}, {"critical", figures.critical}}},
        {"outages", figures.outages},
        {"longest_outage_seconds", seconds_of(figures.longest_outage)},
        {"mean_time_to_acknowledge_seconds", seconds_of(figures.mean_time_to_acknowledge)},
        {"mean_time_to_resolve_seconds", seconds_of(figures.mean_time_to_resolve)},
        {"metrics", std::move(metrics)},
        {"periods", std::move(periods)},
        {"days", std::move(days)},
        {"maintenance", std::move(maintenance)},
        {"breaches", std::move(breaches)},
    });
  }
  return {
      {"title", report.title},
      {"org", report.org},
      {"org_name", report.org_name},
      {"period_start", format_rfc3339(report.period.start)},
      {"period_end", format_rfc3339(report.period.end)},
      {"judged_until", format_rfc3339(report.judged.end)},
      {"generated_at", format_rfc3339(report.generated_at)},
      {"timezone", report.timezone},
      {"version", report.version},
      {"summary",
       {{"policies", report.summary.policies},
        {"met", report.summary.met},
        {"missed", report.summary.missed},
        {"compliance_ratio", number(report.summary.compliance_ratio)},
        {"statuses", statuses_json(report.summary.statuses)}}},
      {"policies", std::move(policies)},
      {"counting_rules", report.counting_rules},
  };
}

}  // namespace slamon::reports
