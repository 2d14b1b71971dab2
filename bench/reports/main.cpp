// slamon_bench_reports: how long a monthly PDF report for a large organization takes and how
// much memory it needs. Loads P policies × 3 metrics (uptime, latency, packet loss) with D days
// of 5-minute history (History::import_days), a status timeline per policy with an outage every
// few days and the matching breaches, then builds the report through the SLA read model and
// renders the PDF (and the CSV), timing each step in wall and CPU time and measuring the peak
// resident set growth over it. Markdown to stdout, progress to stderr; see bench/README.md.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/clock.h"
#include "config/config.h"
#include "history/history.h"
#include "report_history.h"
#include "reports/csv.h"
#include "reports/pdf.h"
#include "reports/report.h"
#include "slaview/sla_view.h"
#include "store/store.h"

namespace {

using namespace slamon;
using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

double millis_since(Steady::time_point start) {
  return std::chrono::duration<double, std::milli>(Steady::now() - start).count();
}

double process_cpu_ms() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

// A `kB` field of /proc/self/status (VmHWM: peak resident set, VmRSS: now), in KiB.
long status_kib(const std::string& field) {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  }
  return 0;
}

// Sets the peak resident set back to the current one (Linux ≥ 4.0).
void reset_peak_rss() {
  std::ofstream("/proc/self/clear_refs") << "5";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"slamon_bench_reports: a monthly PDF report at organization scale"};
  int policy_count = 1000;
  int day_count = 30;
  std::string dir = "";
  std::string keep_pdf;
  app.add_option("--policies", policy_count, "policies (each with 3 metrics)")
      ->capture_default_str();
  app.add_option("--days", day_count, "days of history, the report's period")
      ->capture_default_str();
  app.add_option("--dir", dir, "folder for the database (default: a temporary folder)");
  app.add_option("--keep-pdf", keep_pdf, "write the PDF to this file");
  CLI11_PARSE(app, argc, argv);

  namespace fs = std::filesystem;
  const bool own_dir = dir.empty();
  if (own_dir) {
    dir = (fs::temp_directory_path() / ("slamon-bench-reports-" + std::to_string(::getpid())))
              .string();
  }
  fs::create_directories(dir);
  const std::string db = (fs::path(dir) / "slamon.db").string();
  fs::remove(db);

  using namespace std::chrono;
  const bench::ReportOrg org = bench::make_report_org(policy_count, day_count);
  const WallTime start = org.period_start;
  const WallTime end = org.period_end;
  FakeClock clock(end + 1h);
  const Config& config = org.config;
  const std::vector<Policy>& policies = org.policies;

  // ---- load ---------------------------------------------------------------------------------
  const auto load_start = Steady::now();
  if (auto loaded = bench::load_report_history(db, clock, org); !loaded) {
    return std::fprintf(stderr, "%s\n", loaded.error().message.c_str()), 1;
  }
  const double load_ms = millis_since(load_start);
  std::fprintf(stderr, "loaded in %.1f s\n", load_ms / 1000);

  // ---- the report, from a freshly opened database as `slamon report` does --------------------
  reset_peak_rss();
  const long rss_before = status_kib("VmRSS");
  const auto t0 = Steady::now();
  const double cpu0 = process_cpu_ms();
  auto store = Store::open(db);
  auto history = history::History::open(db, clock);
  if (!store || !history) return std::fprintf(stderr, "cannot reopen the database\n"), 1;
  const slaview::SlaView view(config, **store, history->get());
  auto report = reports::build_report(view, config,
                                      {bench::kReportOrg, policies, {start, end}, end + 1h, ""});
  if (!report) return std::fprintf(stderr, "report: %s\n", report.error().message.c_str()), 1;
  const double model_ms = millis_since(t0);
  const double model_cpu = process_cpu_ms() - cpu0;
  const auto t1 = Steady::now();
  const double cpu1 = process_cpu_ms();
  auto pdf = reports::render_pdf(*report);
  if (!pdf) return std::fprintf(stderr, "pdf: %s\n", pdf.error().message.c_str()), 1;
  const double pdf_ms = millis_since(t1);
  const double pdf_cpu = process_cpu_ms() - cpu1;
  const double total_ms = millis_since(t0);
  const long peak = status_kib("VmHWM");
  const auto t2 = Steady::now();
  const std::string csv = reports::render_csv(*report);
  const double csv_ms = millis_since(t2);

  // Every page object says "/Type /Page"; the page tree says "/Type /Pages".
  int pages = 0;
  for (std::size_t at = pdf->find("/Type /Page"); at != std::string::npos;
       at = pdf->find("/Type /Page", at + 1)) {
    if (pdf->compare(at, 12, "/Type /Pages") != 0) ++pages;
  }
  if (!keep_pdf.empty()) std::ofstream(keep_pdf, std::ios::binary) << *pdf;
  if (own_dir) fs::remove_all(dir);

  std::printf("| figure | value |\n|---|---|\n");
  std::printf("| policies × metrics, days | %d × 3, %d |\n", policy_count, day_count);
  std::printf("| load (not part of the report) | %.1f s |\n", load_ms / 1000);
  std::printf("| report model (open + build_report) | %.2f s wall, %.2f s CPU |\n", model_ms / 1000,
              model_cpu / 1000);
  std::printf("| PDF render | %.2f s wall, %.2f s CPU |\n", pdf_ms / 1000, pdf_cpu / 1000);
  std::printf("| **total, model + PDF** | **%.2f s** |\n", total_ms / 1000);
  std::printf("| peak RSS growth over the report | %.1f MiB |\n",
              static_cast<double>(peak - rss_before) / 1024);
  std::printf("| PDF pages, bytes | %d, %zu (%.1f MiB) |\n", pages, pdf->size(),
              static_cast<double>(pdf->size()) / (1 << 20));
  std::printf("| CSV render, bytes | %.0f ms, %zu |\n", csv_ms, csv.size());
  return 0;
}
