// slamon_bench_delivery: throughput and CPU cost of the notification delivery worker
// (exporters/delivery). Commits events through Store::commit as the engine does, then lets a
// started DeliveryService (real clock, real threads) route and deliver them to an in-process
// HTTP receiver on loopback through a webhook-like notifier that POSTs each event with
// slamon::http_send. Runs twice: a receiver that accepts everything, and one that answers 503
// to every other first attempt (the retries succeed). Prints a markdown table.

#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "common/clock.h"
#include "common/log.h"
#include "delivery/delivery_service.h"
#include "httpclient/http_client.h"
#include "model/model.h"
#include "notify/notifier.h"
#include "store/store.h"

namespace slamon::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;

double seconds_since(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

double process_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto to_seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return to_seconds(usage.ru_utime) + to_seconds(usage.ru_stime);
}

double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

// A minimal HTTP/1.1 receiver on 127.0.0.1 (a free port): one connection at a time, one
// request per connection, answers 200 or (when failing) 503 to every other request that is the
// first for its webhook-id. Counts what it saw and the CPU its thread used.
class Receiver {
 public:
  explicit Receiver(bool fail_half_of_first_attempts) : fail_half_(fail_half_of_first_attempts) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener_ < 0) throw std::runtime_error("socket failed");
    const int one = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listener_, 128) != 0) {
      ::close(listener_);
      throw std::runtime_error("cannot listen on 127.0.0.1");
    }
    socklen_t length = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }

  ~Receiver() {
    finish();
    ::close(listener_);
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }

  struct Counts {
    long requests = 0;
    long refused = 0;
    std::size_t distinct_accepted = 0;
    long duplicates_accepted = 0;
  };
  Counts counts() const {
    std::lock_guard lock(mutex_);
    return counts_;
  }
  // Stops serving; returns the CPU time the receiver's thread used.
  double finish() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    return cpu_seconds_;
  }

 private:
  void serve() {
    while (!stop_) {
      pollfd waiting{listener_, POLLIN, 0};
      if (::poll(&waiting, 1, 50) <= 0) continue;
      const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) continue;
      handle(client);
      ::close(client);
    }
    cpu_seconds_ = thread_cpu_seconds();
  }

  void handle(int client) {
    std::string request;
    char buffer[16384];
    std::size_t header_end = std::string::npos;
    while (header_end == std::string::npos) {
      const ssize_t n = ::recv(client, buffer, sizeof buffer, 0);
      if (n <= 0) return;
      request.append(buffer, static_cast<std::size_t>(n));
      header_end = request.find("\r\n\r\n");
    }
    std::string headers = request.substr(0, header_end);
    for (char& c : headers) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const std::size_t body_length = header_number(headers, "content-length");
    while (request.size() < header_end + 4 + body_length) {
      const ssize_t n = ::recv(client, buffer, sizeof buffer, 0);
      if (n <= 0) return;
      request.append(buffer, static_cast<std::size_t>(n));
    }
    const std::string id = header_text(headers, "webhook-id");
    bool accept = true;
    {
      std::lock_guard lock(mutex_);
      ++counts_.requests;
      if (fail_half_ && seen_.insert(id).second) accept = (first_attempts_++ % 2) == 1;
      if (accept) {
        if (accepted_.insert(id).second) {
          ++counts_.distinct_accepted;
        } else {
          ++counts_.duplicates_accepted;
        }
      } else {
        ++counts_.refused;
      }
    }
    const std::string response =
        accept ? "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
               : "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: "
                 "close\r\n\r\n";
    ::send(client, response.data(), response.size(), MSG_NOSIGNAL);
  }

  static std::string header_text(const std::string& headers, const std::string& name) {
    const std::string key = "\r\n" + name + ":";
    const std::size_t at = headers.find(key);
    if (at == std::string::npos) return "";
    std::size_t start = at + key.size();
    while (start < headers.size() && headers[start] == ' ') ++start;
    const std::size_t end = headers.find("\r\n", start);
    return headers.substr(start, end == std::string::npos ? std::string::npos : end - start);
  }
  static std::size_t header_number(const std::string& headers, const std::string& name) {
    const std::string text = header_text(headers, name);
    return text.empty() ? 0 : static_cast<std::size_t>(std::stoul(text));
  }

  const bool fail_half_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  double cpu_seconds_ = 0;
  mutable std::mutex mutex_;
  Counts counts_;
  long first_attempts_ = 0;
  std::unordered_set<std::string> seen_;
  std::unordered_set<std::string> accepted_;
};

// Webhook-like: POSTs the stored event JSON with its id as webhook-id; 2xx is delivered,
// 408/425/429/5xx and transport failures are retried, other answers are refused.
class PostingNotifier final : public notify::Notifier {
 public:
  PostingNotifier(std::string name, std::string url)
      : name_(std::move(name)), url_(std::move(url)) {}
  const std::string& name() const override { return name_; }

  notify::DeliveryResult send(const notify::Notification& notification, WallTime) override {
    HttpRequest request;
    request.method = HttpMethod::post;
    request.url = url_;
    request.headers = {{"Content-Type", "application/json"}, {"webhook-id", notification.event_id}};
    request.body = notification.payload;
    request.timeout = std::chrono::seconds(10);
    request.context = "notifier \"" + name_ + "\"";
    auto response = http_send(request);
    if (!response) return {notify::DeliveryOutcome::retry, std::nullopt, "transport error"};
    const long status = response->status;
    if (response->ok()) return {notify::DeliveryOutcome::delivered, std::nullopt, ""};
    const std::string detail = "HTTP " + std::to_string(status);
    if (status == 408 || status == 425 || status == 429 || status >= 500) {
      return {notify::DeliveryOutcome::retry, std::nullopt, detail};
    }
    return {notify::DeliveryOutcome::dead, std::nullopt, detail};
  }

 private:
  std::string name_;
  std::string url_;
};

// Answers "delivered" without sending anything: what the worker itself costs.
class NullNotifier final : public notify::Notifier {
 public:
  explicit NullNotifier(std::string name) : name_(std::move(name)) {}
  const std::string& name() const override { return name_; }
  notify::DeliveryResult send(const notify::Notification&, WallTime) override {
    return {notify::DeliveryOutcome::delivered, std::nullopt, ""};
  }

 private:
  std::string name_;
};

enum class Scenario { accepted, half_first_attempts_fail, no_http };

struct Options {
  int events = 10'000;
  int events_per_commit = 100;
};

struct Figures {
  std::string scenario;
  double commit_seconds = 0;
  double deliver_seconds = 0;
  double process_cpu = 0;
  double receiver_cpu = 0;
  Receiver::Counts counts;
  std::uint64_t delivered = 0;
  std::uint64_t retried = 0;
  std::uint64_t dead = 0;
};

Event make_breach_event(EventType type, int breach, WallTime at) {
  Breach b;
  b.id = "breach-" + std::to_string(breach);
  b.org = "0b9c3f1e-1111-4a4a-9b9b-000000000001";
  b.policy_id = "policy-" + std::to_string(breach);
  b.scope = Scope::site;
  b.scope_id = "site-" + std::to_string(breach % 500);
  b.metric = Metric::uptime_percent;
  b.actual = 99.1;
  b.threshold = 99.9;
  b.deviation_percent = 0.8;
  b.severity = Severity::critical;
  b.peak_severity = Severity::critical;
  b.status = type == EventType::breach_resolved ? BreachStatus::resolved : BreachStatus::active;
  b.opened_at = at;
  b.last_evaluated_at = at;
  if (type == EventType::breach_resolved) b.resolved_at = at;
  PolicyRef policy;
  policy.id = b.policy_id;
  policy.name = "Gold uptime " + std::to_string(breach);
  policy.scope = Scope::site;
  policy.scope_id = b.scope_id;
  policy.labels = {{"tier", "gold"}};
  return make_event(type, b, policy, at);
}

Figures run(const Options& options, Scenario scenario, const std::filesystem::path& directory) {
  Figures figures;
  const bool fail_half = scenario == Scenario::half_first_attempts_fail;
  const bool no_http = scenario == Scenario::no_http;
  figures.scenario = fail_half ? "503 to half of the first attempts"
                     : no_http ? "no HTTP (the notifier only answers delivered)"
                               : "all accepted";
  const std::string path =
      (directory / (std::to_string(static_cast<int>(scenario)) + ".db")).string();
  RealClock clock;

  auto store = Store::open(path);
  if (!store) throw std::runtime_error(store.error().message);
  // Breaches in pairs of events (created, then resolved in the same commit), as cycles write.
  const auto commit_start = SteadyClock::now();
  int breach = 0;
  for (int written = 0; written < options.events;) {
    std::vector<Event> events;
    const int in_commit = std::min(options.events_per_commit, options.events - written);
    std::vector<int> breaches;
    for (int i = 0; i < in_commit / 2; ++i) breaches.push_back(breach++);
    for (int b : breaches)
      events.push_back(make_breach_event(EventType::breach_created, b, clock.now()));
    for (int b : breaches)
      events.push_back(make_breach_event(EventType::breach_resolved, b, clock.now()));
    if (in_commit % 2 == 1)
      events.push_back(make_breach_event(EventType::breach_created, breach++, clock.now()));
    if (auto committed = (*store)->commit({}, events); !committed) {
      throw std::runtime_error(committed.error().message);
    }
    written += in_commit;
  }
  figures.commit_seconds = seconds_since(commit_start);

  Receiver receiver(fail_half);
  NotifierConfig config;
  config.name = "bench-hook";
  config.type = NotifierType::webhook;
  config.url = receiver.url();
  config.rate_limit = 1e9;  // the default (10/s) would measure the limit, not the worker
  delivery::DeliverySetup setup;
  std::shared_ptr<notify::Notifier> notifier;
  if (no_http) {
    notifier = std::make_shared<NullNotifier>(config.name);
  } else {
    notifier = std::make_shared<PostingNotifier>(config.name, config.url);
  }
  setup.notifiers.push_back({config, notifier});
  setup.select = [](const nlohmann::json&) { return std::vector<std::string>{"bench-hook"}; };
  auto service = delivery::DeliveryService::open(path, clock, std::move(setup));
  if (!service) throw std::runtime_error(service.error().message);

  const double cpu_before = process_cpu_seconds();
  const auto deliver_start = SteadyClock::now();
  (*service)->start();
  (*service)->wake();
  // Watch the counters (memory only): counting the outbox this often would cost more CPU
  // than the worker itself.
  for (;;) {
    std::uint64_t finished = 0;
    for (const auto& count : (*service)->counts()) finished += count.delivered + count.dead;
    if (finished >= static_cast<std::uint64_t>(options.events)) break;
    if (seconds_since(deliver_start) > 600) throw std::runtime_error("not delivered in 10 min");
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  figures.deliver_seconds = seconds_since(deliver_start);
  figures.process_cpu = process_cpu_seconds() - cpu_before;
  (*service)->stop();
  figures.receiver_cpu = receiver.finish();
  if (auto pending = (*service)->pending_count(); !pending || *pending != 0) {
    throw std::runtime_error("the outbox is not empty after delivery");
  }
  figures.counts = receiver.counts();
  for (const auto& count : (*service)->counts()) {
    figures.delivered += count.delivered;
    figures.retried += count.retried;
    figures.dead += count.dead;
  }
  const std::size_t received = no_http ? figures.delivered : figures.counts.distinct_accepted;
  if (received != static_cast<std::size_t>(options.events) || figures.dead != 0 ||
      figures.counts.duplicates_accepted != 0) {
    throw std::runtime_error("the receiver did not get every event exactly once");
  }
  return figures;
}

int main_with(int argc, char** argv) {
  Options options;
  CLI::App app{"slamon delivery worker benchmark (bench/delivery/README.md)"};
  app.add_option("--events", options.events, "events committed and delivered")
      ->capture_default_str()
      ->check(CLI::Range(2, 10'000'000));
  app.add_option("--events-per-commit", options.events_per_commit, "events per Store::commit")
      ->capture_default_str()
      ->check(CLI::Range(2, 100'000));
  CLI11_PARSE(app, argc, argv);
  log::configure(log::Level::warn, log::Format::logfmt);

  char pattern[] = "/tmp/slamon-bench-delivery-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) throw std::runtime_error("mkdtemp failed");
  const std::filesystem::path directory = pattern;
  std::vector<Figures> results;
  try {
    for (Scenario scenario :
         {Scenario::accepted, Scenario::half_first_attempts_fail, Scenario::no_http}) {
      results.push_back(run(options, scenario, directory));
    }
  } catch (...) {
    std::filesystem::remove_all(directory);
    throw;
  }
  std::filesystem::remove_all(directory);

  std::printf("%d events (%d per commit), one webhook-like notifier, receiver on loopback\n\n",
              options.events, options.events_per_commit);
  std::printf(
      "| scenario | commit (s) | deliver (s) | events/s delivered | requests | CPU s / 1,000 "
      "events (process) | CPU s / 1,000 events (without receiver) |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  for (const Figures& f : results) {
    const double thousands = options.events / 1000.0;
    std::printf("| %s | %.2f | %.2f | %.0f | %ld (%ld refused) | %.3f | %.3f |\n",
                f.scenario.c_str(), f.commit_seconds, f.deliver_seconds,
                options.events / f.deliver_seconds, f.counts.requests, f.counts.refused,
                f.process_cpu / thousands, (f.process_cpu - f.receiver_cpu) / thousands);
  }
  return 0;
}

}  // namespace
}  // namespace slamon::bench

int main(int argc, char** argv) {
  try {
    return slamon::bench::main_with(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "slamon_bench_delivery: %s\n", e.what());
    return 1;
  }
}
