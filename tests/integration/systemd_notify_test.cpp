// The real `slamon run` process speaking systemd's notification protocol (docs/systemd.md) to a
// datagram socket the test binds and names in NOTIFY_SOCKET, as systemd does for a Type=notify
// service. Its source points at a closed loopback port: the cycles find no data, which is all
// these tests need from them.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <string>
#include <vector>

#include "integration/fleet.h"
#include "integration/slamon_daemon.h"
#include "support/temp_dir.h"
#include "unit/systemd/notify_socket.h"

namespace slamon::integration {
namespace {

using namespace std::chrono_literals;
using testing::NotifySocket;
using testing::ScopedEnv;

constexpr auto kDeadline = 30s;

std::string joined(const std::vector<std::string>& messages) {
  std::string out;
  for (const auto& m : messages) out += "[" + m + "]\n";
  return out;
}

bool has_message_starting(const std::vector<std::string>& messages, const std::string& prefix) {
  return std::any_of(messages.begin(), messages.end(),
                     [&](const std::string& m) { return m.starts_with(prefix); });
}

class SystemdNotify : public ::testing::Test {
 protected:
  void SetUp() override {
    // The child inherits the environment: this is how systemd hands it the socket.
    env_.set("NOTIFY_SOCKET", socket_.path().string());
    env_.set("WATCHDOG_USEC", std::nullopt);
    env_.set("WATCHDOG_PID", std::nullopt);
    auto closed_port = free_loopback_port();
    ASSERT_TRUE(closed_port) << closed_port.error().message;
    FleetOptions options;
    options.prometheus_url = "http://127.0.0.1:" + std::to_string(*closed_port);
    options.evaluation_interval = "1h";  // one cycle at start, then quiet
    files_ = write_fleet(dir_, options);
  }

  std::unique_ptr<SlamonDaemon> start_daemon() {
    auto daemon = SlamonDaemon::start(files_.config, dir_.path(), "slamon");
    EXPECT_TRUE(daemon) << daemon.error().message;
    return daemon ? std::move(*daemon) : nullptr;
  }

  testing::TempDir dir_;
  NotifySocket socket_{dir_.path() / "notify.sock"};
  ScopedEnv env_;
  FleetFiles files_;
};

TEST_F(SystemdNotify, ReadyOnceServingReloadingAroundReloadsStoppingOnSigterm) {
  auto daemon = start_daemon();
  ASSERT_TRUE(daemon);
  const std::string listen = "127.0.0.1:" + std::to_string(daemon->port());

  // /-/ready answered 200 already: READY=1 has been sent (or is on its way).
  auto startup = socket_.receive_until("READY=1", kDeadline);
  ASSERT_FALSE(startup.empty());
  EXPECT_EQ(startup.front(), "STATUS=Starting: loading " + files_.config.string());
  EXPECT_EQ(startup.back(), "READY=1\nSTATUS=Ready: 3 policies, listening on " + listen)
      << joined(startup);
  EXPECT_FALSE(has_message_starting(startup, "WATCHDOG=1")) << "no watchdog was asked for";

  // SIGHUP, as the unit's ExecReload sends it.
  ASSERT_TRUE(daemon->send_signal(SIGHUP));
  auto reload = socket_.receive_until("READY=1", kDeadline);
  ASSERT_GE(reload.size(), 2u) << joined(reload);
  auto reloading = std::find_if(reload.begin(), reload.end(), [](const std::string& m) {
    return m.starts_with("RELOADING=1\nMONOTONIC_USEC=");
  });
  ASSERT_NE(reloading, reload.end()) << joined(reload);
  EXPECT_TRUE(
      reloading->ends_with("\nSTATUS=Reloading the configuration from " + files_.config.string()))
      << *reloading;
  EXPECT_EQ(reload.back(), "READY=1\nSTATUS=Ready: 3 policies, listening on " + listen +
                               " (configuration reloaded)");

  // POST /-/reload goes through the same reload, and so the same messages.
  auto posted = daemon->post("/-/reload");
  ASSERT_TRUE(posted) << posted.error().message;
  EXPECT_EQ(posted->status, 200) << posted->body;
  reload = socket_.receive_until("READY=1", kDeadline);
  EXPECT_TRUE(has_message_starting(reload, "RELOADING=1\n")) << joined(reload);
  EXPECT_EQ(reload.back(), "READY=1\nSTATUS=Ready: 3 policies, listening on " + listen +
                               " (configuration reloaded)");

  // A rejected reload also ends with READY=1: the daemon goes on with the running config.
  dir_.write("slamon.yml", "global:\n  evaluation_interval: soon\n");
  posted = daemon->post("/-/reload");
  ASSERT_TRUE(posted) << posted.error().message;
  EXPECT_EQ(posted->status, 500) << posted->body;
  reload = socket_.receive_until("READY=1", kDeadline);
  EXPECT_TRUE(has_message_starting(reload, "RELOADING=1\n")) << joined(reload);
  ASSERT_FALSE(reload.empty());
  EXPECT_TRUE(reload.back().starts_with("READY=1\nSTATUS=Ready: 3 policies, listening on " +
                                        listen + " (reload rejected: "))
      << reload.back();
  EXPECT_TRUE(reload.back().ends_with("see the log; running the previous configuration)"))
      << reload.back();

  auto stopped = daemon->stop();
  ASSERT_TRUE(stopped) << stopped.error().message;
  EXPECT_EQ(stopped->code(), 0) << stopped->describe();
  auto stopping = socket_.receive_until("STOPPING=1", kDeadline);
  ASSERT_FALSE(stopping.empty()) << "no STOPPING=1 after SIGTERM";
  EXPECT_EQ(stopping.back(),
            "STOPPING=1\nSTATUS=Stopping: finishing the running cycle and flushing state");
}

TEST_F(SystemdNotify, WatchdogPingsWhenWatchdogUsecIsSet) {
  env_.set("WATCHDOG_USEC", "400000");  // pings every 200 ms
  auto daemon = start_daemon();
  ASSERT_TRUE(daemon);
  auto messages = socket_.receive_until("READY=1", kDeadline);
  ASSERT_FALSE(messages.empty());
  ASSERT_TRUE(messages.back().starts_with("READY=1\n")) << joined(messages);
  // Pings go on once the main loop runs: three in a row after READY=1.
  for (int i = 0; i < 3; ++i) {
    messages = socket_.receive_until("WATCHDOG=1", kDeadline);
    ASSERT_FALSE(messages.empty());
    EXPECT_EQ(messages.back(), "WATCHDOG=1") << joined(messages);
  }
  auto stopped = daemon->stop();
  ASSERT_TRUE(stopped) << stopped.error().message;
  EXPECT_EQ(stopped->code(), 0) << stopped->describe();
  EXPECT_TRUE(has_message_starting(socket_.receive_until("STOPPING=1", kDeadline), "STOPPING=1"));
}

}  // namespace
}  // namespace slamon::integration
