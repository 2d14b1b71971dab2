// SLA reports over a real store and history on a temp file: the report model reads every
// figure from the SLA read model (equal to /compliance and /periods for the same range), the
// PDF shows them (read back with poppler's pdftotext), the CSV parses with Python's csv module
// and carries the PDF's digits, a month with a DST change and maintenance, a policy created
// mid-period with its unknown time apart, and a 500-policy report whose tables continue across
// pages with no row cut. Pages are rendered to PNG under REPORTS_OUTPUT_DIR to look at.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "common/clock.h"
#include "config/config.h"
#include "history/history.h"
#include "reports/csv.h"
#include "reports/format.h"
#include "reports/pdf.h"
#include "reports/report.h"
#include "slaview/sla_view.h"
#include "store/store.h"
#include "support/sample_breach.h"
#include "support/sample_policy.h"
#include "support/sla_store_fixture.h"

namespace slamon::reports {
namespace {

using namespace std::chrono_literals;
using slamon::testing::sample_breach;

WallTime utc(int y, unsigned m, unsigned d, int h = 0, int min = 0) {
  using namespace std::chrono;
  return sys_days(year_month_day{year(y), month(m), day(d)}) + hours(h) + minutes(min);
}

const std::string kOrg = "org-1";
const std::string kSite = "site-1";
// October 2026 in Berlin: CEST until the 25th 03:00, then CET.
const sla::Interval kOctober{utc(2026, 9, 30, 22), utc(2026, 10, 31, 23)};
const WallTime kGenerated = utc(2026, 11, 2, 6);

std::filesystem::path output_dir() {
  std::filesystem::create_directories(REPORTS_OUTPUT_DIR);
  return REPORTS_OUTPUT_DIR;
}

// Runs a shell command (the poppler tools, python3) and answers its standard output.
std::string run(const std::string& command, int* exit_code = nullptr) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[65536];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  const int status = ::pclose(pipe);
  if (exit_code) *exit_code = WEXITSTATUS(status);
  return out;
}

void write_file(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

int count_of(const std::string& text, const std::string& needle) {
  int count = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + needle.size())) {
    ++count;
  }
  return count;
}

Policy make_policy(const std::string& id, const std::string& name) {
  return slamon::testing::site_policy(
      {.id = id,
       .org = kOrg,
       .name = name,
       .site = kSite,
       .thresholds = {{Metric::uptime_percent, 99.5}, {Metric::latency_ms, 80}},
       .sla_period = SlaPeriod{PeriodKind::month, "Europe/Berlin"}});
}

class ReportTest : public slamon::testing::SlaStoreTest {
 protected:
  ReportTest() : SlaStoreTest(kGenerated) {}

  void SetUp() override {
    SlaStoreTest::SetUp();
    if (HasFatalFailure()) return;
    Organization org;
    org.id = kOrg;
    org.name = "Northwind Zürich GmbH";
    config_.inventory.organizations.push_back(org);
    config_.inventory.index();
  }

  slaview::SlaView view() const { return slaview::SlaView(config_, *store_, history_.get()); }

  Config config_;
};

// The October month with everything in it: an outage, a warning, maintenance across the DST
// change, credits, and a second policy created on the 15th.
class OctoberReport : public ReportTest {
 protected:
  void SetUp() override {
    ReportTest::SetUp();
    if (HasFatalFailure()) return;
    main_ = make_policy("policy-main", "Zürich Nord – Straße ✓");
    main_.credits = {{99.9, 10}, {99.0, 25}};
    late_ = make_policy("policy-late", "Created mid-October");

    MaintenanceWindow window;
    window.id = "maintenance-1";
    window.org = kOrg;
    window.scope = Scope::site;
    window.scope_id = kSite;
    window.start = utc(2026, 10, 25, 0);  // 02:00 CEST, across the fall-back hour
    window.end = utc(2026, 10, 25, 3);
    window.reason = "ISP work";
    window.provisioned = true;
    config_.maintenance = {window};

    segments(main_.id, kOrg,
             {{kOctober.start, utc(2026, 10, 10, 10), "up"},
              {utc(2026, 10, 10, 10), utc(2026, 10, 10, 12), "down"},
              {utc(2026, 10, 10, 12), utc(2026, 10, 20, 8), "up"},
              {utc(2026, 10, 20, 8), utc(2026, 10, 20, 9), "degraded"},
              {utc(2026, 10, 20, 9), utc(2026, 10, 25, 0), "up"},
              {utc(2026, 10, 25, 0), utc(2026, 10, 25, 3), "maintenance"},
              {utc(2026, 10, 25, 3), kGenerated, "up"}});
    segments(late_.id, kOrg, {{utc(2026, 10, 15), kGenerated, "up"}});
    measure(main_.id, Metric::uptime_percent, kOctober.start, kGenerated, 1h, [](WallTime t) {
      return t >= utc(2026, 10, 10, 10) && t < utc(2026, 10, 10, 12) ? 0.0 : 100.0;
    });
    measure(main_.id, Metric::latency_ms, kOctober.start, kGenerated, 1h, [](WallTime t) {
      return 20.0 + static_cast<double>(
                        std::chrono::floor<std::chrono::hours>(t.time_since_epoch()).count() % 37);
    });
    measure(late_.id, Metric::uptime_percent, utc(2026, 10, 15), kGenerated, 1h,
            [](WallTime) { return 100.0; });

    Breach outage = sample_breach({.id = "b-outage",
                                   .policy_id = main_.id,
                                   .severity = Severity::critical,
                                   .status = BreachStatus::resolved,
                                   .opened_at = utc(2026, 10, 10, 10),
                                   .resolved_at = utc(2026, 10, 10, 12)});
    outage.acknowledged_at = utc(2026, 10, 10, 10, 15);
    Breach warning = sample_breach({.id = "b-warning",
                                    .policy_id = main_.id,
                                    .metric = Metric::latency_ms,
                                    .threshold = 80,
                                    .status = BreachStatus::resolved,
                                    .opened_at = utc(2026, 10, 20, 8),
                                    .resolved_at = utc(2026, 10, 20, 9)});
    ASSERT_TRUE(store_->commit({outage, warning}, {}));
  }

  ReportData build() {
    auto report =
        build_report(view(), config_, {kOrg, {main_, late_}, kOctober, kGenerated, "October 2026"});
    EXPECT_TRUE(report) << (report ? "" : report.error().message);
    return report ? *report : ReportData{};
  }

  Policy main_, late_;
};

TEST_F(OctoberReport, EveryFigureIsTheReadModels) {
  const ReportData report = build();
  ASSERT_EQ(report.policies.size(), 2u);
  EXPECT_EQ(report.org_name, "Northwind Zürich GmbH");
  EXPECT_EQ(report.timezone, "Europe/Berlin");
  const PolicyReport& main = report.policies[0];

  auto compliance = view().compliance(main_, kOctober);
  ASSERT_TRUE(compliance);
  EXPECT_EQ(main.compliance.compliant_time_ratio, compliance->compliant_time_ratio);
  EXPECT_EQ(main.compliance.statuses.down, 2h);
  EXPECT_EQ(main.compliance.statuses.degraded, 1h);
  EXPECT_EQ(main.compliance.statuses.maintenance, 3h);
  auto periods = view().periods(main_, kOctober, kGenerated);
  ASSERT_TRUE(periods);
  ASSERT_EQ(main.periods.size(), periods->items.size());
  ASSERT_EQ(main.periods.size(), 1u);  // the report's range is exactly Berlin's October
  EXPECT_EQ(main.periods[0].period, kOctober);
  EXPECT_EQ(main.periods[0].achieved_percent, periods->items[0].achieved_percent);
  EXPECT_EQ(main.overall.achieved_percent, periods->items[0].achieved_percent);
  EXPECT_EQ(main.periods[0].credit_percent, periods->items[0].credit_percent);
  ASSERT_TRUE(main.overall.budget);
  EXPECT_EQ(main.downtime(), periods->items[0].budget->used);

  EXPECT_EQ(main.breach_figures.outages, 2);
  EXPECT_EQ(main.breach_figures.critical, 1);
  EXPECT_EQ(main.breach_figures.warning, 1);
  EXPECT_EQ(main.breach_figures.longest_outage, 2h);
  EXPECT_EQ(main.breach_figures.mean_time_to_acknowledge, Duration(15min));
  EXPECT_EQ(main.breach_figures.mean_time_to_resolve, Duration(90min));
  EXPECT_EQ(main.overall.breach_time, 3h);
  ASSERT_EQ(main.maintenance.size(), 1u);
  EXPECT_EQ(main.maintenance[0].length(), 3h);
  ASSERT_EQ(main.metrics.size(), 2u);
  ASSERT_TRUE(main.metrics[1].stats);
  auto latency = view().stats(main_, Metric::latency_ms, kOctober);
  ASSERT_TRUE(latency && *latency);
  EXPECT_EQ(main.metrics[1].stats->p95, (*latency)->p95);

  // Created on the 15th: judged over the whole month, its first two weeks unknown and apart.
  const PolicyReport& late = report.policies[1];
  EXPECT_EQ(late.compliance.statuses.unknown, utc(2026, 10, 15) - kOctober.start);
  EXPECT_EQ(late.compliance.compliant_time_ratio, 1.0);
  EXPECT_EQ(late.compliance.range, kOctober);

  const auto json = to_json(report);
  EXPECT_EQ(json["policies"][0]["outages"], 2);
  EXPECT_EQ(json["policies"][1]["statuses"]["unknown"]["seconds"],
            static_cast<double>((utc(2026, 10, 15) - kOctober.start) / 1s));
  EXPECT_EQ(json["summary"]["met"].get<int>() + json["summary"]["missed"].get<int>(), 2);
}

TEST_F(OctoberReport, PdfShowsEveryFigure) {
  const ReportData report = build();
  auto pdf = render_pdf(report);
  ASSERT_TRUE(pdf) << pdf.error().message;
  ASSERT_EQ(pdf->rfind("%PDF-", 0), 0u);
  const auto path = output_dir() / "october.pdf";
  write_file(path, *pdf);
  const std::string text = run("pdftotext -layout " + path.string() + " -");
  const std::string fonts = run("pdffonts " + path.string());
  EXPECT_NE(fonts.find("DejaVuSans"), std::string::npos) << fonts;
  EXPECT_EQ(fonts.find(" no "), std::string::npos) << "every font embedded:\n" << fonts;

  const PolicyReport& main = report.policies[0];
  const auto& st = main.compliance.statuses;
  const auto& f = main.breach_figures;
  const std::vector<std::string> figures{
      "Zürich Nord – Straße ✓",
      "Northwind Zürich GmbH",
      ratio_text(main.compliance.compliant_time_ratio) + " %",
      percent_text(main.overall.achieved_percent) + " %",
      duration_text(st.up),
      duration_text(st.degraded),
      duration_text(st.down),
      duration_text(st.unknown),
      duration_text(st.maintenance),
      duration_text(main.downtime()),
      duration_text(main.overall.budget->budget),
      ratio_text(main.budget_remaining_ratio()) + " %",
      percent_text(main.overall.credit_percent.value_or(0)) + " %",
      duration_text(f.longest_outage),
      "1 / 1",
      duration_text(main.overall.breach_time),
      duration_text(f.mean_time_to_acknowledge),
      duration_text(f.mean_time_to_resolve),
      value_text(main.metrics[1].stats->min),
      value_text(main.metrics[1].stats->mean),
      value_text(main.metrics[1].stats->p50),
      value_text(main.metrics[1].stats->p95),
      value_text(main.metrics[1].stats->p99),
      value_text(main.metrics[1].stats->max),
      // The calendar period, across the DST change, in the policy's zone.
      "2026-10-01 00:00 CEST to 2026-11-01 00:00 CET",
      // The maintenance window excluded, listed.
      "2026-10-25 02:00 CEST",
      "2026-10-25 04:00 CET",  // 3 h: the repeated hour counts twice
      // Unknown time apart for the policy created mid-period.
      duration_text(report.policies[1].compliance.statuses.unknown),
      "Unknown (not counted)",
      "slamon " + report.version,
      "Unknown time (no data, slamon not running, a policy not yet created)",
  };
  for (const std::string& figure : figures) {
    EXPECT_NE(text.find(figure), std::string::npos) << "missing in the PDF: " << figure;
  }
  run("pdftoppm -png -r 70 -f 1 -l 2 " + path.string() + " " + (output_dir() / "october").string());
}

TEST_F(OctoberReport, CsvParsesAndCarriesThePdfsDigits) {
  const ReportData report = build();
  const auto csv_path = output_dir() / "october.csv";
  write_file(csv_path, render_csv(report));
  int code = 0;
  const std::string rows =
      run(std::string("python3 ") + REPORTS_CHECK_CSV + " " + csv_path.string(), &code);
  ASSERT_EQ(code, 0) << rows;
  auto pdf = render_pdf(report);
  ASSERT_TRUE(pdf);
  const auto pdf_path = output_dir() / "october-csv.pdf";
  write_file(pdf_path, *pdf);
  const std::string text = run("pdftotext -layout " + pdf_path.string() + " -");
  std::istringstream lines(rows);
  std::string line;
  int count = 0;
  while (std::getline(lines, line)) {
    ++count;
    std::vector<std::string> fields;
    std::istringstream cells(line);
    for (std::string cell; std::getline(cells, cell, '\t');) fields.push_back(cell);
    ASSERT_GE(fields.size(), 5u) << line;
    const auto policy = std::find_if(report.policies.begin(), report.policies.end(),
                                     [&](const PolicyReport& p) { return p.id == fields[0]; });
    ASSERT_NE(policy, report.policies.end());
    EXPECT_EQ(fields[1], policy->name);  // UTF-8 and the quoting survive
    EXPECT_EQ(fields[3], ratio_text(policy->compliance.compliant_time_ratio));
    EXPECT_NE(text.find(fields[3] + " %"), std::string::npos) << fields[3];
    EXPECT_NE(text.find(fields[4] + " %"), std::string::npos) << fields[4];
    if (fields.size() > 5 && !fields[5].empty()) {
      EXPECT_NE(text.find(fields[5]), std::string::npos) << fields[5];
    }
  }
  EXPECT_EQ(count, 4);  // two policies × two metrics

  const std::string breaches = render_breaches_csv(report);
  EXPECT_EQ(count_of(breaches, "\r\n"), 3);  // header and two breaches
  EXPECT_NE(breaches.find("b-outage,uptime_percent,critical,resolved"), std::string::npos)
      << breaches;
  EXPECT_NE(breaches.find("policy-main,Zürich Nord – Straße ✓,b-outage"), std::string::npos)
      << breaches;
}

TEST(ReportCsv, QuotesWhatRfc4180Requires) {
  ReportData report;
  PolicyReport policy;
  policy.id = "p";
  policy.name = "a \"quoted\", multi\nline";
  report.policies.push_back(policy);
  const std::string csv = render_csv(report);
  EXPECT_NE(csv.find("p,\"a \"\"quoted\"\", multi\nline\","), std::string::npos) << csv;
}

TEST_F(OctoberReport, ChartsRenderAsPng) {
  const ReportData report = build();
  for (ChartKind kind : {ChartKind::daily_compliance, ChartKind::percentiles}) {
    auto png = render_chart_png(report.policies[0], kind);
    ASSERT_TRUE(png) << png.error().message;
    ASSERT_GT(png->size(), 1000u);
    EXPECT_EQ(png->substr(1, 3), "PNG");
    write_file(output_dir() / (kind == ChartKind::daily_compliance ? "chart-daily.png"
                                                                   : "chart-percentiles.png"),
               *png);
  }
}

TEST_F(ReportTest, FiveHundredPoliciesContinueAcrossPagesWithNoRowCut) {
  constexpr int kPolicies = 500;
  const sla::Interval month{utc(2026, 9, 30, 22), utc(2026, 10, 31, 23)};
  std::vector<Policy> policies;
  CycleWrite write;
  std::vector<Breach> breaches;
  for (int i = 0; i < kPolicies; ++i) {
    char id[32], name[64];
    std::snprintf(id, sizeof id, "policy-%04d", i);
    std::snprintf(name, sizeof name, "Standort %04d Zürich", i);
    policies.push_back(make_policy(id, name));
    const WallTime down_from = month.start + std::chrono::hours(24 + i % 600);
    write.segments.push_back({id, kOrg, month.start, down_from, "up"});
    write.segments.push_back(
        {id, kOrg, down_from, down_from + std::chrono::minutes(i % 90 + 1), "down"});
    write.segments.push_back(
        {id, kOrg, down_from + std::chrono::minutes(i % 90 + 1), month.end, "up"});
    breaches.push_back(
        sample_breach({.id = std::string("b-") + id,
                       .policy_id = id,
                       .severity = Severity::critical,
                       .status = BreachStatus::resolved,
                       .opened_at = down_from,
                       .resolved_at = down_from + std::chrono::minutes(i % 90 + 1)}));
  }
  ASSERT_TRUE(store_->commit(write));
  ASSERT_TRUE(store_->commit(breaches, {}));

  auto report = build_report(view(), config_, {kOrg, policies, month, kGenerated, ""});
  ASSERT_TRUE(report) << report.error().message;
  auto pdf = render_pdf(*report);
  ASSERT_TRUE(pdf) << pdf.error().message;
  const auto path = output_dir() / "five-hundred.pdf";
  write_file(path, *pdf);

  const std::string info = run("pdfinfo " + path.string());
  const auto pages_at = info.find("Pages:");
  ASSERT_NE(pages_at, std::string::npos) << info;
  const int pages = std::stoi(info.substr(pages_at + 6));
  EXPECT_GT(pages, 100);
  EXPECT_LT(pages, 2 * kPolicies);
  EXPECT_NE(info.find("595.28 x 841.89 pts (A4)"), std::string::npos) << info;

  const std::string text = run("pdftotext -layout " + path.string() + " -");
  // pdftotext ends every page with a form feed.
  EXPECT_EQ(count_of(text, "\f"), pages);
  std::vector<std::string> lines;
  {
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
  }
  for (const PolicyReport& policy : report->policies) {
    // The summary row: name, id and the figures on one line, exactly once; the section
    // heading's line is the other place the id appears.
    int rows = 0;
    for (const std::string& line : lines) {
      if (line.find(policy.id) == std::string::npos ||
          line.find("scope site") != std::string::npos) {
        continue;
      }
      ++rows;
      EXPECT_NE(line.find(policy.name), std::string::npos) << line;
      EXPECT_NE(line.find(ratio_text(policy.compliance.compliant_time_ratio)), std::string::npos)
          << line;
    }
    EXPECT_EQ(rows, 1) << policy.id;
    EXPECT_EQ(count_of(text, policy.id), 2) << policy.id;
  }
  // The summary table spans pages, and every page of it repeats the header.
  const int summary_pages =
      static_cast<int>(std::count_if(lines.begin(), lines.end(), [](const std::string& l) {
        // A page's first line starts after the form feed.
        const std::size_t at = l.find("Policy ");
        return (at == 0 || (at == 1 && l[0] == '\f')) &&
               l.find("Compliance %") != std::string::npos &&
               l.find("Breaches") != std::string::npos && l.find("State") != std::string::npos;
      }));
  EXPECT_GT(summary_pages, 5);

  run("pdftoppm -png -r 70 -f 1 -l 1 " + path.string() + " " +
      (output_dir() / "five-hundred-summary").string());
  run("pdftoppm -png -r 70 -f " + std::to_string(pages - 1) + " -l " + std::to_string(pages - 1) +
      " " + path.string() + " " + (output_dir() / "five-hundred-section").string());
}

}  // namespace
}  // namespace slamon::reports
