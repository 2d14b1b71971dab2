#include "metrics/exposition.h"

#include <array>
#include <vector>

#include "metrics/text_format.h"
#include "model/model.h"
#include "sla/accounting.h"

namespace slamon::metrics {

namespace {

using prometheus::MetricType;

// Label names slamon_policy_info sets itself; a policy label with one of these names (the
// config loader refuses them) would make the series invalid, so it is left out.
constexpr std::array<std::string_view, 6> kPolicyInfoLabels{"org",   "policy_id", "policy",
                                                            "scope", "scope_id",  "status"};

bool is_reserved_policy_label(std::string_view name) {
  for (std::string_view reserved : kPolicyInfoLabels) {
    if (name == reserved) return true;
  }
  return false;
}

// Counter names carry their `_total` themselves: the serializer appends no suffix.
void write_policy_families(const Snapshot& snapshot, std::string& out) {
  FamilyWriter info(out, "slamon_policy_info",
                    "Information about an SLA policy; the value is always 1.", MetricType::Gauge);
  std::vector<LabelRef> labels;
  for (const PolicyInfo& policy : snapshot.policies) {
    labels.clear();
    labels.push_back({"org", policy.org});
    labels.push_back({"policy_id", policy.id});
    labels.push_back({"policy", policy.name});
    labels.push_back({"scope", to_string(policy.scope)});
    labels.push_back({"scope_id", policy.scope_id});
    labels.push_back({"status", to_string(policy.status)});
    for (const auto& [name, value] : policy.labels) {
      if (is_valid_label_name(name) && !is_reserved_policy_label(name)) {
        labels.push_back({name, value});
      }
    }
    info.add(labels, 1);
  }
  info.finish();

  FamilyWriter compliant(
      out, "slamon_policy_compliant",
      "Whether a policy evaluated in the last cycle is in compliance (1) or in breach (0).",
      MetricType::Gauge);
  for (const PolicyInfo& policy : snapshot.policies) {
    if (!policy.evaluated) continue;
    compliant.add({{"org", policy.org}, {"policy_id", policy.id}}, policy.compliant ? 1 : 0);
  }
  compliant.finish();
}

void write_verdict_families(const Snapshot& snapshot, std::string& out) {
  FamilyWriter value(
      out, "slamon_policy_metric_value",
      "Latest measured value of a policy metric, in the metric's unit; absent without data.",
      MetricType::Gauge);
  for (const Verdict& v : snapshot.verdicts) {
    if (!v.actual) continue;
    value.add({{"org", v.org}, {"policy_id", v.policy_id}, {"metric", to_string(v.metric)}},
              *v.actual);
  }
  value.finish();

  FamilyWriter threshold(
      out, "slamon_policy_threshold",
      "Threshold of a policy metric; bound=\"min\" is violated below it, bound=\"max\" above it.",
      MetricType::Gauge);
  for (const Verdict& v : snapshot.verdicts) {
    threshold.add({{"org", v.org},
                   {"policy_id", v.policy_id},
                   {"metric", to_string(v.metric)},
                   {"bound", to_string(v.bound)}},
                  v.threshold);
  }
  threshold.finish();

  // Without data there is no deviation to report either: exporting 0 would claim a
  // compliance the measurement cannot support.
  FamilyWriter deviation(
      out, "slamon_policy_deviation_ratio",
      "How far the measured value is beyond the threshold, relative to it (0.1 = 10%); 0 when "
      "compliant, +Inf when a threshold of 0 is violated, absent without data.",
      MetricType::Gauge);
  for (const Verdict& v : snapshot.verdicts) {
    if (!v.actual) continue;
    deviation.add({{"org", v.org}, {"policy_id", v.policy_id}, {"metric", to_string(v.metric)}},
                  v.deviation_percent.value_or(0) / 100);
  }
  deviation.finish();

  FamilyWriter up(out, "slamon_policy_metric_up",
                  "Whether the last measurement of a policy metric returned data (1) or not (0).",
                  MetricType::Gauge);
  for (const Verdict& v : snapshot.verdicts) {
    up.add({{"org", v.org}, {"policy_id", v.policy_id}, {"metric", to_string(v.metric)}},
           v.actual ? 1 : 0);
  }
  up.finish();
}

void write_breach_family(const Snapshot& snapshot, std::string& out) {
  FamilyWriter active(
      out, "slamon_breach_active",
      "Open breaches, active or acknowledged; 1 per breach, labelled with its current severity.",
      MetricType::Gauge);
  for (const Breach& breach : snapshot.open_breaches) {
    if (!breach.open()) continue;
    active.add({{"org", breach.org},
                {"policy_id", breach.policy_id},
                {"metric", to_string(breach.metric)},
                {"severity", to_string(breach.severity)},
                {"status", to_string(breach.status)}},
               1);
  }
  active.finish();
}

// SPEC §7.1, §7.5. A figure that cannot be computed (nothing evaluated in the window, no uptime
// threshold, no measured uptime in a burn window) is absent rather than 0 or 1.
void write_sla_families(const Snapshot& snapshot, std::string& out) {
  FamilyWriter compliance(
      out, "slamon_policy_compliance_ratio",
      "Share of evaluated time a policy was up over a rolling window: up / (up + degraded + "
      "down); unknown and maintenance time are not counted.",
      MetricType::Gauge);
  for (const PolicySla& p : snapshot.sla) {
    for (std::size_t w = 0; w < sla::kComplianceWindows.size(); ++w) {
      if (!p.compliance[w]) continue;
      compliance.add({{"org", p.org},
                      {"policy_id", p.policy_id},
                      {"window", std::string(sla::to_string(sla::kComplianceWindows[w]))}},
                     *p.compliance[w]);
    }
  }
  compliance.finish();

  FamilyWriter budget(out, "slamon_error_budget_remaining_ratio",
                      "Share of the current SLA period's error budget (uptime) not yet used; "
                      "negative once the budget is exhausted.",
                      MetricType::Gauge);
  for (const PolicySla& p : snapshot.sla) {
    if (p.budget_remaining) {
      budget.add({{"org", p.org}, {"policy_id", p.policy_id}}, *p.budget_remaining);
    }
  }
  budget.finish();

  FamilyWriter burn(out, "slamon_burn_rate",
                    "How fast the uptime error budget burns over a window: observed error ratio "
                    "/ (1 - target); 1 uses exactly the budget over the SLA period.",
                    MetricType::Gauge);
  const auto windows = sla::burn_windows();
  for (const PolicySla& p : snapshot.sla) {
    for (std::size_t w = 0; w < windows.size() && w < p.burn_rates.size(); ++w) {
      if (!p.burn_rates[w]) continue;
      burn.add(
          {{"org", p.org}, {"policy_id", p.policy_id}, {"window", std::string(windows[w].label)}},
          *p.burn_rates[w]);
    }
  }
  burn.finish();
}

void write_engine_families(const ExpositionInput& input, std::string& out) {
  const EngineCounters& counters = input.counters;
  FamilyWriter opened(out, "slamon_breaches_opened_total",
                      "Breaches opened since the daemon started.", MetricType::Counter);
  for (const auto& [key, count] : counters.breaches_opened_total) {
    opened.add({{"org", key.first}, {"severity", to_string(key.second)}},
               static_cast<double>(count));
  }
  opened.finish();

  FamilyWriter duration(out, "slamon_evaluation_duration_seconds",
                        "Duration of the last evaluation cycle.", MetricType::Gauge);
  if (input.snapshot) duration.add({}, input.snapshot->duration_seconds);
  duration.finish();

  FamilyWriter last_success(out, "slamon_evaluation_last_success_timestamp_seconds",
                            "Unix time of the last successful evaluation cycle.",
                            MetricType::Gauge);
  if (counters.last_success) last_success.add({}, to_unix_seconds(*counters.last_success));
  last_success.finish();

  FamilyWriter evaluations(out, "slamon_evaluations_total",
                           "Evaluation cycles run since the daemon started.", MetricType::Counter);
  evaluations.add({}, static_cast<double>(counters.evaluations_total));
  evaluations.finish();

  FamilyWriter failures(out, "slamon_evaluation_failures_total",
                        "Evaluation cycles that failed since the daemon started.",
                        MetricType::Counter);
  failures.add({}, static_cast<double>(counters.evaluation_failures_total));
  failures.finish();

  FamilyWriter skipped(out, "slamon_evaluations_skipped_total",
                       "Evaluation cycles skipped because the previous one was still running.",
                       MetricType::Counter);
  skipped.add({}, static_cast<double>(counters.evaluations_skipped_total));
  skipped.finish();

  FamilyWriter append_failures(
      out, "slamon_history_append_failures_total",
      "Evaluation cycles whose measured values could not be added to the history.",
      MetricType::Counter);
  append_failures.add({}, static_cast<double>(counters.history_append_failures_total));
  append_failures.finish();

  FamilyWriter maintenance_failures(
      out, "slamon_maintenance_read_failures_total",
      "Reads of the stored maintenance windows that failed, so that only the configuration's "
      "windows applied.",
      MetricType::Counter);
  maintenance_failures.add({}, static_cast<double>(counters.maintenance_read_failures_total));
  maintenance_failures.finish();
}

// Always exported, from 0, so rate() and increase() see the first failure.
void write_degraded_families(const DegradedCounts& degraded, std::string& out) {
  FamilyWriter housekeeping(out, "slamon_housekeeping_failures_total",
                            "Housekeeping after an evaluation cycle that failed, by task "
                            "(retention, rollup, checkpoint).",
                            MetricType::Counter);
  housekeeping.add({{"task", "retention"}}, static_cast<double>(degraded.retention_failures));
  housekeeping.add({{"task", "rollup"}}, static_cast<double>(degraded.rollup_failures));
  housekeeping.add({{"task", "checkpoint"}}, static_cast<double>(degraded.checkpoint_failures));
  housekeeping.finish();

  const std::pair<const char*, const char*> families[] = {
      {"slamon_alertmanager_refresh_skipped_total",
       "Alertmanager refreshes skipped because the previous one was still running."},
      {"slamon_alertmanager_refresh_failures_total",
       "Alertmanager refreshes of open breaches' alerts that failed, per notifier and refresh."},
      {"slamon_outbox_read_failures_total",
       "Scrapes of /metrics without the outbox families because the outbox could not be read."},
      {"slamon_history_corrupt_chunks_total",
       "Reads of the measurement history that met a corrupt chunk, and corrupt chunks skipped "
       "when it was opened."},
  };
  const std::uint64_t values[] = {degraded.alertmanager_refresh_skipped,
                                  degraded.alertmanager_refresh_failures,
                                  degraded.outbox_read_failures, degraded.history_corrupt_chunks};
  for (std::size_t i = 0; i < std::size(families); ++i) {
    FamilyWriter writer(out, families[i].first, families[i].second, MetricType::Counter);
    writer.add({}, static_cast<double>(values[i]));
    writer.finish();
  }
}

// Both always exported (from 0 for each format and result), so rate() sees the first report.
void write_report_families(const ReportStatus& status, std::string& out) {
  FamilyWriter renders(out, "slamon_reports_total",
                       "Reports rendered by the report worker, by format and result "
                       "(success, failure).",
                       MetricType::Counter);
  for (const char* format : {"pdf", "csv"}) {
    for (const char* result : {"success", "failure"}) {
      std::uint64_t count = 0;
      for (const ReportRenderCount& render : status.renders) {
        if (render.format == format && render.result == result) count += render.count;
      }
      renders.add({{"format", format}, {"result", result}}, static_cast<double>(count));
    }
  }
  renders.finish();
  // A summary without quantiles: FamilyWriter writes one sample per series, so its two are
  // written here.
  out +=
      "# HELP slamon_report_duration_seconds Wall time of rendering a report.\n"
      "# TYPE slamon_report_duration_seconds summary\n"
      "slamon_report_duration_seconds_sum ";
  out += format_value(status.duration_seconds_sum);
  out += "\nslamon_report_duration_seconds_count ";
  out += format_value(static_cast<double>(status.durations));
  out += '\n';
  if (status.schedules.empty()) return;
  // A schedule that never ran has no last-run sample (absent() tells it apart from 1970).
  FamilyWriter last_run(out, "slamon_report_schedule_last_run_timestamp_seconds",
                        "When each report schedule last ran (recorded its run and queued its "
                        "report), in unix seconds.",
                        MetricType::Gauge);
  for (const ReportScheduleMetrics& schedule : status.schedules) {
    if (schedule.last_run_seconds) {
      last_run.add({{"schedule", schedule.schedule}}, *schedule.last_run_seconds);
    }
  }
  last_run.finish();
  FamilyWriter failures(out, "slamon_report_schedule_failures_total",
                        "Report schedule runs that failed since start: the run could not be "
                        "recorded or its report did not render.",
                        MetricType::Counter);
  for (const ReportScheduleMetrics& schedule : status.schedules) {
    failures.add({{"schedule", schedule.schedule}}, static_cast<double>(schedule.failures));
  }
  failures.finish();
}

void write_source_families(const Snapshot& snapshot, std::string& out) {
  FamilyWriter up(out, "slamon_source_up",
                  "Whether the last contact with a measurement source worked.", MetricType::Gauge);
  for (const SourceStatus& source : snapshot.sources) {
    up.add({{"source", source.name}}, source.up ? 1 : 0);
  }
  up.finish();

  FamilyWriter duration(out, "slamon_source_request_duration_seconds",
                        "Total time spent waiting on a measurement source during the last cycle.",
                        MetricType::Gauge);
  for (const SourceStatus& source : snapshot.sources) {
    duration.add({{"source", source.name}}, source.request_seconds);
  }
  duration.finish();
}

void write_outbox_families(const OutboxStatus& outbox, std::string& out) {
  FamilyWriter sent(out, "slamon_notifications_total",
                    "Delivery attempts per notifier since the daemon started, by result "
                    "(delivered, retried: failed and to be retried, dead: given up).",
                    MetricType::Counter);
  for (const NotifierDeliveryCounts& counts : outbox.notifiers) {
    sent.add({{"notifier", counts.notifier}, {"result", "delivered"}},
             static_cast<double>(counts.delivered));
    sent.add({{"notifier", counts.notifier}, {"result", "retried"}},
             static_cast<double>(counts.retried));
    sent.add({{"notifier", counts.notifier}, {"result", "dead"}}, static_cast<double>(counts.dead));
  }
  sent.finish();

  // One series per notifier, 0 when not paused, so `> time()` alerts work without absent().
  FamilyWriter paused(out, "slamon_notifier_paused_until_timestamp_seconds",
                      "Until when a receiver's Retry-After pauses the notifier's deliveries "
                      "(Unix time); 0 when not paused.",
                      MetricType::Gauge);
  for (const NotifierDeliveryCounts& counts : outbox.notifiers) {
    paused.add({{"notifier", counts.notifier}}, counts.paused_until_timestamp_seconds);
  }
  paused.finish();

  FamilyWriter pending(out, "slamon_outbox_pending",
                       "Notifications not yet delivered nor given up, and events not yet routed.",
                       MetricType::Gauge);
  pending.add({}, static_cast<double>(outbox.pending));
  pending.finish();

  FamilyWriter oldest(out, "slamon_outbox_oldest_pending_age_seconds",
                      "Age of the oldest event with a notification still pending; 0 when none.",
                      MetricType::Gauge);
  oldest.add({}, outbox.oldest_pending_age_seconds);
  oldest.finish();
}

void write_snmp_families(const snmp::SnmpStatus& status, std::string& out) {
  auto device_labels = [](const snmp::DeviceState& d) {
    return std::array<LabelRef, 3>{
        {{"source", d.source}, {"device", d.device_name}, {"device_id", d.device_id}}};
  };
  FamilyWriter up(out, "slamon_snmp_target_up", "Whether the device answered its latest SNMP poll.",
                  MetricType::Gauge);
  for (const auto& device : status.devices) {
    if (device.polled) up.add(device_labels(device), device.up ? 1 : 0);
  }
  up.finish();

  FamilyWriter response(out, "slamon_snmp_response_seconds",
                        "SNMP round-trip time of the device's latest answered poll.",
                        MetricType::Gauge);
  for (const auto& device : status.devices) {
    if (device.up) response.add(device_labels(device), device.response_seconds);
  }
  response.finish();

  FamilyWriter failing(out, "slamon_snmp_target_failure",
                       "1 while the device's latest poll failed, labelled with the reason "
                       "(timeout, authentication, agent_error, ...).",
                       MetricType::Gauge);
  for (const auto& device : status.devices) {
    if (device.failure.empty()) continue;
    const auto base = device_labels(device);
    const std::array<LabelRef, 4> labels{{base[0], base[1], base[2], {"reason", device.failure}}};
    failing.add(labels, 1);
  }
  failing.finish();

  FamilyWriter oper(out, "slamon_snmp_interface_oper_up",
                    "Whether a monitored interface's ifOperStatus was up(1) at the latest poll.",
                    MetricType::Gauge);
  for (const auto& device : status.devices) {
    const auto base = device_labels(device);
    for (const auto& interface : device.interfaces) {
      if (!interface.oper_up) continue;
      const std::string ifindex = std::to_string(interface.ifindex);
      const std::array<LabelRef, 4> labels{{base[0], base[1], base[2], {"ifindex", ifindex}}};
      oper.add(labels, *interface.oper_up ? 1 : 0);
    }
  }
  oper.finish();

  FamilyWriter errors(out, "slamon_snmp_interface_errors_total",
                      "The device's ifInErrors / ifOutErrors counter at the latest poll.",
                      MetricType::Counter);
  for (const auto& device : status.devices) {
    const auto base = device_labels(device);
    for (const auto& interface : device.interfaces) {
      const std::string ifindex = std::to_string(interface.ifindex);
      if (interface.in_errors) {
        const std::array<LabelRef, 5> labels{
            {base[0], base[1], base[2], {"ifindex", ifindex}, {"direction", "in"}}};
        errors.add(labels, static_cast<double>(*interface.in_errors));
      }
      if (interface.out_errors) {
        const std::array<LabelRef, 5> labels{
            {base[0], base[1], base[2], {"ifindex", ifindex}, {"direction", "out"}}};
        errors.add(labels, static_cast<double>(*interface.out_errors));
      }
    }
  }
  errors.finish();

  struct SourceFamily {
    const char* name;
    const char* help;
    MetricType type;
    double (*value)(const snmp::SourcePollState&);
  };
  const SourceFamily families[] = {
      {"slamon_snmp_targets", "Devices polled through the SNMP source.", MetricType::Gauge,
       [](const snmp::SourcePollState& s) { return static_cast<double>(s.targets); }},
      {"slamon_snmp_polls_total", "Poll rounds of the SNMP source since the daemon started.",
       MetricType::Counter,
       [](const snmp::SourcePollState& s) { return static_cast<double>(s.rounds); }},
      {"slamon_snmp_polls_missed_total",
       "Poll rounds that could not start on time because the previous round overran the "
       "source's interval.",
       MetricType::Counter,
       [](const snmp::SourcePollState& s) { return static_cast<double>(s.missed_rounds); }},
      {"slamon_snmp_poll_duration_seconds", "Wall time of the SNMP source's latest poll round.",
       MetricType::Gauge, [](const snmp::SourcePollState& s) { return s.last_round_seconds; }},
      {"slamon_snmp_requests_total", "SNMP request PDUs sent, retries included.",
       MetricType::Counter,
       [](const snmp::SourcePollState& s) { return static_cast<double>(s.counters.requests); }},
      {"slamon_snmp_retries_total", "SNMP requests re-sent after a timeout.", MetricType::Counter,
       [](const snmp::SourcePollState& s) { return static_cast<double>(s.counters.retries); }},
      {"slamon_snmp_timeouts_total", "Device polls that got no answer after every retry.",
       MetricType::Counter,
       [](const snmp::SourcePollState& s) { return static_cast<double>(s.counters.timeouts); }},
      {"slamon_snmp_poll_failures_total", "Device polls that failed, for any reason.",
       MetricType::Counter,
       [](const snmp::SourcePollState& s) { return static_cast<double>(s.counters.failures); }},
      {"slamon_snmp_varbinds_total", "Variable bindings received from devices.",
       MetricType::Counter,
       [](const snmp::SourcePollState& s) { return static_cast<double>(s.counters.varbinds); }},
  };
  for (const SourceFamily& family : families) {
    FamilyWriter writer(out, family.name, family.help, family.type);
    for (const auto& source : status.sources)
      writer.add({{"source", source.source}}, family.value(source));
    writer.finish();
  }
  FamilyWriter last(out, "slamon_snmp_last_poll_timestamp_seconds",
                    "Unix time the SNMP source's latest poll round started.", MetricType::Gauge);
  for (const auto& source : status.sources) {
    if (source.last_round_at)
      last.add({{"source", source.source}}, to_unix_seconds(*source.last_round_at));
  }
  last.finish();
}

void write_process_families(const ExpositionInput& input, std::string& out) {
  FamilyWriter reload_ok(out, "slamon_config_last_reload_successful",
                         "Whether the last configuration reload succeeded (1) or was rejected (0).",
                         MetricType::Gauge);
  reload_ok.add({}, input.reload.last_successful ? 1 : 0);
  reload_ok.finish();

  FamilyWriter reload_time(out, "slamon_config_last_reload_success_timestamp_seconds",
                           "Unix time of the last successful configuration reload.",
                           MetricType::Gauge);
  if (input.reload.last_success) reload_time.add({}, to_unix_seconds(*input.reload.last_success));
  reload_time.finish();

  FamilyWriter build(out, "slamon_build_info",
                     "Version and git revision slamon was built from; the value is always 1.",
                     MetricType::Gauge);
  build.add({{"version", input.version}, {"revision", input.revision}}, 1);
  build.finish();
}

// A generous guess of the text size (a verdict yields four lines of ~120 bytes), so the
// output buffer is allocated about once.
std::size_t estimated_size(const ExpositionInput& input) {
  std::size_t size = 8192;
  if (input.snapshot) {
    size += input.snapshot->policies.size() * 400 + input.snapshot->verdicts.size() * 500 +
            input.snapshot->open_breaches.size() * 200 + input.snapshot->sources.size() * 200 +
            input.snapshot->sla.size() * 1200;
  }
  return size;
}

}  // namespace

std::string render_metrics(const ExpositionInput& input) {
  std::string out;
  out.reserve(estimated_size(input));
  if (input.snapshot) {
    write_policy_families(*input.snapshot, out);
    write_verdict_families(*input.snapshot, out);
    write_breach_family(*input.snapshot, out);
    write_sla_families(*input.snapshot, out);
  }
  write_engine_families(input, out);
  if (input.snapshot) write_source_families(*input.snapshot, out);
  if (input.outbox) write_outbox_families(*input.outbox, out);
  if (input.snmp) write_snmp_families(*input.snmp, out);
  write_degraded_families(input.degraded, out);
  if (input.reports) write_report_families(*input.reports, out);
  write_process_families(input, out);
  return out;
}

}  // namespace slamon::metrics
