// Notifications end to end (SPEC §9.3): the real daemon sends its breach events to a real HTTP
// receiver on loopback. The receiver first fails every attempt, slamon is killed (SIGKILL)
// while the events are pending, and a new slamon on the same state delivers every one of them
// once the receiver recovers: nothing is lost, duplicates only ever repeat the same
// webhook-id and body, and every signature verifies. And a real Alertmanager shows the open
// breaches as alerts and loses an alert once its breach resolves.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <signal.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>

#include "integration/fleet.h"
#include "integration/http_get.h"
#include "integration/slamon_daemon.h"
#include "integration/state_db.h"
#include "support/child_process.h"
#include "support/http_stub.h"

namespace slamon::integration {

using testing::ChildProcess;
namespace {

using namespace std::chrono_literals;

constexpr const char* kSigningSecret = "integration-signing-key-5c2e";

std::string notification_config(const std::string& receiver_url) {
  return "notifiers:\n"
         "  - name: itsm\n"
         "    type: webhook\n"
         "    url: " +
         receiver_url +
         "/hook\n"
         "    secret_file: hook.secret\n"
         "    timeout: 2s\n"
         "    rate_limit: 100\n"
         "alert_rules:\n"
         "  - name: every-breach\n"
         "    events: [sla.breach.created, sla.breach.escalated, sla.breach.resolved]\n"
         "    notifiers: [itsm]\n";
}

std::string base64(const unsigned char* data, std::size_t size) {
  std::string out(4 * ((size + 2) / 3), '\0');
  const int written =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

// Standard Webhooks: v1,<base64 HMAC-SHA256(secret, id.timestamp.body)>.
std::string expected_signature(const testing::RecordedRequest& request) {
  const std::string content =
      request.header("webhook-id") + "." + request.header("webhook-timestamp") + "." + request.body;
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  const std::string key = kSigningSecret;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(content.data()), content.size(), digest.data(),
       &length);
  return "v1," + base64(digest.data(), length);
}

// Waits for the receiver (another thread) to have seen enough; the deadline bounds a hang.
bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds deadline) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < end) {
    if (condition()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return condition();
}

class NotificationsEndToEnd : public FleetTest {};

TEST_F(NotificationsEndToEnd, EventsPendingWhenSlamonIsKilledAreDeliveredAfterTheRestart) {
  testing::HttpStub receiver;
  receiver.set_fallback(testing::StubResponse::text(503, "down for maintenance"));
  const FleetFiles files = write_fleet();
  dir_.write("hook.secret", std::string(kSigningSecret) + "\n");
  {
    std::ofstream config(files.config, std::ios::app);
    config << notification_config(receiver.url());
  }

  auto first = SlamonDaemon::start(files.config, dir_.path(), "slamon-1");
  ASSERT_TRUE(first) << first.error().message;
  // Both created events have been tried (and refused) at least once.
  ASSERT_TRUE(wait_until(
      [&] {
        std::set<std::string> tried;
        for (const auto& request : receiver.requests()) tried.insert(request.header("webhook-id"));
        return tried.size() >= 2;
      },
      30s))
      << (*first)->log();
  const auto pending = (*first)->scrape();
  ASSERT_TRUE(pending) << pending.error().message;
  ASSERT_TRUE((*first)->send_signal(SIGKILL));
  ASSERT_TRUE((*first)->process().wait_exit(10s));

  const auto events = read_events(files.storage);
  ASSERT_TRUE(events) << events.error().message;
  std::set<std::string> committed;
  for (const auto& event : *events) committed.insert(event.id);
  ASSERT_EQ(committed.size(), 2u) << "both breaches opened before the kill";

  const std::size_t refused = receiver.request_count();
  receiver.set_fallback(testing::StubResponse::text(200, "accepted"));
  auto second = SlamonDaemon::start(files.config, dir_.path(), "slamon-2");
  ASSERT_TRUE(second) << second.error().message;
  std::set<std::string> delivered;
  ASSERT_TRUE(wait_until(
      [&] {
        const auto requests = receiver.requests();
        delivered.clear();
        for (std::size_t i = refused; i < requests.size(); ++i) {
          delivered.insert(requests[i].header("webhook-id"));
        }
        return delivered == committed;
      },
      60s))
      << (*second)->log();

  // Every attempt, before and after the kill: the same webhook-id always carries the same
  // body, the body is the committed event, and its signature verifies.
  std::map<std::string, std::string> body_of;
  for (const auto& request : receiver.requests()) {
    EXPECT_EQ(request.method, "POST");
    EXPECT_EQ(request.path, "/hook");
    EXPECT_EQ(request.header("content-type"), "application/json");
    const std::string id = request.header("webhook-id");
    EXPECT_TRUE(committed.contains(id)) << id;
    auto [slot, first_seen] = body_of.emplace(id, request.body);
    if (!first_seen) {
      EXPECT_EQ(slot->second, request.body) << "a retry changed the body";
    }
    EXPECT_EQ(request.header("webhook-signature"), expected_signature(request));
    const auto event = nlohmann::json::parse(request.body, nullptr, false);
    ASSERT_TRUE(event.is_object()) << request.body;
    EXPECT_EQ(event["id"], id);
    EXPECT_EQ(event["type"], "sla.breach.created");
  }

  const auto metrics =
      (*second)->wait_for_metrics("the outbox drained", [](const MetricsText& text) {
        const auto pending_now = text.find("slamon_outbox_pending");
        return !pending_now.empty() && pending_now.front().value == 0;
      });
  ASSERT_TRUE(metrics) << metrics.error().message;
  bool delivered_counted = false;
  for (const auto& sample : metrics->find("slamon_notifications_total")) {
    if (sample.labels.at("notifier") == "itsm" && sample.labels.at("result") == "delivered") {
      delivered_counted = sample.value >= 2;
    }
  }
  EXPECT_TRUE(delivered_counted) << "slamon_notifications_total{result=\"delivered\"} >= 2";
  // The receiver's URL (it names the hook) never reaches the log.
  EXPECT_EQ((*second)->log().find(receiver.url()), std::string::npos);
  EXPECT_EQ((*second)->log().find(kSigningSecret), std::string::npos);
  const auto stopped = (*second)->stop();
  ASSERT_TRUE(stopped) << stopped.error().message;
  EXPECT_EQ(stopped->code(), 0) << (*second)->log();
}

// The real Alertmanager (Debian prometheus-alertmanager) on a free loopback port.
class AlertmanagerProcess {
 public:
  static constexpr const char* kBinary = "/usr/bin/prometheus-alertmanager";

  static std::unique_ptr<AlertmanagerProcess> start(const testing::TempDir& dir) {
    auto port = free_loopback_port();
    if (!port) return nullptr;
    const std::string config = dir.write("alertmanager.yml",
                                         "route: {receiver: nowhere}\n"
                                         "receivers: [{name: nowhere}]\n");
    auto spawned = ChildProcess::spawn(
        {kBinary, "--config.file=" + config, "--storage.path=" + (dir.path() / "am").string(),
         "--cluster.listen-address=", "--web.listen-address=127.0.0.1:" + std::to_string(*port),
         "--log.level=warn"},
        dir.path() / "alertmanager.stdout", dir.path() / "alertmanager.stderr", dir.path());
    if (!spawned) return nullptr;
    auto process = std::unique_ptr<AlertmanagerProcess>(new AlertmanagerProcess);
    process->process_ = std::move(*spawned);
    process->port_ = *port;
    const bool ready = wait_until(
        [&] {
          auto answer = http_request(*port, "GET", "/-/ready");
          return answer && answer->status == 200;
        },
        20s);
    return ready ? std::move(process) : nullptr;
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // The active (not resolved) alerts' label sets.
  std::vector<nlohmann::json> active_alerts() const {
    std::vector<nlohmann::json> alerts;
    auto answer = http_request(port_, "GET", "/api/v2/alerts?active=true&silenced=false");
    if (!answer || answer->status != 200) return alerts;
    const auto body = nlohmann::json::parse(answer->body, nullptr, false);
    if (!body.is_array()) return alerts;
    for (const auto& alert : body) {
      if (alert.value("status", nlohmann::json::object()).value("state", "") == "active") {
        alerts.push_back(alert["labels"]);
      }
    }
    return alerts;
  }

 private:
  AlertmanagerProcess() = default;
  std::unique_ptr<ChildProcess> process_;
  int port_ = 0;
};

bool has_alert_of(const std::vector<nlohmann::json>& alerts, const std::string& policy_id) {
  return std::any_of(alerts.begin(), alerts.end(), [&](const nlohmann::json& labels) {
    return labels.value("policy_id", "") == policy_id;
  });
}

TEST_F(NotificationsEndToEnd, AlertmanagerShowsOpenBreachesAndLosesThemWhenTheyResolve) {
  if (!std::filesystem::exists(AlertmanagerProcess::kBinary)) {
    GTEST_SKIP() << AlertmanagerProcess::kBinary << " is not installed";
  }
  auto alertmanager = AlertmanagerProcess::start(dir_);
  ASSERT_TRUE(alertmanager) << "Alertmanager did not start";
  const FleetFiles files = write_fleet();
  {
    std::ofstream config(files.config, std::ios::app);
    config << "notifiers:\n"
              "  - {name: am, type: alertmanager, url: "
           << alertmanager->url()
           << "}\n"
              "alert_rules:\n"
              "  - name: breaches-to-am\n"
              "    events: [sla.breach.created, sla.breach.escalated, sla.breach.resolved]\n"
              "    notifiers: [am]\n";
  }
  auto daemon = SlamonDaemon::start(files.config, dir_.path(), "slamon");
  ASSERT_TRUE(daemon) << daemon.error().message;

  ASSERT_TRUE(wait_until(
      [&] {
        const auto alerts = alertmanager->active_alerts();
        return has_alert_of(alerts, kBravoPolicy) && has_alert_of(alerts, kCharliePolicy);
      },
      30s))
      << (*daemon)->log();
  for (const auto& labels : alertmanager->active_alerts()) {
    EXPECT_EQ(labels.value("alertname", ""), "SLABreach") << labels.dump();
    EXPECT_EQ(labels.value("org", ""), kOrg) << labels.dump();
    if (labels.value("policy_id", "") == kCharliePolicy) {
      EXPECT_EQ(labels.value("severity", ""), "critical") << labels.dump();
      EXPECT_EQ(labels.value("metric", ""), "latency_ms") << labels.dump();
    }
  }

  // Disabling charlie's policy resolves its breach: its alert leaves Alertmanager's active
  // alerts, bravo's stays.
  dir_.write("rules/charlie.yml", charlie_rules("disabled"));
  ASSERT_TRUE((*daemon)->send_signal(SIGHUP));
  ASSERT_TRUE(wait_until(
      [&] {
        const auto alerts = alertmanager->active_alerts();
        return !has_alert_of(alerts, kCharliePolicy) && has_alert_of(alerts, kBravoPolicy);
      },
      30s))
      << (*daemon)->log();
  const auto stopped = (*daemon)->stop();
  ASSERT_TRUE(stopped) << stopped.error().message;
  EXPECT_EQ(stopped->code(), 0) << (*daemon)->log();
}

}  // namespace
}  // namespace slamon::integration
