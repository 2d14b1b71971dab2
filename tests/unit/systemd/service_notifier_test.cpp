#include "app/service_notifier.h"

#include <gtest/gtest.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>
#include <thread>

#include "support/temp_dir.h"
#include "unit/systemd/notify_socket.h"

namespace slamon {
namespace {

using namespace std::chrono_literals;
using testing::NotifySocket;
using testing::ScopedEnv;
using testing::TempDir;

constexpr auto kDeadline = 5s;
// Short enough that the tests wait little for rounds; pings go out every 50 ms.
constexpr const char* kWatchdogUsec = "100000";

std::uint64_t monotonic_usec() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000u +
         static_cast<std::uint64_t>(now.tv_nsec) / 1'000u;
}

// Waits (with a deadline, never for a fixed time) until the watchdog has done `count` rounds.
bool wait_for_rounds(const ServiceNotifier& notifier, std::uint64_t count) {
  const auto until = std::chrono::steady_clock::now() + kDeadline;
  while (notifier.watchdog_rounds() < count) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(1ms);  // polls a counter; the rounds run on real time
  }
  return true;
}

class ServiceNotifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_.set("NOTIFY_SOCKET", socket_.path().string());
    env_.set("WATCHDOG_USEC", std::nullopt);
    env_.set("WATCHDOG_PID", std::nullopt);
  }

  TempDir dir_;
  NotifySocket socket_{dir_.path() / "notify.sock"};
  ScopedEnv env_;
  FakeClock clock_{WallTime{} + std::chrono::hours(24 * 365 * 56)};
};

TEST_F(ServiceNotifierTest, WithoutNotifySocketEverythingIsANoOp) {
  env_.set("NOTIFY_SOCKET", std::nullopt);
  env_.set("WATCHDOG_USEC", kWatchdogUsec);
  ServiceNotifier notifier(clock_);
  EXPECT_FALSE(notifier.enabled());
  EXPECT_FALSE(notifier.watchdog_timeout());
  EXPECT_FALSE(notifier.heartbeat_interval());
  notifier.ready("Ready");
  notifier.reloading("Reloading");
  notifier.status("Running");
  notifier.stopping("Stopping");
  notifier.heartbeat(1s);
  EXPECT_EQ(notifier.watchdog_rounds(), 0u);
  EXPECT_FALSE(socket_.receive(0ms));
}

TEST_F(ServiceNotifierTest, ReadySendsReadyWithItsStatus) {
  ServiceNotifier notifier(clock_);
  ASSERT_TRUE(notifier.enabled());
  EXPECT_FALSE(notifier.watchdog_timeout());
  notifier.ready("Ready: 3 policies, listening on 127.0.0.1:9877");
  EXPECT_EQ(socket_.receive(kDeadline),
            "READY=1\nSTATUS=Ready: 3 policies, listening on 127.0.0.1:9877");
}

TEST_F(ServiceNotifierTest, ReloadingCarriesTheMonotonicTimeThenReadyEndsIt) {
  ServiceNotifier notifier(clock_);
  const std::uint64_t before = monotonic_usec();
  notifier.reloading("Reloading the configuration from /etc/slamon/slamon.yml");
  const std::uint64_t after = monotonic_usec();
  notifier.ready("Ready: 3 policies (configuration reloaded)");

  const auto reloading = socket_.receive(kDeadline);
  ASSERT_TRUE(reloading);
  const std::string head = "RELOADING=1\nMONOTONIC_USEC=";
  const std::string tail = "\nSTATUS=Reloading the configuration from /etc/slamon/slamon.yml";
  ASSERT_TRUE(reloading->starts_with(head)) << *reloading;
  ASSERT_TRUE(reloading->ends_with(tail)) << *reloading;
  const std::string usec =
      reloading->substr(head.size(), reloading->size() - head.size() - tail.size());
  ASSERT_FALSE(usec.empty());
  EXPECT_EQ(usec.find_first_not_of("0123456789"), std::string::npos) << usec;
  const std::uint64_t stamped = std::stoull(usec);
  EXPECT_GE(stamped, before);
  EXPECT_LE(stamped, after);

  EXPECT_EQ(socket_.receive(kDeadline),
            "READY=1\nSTATUS=Ready: 3 policies (configuration reloaded)");
}

TEST_F(ServiceNotifierTest, StoppingAndStatusMessages) {
  ServiceNotifier notifier(clock_);
  notifier.status("Running: last cycle at 2026-01-01T00:00:00Z");
  notifier.stopping("Stopping: finishing the running cycle");
  EXPECT_EQ(socket_.receive(kDeadline), "STATUS=Running: last cycle at 2026-01-01T00:00:00Z");
  EXPECT_EQ(socket_.receive(kDeadline), "STOPPING=1\nSTATUS=Stopping: finishing the running cycle");
}

TEST_F(ServiceNotifierTest, StatusIsOneLine) {
  ServiceNotifier notifier(clock_);
  // A second STATUS= line or a stray assignment would be read by systemd as its own field.
  notifier.status("Failed to start: the configuration is invalid:\nslamon.yml:3:1: bad\nREADY=1\n");
  EXPECT_EQ(socket_.receive(kDeadline),
            "STATUS=Failed to start: the configuration is invalid:; slamon.yml:3:1: bad; READY=1");
}

TEST(StatusLine, LongTextIsCut) {
  const std::string line = status_line(std::string(500, 'x'));
  EXPECT_EQ(line.size(), 200u);
  EXPECT_TRUE(line.ends_with("xx..."));
  EXPECT_EQ(status_line("a\r\nb\n"), "a; b");
}

TEST_F(ServiceNotifierTest, WatchdogUsecGivesTheTimeoutAndHeartbeatInterval) {
  env_.set("WATCHDOG_USEC", kWatchdogUsec);
  ServiceNotifier notifier(clock_);
  ASSERT_TRUE(notifier.watchdog_timeout());
  EXPECT_EQ(*notifier.watchdog_timeout(), 100ms);
  EXPECT_EQ(notifier.heartbeat_interval(), Duration(25));
}

TEST_F(ServiceNotifierTest, WatchdogMeantForAnotherProcessIsIgnored) {
  env_.set("WATCHDOG_USEC", kWatchdogUsec);
  env_.set("WATCHDOG_PID", std::to_string(getpid() + 1));
  ServiceNotifier notifier(clock_);
  EXPECT_TRUE(notifier.enabled());
  EXPECT_FALSE(notifier.watchdog_timeout());
  EXPECT_FALSE(notifier.heartbeat_interval());
}

TEST_F(ServiceNotifierTest, PingsWhileStartingBeforeAnyHeartbeat) {
  env_.set("WATCHDOG_USEC", kWatchdogUsec);
  env_.set("WATCHDOG_PID", std::to_string(getpid()));
  ServiceNotifier notifier(clock_);
  EXPECT_EQ(socket_.receive(kDeadline), "WATCHDOG=1");
  EXPECT_EQ(socket_.receive(kDeadline), "WATCHDOG=1");
}

TEST_F(ServiceNotifierTest, PingsStopWhenTheHeartbeatLapsesAndResumeWithIt) {
  env_.set("WATCHDOG_USEC", kWatchdogUsec);
  ServiceNotifier notifier(clock_);
  notifier.ready("Ready");
  notifier.heartbeat(10s);
  // Pings may come before READY=1: the watchdog runs from the start.
  auto messages = socket_.receive_until("READY=1", kDeadline);
  ASSERT_FALSE(messages.empty());
  EXPECT_EQ(messages.back(), "READY=1\nSTATUS=Ready");
  messages = socket_.receive_until("WATCHDOG=1", kDeadline);
  ASSERT_FALSE(messages.empty());
  EXPECT_EQ(messages.back(), "WATCHDOG=1");

  // The main loop's promise runs out: the rounds go on, the pings do not.
  clock_.advance(11s);
  const std::uint64_t lapsed_at = notifier.watchdog_rounds();
  // Once round lapsed_at + 1 has begun, round lapsed_at (which may have sampled the clock
  // before the advance) has sent what it was going to send.
  ASSERT_TRUE(wait_for_rounds(notifier, lapsed_at + 2));
  socket_.drain();
  const std::uint64_t drained_at = notifier.watchdog_rounds();
  ASSERT_TRUE(wait_for_rounds(notifier, drained_at + 3));
  EXPECT_EQ(socket_.drain(), std::vector<std::string>{});

  notifier.heartbeat(10s);
  EXPECT_EQ(socket_.receive(kDeadline), "WATCHDOG=1");
}

TEST_F(ServiceNotifierTest, ReadyGivesTheMainLoopHalfATimeoutForItsFirstBeat) {
  env_.set("WATCHDOG_USEC", kWatchdogUsec);
  ServiceNotifier notifier(clock_);
  notifier.ready("Ready");
  auto messages = socket_.receive_until("WATCHDOG=1", kDeadline);
  ASSERT_FALSE(messages.empty());
  EXPECT_EQ(messages.back(), "WATCHDOG=1");
  clock_.advance(51ms);  // no heartbeat came within 50 ms
  const std::uint64_t lapsed_at = notifier.watchdog_rounds();
  ASSERT_TRUE(wait_for_rounds(notifier, lapsed_at + 2));
  socket_.drain();
  const std::uint64_t drained_at = notifier.watchdog_rounds();
  ASSERT_TRUE(wait_for_rounds(notifier, drained_at + 3));
  EXPECT_EQ(socket_.drain(), std::vector<std::string>{});
}

TEST_F(ServiceNotifierTest, StoppingPingsWhateverTheHeartbeat) {
  env_.set("WATCHDOG_USEC", kWatchdogUsec);
  ServiceNotifier notifier(clock_);
  notifier.ready("Ready");
  notifier.heartbeat(1s);
  clock_.advance(2s);  // lapsed: no pings while running
  notifier.stopping("Stopping");
  auto messages = socket_.receive_until("STOPPING=1", kDeadline);
  ASSERT_FALSE(messages.empty());
  EXPECT_EQ(messages.back(), "STOPPING=1\nSTATUS=Stopping");
  EXPECT_EQ(socket_.receive(kDeadline), "WATCHDOG=1");
  EXPECT_EQ(socket_.receive(kDeadline), "WATCHDOG=1");
}

}  // namespace
}  // namespace slamon
