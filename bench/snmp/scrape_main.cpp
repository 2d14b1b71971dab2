// slamon_bench_snmp_scrape: drives prometheus-snmp-exporter the way Prometheus does — one
// scrape of /snmp?target=HOST:PORT&module=NAME per device per round, `--concurrency` scrapes in
// flight over kept-alive connections, Prometheus' Accept and Accept-Encoding: gzip headers —
// and measures the exporter (another process, --exporter-pid) from /proc: its CPU seconds
// (utime + stime) over the measured rounds and its peak resident set (VmHWM). The varbinds
// come from the exporter's own `snmp_scrape_pdus_returned` in every answer; a scrape is failed
// when the answer is not 200 or does not carry the expected samples. This process's own CPU is
// reported separately and belongs to neither side.
//
// stderr: one line per round. stdout: `key=value` lines for the script.

#include <curl/curl.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench_support.h"

namespace slamon::bench::snmp {
namespace {

using SteadyClock = std::chrono::steady_clock;

struct Options {
  std::string exporter = "127.0.0.1:9116";
  int exporter_pid = 0;
  std::string ports;
  bool interleave = false;
  std::string host = "127.0.0.1";
  std::string module = "slamon_bench";
  std::size_t expected_samples = 21;  // the module's metric samples per device
  int rounds = 5;
  int warmup_rounds = 1;
  double interval_seconds = 0;
  std::size_t concurrency = 64;
  bool gzip = true;
  long timeout_seconds = 10;
};

struct CurlMultiDeleter {
  void operator()(CURLM* multi) const { curl_multi_cleanup(multi); }
};
struct CurlEasyDeleter {
  void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

// One scrape slot: an easy handle reused for one target after another (its connection stays
// in the multi handle's pool, as Prometheus keeps its connections to the exporter alive).
struct Slot {
  std::unique_ptr<CURL, CurlEasyDeleter> easy{curl_easy_init()};
  std::string url, body;
};

size_t append_body(char* data, size_t size, size_t count, void* slot) {
  static_cast<Slot*>(slot)->body.append(data, size * count);
  return size * count;
}

struct ScrapeCheck {
  double pdus_returned = 0, packets_sent = 0, packets_retried = 0;
  std::size_t samples = 0;  // the module's own samples (not snmp_scrape_*)
};

// Reads the exposition text: the exporter's own counts (varbinds returned, SNMP packets sent
// and retried) and the number of other samples.
ScrapeCheck read_scrape(std::string_view body) {
  ScrapeCheck check;
  while (!body.empty()) {
    const auto end = body.find('\n');
    const auto line = body.substr(0, end);
    body = end == std::string_view::npos ? std::string_view{} : body.substr(end + 1);
    if (line.empty() || line.front() == '#') continue;
    const auto value = [&] { return std::stod(std::string(line.substr(line.rfind(' ') + 1))); };
    if (line.starts_with("snmp_scrape_pdus_returned ")) {
      check.pdus_returned += value();
    } else if (line.starts_with("snmp_scrape_packets_sent ")) {
      check.packets_sent += value();
    } else if (line.starts_with("snmp_scrape_packets_retried ")) {
      check.packets_retried += value();
    } else if (!line.starts_with("snmp_scrape_")) {
      ++check.samples;
    }
  }
  return check;
}

struct RoundFigures {
  double wall_seconds = 0, exporter_cpu_seconds = 0, own_cpu_seconds = 0;
  double varbinds = 0, packets_sent = 0, packets_retried = 0;
  std::size_t samples = 0, failed = 0;
  std::string first_failure;
};

class Scraper {
 public:
  explicit Scraper(const Options& options) : options_(options), multi_(curl_multi_init()) {
    curl_multi_setopt(multi_.get(), CURLMOPT_MAX_TOTAL_CONNECTIONS,
                      static_cast<long>(options.concurrency));
    curl_multi_setopt(multi_.get(), CURLMOPT_MAXCONNECTS, static_cast<long>(options.concurrency));
    // Prometheus 2.x sends these (scrape timeout 10 s, the default).
    headers_.reset(curl_slist_append(
        nullptr,
        "Accept: application/openmetrics-text;version=1.0.0,application/"
        "openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"));
    const std::string timeout_header =
        "X-Prometheus-Scrape-Timeout-Seconds: " + std::to_string(options.timeout_seconds);
    curl_slist_append(headers_.get(), timeout_header.c_str());
    curl_slist_append(headers_.get(), "User-Agent: Prometheus/2.42.0");
    slots_.resize(options.concurrency);
  }

  RoundFigures round(const std::vector<int>& ports) {
    RoundFigures figures;
    const double own_before = self_cpu_seconds();
    const double exporter_before = process_cpu_seconds(options_.exporter_pid).value_or(0);
    const auto start = SteadyClock::now();
    std::size_t next = 0, running = 0;
    auto start_scrape = [&](Slot& slot) {
      slot.url = "http://" + options_.exporter + "/snmp?module=" + options_.module +
                 "&target=" + options_.host + ":" + std::to_string(ports[next++]);
      slot.body.clear();
      CURL* easy = slot.easy.get();
      curl_easy_setopt(easy, CURLOPT_URL, slot.url.c_str());
      curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers_.get());
      curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, options_.gzip ? "gzip" : nullptr);
      curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, append_body);
      curl_easy_setopt(easy, CURLOPT_WRITEDATA, &slot);
      curl_easy_setopt(easy, CURLOPT_PRIVATE, &slot);
      curl_easy_setopt(easy, CURLOPT_TIMEOUT, options_.timeout_seconds + 5);
      curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
      curl_multi_add_handle(multi_.get(), easy);
      ++running;
    };
    for (auto& slot : slots_) {
      if (next == ports.size()) break;
      start_scrape(slot);
    }
    while (running > 0) {
      int still_running = 0;
      curl_multi_perform(multi_.get(), &still_running);
      int queued = 0;
      while (CURLMsg* message = curl_multi_info_read(multi_.get(), &queued)) {
        if (message->msg != CURLMSG_DONE) continue;
        CURL* easy = message->easy_handle;
        Slot* slot = nullptr;
        curl_easy_getinfo(easy, CURLINFO_PRIVATE, &slot);
        long status = 0;
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
        const CURLcode code = message->data.result;
        curl_multi_remove_handle(multi_.get(), easy);
        --running;
        const auto check = read_scrape(slot->body);
        figures.varbinds += check.pdus_returned;
        figures.packets_sent += check.packets_sent;
        figures.packets_retried += check.packets_retried;
        figures.samples += check.samples;
        if (code != CURLE_OK || status != 200 || check.samples != options_.expected_samples) {
          ++figures.failed;
          if (figures.first_failure.empty()) {
            figures.first_failure =
                slot->url + ": " +
                (code != CURLE_OK ? curl_easy_strerror(code)
                                  : "HTTP " + std::to_string(status) + ", " +
                                        std::to_string(check.samples) + " samples");
          }
        }
        if (next < ports.size()) start_scrape(*slot);
      }
      if (running > 0) curl_multi_poll(multi_.get(), nullptr, 0, 100, nullptr);
    }
    figures.wall_seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
    figures.exporter_cpu_seconds =
        process_cpu_seconds(options_.exporter_pid).value_or(0) - exporter_before;
    figures.own_cpu_seconds = self_cpu_seconds() - own_before;
    return figures;
  }

 private:
  const Options& options_;
  std::unique_ptr<CURLM, CurlMultiDeleter> multi_;
  std::unique_ptr<curl_slist, SlistDeleter> headers_;
  std::vector<Slot> slots_;
};

int run(const Options& options) {
  auto ports = parse_ports(options.ports, options.interleave);
  if (!ports) {
    std::cerr << "slamon_bench_snmp_scrape: " << ports.error().message << "\n";
    return 2;
  }
  if (!process_cpu_seconds(options.exporter_pid)) {
    std::cerr << "slamon_bench_snmp_scrape: no process " << options.exporter_pid << "\n";
    return 2;
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  Scraper scraper(options);
  for (int round = 1; round <= options.warmup_rounds; ++round) {
    const auto figures = scraper.round(*ports);
    std::fprintf(stderr, "warm-up round %d: %.0f varbinds, %zu failed, wall %.3f s%s%s\n", round,
                 figures.varbinds, figures.failed, figures.wall_seconds,
                 figures.failed ? ", first: " : "", figures.first_failure.c_str());
  }
  std::vector<double> walls, exporter_cpus;
  double varbinds = 0, packets_sent = 0, packets_retried = 0, exporter_cpu = 0, own_cpu = 0;
  std::size_t samples = 0, failed = 0, late_rounds = 0;
  std::string first_failure;
  late_rounds = run_paced_rounds(options.rounds, options.interval_seconds, [&](int round) {
    const auto figures = scraper.round(*ports);
    walls.push_back(figures.wall_seconds);
    exporter_cpus.push_back(figures.exporter_cpu_seconds);
    varbinds += figures.varbinds;
    packets_sent += figures.packets_sent;
    packets_retried += figures.packets_retried;
    exporter_cpu += figures.exporter_cpu_seconds;
    own_cpu += figures.own_cpu_seconds;
    samples += figures.samples;
    failed += figures.failed;
    if (first_failure.empty()) first_failure = figures.first_failure;
    std::fprintf(stderr,
                 "round %d: %zu devices, %.0f varbinds, %zu failed, wall %.3f s, exporter CPU "
                 "%.3f s, scraper CPU %.3f s%s%s\n",
                 round, ports->size(), figures.varbinds, figures.failed, figures.wall_seconds,
                 figures.exporter_cpu_seconds, figures.own_cpu_seconds,
                 figures.failed ? ", first: " : "", figures.first_failure.c_str());
  });
  std::printf("devices=%zu\n", ports->size());
  std::printf("rounds=%d\n", options.rounds);
  std::printf("concurrency=%zu\n", options.concurrency);
  std::printf("gzip=%d\n", options.gzip ? 1 : 0);
  std::printf("varbinds=%.0f\n", varbinds);
  std::printf("samples=%zu\n", samples);
  std::printf("requests=%.0f\n", packets_sent);
  std::printf("retries=%.0f\n", packets_retried);
  std::printf("failed_scrapes=%zu\n", failed);
  std::printf("first_failure=%s\n", first_failure.empty() ? "none" : first_failure.c_str());
  std::printf("late_rounds=%zu\n", late_rounds);
  std::printf("exporter_cpu_s=%.4f\n", exporter_cpu);
  std::printf("exporter_cpu_round_median_s=%.4f\n", median(exporter_cpus));
  std::printf("scraper_cpu_s=%.4f\n", own_cpu);
  print_wall_figures(walls);
  print_memory_figures("exporter_", options.exporter_pid);
  curl_global_cleanup();
  return failed == 0 ? 0 : 3;
}

}  // namespace
}  // namespace slamon::bench::snmp

int main(int argc, char** argv) {
  slamon::bench::snmp::Options options;
  CLI::App app{"Scrapes prometheus-snmp-exporter like Prometheus and measures its CPU and memory"};
  app.add_option("--exporter", options.exporter, "the exporter's HOST:PORT");
  app.add_option("--exporter-pid", options.exporter_pid, "its process id, for /proc")->required();
  app.add_option("--ports", options.ports, "UDP ports of the devices: 23001-24000,25001-26000")
      ->required();
  app.add_flag("--interleave", options.interleave,
               "take the devices round-robin from the comma-separated port ranges");
  app.add_option("--host", options.host, "the agents' address");
  app.add_option("--module", options.module, "snmp.yml module");
  app.add_option("--expected-samples", options.expected_samples,
                 "metric samples per scrape (other than snmp_scrape_*)");
  app.add_option("--rounds", options.rounds, "measured rounds")->check(CLI::Range(1, 100000));
  app.add_option("--warmup-rounds", options.warmup_rounds)->check(CLI::Range(0, 100));
  app.add_option("--interval", options.interval_seconds,
                 "seconds between round starts (0: back to back)")
      ->check(CLI::Range(0.0, 3600.0));
  app.add_option("--concurrency", options.concurrency, "scrapes in flight")
      ->check(CLI::Range(1, 10000));
  app.add_option("--timeout", options.timeout_seconds, "scrape timeout, seconds")
      ->check(CLI::Range(1, 600));
  bool no_gzip = false;
  app.add_flag("--no-gzip", no_gzip, "do not send Accept-Encoding: gzip");
  CLI11_PARSE(app, argc, argv);
  options.gzip = !no_gzip;
  return slamon::bench::snmp::run(options);
}
