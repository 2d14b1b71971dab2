// slamon_bench_cycle_under_delivery: does notification delivery slow evaluation down? Runs the
// cycle benchmark's fleet (10,000 policies × 3 thresholds over 5,000 sites, 1,414 breaches in
// the steady state) through a real Engine and Store with an in-process source, first with the
// delivery worker idle, then while a started DeliveryService delivers 40,000 events over real
// HTTP to a loopback receiver (tests/support's HttpStub). Prints the median cycle wall time and
// its fetch / evaluate / commit parts for both. The source is in-process so that the figures
// show slamon's own costs and its SQLite contention, not Prometheus's.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "../cycle/fleet.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/uuid.h"
#include "delivery/delivery_service.h"
#include "engine/engine.h"
#include "httpclient/http_client.h"
#include "store/store.h"
#include "support/http_stub.h"
#include "support/temp_dir.h"

namespace slamon::bench {
namespace {

// Posts each event to the receiver, as the webhook notifier does.
class PostingNotifier final : public notify::Notifier {
 public:
  explicit PostingNotifier(std::string url) : url_(std::move(url)) {}
  const std::string& name() const override { return name_; }
  notify::DeliveryResult send(const notify::Notification& notification, WallTime) override {
    HttpRequest request;
    request.method = HttpMethod::post;
    request.url = url_;
    request.body = notification.payload;
    request.headers = {{"content-type", "application/json"}, {"webhook-id", notification.event_id}};
    request.timeout = std::chrono::seconds(5);
    request.context = "bench notifier";
    auto response = http_send(request);
    if (!response) return {notify::DeliveryOutcome::retry, std::nullopt, response.error().message};
    if (!response->ok()) {
      return {notify::DeliveryOutcome::retry, std::nullopt,
              "HTTP " + std::to_string(response->status)};
    }
    return {};
  }

 private:
  const std::string name_ = "hook";
  std::string url_;
};

struct CycleFigures {
  double wall = 0, fetch = 0, evaluate = 0, commit = 0;
};

CycleFigures median_of(std::vector<CycleFigures> runs) {
  auto median = [&](double CycleFigures::*field) {
    std::vector<double> values;
    for (const auto& run : runs) values.push_back(run.*field);
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
  };
  return {median(&CycleFigures::wall), median(&CycleFigures::fetch),
          median(&CycleFigures::evaluate), median(&CycleFigures::commit)};
}

CycleFigures run_cycle(Engine& engine, const ConfigPtr& config, int expected_breaches) {
  const auto start = std::chrono::steady_clock::now();
  auto report = engine.run_cycle(config);
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!report) throw std::runtime_error("cycle failed: " + report.error().message);
  if (static_cast<int>(report->snapshot->open_breaches.size()) != expected_breaches) {
    throw std::runtime_error("the cycle saw " +
                             std::to_string(report->snapshot->open_breaches.size()) +
                             " open breaches, expected " + std::to_string(expected_breaches));
  }
  return {wall, report->fetch_seconds, report->evaluate_seconds, report->commit_seconds};
}

// 10,000 sla.breach.created events of made-up breaches, committed as the engine commits them.
void commit_events(Store& store, int count, WallTime at) {
  std::vector<Event> batch;
  for (int i = 0; i < count; ++i) {
    Breach breach;
    breach.id = uuid_v4();
    breach.org = "bench-org";
    breach.policy_id = "bench-" + std::to_string(i);
    breach.scope = Scope::site;
    breach.scope_id = "bench-site";
    breach.metric = Metric::uptime_percent;
    breach.actual = 97;
    breach.threshold = 99.5;
    breach.deviation_percent = 2.5;
    breach.opened_at = at;
    breach.last_evaluated_at = at;
    PolicyRef ref;
    ref.id = breach.policy_id;
    ref.name = breach.policy_id;
    ref.scope = Scope::site;
    ref.scope_id = breach.scope_id;
    batch.push_back(make_event(EventType::breach_created, breach, ref, at));
    if (batch.size() == 100 || i + 1 == count) {
      if (auto committed = store.commit({}, batch); !committed) {
        throw std::runtime_error("commit: " + committed.error().message);
      }
      batch.clear();
    }
  }
}

void print_row(const char* label, const CycleFigures& f) {
  std::cout << "| " << label << " | " << f.wall * 1000 << " | " << f.fetch * 1000 << " | "
            << f.evaluate * 1000 << " | " << f.commit * 1000 << " |\n";
}

int run() {
  log::configure(log::Level::warn, log::Format::logfmt);
  const int cycles = 15;
  const int events = 40'000;  // enough to keep the worker busy through all 14 cycles
  slamon::testing::TempDir dir;
  const std::string database = (dir.path() / "slamon.db").string();
  const Fleet fleet = make_fleet(FleetOptions{});
  const ConfigPtr config = make_config(fleet, "http://in-process", QueryMode::batched);

  auto store = Store::open(database);
  if (!store) throw std::runtime_error(store.error().message);
  FakeClock engine_clock(std::chrono::system_clock::now());
  auto source = std::make_shared<FleetSource>(fleet);
  Engine engine(engine_clock, store->get(), [source](const SourceConfig&) { return source; });
  run_cycle(engine, config, fleet.expected_breaches);  // warm-up: opens the breaches

  // Every phase spaces its cycles the same way, so only the worker differs between them.
  constexpr auto kGap = std::chrono::milliseconds(300);
  std::vector<CycleFigures> idle;
  for (int i = 0; i < cycles; ++i) {
    std::this_thread::sleep_for(kGap);
    idle.push_back(run_cycle(engine, config, fleet.expected_breaches));
    (void)(*store)->checkpoint();  // as the daemon does after each cycle
  }

  slamon::testing::HttpStub receiver;
  receiver.set_fallback(slamon::testing::StubResponse::text(200, "ok"));
  RealClock clock;
  delivery::DeliverySetup setup;
  NotifierConfig hook;
  hook.name = "hook";
  hook.type = NotifierType::webhook;
  hook.rate_limit = 1e6;
  setup.notifiers.push_back({hook, std::make_shared<PostingNotifier>(receiver.url() + "/hook")});
  setup.select = [](const nlohmann::json&) { return std::vector<std::string>{"hook"}; };
  auto service = delivery::DeliveryService::open(database, clock, std::move(setup));
  if (!service) throw std::runtime_error(service.error().message);
  // The events the cycles' breaches caused are already in the outbox; they go out too.
  commit_events(**store, events, clock.now());
  (*service)->start();
  (*service)->wake();

  // Cycles are spaced so delivery runs between them and is in full flow when each starts.
  // "delivering" runs each cycle as the daemon does, yielding the worker for its length;
  // "delivering, no yield" lets the worker compete with it.
  std::vector<CycleFigures> busy;
  std::vector<CycleFigures> competing;
  std::size_t received_before = receiver.request_count();
  for (int i = 0; i < cycles; ++i) {
    std::this_thread::sleep_for(kGap);
    {
      const auto yield = (*service)->yield_to_cycle();
      busy.push_back(run_cycle(engine, config, fleet.expected_breaches));
    }
    (void)(*store)->checkpoint();
  }
  for (int i = 0; i < cycles; ++i) {
    std::this_thread::sleep_for(kGap);
    competing.push_back(run_cycle(engine, config, fleet.expected_breaches));
    (void)(*store)->checkpoint();
  }
  const std::size_t received_during = receiver.request_count() - received_before;
  auto pending = (*service)->pending_count();
  (*service)->stop();

  std::cout << "# Evaluation cycle with and without delivery running\n\n"
            << "- fleet: " << fleet.policies.size() << " policies, " << fleet.sites.size()
            << " sites, " << fleet.expected_breaches
            << " open breaches updated per cycle; in-process source\n"
            << "- " << cycles << " cycles each, medians in ms\n"
            << "- while delivering: " << received_during
            << " events reached the receiver during the " << 2 * cycles << " cycles and gaps; "
            << (pending ? std::to_string(*pending) : "?") << " still pending after them\n\n"
            << "| delivery | cycle wall ms | fetch ms | evaluate ms | commit ms |\n"
            << "|---|---|---|---|---|\n";
  print_row("idle", median_of(idle));
  print_row("delivering (daemon: worker yields to the cycle)", median_of(busy));
  print_row("delivering, no yield", median_of(competing));
  if (received_during == 0) {
    std::cerr << "no event was delivered while the cycles ran: the comparison says nothing\n";
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace slamon::bench

int main() {
  try {
    return slamon::bench::run();
  } catch (const std::exception& e) {
    std::cerr << "slamon_bench_cycle_under_delivery: " << e.what() << '\n';
    return 1;
  }
}
