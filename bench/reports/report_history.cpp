#include "report_history.h"

#include <cstdio>

#include "history/history.h"
#include "store/store.h"

namespace slamon::bench {
namespace {

constexpr int kPointsPerDay = 288;

std::string policy_id(int p) {
  char id[32];
  std::snprintf(id, sizeof id, "policy-%05d", p);
  return id;
}

}  // namespace

ReportOrg make_report_org(int policy_count, int day_count) {
  using namespace std::chrono;
  ReportOrg report;
  report.period_start = sys_days(year(2026) / October / 1);
  report.period_end = report.period_start + days(day_count);
  Organization org;
  org.id = kReportOrg;
  org.name = "Bench Org";
  report.config.inventory.organizations.push_back(org);
  report.config.inventory.index();
  for (int p = 0; p < policy_count; ++p) {
    Policy policy;
    policy.id = policy_id(p);
    policy.org = kReportOrg;
    policy.name = "Site " + std::to_string(p) + " Zürich";
    policy.scope = Scope::site;
    policy.scope_id = "site-" + std::to_string(p);
    policy.thresholds[static_cast<std::size_t>(Metric::uptime_percent)] = 99.5;
    policy.thresholds[static_cast<std::size_t>(Metric::latency_ms)] = 100;
    policy.thresholds[static_cast<std::size_t>(Metric::packet_loss_percent)] = 1;
    policy.sla_period = SlaPeriod{PeriodKind::month, "UTC"};
    policy.credits = {{99.9, 10}};
    report.policies.push_back(std::move(policy));
  }
  return report;
}

Status load_report_history(const std::string& db, Clock& clock, const ReportOrg& org) {
  using namespace std::chrono;
  auto store = Store::open(db);
  if (!store) return fail("store: " + store.error().message);
  auto history = history::History::open(db, clock);
  if (!history) return fail("history: " + history.error().message);
  const auto& policies = org.policies;
  const int policy_count = static_cast<int>(policies.size());
  const int day_count =
      static_cast<int>(duration_cast<days>(org.period_end - org.period_start).count());
  for (int d = 0; d < day_count; ++d) {
    std::vector<history::ImportedDay> imported;
    imported.reserve(policies.size() * 3);
    const WallTime day = org.period_start + days(d);
    for (int p = 0; p < policy_count; ++p) {
      const bool outage_day = (p + d) % 7 == 0;
      for (Metric metric :
           {Metric::uptime_percent, Metric::latency_ms, Metric::packet_loss_percent}) {
        history::ImportedDay series{policies[p].id, metric, {}};
        series.points.reserve(kPointsPerDay);
        for (int i = 0; i < kPointsPerDay; ++i) {
          const bool down = outage_day && i >= 100 && i < 106;
          const double wave = static_cast<double>((i * 7 + p * 13) % 50);
          const double value = metric == Metric::uptime_percent ? (down ? 0.0 : 100.0)
                               : metric == Metric::latency_ms   ? 20.0 + wave
                                                                : wave / 100.0;
          series.points.emplace_back(day + minutes(5 * i + 2), value);
        }
        imported.push_back(std::move(series));
      }
    }
    if (auto done = (*history)->import_days(imported); !done) {
      return fail("import: " + done.error().message);
    }
  }
  CycleWrite write;
  std::vector<Breach> breaches;
  for (int p = 0; p < policy_count; ++p) {
    WallTime at = org.period_start;
    for (int d = 0; d < day_count; ++d) {
      if ((p + d) % 7 != 0) continue;
      const WallTime down_from = org.period_start + days(d) + minutes(500);
      write.segments.push_back({policies[p].id, kReportOrg, at, down_from, "up"});
      write.segments.push_back({policies[p].id, kReportOrg, down_from, down_from + 30min, "down"});
      Breach breach;
      breach.id = policies[p].id + "-" + std::to_string(d);
      breach.org = kReportOrg;
      breach.policy_id = policies[p].id;
      breach.scope = Scope::site;
      breach.scope_id = policies[p].scope_id;
      breach.threshold = 99.5;
      breach.actual = 0;
      breach.severity = breach.peak_severity = Severity::critical;
      breach.status = BreachStatus::resolved;
      breach.opened_at = down_from;
      breach.last_evaluated_at = down_from + 30min;
      breach.acknowledged_at = down_from + 5min;
      breach.resolved_at = down_from + 30min;
      breaches.push_back(std::move(breach));
      at = down_from + 30min;
    }
    write.segments.push_back({policies[p].id, kReportOrg, at, org.period_end, "up"});
  }
  if (auto committed = (*store)->commit(write); !committed) {
    return fail("store commit: " + committed.error().message);
  }
  if (auto committed = (*store)->commit(breaches, {}); !committed) {
    return fail("store commit: " + committed.error().message);
  }
  return {};
}

}  // namespace slamon::bench
