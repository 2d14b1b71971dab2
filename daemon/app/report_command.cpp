#include "app/report_command.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "backtest/command.h"
#include "backtest/database.h"
#include "history/history.h"
#include "reports/csv.h"
#include "reports/pdf.h"
#include "reports/report.h"
#include "reports/report_jobs.h"
#include "slaview/sla_view.h"
#include "store/store.h"

namespace slamon {

namespace {

constexpr auto kMaxPeriod = std::chrono::days(366);

// The policies the report covers: those named (all of one organization), or every active
// policy of the organization.
Result<std::vector<Policy>> select_policies(const std::vector<Policy>& all,
                                            const ReportCommandOptions& options, std::string& org) {
  std::vector<Policy> chosen;
  if (!options.policy_ids.empty()) {
    for (const std::string& id : options.policy_ids) {
      auto found =
          std::find_if(all.begin(), all.end(), [&](const Policy& p) { return p.id == id; });
      if (found == all.end()) return fail("--policy: no policy " + id);
      chosen.push_back(*found);
    }
    org = options.org.empty() ? chosen.front().org : options.org;
    for (const Policy& policy : chosen) {
      if (policy.org != org) {
        return fail("--policy: " + policy.id + " belongs to another organization than " + org);
      }
    }
    return chosen;
  }
  org = options.org;
  if (org.empty()) {
    std::set<std::string> orgs;
    for (const Policy& policy : all) orgs.insert(policy.org);
    if (orgs.size() != 1) return fail("the policies belong to several organizations: give --org");
    org = *orgs.begin();
  }
  for (const Policy& policy : all) {
    if (policy.org == org && policy.status == PolicyStatus::active) chosen.push_back(policy);
  }
  if (chosen.empty()) return fail("--org: organization " + org + " has no active policy");
  return chosen;
}

}  // namespace

int run_report_command(const ReportCommandOptions& options, std::ostream& out, std::ostream& err) {
  auto usage_error = [&](const std::string& message) {
    err << "slamon report: " << message << '\n';
    return 1;
  };
  auto from = backtest::parse_time(options.from);
  if (!from) return usage_error("--from: " + from.error().message);
  auto to = backtest::parse_time(options.to);
  if (!to) return usage_error("--to: " + to.error().message);
  if (*from >= *to) return usage_error("--from must be before --to");
  if (*to - *from > kMaxPeriod) return usage_error("the period may span at most 366 days");
  if (options.format != "pdf" && options.format != "csv") {
    return usage_error("--format must be pdf or csv");
  }
  if (!options.part.empty() &&
      (options.format != "csv" || (options.part != "breaches" && options.part != "periods"))) {
    return usage_error("--part is breaches or periods, with --format=csv");
  }
  if (options.output.empty()) return usage_error("--output is required");

  const LoadResult loaded = load_config(options.config_file, options.flags);
  if (!loaded.ok()) {
    for (const auto& d : loaded.diagnostics) err << d.to_string() << '\n';
    return 1;
  }
  const Config& config = *loaded.config;
  const std::string& db_path = config.global.storage_path;
  if (db_path.empty() || !std::filesystem::is_regular_file(db_path)) {
    return usage_error("a report reads slamon's database, and there is none at " + db_path +
                       " (set --storage.path)");
  }
  auto api_policies = backtest::read_api_policies(db_path);
  if (!api_policies) {
    return usage_error("cannot read the API policies: " + api_policies.error().message);
  }
  const std::vector<Policy> all =
      backtest::merge_policies(config.policies, std::move(*api_policies));
  std::string org;
  auto policies = select_policies(all, options, org);
  if (!policies) return usage_error(policies.error().message);

  // The store and the history both migrate what they open: they read a private snapshot, so
  // the live file is never written.
  auto snapshot = backtest::DatabaseSnapshot::take(db_path);
  if (!snapshot) return usage_error(snapshot.error().message);
  auto store = Store::open((*snapshot)->path());
  if (!store) return usage_error("cannot open the database: " + store.error().message);
  RealClock clock;
  auto history = history::History::open((*snapshot)->path(), clock);
  if (!history) return usage_error("cannot open the history: " + history.error().message);

  const slaview::SlaView view(config, **store, history->get());
  reports::ReportRequest request{
      org, std::move(*policies), {*from, *to}, clock.now(), options.title};
  auto report = reports::build_report(view, config, request);
  if (!report) return usage_error(report.error().message);

  Result<std::string> bytes = fail("not rendered");
  if (options.format == "pdf") {
    bytes = reports::render_pdf(*report);
  } else if (options.part == "breaches") {
    bytes = reports::render_breaches_csv(*report);
  } else if (options.part == "periods") {
    bytes = reports::render_periods_csv(*report);
  } else {
    bytes = reports::render_csv(*report);
  }
  if (!bytes) return usage_error(bytes.error().message);
  // A report holds a tenant's breaches: owner and group only, like the daemon's (issue 16).
  if (auto written =
          reports::write_file_atomically(options.output, *bytes, std::filesystem::perms(0640));
      !written) {
    return usage_error(written.error().message);
  }
  out << "wrote " << options.output << " (" << bytes->size() << " bytes, "
      << report->policies.size() << " policies)\n";
  return 0;
}

}  // namespace slamon
