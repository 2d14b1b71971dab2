// Notifications end to end (SPEC §9.3): the real daemon sends its breach events to a real HTTP
// receiver on loopback. The receiver first fails every attempt, slamon is killed (SIGKILL)
// while the events are pending, and a new slamon on the same state delivers every one of them
// once the receiver recovers: nothing is lost, duplicates only ever repeat the same
// webhook-id and body, and every signature verifies.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <signal.h>

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
#include "integration/slamon_daemon.h"
#include "integration/state_db.h"
#include "support/http_stub.h"

namespace slamon::integration {
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
    if (!first_seen) EXPECT_EQ(slot->second, request.body) << "a retry changed the body";
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

}  // namespace
}  // namespace slamon::integration
