// SnmpPoller against real snmpd agents: v1 / v2c / v3 GETs and walks, SNMP exceptions, dead,
// slow and wrongly-authenticated agents, changing values, limits and counters.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "snmp/poller.h"
#include "support/snmpd_server.h"

namespace slamon::snmp {
namespace {

using namespace std::chrono_literals;
using slamon::testing::SnmpdOptions;
using slamon::testing::SnmpdPassTable;
using slamon::testing::SnmpdPassValue;
using slamon::testing::SnmpdServer;

constexpr std::string_view kSysDescr = "1.3.6.1.2.1.1.1.0";
constexpr std::string_view kSysUpTime = "1.3.6.1.2.1.1.3.0";
constexpr std::string_view kSysName = "1.3.6.1.2.1.1.5.0";
constexpr std::string_view kIfDescr = "1.3.6.1.2.1.2.2.1.2";
constexpr std::string_view kIfOperStatus = "1.3.6.1.2.1.2.2.1.8";
// Synthetic tables served by pass programs.
constexpr std::string_view kTable = "1.3.6.1.4.1.99999.1";         // columns .2 (string), .8, .14
constexpr std::string_view kBigTable = "1.3.6.1.4.1.99999.2";      // column .1, 30 rows
constexpr std::string_view kLive = "1.3.6.1.4.1.99999.3";          // rewritten by tests
constexpr std::string_view kGrowingTable = "1.3.6.1.4.1.99999.4";  // column .1, rewritten

constexpr std::string_view kCommunity = "public-c0mmunity";
constexpr std::string_view kAuthPassword = "auth-pass-Secret1";
constexpr std::string_view kPrivPassword = "priv-pass-Secret2";

bool snmpd_installed() {
  return std::filesystem::exists("/usr/sbin/snmpd") && std::filesystem::exists("/usr/bin/snmpget");
}

std::string oid(std::string_view base, std::string_view suffix) {
  return std::string(base) + "." + std::string(suffix);
}

std::vector<SnmpdPassValue> table_values() {
  std::vector<SnmpdPassValue> values;
  for (int row = 1; row <= 5; ++row) {
    const auto index = std::to_string(row);
    values.push_back({oid(kTable, "2." + index), "string", "port" + index});
    values.push_back({oid(kTable, "8." + index), "integer", row == 3 ? "2" : "1"});
    values.push_back({oid(kTable, "14." + index), "counter", std::to_string(100 * row)});
  }
  return values;
}

std::vector<SnmpdPassValue> big_table_values() {
  std::vector<SnmpdPassValue> values;
  for (int row = 1; row <= 30; ++row) {
    values.push_back({oid(kBigTable, "1." + std::to_string(row)), "gauge", std::to_string(row)});
  }
  return values;
}

std::vector<SnmpdPassValue> growing_values(int rows) {
  std::vector<SnmpdPassValue> values;
  for (int row = 1; row <= rows; ++row) {
    values.push_back({oid(kGrowingTable, "1." + std::to_string(row)), "integer", "1"});
  }
  return values;
}

std::vector<SnmpdPassValue> live_values(int oper_status, std::uint32_t counter) {
  return {{oid(kLive, "1.0"), "integer", std::to_string(oper_status)},
          {oid(kLive, "2.0"), "counter", std::to_string(counter)}};
}

SnmpSourceConfig community_source(std::string version, std::string_view community,
                                  int retries = 1) {
  SnmpSourceConfig source;
  source.version = std::move(version);
  source.community = std::string(community);
  source.retries = retries;
  return source;
}

SnmpSourceConfig v3_source(std::string user, std::string level, std::string auth, std::string priv,
                           std::string_view auth_password = kAuthPassword,
                           std::string_view priv_password = kPrivPassword) {
  SnmpSourceConfig source;
  source.version = "3";
  source.username = std::move(user);
  source.security_level = std::move(level);
  source.auth_protocol = std::move(auth);
  source.auth_password = std::string(auth_password);
  source.priv_protocol = std::move(priv);
  source.priv_password = std::string(priv_password);
  source.retries = 1;
  return source;
}

Target make_target(std::string address, const SnmpSourceConfig& credentials,
                   std::vector<std::string> get, std::vector<std::string> walk = {},
                   std::chrono::milliseconds timeout = 2s) {
  Target target;
  target.address = std::move(address);
  target.credentials = &credentials;
  target.timeout = timeout;
  target.get = std::move(get);
  target.walk = std::move(walk);
  return target;
}

// A target asked only for sysUpTime.0.
Target uptime_target(std::string address, const SnmpSourceConfig& credentials,
                     std::chrono::milliseconds timeout = 2s) {
  return make_target(std::move(address), credentials, {std::string(kSysUpTime)}, {}, timeout);
}

std::string describe(const PollResult& result) {
  return std::string(to_string(result.failure)) + ": " + result.detail;
}

const std::string& text_of(const Varbind& varbind) {
  static const std::string kEmpty;
  const auto* text = std::get_if<std::string>(&varbind.value);
  return text ? *text : kEmpty;
}

// A loopback UDP port bound by this test that never answers (no ICMP either).
class SilentPort {
 public:
  SilentPort() {
    fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
  }
  ~SilentPort() { close(fd_); }
  SilentPort(const SilentPort&) = delete;
  SilentPort& operator=(const SilentPort&) = delete;
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  int port_ = 0;
};

class SnmpPollerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!snmpd_installed()) return;
    SnmpdOptions options;
    options.port_count = 6;
    const std::string auth(kAuthPassword), priv(kPrivPassword);
    options.config_lines = {
        "rocommunity " + std::string(kCommunity) + " 127.0.0.1",
        "createUser shauser SHA " + auth + " AES " + priv,
        "createUser sha256user SHA-256 " + auth + " AES-256 " + priv,
        "createUser sha512user SHA-512 " + auth + " AES-192 " + priv,
        "createUser md5user MD5 " + auth + " DES " + priv,
        "createUser authuser SHA-224 " + auth,
        "createUser plainuser",
        "rouser shauser authpriv",
        "rouser sha256user authpriv",
        "rouser sha512user authpriv",
        "rouser md5user authpriv",
        "rouser authuser auth",
        "rouser plainuser noauth",
        "override " + std::string(kSysName) + " octet_str \"slamon-test\"",
    };
    options.pass_tables = {
        SnmpdPassTable{.name = "table", .subtree = std::string(kTable), .values = table_values()},
        SnmpdPassTable{
            .name = "big", .subtree = std::string(kBigTable), .values = big_table_values()},
        SnmpdPassTable{.name = "live", .subtree = std::string(kLive), .values = live_values(1, 5)},
        SnmpdPassTable{
            .name = "growing", .subtree = std::string(kGrowingTable), .values = growing_values(3)},
    };
    auto started = SnmpdServer::start(options);
    ASSERT_TRUE(started) << started.error().message;
    server_ = started->release();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    if (!snmpd_installed()) GTEST_SKIP() << "snmpd is not installed";
    ASSERT_NE(server_, nullptr);
  }

  static SnmpdServer* server_;
  const SnmpSourceConfig v2c_ = community_source("2c", kCommunity);
  const SnmpSourceConfig v1_ = community_source("1", kCommunity);
};

SnmpdServer* SnmpPollerTest::server_ = nullptr;

TEST_F(SnmpPollerTest, V2cGetReturnsScalarsInOrder) {
  SnmpPoller poller;
  const std::vector targets = {
      make_target(server_->address(), v2c_,
                  {std::string(kSysUpTime), std::string(kSysDescr), std::string(kSysName)})};
  const auto results = poller.poll(targets);
  ASSERT_EQ(results.size(), 1u);
  const auto& result = results[0];
  ASSERT_EQ(result.failure, Failure::none) << describe(result);
  ASSERT_EQ(result.varbinds.size(), 3u);
  EXPECT_EQ(result.varbinds[0].oid, kSysUpTime);
  EXPECT_EQ(result.varbinds[0].type, ValueType::timeticks);
  EXPECT_TRUE(result.varbinds[0].number().has_value());
  EXPECT_EQ(result.varbinds[1].oid, kSysDescr);
  EXPECT_EQ(result.varbinds[1].type, ValueType::octet_string);
  EXPECT_FALSE(text_of(result.varbinds[1]).empty());
  EXPECT_EQ(result.varbinds[2].type, ValueType::octet_string);
  EXPECT_EQ(text_of(result.varbinds[2]), "slamon-test");  // the `override` directive
  EXPECT_GT(result.round_trip.count(), 0);
  EXPECT_EQ(result.requests, 1);
  EXPECT_EQ(result.retries, 0);
  EXPECT_TRUE(result.answered());
}

TEST_F(SnmpPollerTest, SnmpExceptionsAreKeptAsTypes) {
  SnmpPoller poller;
  const std::vector targets = {make_target(
      server_->address(), v2c_,
      {"1.3.6.1.2.1.1.99.0", "1.3.6.1.2.1.1.3.5", std::string(kSysUpTime), oid(kTable, "8.99")})};
  const auto result = poller.poll(targets).at(0);
  ASSERT_EQ(result.failure, Failure::none) << describe(result);
  ASSERT_EQ(result.varbinds.size(), 4u);
  EXPECT_EQ(result.varbinds[0].type, ValueType::no_such_object);
  EXPECT_EQ(result.varbinds[1].type, ValueType::no_such_instance);
  EXPECT_EQ(result.varbinds[2].type, ValueType::timeticks);
  EXPECT_EQ(result.varbinds[3].type, ValueType::no_such_instance);
  EXPECT_FALSE(result.varbinds[0].number().has_value());
}

TEST_F(SnmpPollerTest, LongGetListIsSplitIntoSeveralPdus) {
  SnmpPoller poller({.max_varbinds_per_get = 4});
  std::vector<std::string> get;
  for (int row = 1; row <= 5; ++row) {
    get.push_back(oid(kTable, "8." + std::to_string(row)));
    get.push_back(oid(kTable, "14." + std::to_string(row)));
  }
  get.push_back(std::string(kSysUpTime));
  const auto result = poller.poll(std::vector{make_target(server_->address(), v2c_, get)}).at(0);
  ASSERT_EQ(result.failure, Failure::none) << describe(result);
  EXPECT_EQ(result.requests, 3);  // 4 + 4 + 3
  ASSERT_EQ(result.varbinds.size(), get.size());
  for (std::size_t i = 0; i < get.size(); ++i) EXPECT_EQ(result.varbinds[i].oid, get[i]);
  EXPECT_EQ(result.varbinds[0].type, ValueType::integer);
  EXPECT_EQ(result.varbinds[1].type, ValueType::counter32);
  EXPECT_EQ(result.varbinds[1].number(), 100.0);
  EXPECT_EQ(result.varbinds[4].number(), 2.0);  // row 3 is down
}

TEST_F(SnmpPollerTest, GetBulkWalksIfTableColumns) {
  SnmpSourceConfig small_bulk = v2c_;
  small_bulk.max_repetitions = 1;
  SnmpPoller poller;
  const std::vector targets = {
      make_target(server_->address(), v2c_, {std::string(kSysUpTime)},
                  {std::string(kIfDescr), std::string(kIfOperStatus)}),
      make_target(server_->address(), small_bulk, {},
                  {std::string(kIfDescr), std::string(kIfOperStatus)}),
  };
  const auto results = poller.poll(targets);
  ASSERT_EQ(results[0].failure, Failure::none) << describe(results[0]);
  ASSERT_EQ(results[1].failure, Failure::none) << describe(results[1]);

  // sysUpTime, then every ifDescr row, then every ifOperStatus row.
  const auto& varbinds = results[0].varbinds;
  ASSERT_GE(varbinds.size(), 3u);
  ASSERT_EQ((varbinds.size() - 1) % 2, 0u);
  const std::size_t interfaces = (varbinds.size() - 1) / 2;
  EXPECT_EQ(varbinds[0].type, ValueType::timeticks);
  for (std::size_t i = 0; i < interfaces; ++i) {
    const auto& descr = varbinds[1 + i];
    const auto& oper = varbinds[1 + interfaces + i];
    EXPECT_TRUE(descr.oid.starts_with(std::string(kIfDescr) + ".")) << descr.oid;
    EXPECT_EQ(descr.type, ValueType::octet_string);
    EXPECT_TRUE(oper.oid.starts_with(std::string(kIfOperStatus) + ".")) << oper.oid;
    EXPECT_EQ(oper.type, ValueType::integer);
    EXPECT_GE(oper.number().value_or(0), 1);
    EXPECT_LE(oper.number().value_or(0), 7);
    // Same row index in both columns.
    EXPECT_EQ(descr.oid.substr(kIfDescr.size()), oper.oid.substr(kIfOperStatus.size()));
  }
  EXPECT_TRUE(std::any_of(varbinds.begin(), varbinds.end(),
                          [](const Varbind& v) { return text_of(v) == "lo"; }));
  // max_repetitions 1: one GETBULK per row plus one that runs past the end, same answers.
  ASSERT_EQ(results[1].varbinds.size(), varbinds.size() - 1);
  for (std::size_t i = 0; i < results[1].varbinds.size(); ++i) {
    EXPECT_EQ(results[1].varbinds[i].oid, varbinds[i + 1].oid);
  }
  EXPECT_EQ(results[1].requests, static_cast<int>(interfaces) + 1);
  EXPECT_EQ(results[0].requests, 2);  // the GET, one GETBULK of 25 rows
}

TEST_F(SnmpPollerTest, WalksASyntheticTable) {
  SnmpSourceConfig bulk = v2c_;
  bulk.max_repetitions = 2;
  SnmpPoller poller;
  const auto result =
      poller
          .poll(std::vector{make_target(server_->address(), bulk, {},
                                        {oid(kTable, "2"), oid(kTable, "8"), oid(kTable, "14")})})
          .at(0);
  ASSERT_EQ(result.failure, Failure::none) << describe(result);
  ASSERT_EQ(result.varbinds.size(), 15u);
  for (int row = 1; row <= 5; ++row) {
    const auto& descr = result.varbinds[static_cast<std::size_t>(row - 1)];
    const auto& oper = result.varbinds[static_cast<std::size_t>(4 + row)];
    const auto& errors = result.varbinds[static_cast<std::size_t>(9 + row)];
    EXPECT_EQ(descr.oid, oid(kTable, "2." + std::to_string(row)));
    EXPECT_EQ(text_of(descr), "port" + std::to_string(row));
    EXPECT_EQ(oper.number(), row == 3 ? 2.0 : 1.0);
    EXPECT_EQ(errors.type, ValueType::counter32);
    EXPECT_EQ(errors.number(), 100.0 * row);
  }
  EXPECT_EQ(result.requests, 3);  // rows 1-2, 3-4, 5 + the end
}

TEST_F(SnmpPollerTest, RepeatedWalkAsksForAsManyRowsAsLastTimeAndFollowsGrowth) {
  SnmpPoller poller;
  const std::vector targets = {
      make_target(server_->address(3), v2c_, {}, {oid(kGrowingTable, "1")})};
  ASSERT_TRUE(server_->set_pass_values("growing", growing_values(3)));
  const auto small = poller.poll(targets).at(0);
  ASSERT_TRUE(server_->set_pass_values("growing", growing_values(12)));
  const auto grown = poller.poll(targets).at(0);
  const auto again = poller.poll(targets).at(0);
  ASSERT_EQ(small.failure, Failure::none) << describe(small);
  ASSERT_EQ(grown.failure, Failure::none) << describe(grown);
  ASSERT_EQ(again.failure, Failure::none) << describe(again);
  EXPECT_EQ(small.varbinds.size(), 3u);
  EXPECT_EQ(small.requests, 1);  // 25 repetitions
  // 3 rows last time: 4 repetitions per request now, so 12 rows take 3 requests + the end.
  EXPECT_EQ(grown.varbinds.size(), 12u);
  EXPECT_EQ(grown.requests, 4);
  EXPECT_EQ(grown.varbinds.back().oid, oid(kGrowingTable, "1.12"));
  // 12 rows last time: 13 repetitions, one request.
  EXPECT_EQ(again.varbinds.size(), 12u);
  EXPECT_EQ(again.requests, 1);
}

TEST_F(SnmpPollerTest, V1WalksWithGetNextAndReportsMissingObjects) {
  SnmpPoller poller;
  const std::vector targets = {
      make_target(server_->address(), v1_,
                  {std::string(kSysUpTime), "1.3.6.1.2.1.1.99.0", std::string(kSysName)},
                  {std::string(kIfOperStatus), oid(kTable, "8"), oid(kBigTable, "1")})};
  const auto result = poller.poll(targets).at(0);
  ASSERT_EQ(result.failure, Failure::none) << describe(result);
  ASSERT_GE(result.varbinds.size(), 3u + 1 + 5 + 30);
  EXPECT_EQ(result.varbinds[0].type, ValueType::timeticks);
  // SNMPv1 has no exceptions: the agent's noSuchName becomes noSuchObject.
  EXPECT_EQ(result.varbinds[1].oid, "1.3.6.1.2.1.1.99.0");
  EXPECT_EQ(result.varbinds[1].type, ValueType::no_such_object);
  EXPECT_EQ(text_of(result.varbinds[2]), "slamon-test");
  const auto count_under = [&](std::string_view prefix) {
    return std::count_if(result.varbinds.begin(), result.varbinds.end(), [&](const Varbind& v) {
      return v.oid.starts_with(std::string(prefix) + ".");
    });
  };
  EXPECT_GE(count_under(kIfOperStatus), 1);
  EXPECT_EQ(count_under(oid(kTable, "8")), 5);
  // The last column runs to the end of the agent's MIB view: v1's noSuchName ends it.
  EXPECT_EQ(count_under(oid(kBigTable, "1")), 30);
  EXPECT_EQ(result.varbinds.back().oid, oid(kBigTable, "1.30"));
}

TEST_F(SnmpPollerTest, WalkBeyondMaxWalkRowsIsOversized) {
  SnmpPoller limited({.max_walk_rows = 29});
  SnmpPoller exact({.max_walk_rows = 30});
  const std::vector targets = {
      make_target(server_->address(), v2c_, {std::string(kSysUpTime)}, {oid(kBigTable, "1")})};
  const auto too_many = limited.poll(targets).at(0);
  EXPECT_EQ(too_many.failure, Failure::oversized) << describe(too_many);
  EXPECT_NE(too_many.detail.find("29"), std::string::npos) << too_many.detail;
  EXPECT_TRUE(too_many.answered());  // what arrived is kept
  const auto fits = exact.poll(targets).at(0);
  ASSERT_EQ(fits.failure, Failure::none) << describe(fits);
  EXPECT_EQ(fits.varbinds.size(), 31u);
}

TEST_F(SnmpPollerTest, DeadTargetTimesOutWithCountedRetriesWithoutDelayingOthers) {
  const SilentPort silent;
  const auto retries2 = community_source("2c", kCommunity, 2);
  SnmpPoller poller;
  const std::vector targets = {
      uptime_target(silent.address(), retries2, 300ms),
      uptime_target(server_->address(), retries2, 3s),
  };
  const auto started = std::chrono::steady_clock::now();
  const auto results = poller.poll(targets);
  const auto elapsed = std::chrono::steady_clock::now() - started;

  EXPECT_EQ(results[0].failure, Failure::timeout) << describe(results[0]);
  EXPECT_EQ(results[0].requests, 3);
  EXPECT_EQ(results[0].retries, 2);
  EXPECT_NE(results[0].detail.find("3 attempts"), std::string::npos) << results[0].detail;
  EXPECT_FALSE(results[0].answered());
  EXPECT_EQ(results[0].round_trip.count(), 0);
  // The live agent answered while the dead one was still being retried (3 × 300 ms).
  ASSERT_EQ(results[1].failure, Failure::none) << describe(results[1]);
  EXPECT_LT(results[1].round_trip, 900ms);
  EXPECT_EQ(results[1].retries, 0);
  EXPECT_LT(elapsed, 10s);  // three 300 ms attempts, not hung
}

TEST_F(SnmpPollerTest, WrongCommunityTimesOutWithASafeDetail) {
  const auto wrong = community_source("2c", "s3cret-wrong-community", 0);
  const auto wrong_v1 = community_source("1", "s3cret-wrong-community", 0);
  SnmpPoller poller;
  const std::vector targets = {
      uptime_target(server_->address(), wrong, 300ms),
      uptime_target(server_->address(), wrong_v1, 300ms),
  };
  for (const auto& result : poller.poll(targets)) {
    EXPECT_EQ(result.failure, Failure::timeout) << describe(result);
    EXPECT_NE(result.detail.find("community"), std::string::npos) << result.detail;
    EXPECT_EQ(result.detail.find("s3cret"), std::string::npos) << result.detail;
  }
}

TEST_F(SnmpPollerTest, V3AuthPrivWithEveryProtocolAndCachedEngineId) {
  const std::vector sources = {
      v3_source("shauser", "authPriv", "SHA", "AES"),
      v3_source("sha256user", "authPriv", "SHA-256", "AES-256"),
      v3_source("sha512user", "authPriv", "SHA-512", "AES-192"),
      v3_source("md5user", "authPriv", "MD5", "DES"),
      v3_source("authuser", "authNoPriv", "SHA-224", ""),
      v3_source("plainuser", "noAuthNoPriv", "", ""),
  };
  std::vector<Target> targets;
  for (std::size_t i = 0; i < sources.size(); ++i) {
    // Each on its own port: a separate engine-id discovery per address.
    targets.push_back(make_target(server_->address(i), sources[i],
                                  {std::string(kSysUpTime), std::string(kSysName)},
                                  {oid(kTable, "8")}));
  }
  SnmpPoller poller;
  const auto first = poller.poll(targets);
  const auto second = poller.poll(targets);
  for (std::size_t i = 0; i < sources.size(); ++i) {
    SCOPED_TRACE(sources[i].username);
    for (const auto* result : {&first[i], &second[i]}) {
      ASSERT_EQ(result->failure, Failure::none) << describe(*result);
      ASSERT_EQ(result->varbinds.size(), 2u + 5u);
      EXPECT_EQ(text_of(result->varbinds[1]), "slamon-test");
      EXPECT_EQ(result->varbinds[2 + 2].number(), 2.0);
    }
    // Discovery, the GET, the walk; then the engine id is known.
    EXPECT_GE(first[i].requests, 3);
    EXPECT_EQ(second[i].requests, 2);
    EXPECT_EQ(first[i].retries, 0);
  }
}

TEST_F(SnmpPollerTest, WrongV3CredentialsFailAuthentication) {
  const std::vector sources = {
      v3_source("shauser", "authPriv", "SHA", "AES", "wrong-Auth-Pass9"),
      v3_source("nosuchuser", "authPriv", "SHA", "AES"),
      v3_source("authuser", "authPriv", "SHA-224", "AES"),        // the user has no privacy key
      v3_source("sha512user", "authPriv", "SHA-256", "AES-192"),  // wrong auth protocol
  };
  SnmpPoller poller;
  std::vector<Target> targets;
  for (const auto& source : sources) {
    targets.push_back(uptime_target(server_->address(), source, 1s));
  }
  const auto results = poller.poll(targets);
  for (std::size_t i = 0; i < results.size(); ++i) {
    SCOPED_TRACE(sources[i].username);
    EXPECT_EQ(results[i].failure, Failure::authentication) << describe(results[i]);
    EXPECT_NE(results[i].detail.find("authentication failure"), std::string::npos)
        << results[i].detail;
    EXPECT_EQ(results[i].detail.find("Pass"), std::string::npos) << results[i].detail;
    EXPECT_EQ(results[i].detail.find("pass-"), std::string::npos) << results[i].detail;
  }
  EXPECT_NE(results[0].detail.find("wrong digest"), std::string::npos) << results[0].detail;
  EXPECT_NE(results[1].detail.find("unknown user"), std::string::npos) << results[1].detail;

  // The right credentials still work on the same agent afterwards, though net-snmp keeps one
  // key set per engine and user for the whole process.
  const auto right = v3_source("shauser", "authPriv", "SHA", "AES");
  const auto retry = poller.poll(std::vector{uptime_target(server_->address(), right)});
  EXPECT_EQ(retry.at(0).failure, Failure::none) << describe(retry.at(0));
  // ... and in the same batch as wrong ones.
  const auto mixed = poller.poll(std::vector{uptime_target(server_->address(), sources[0], 1s),
                                             uptime_target(server_->address(), right, 1s),
                                             uptime_target(server_->address(), sources[0], 1s),
                                             uptime_target(server_->address(), right, 1s)});
  EXPECT_EQ(mixed.at(0).failure, Failure::authentication) << describe(mixed.at(0));
  EXPECT_EQ(mixed.at(1).failure, Failure::none) << describe(mixed.at(1));
  EXPECT_EQ(mixed.at(2).failure, Failure::authentication) << describe(mixed.at(2));
  EXPECT_EQ(mixed.at(3).failure, Failure::none) << describe(mixed.at(3));
}

// net-snmp agents drop a request they cannot decrypt without a Report: a timeout, with a hint.
TEST_F(SnmpPollerTest, WrongPrivacyPasswordTimesOutWithAHint) {
  const auto source =
      v3_source("sha256user", "authPriv", "SHA-256", "AES-256", kAuthPassword, "wrong-Priv-Pass9");
  SnmpPoller poller;
  const auto result =
      poller.poll(std::vector{uptime_target(server_->address(2), source, 300ms)}).at(0);
  EXPECT_EQ(result.failure, Failure::timeout) << describe(result);
  EXPECT_NE(result.detail.find("privacy password"), std::string::npos) << result.detail;
  EXPECT_EQ(result.detail.find("Pass9"), std::string::npos) << result.detail;
}

TEST_F(SnmpPollerTest, ShortV3PasswordIsRejectedBeforeSending) {
  const auto short_password = v3_source("shauser", "authPriv", "SHA", "AES", "tiny");
  SnmpPoller poller;
  const auto result =
      poller.poll(std::vector{uptime_target(server_->address(), short_password)}).at(0);
  EXPECT_EQ(result.failure, Failure::authentication) << describe(result);
  EXPECT_EQ(result.requests, 0);
  EXPECT_EQ(result.detail.find("tiny"), std::string::npos);
}

TEST_F(SnmpPollerTest, DeadV3TargetCostsOnlyItsOwnTimeouts) {
  const SilentPort silent;
  const auto source = v3_source("shauser", "authPriv", "SHA", "AES");
  SnmpPoller poller;
  const std::vector targets = {
      uptime_target(silent.address(), source, 300ms),
      uptime_target(server_->address(1), source, 3s),
  };
  const auto results = poller.poll(targets);
  EXPECT_EQ(results[0].failure, Failure::timeout) << describe(results[0]);
  EXPECT_EQ(results[0].requests, 2);  // discovery, retried once; never a GET
  EXPECT_NE(results[0].detail.find("discovery"), std::string::npos) << results[0].detail;
  ASSERT_EQ(results[1].failure, Failure::none) << describe(results[1]);
  EXPECT_LT(results[1].round_trip, 600ms);  // not after the dead target's 2 × 300 ms
}

TEST_F(SnmpPollerTest, ValuesChangeBetweenPolls) {
  SnmpPoller poller;
  const std::vector targets = {
      make_target(server_->address(), v2c_, {oid(kLive, "1.0"), oid(kLive, "2.0")})};
  ASSERT_TRUE(server_->set_pass_values("live", live_values(1, 5)));
  const auto before = poller.poll(targets).at(0);
  ASSERT_TRUE(server_->set_pass_values("live", live_values(2, 4000000000u)));
  const auto after = poller.poll(targets).at(0);
  ASSERT_EQ(before.failure, Failure::none) << describe(before);
  ASSERT_EQ(after.failure, Failure::none) << describe(after);
  EXPECT_EQ(before.varbinds.at(0).number(), 1.0);
  EXPECT_EQ(before.varbinds.at(1).number(), 5.0);
  EXPECT_EQ(after.varbinds.at(0).number(), 2.0);
  EXPECT_EQ(after.varbinds.at(1).type, ValueType::counter32);
  EXPECT_EQ(std::get<std::uint64_t>(after.varbinds.at(1).value), 4000000000u);
}

TEST_F(SnmpPollerTest, MaxInFlightSmallerThanTheBatchPollsEveryTarget) {
  SnmpPoller poller({.max_in_flight = 3});
  std::vector<Target> targets;
  for (std::size_t i = 0; i < 20; ++i) {
    targets.push_back(make_target(server_->address(i % server_->ports().size()), v2c_,
                                  {std::string(kSysUpTime)}, {oid(kTable, "8")}));
  }
  const auto results = poller.poll(targets);
  ASSERT_EQ(results.size(), targets.size());
  for (const auto& result : results) {
    ASSERT_EQ(result.failure, Failure::none) << describe(result);
    EXPECT_EQ(result.varbinds.size(), 6u);
  }
}

TEST_F(SnmpPollerTest, AddressesAreCheckedAndResolved) {
  const SilentPort silent;
  const auto quick = community_source("2c", kCommunity, 0);
  SnmpPoller poller;
  const std::vector targets = {
      uptime_target("localhost:" + std::to_string(server_->port()), v2c_),
      make_target("[::1", quick, {std::string(kSysUpTime)}),
      make_target("127.0.0.1:99999", quick, {std::string(kSysUpTime)}),
      make_target("no-such-host.invalid:161", quick, {std::string(kSysUpTime)}),
      make_target("[::1]:" + silent.address().substr(silent.address().rfind(':') + 1), quick,
                  {std::string(kSysUpTime)}, {}, 100ms),
      make_target("::1:161", quick, {std::string(kSysUpTime)}),
  };
  const auto results = poller.poll(targets);
  if (results[0].failure == Failure::address) {
    GTEST_SKIP() << "localhost does not resolve here: " << results[0].detail;
  }
  EXPECT_EQ(results[0].failure, Failure::none) << describe(results[0]);
  EXPECT_EQ(results[1].failure, Failure::address) << describe(results[1]);
  EXPECT_EQ(results[2].failure, Failure::address) << describe(results[2]);
  EXPECT_EQ(results[3].failure, Failure::address) << describe(results[3]);
  // A well-formed IPv6 address: sent, nobody answers there.
  EXPECT_TRUE(results[4].failure == Failure::timeout || results[4].failure == Failure::address)
      << describe(results[4]);
  EXPECT_EQ(results[5].failure, Failure::address) << describe(results[5]);
}

TEST_F(SnmpPollerTest, CountersAddUpOverPolls) {
  const SilentPort silent;
  const auto quick = community_source("2c", kCommunity, 1);
  SnmpPoller poller;
  const std::vector targets = {
      make_target(server_->address(), v2c_, {std::string(kSysUpTime)}, {oid(kTable, "14")}),
      uptime_target(silent.address(), quick, 100ms),
      make_target("[bad", quick, {std::string(kSysUpTime)}),
  };
  PollerCounters expected;
  for (int round = 0; round < 2; ++round) {
    for (const auto& result : poller.poll(targets)) {
      expected.requests += static_cast<std::uint64_t>(result.requests);
      expected.retries += static_cast<std::uint64_t>(result.retries);
      expected.varbinds += result.varbinds.size();
      expected.failures += result.failure == Failure::none ? 0 : 1;
      expected.timeouts += result.failure == Failure::timeout ? 1 : 0;
    }
  }
  const auto counters = poller.counters();
  EXPECT_EQ(counters.requests, expected.requests);
  EXPECT_EQ(counters.retries, expected.retries);
  EXPECT_EQ(counters.varbinds, expected.varbinds);
  EXPECT_EQ(counters.failures, 4u);
  EXPECT_EQ(counters.timeouts, 2u);
  EXPECT_EQ(counters.retries, 2u);
  EXPECT_EQ(counters.varbinds, 2u * (1 + 5));
  EXPECT_EQ(counters.requests, 2u * (2 + 2));
}

TEST_F(SnmpPollerTest, InvalidOidsAndEmptyTargetsFailAlone) {
  SnmpPoller poller;
  const std::vector targets = {
      make_target(server_->address(), v2c_, {"1.3.6.x"}),
      make_target(server_->address(), v2c_, {}),
      uptime_target(server_->address(), v2c_),
  };
  const auto results = poller.poll(targets);
  EXPECT_EQ(results[0].failure, Failure::other) << describe(results[0]);
  EXPECT_EQ(results[1].failure, Failure::other) << describe(results[1]);
  EXPECT_EQ(results[2].failure, Failure::none) << describe(results[2]);
}

// ---- A scripted, hostile agent: answers with hand-built BER (test code only).

using Bytes = std::string;

Bytes ber_length(std::size_t length) {
  if (length < 0x80) return Bytes(1, static_cast<char>(length));
  Bytes digits;
  for (; length > 0; length >>= 8) digits.insert(digits.begin(), static_cast<char>(length & 0xff));
  return Bytes(1, static_cast<char>(0x80 | digits.size())) + digits;
}
Bytes tlv(unsigned char tag, const Bytes& content) {
  return Bytes(1, static_cast<char>(tag)) + ber_length(content.size()) + content;
}
Bytes ber_integer(std::int64_t value) {
  Bytes bytes;
  for (int i = 0; i < 8; ++i)
    bytes.insert(bytes.begin(), static_cast<char>((value >> (8 * i)) & 0xff));
  while (bytes.size() > 1 && ((bytes[0] == 0 && !(bytes[1] & 0x80)) ||
                              (bytes[0] == static_cast<char>(0xff) && (bytes[1] & 0x80)))) {
    bytes.erase(bytes.begin());
  }
  return tlv(0x02, bytes);
}
Bytes ber_oid(std::string_view text) {
  std::vector<std::uint32_t> ids;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto dot = text.find('.', start);
    ids.push_back(static_cast<std::uint32_t>(std::stoul(
        std::string(text.substr(start, dot == std::string_view::npos ? dot : dot - start)))));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  Bytes bytes(1, static_cast<char>(ids[0] * 40 + ids[1]));
  for (std::size_t i = 2; i < ids.size(); ++i) {
    Bytes arc(1, static_cast<char>(ids[i] & 0x7f));
    for (std::uint32_t rest = ids[i] >> 7; rest > 0; rest >>= 7) {
      arc.insert(arc.begin(), static_cast<char>(0x80 | (rest & 0x7f)));
    }
    bytes += arc;
  }
  return tlv(0x06, bytes);
}

// The parts of an SNMPv1/v2c request the fake agent needs (short and long BER lengths).
struct Request {
  int pdu_type = 0;
  std::int64_t request_id = 0;
  std::int64_t error_index = 0;   // GETBULK: max-repetitions
  std::vector<std::string> oids;  // as raw BER OID encodings (tag included)
};
std::optional<Request> parse_request(const Bytes& packet) {
  std::size_t at = 0;
  auto header = [&](unsigned char& tag, std::size_t& length) {
    if (at + 2 > packet.size()) return false;
    tag = static_cast<unsigned char>(packet[at++]);
    std::size_t first = static_cast<unsigned char>(packet[at++]);
    if (first & 0x80) {
      const std::size_t count = first & 0x7f;
      if (count > 4 || at + count > packet.size()) return false;
      length = 0;
      for (std::size_t i = 0; i < count; ++i) {
        length = (length << 8) | static_cast<unsigned char>(packet[at++]);
      }
    } else {
      length = first;
    }
    return at + length <= packet.size();
  };
  unsigned char tag = 0;
  std::size_t length = 0;
  Request request;
  if (!header(tag, length) || tag != 0x30) return std::nullopt;  // message
  if (!header(tag, length)) return std::nullopt;                 // version
  at += length;
  if (!header(tag, length)) return std::nullopt;  // community
  at += length;
  if (!header(tag, length)) return std::nullopt;  // PDU
  request.pdu_type = tag;
  if (!header(tag, length) || tag != 0x02) return std::nullopt;  // request-id
  for (std::size_t i = 0; i < length; ++i) {
    request.request_id = (request.request_id << 8) | static_cast<unsigned char>(packet[at++]);
  }
  if (!header(tag, length)) return std::nullopt;  // error-status (non-repeaters)
  at += length;
  if (!header(tag, length) || tag != 0x02) return std::nullopt;  // error-index (max-reps)
  for (std::size_t i = 0; i < length; ++i) {
    request.error_index = (request.error_index << 8) | static_cast<unsigned char>(packet[at++]);
  }
  if (!header(tag, length) || tag != 0x30) return std::nullopt;  // varbind list
  const std::size_t end = at + length;
  while (at < end) {
    if (!header(tag, length) || tag != 0x30) return std::nullopt;  // varbind
    const std::size_t varbind_end = at + length;
    const std::size_t oid_start = at;
    if (!header(tag, length) || tag != 0x06) return std::nullopt;
    at += length;
    request.oids.push_back(packet.substr(oid_start, at - oid_start));
    at = varbind_end;
  }
  return request;
}
Bytes response(std::int64_t request_id, const std::vector<Bytes>& varbinds, int error_status = 0,
               int error_index = 0) {
  Bytes list;
  for (const auto& varbind : varbinds) list += varbind;
  const Bytes pdu = tlv(0xa2, ber_integer(request_id) + ber_integer(error_status) +
                                  ber_integer(error_index) + tlv(0x30, list));
  return tlv(0x30, ber_integer(1) + tlv(0x04, "hostile") + pdu);
}
Bytes varbind(const Bytes& oid_encoding, const Bytes& value) {
  return tlv(0x30, oid_encoding + value);
}

// Answers each datagram with what `script` returns (nothing: no answer), from its own thread.
class FakeAgent {
 public:
  using Script = std::function<std::vector<Bytes>(const Bytes& request)>;
  explicit FakeAgent(Script script) : script_(std::move(script)) {
    fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeAgent() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }
  FakeAgent(const FakeAgent&) = delete;
  FakeAgent& operator=(const FakeAgent&) = delete;
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  int requests() const { return requests_; }

 private:
  void serve() {
    std::vector<char> buffer(65536);
    while (!stop_) {
      pollfd ready{fd_, POLLIN, 0};
      if (::poll(&ready, 1, 20) <= 0) continue;
      sockaddr_storage peer{};
      socklen_t peer_length = sizeof(peer);
      const ssize_t got = recvfrom(fd_, buffer.data(), buffer.size(), 0,
                                   reinterpret_cast<sockaddr*>(&peer), &peer_length);
      if (got <= 0) continue;
      ++requests_;
      for (const auto& answer : script_(Bytes(buffer.data(), static_cast<std::size_t>(got)))) {
        sendto(fd_, answer.data(), answer.size(), 0, reinterpret_cast<sockaddr*>(&peer),
               peer_length);
      }
    }
  }

  Script script_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

const SnmpSourceConfig& hostile_source() {
  static const SnmpSourceConfig source = community_source("2c", "hostile", 0);
  return source;
}

// The last arc of a BER-encoded OID (tag and length included).
std::uint32_t last_arc(const Bytes& encoding) {
  std::uint32_t value = 0;
  std::size_t start = encoding.size() - 1;
  while (start > 2 && (static_cast<unsigned char>(encoding[start - 1]) & 0x80)) --start;
  for (std::size_t i = start; i < encoding.size(); ++i) {
    value = (value << 7) | (static_cast<unsigned char>(encoding[i]) & 0x7f);
  }
  return value;
}

TEST(SnmpPollerHostileAgentTest, TooBigMakesRequestsSmaller) {
  const std::string column = "1.3.6.1.4.1.99999.7.1";
  const Bytes column_encoding = ber_oid(column);
  std::atomic<int> too_big{0};
  // tooBig for GETs of more than 2 objects and GETBULKs of more than 2 repetitions.
  FakeAgent agent([&](const Bytes& packet) -> std::vector<Bytes> {
    auto request = parse_request(packet);
    if (!request) return {};
    const bool bulk = request->pdu_type == 0xa5;
    if ((!bulk && request->oids.size() > 2) || (bulk && request->error_index > 2)) {
      ++too_big;
      return {response(request->request_id, {}, 1, 0)};
    }
    std::vector<Bytes> varbinds;
    if (!bulk) {
      for (const auto& oid_encoding : request->oids) {
        varbinds.push_back(varbind(oid_encoding, ber_integer(last_arc(oid_encoding))));
      }
    } else {
      const auto& asked = request->oids.at(0);
      std::uint32_t row = asked == column_encoding ? 1 : last_arc(asked) + 1;
      for (std::int64_t i = 0; i < request->error_index; ++i, ++row) {
        varbinds.push_back(
            row <= 5 ? varbind(ber_oid(column + "." + std::to_string(row)), ber_integer(row))
                     : varbind(ber_oid("1.3.6.1.4.1.99999.7.2.1"), ber_integer(0)));
      }
    }
    return {response(request->request_id, varbinds)};
  });
  SnmpSourceConfig source = community_source("2c", "hostile", 0);
  source.max_repetitions = 8;
  SnmpPoller poller({.max_varbinds_per_get = 8});
  std::vector<std::string> get;
  for (int i = 1; i <= 7; ++i) get.push_back("1.3.6.1.4.1.99999.8." + std::to_string(i));
  const auto result =
      poller.poll(std::vector{make_target(agent.address(), source, get, {column}, 500ms)}).at(0);
  ASSERT_EQ(result.failure, Failure::none) << describe(result);
  ASSERT_EQ(result.varbinds.size(), 7u + 5u);
  for (std::size_t i = 0; i < 7; ++i) {
    EXPECT_EQ(result.varbinds[i].oid, get[i]);
    EXPECT_EQ(result.varbinds[i].number(), static_cast<double>(i + 1));
  }
  for (std::size_t row = 1; row <= 5; ++row) {
    EXPECT_EQ(result.varbinds[6 + row].oid, column + "." + std::to_string(row));
  }
  // GET: 8 → tooBig, 4 → tooBig, then 2 + 2 + 2 + 1. GETBULK: 8 → tooBig, 4 → tooBig, then
  // 2 + 2 + 2 repetitions (the last runs past the end).
  EXPECT_EQ(too_big, 4);
  EXPECT_EQ(result.requests, 2 + 4 + 2 + 3);
}

TEST(SnmpPollerHostileAgentTest, WalkThatDoesNotAdvanceIsMalformed) {
  const std::string column = "1.3.6.1.4.1.99999.7.1";
  FakeAgent agent([&](const Bytes& packet) -> std::vector<Bytes> {
    auto request = parse_request(packet);
    if (!request) return {};
    // Every answer: the same first row.
    return {response(request->request_id, {varbind(ber_oid(column + ".1"), ber_integer(7))})};
  });
  SnmpPoller poller;
  const auto result =
      poller.poll(std::vector{make_target(agent.address(), hostile_source(), {}, {column}, 500ms)})
          .at(0);
  EXPECT_EQ(result.failure, Failure::malformed) << describe(result);
  EXPECT_NE(result.detail.find("did not advance"), std::string::npos) << result.detail;
  EXPECT_EQ(result.varbinds.size(), 1u);  // the first row was fine
  EXPECT_EQ(result.requests, 2);
}

TEST(SnmpPollerHostileAgentTest, EndlessWalkStopsAtMaxWalkRows) {
  const std::string column = "1.3.6.1.4.1.99999.7.1";
  std::atomic<int> next_row{1};
  FakeAgent agent([&](const Bytes& packet) -> std::vector<Bytes> {
    auto request = parse_request(packet);
    if (!request) return {};
    std::vector<Bytes> rows;
    for (int i = 0; i < 10; ++i) {
      rows.push_back(varbind(ber_oid(column + "." + std::to_string(next_row++)), ber_integer(1)));
    }
    return {response(request->request_id, rows)};
  });
  SnmpPoller poller({.max_walk_rows = 95});
  const auto result =
      poller.poll(std::vector{make_target(agent.address(), hostile_source(), {}, {column}, 500ms)})
          .at(0);
  EXPECT_EQ(result.failure, Failure::oversized) << describe(result);
  EXPECT_EQ(result.varbinds.size(), 95u);
  EXPECT_EQ(result.requests, 10);
}

TEST(SnmpPollerHostileAgentTest, WrongAnswersAreIgnoredOrRejected) {
  FakeAgent agent([&](const Bytes& packet) -> std::vector<Bytes> {
    auto request = parse_request(packet);
    if (!request) return {};
    const Bytes good = varbind(request->oids.at(0), ber_integer(5));
    return {
        response(request->request_id + 1, {good}),    // someone else's request-id
        Bytes("\x30\x03\x02\x01", 4),                 // truncated
        response(request->request_id, {good, good}),  // one varbind too many
    };
  });
  SnmpPoller poller;
  const auto result =
      poller.poll(std::vector{uptime_target(agent.address(), hostile_source(), 500ms)}).at(0);
  EXPECT_EQ(result.failure, Failure::malformed) << describe(result);
  EXPECT_TRUE(result.varbinds.empty());
}

TEST(SnmpPollerHostileAgentTest, GarbageAndMangledAnswersNeverCrash) {
  // Every prefix and many single-byte corruptions of a valid answer (and random bytes): each
  // poll ends with some result, never a crash (run under ASan/UBSan to mean something).
  std::mt19937 random(42);
  std::atomic<int> round{0};
  FakeAgent agent([&](const Bytes& packet) -> std::vector<Bytes> {
    auto request = parse_request(packet);
    if (!request) return {};
    Bytes valid = response(
        request->request_id,
        {varbind(request->oids.at(0), tlv(0x04, "some text")),
         varbind(request->oids.at(1), tlv(0x46, Bytes("\x01\x02\x03\x04\x05\x06\x07\x08", 8))),
         varbind(request->oids.at(2), tlv(0x06, Bytes("\x2b\x06\x01", 3)))});
    const int n = round++;
    std::vector<Bytes> answers;
    if (n < static_cast<int>(valid.size())) {
      answers.push_back(valid.substr(0, static_cast<std::size_t>(n)));
    } else if (n % 2 == 0) {
      Bytes mangled = valid;
      mangled[random() % mangled.size()] = static_cast<char>(random());
      mangled[random() % mangled.size()] = static_cast<char>(random());
      answers.push_back(mangled);
    } else {
      Bytes noise(random() % 200, '\0');
      for (auto& c : noise) c = static_cast<char>(random());
      answers.push_back(noise);
    }
    return answers;
  });
  SnmpPoller poller;
  const std::vector targets = {
      make_target(agent.address(), hostile_source(),
                  {"1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.1.2.0", "1.3.6.1.2.1.1.3.0"}, {}, 20ms)};
  int answered = 0;
  for (int i = 0; i < 160; ++i) {
    const auto result = poller.poll(targets).at(0);
    if (result.failure == Failure::none) {
      ++answered;
      EXPECT_EQ(result.varbinds.size(), 3u);
    }
  }
  // The agent thread may still be reading the last request.
  for (int wait = 0; wait < 500 && agent.requests() < 160; ++wait) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(agent.requests(), 160);
  EXPECT_LT(answered, 160);
}

// The daemon may hold more than 1024 descriptors: session sockets above FD_SETSIZE must work.
TEST_F(SnmpPollerTest, SocketsAboveFdSetSizeWork) {
  rlimit limit{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
  if (limit.rlim_cur < 1400) GTEST_SKIP() << "RLIMIT_NOFILE below 1400";
  std::vector<int> filler;
  while (filler.size() < 1100) filler.push_back(open("/dev/null", O_RDONLY | O_CLOEXEC));
  SnmpPoller poller;
  std::vector<Target> targets;
  for (std::size_t i = 0; i < 12; ++i) {
    targets.push_back(make_target(server_->address(i % server_->ports().size()), v2c_,
                                  {std::string(kSysUpTime)}, {oid(kTable, "8")}));
  }
  const auto results = poller.poll(targets);
  for (const int fd : filler) close(fd);
  for (const auto& result : results) {
    ASSERT_EQ(result.failure, Failure::none) << describe(result);
    EXPECT_EQ(result.varbinds.size(), 6u);
  }
}

// Out of descriptors with targets in flight: the rest wait for sockets instead of failing.
TEST_F(SnmpPollerTest, RunningOutOfDescriptorsNarrowsTheWindow) {
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  SnmpPoller poller;  // its epoll descriptor first
  // Fill every free descriptor number up to the highest open one, then allow five more.
  int highest = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    highest = std::max(highest, std::stoi(entry.path().filename().string()));
  }
  std::vector<int> filler;
  for (int fd = -1; fd <= highest;) {
    fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    filler.push_back(fd);
  }
  rlimit narrow = saved;
  narrow.rlim_cur = static_cast<rlim_t>(filler.back() + 6);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &narrow), 0);
  std::vector<Target> targets;
  for (std::size_t i = 0; i < 30; ++i) {
    targets.push_back(uptime_target(server_->address(i % server_->ports().size()), v2c_));
  }
  const auto results = poller.poll(targets);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);
  for (const int fd : filler) close(fd);
  for (const auto& result : results) {
    EXPECT_EQ(result.failure, Failure::none) << describe(result);
  }
}

// Several pollers on several threads at once (one per source in the daemon), v2c and v3.
TEST_F(SnmpPollerTest, PollersOnSeveralThreadsAtOnce) {
  const auto sha = v3_source("shauser", "authPriv", "SHA", "AES");
  const auto sha256 = v3_source("sha256user", "authPriv", "SHA-256", "AES-256");
  const auto wrong = v3_source("shauser", "authPriv", "SHA", "AES", "wrong-Auth-Pass9");
  std::vector<std::vector<Target>> batches(4);
  for (std::size_t i = 0; i < batches.size(); ++i) {
    for (std::size_t port = 0; port < server_->ports().size(); ++port) {
      const SnmpSourceConfig& source = i == 0 ? v2c_ : i == 1 ? sha : i == 2 ? sha256 : wrong;
      batches[i].push_back(make_target(server_->address(port), source,
                                       {std::string(kSysUpTime), std::string(kSysName)},
                                       {oid(kTable, "8")}, 2s));
    }
  }
  std::vector<std::vector<std::vector<PollResult>>> results(batches.size());
  {
    std::vector<std::jthread> threads;
    for (std::size_t i = 0; i < batches.size(); ++i) {
      threads.emplace_back([&, i] {
        SnmpPoller poller;
        for (int round = 0; round < 5; ++round) results[i].push_back(poller.poll(batches[i]));
      });
    }
  }
  for (std::size_t i = 0; i < batches.size(); ++i) {
    for (const auto& round : results[i]) {
      for (const auto& result : round) {
        if (i == 3) {
          EXPECT_EQ(result.failure, Failure::authentication) << describe(result);
        } else {
          ASSERT_EQ(result.failure, Failure::none) << i << ": " << describe(result);
          EXPECT_EQ(result.varbinds.size(), 2u + 5u);
        }
      }
    }
  }
}

// A separate, slow agent: snmpd is single-threaded, so its pass program holds up all of it.
TEST(SnmpPollerSlowAgentTest, SlowAgentTimesOutWhileOthersAreFine) {
  if (!snmpd_installed()) GTEST_SKIP() << "snmpd is not installed";
  SnmpdOptions slow_options;
  slow_options.config_lines = {"rocommunity " + std::string(kCommunity) + " 127.0.0.1"};
  slow_options.pass_tables = {SnmpdPassTable{
      .name = "slow", .subtree = std::string(kLive), .values = live_values(1, 1), .delay = 1500ms}};
  slow_options.stop_deadline = 1s;
  auto slow = SnmpdServer::start(slow_options);
  ASSERT_TRUE(slow) << slow.error().message;
  SnmpdOptions fast_options;
  fast_options.config_lines = {"rocommunity " + std::string(kCommunity) + " 127.0.0.1"};
  auto fast = SnmpdServer::start(fast_options);
  ASSERT_TRUE(fast) << fast.error().message;

  const auto source = community_source("2c", kCommunity, 0);
  SnmpPoller poller;
  const std::vector targets = {
      make_target((*slow)->address(), source, {oid(kLive, "1.0")}, {}, 400ms),
      uptime_target((*fast)->address(), source, 3s),
      make_target((*fast)->address(), source, {std::string(kSysDescr)}, {}, 3s),
  };
  const auto results = poller.poll(targets);
  EXPECT_EQ(results[0].failure, Failure::timeout) << describe(results[0]);
  EXPECT_EQ(results[1].failure, Failure::none) << describe(results[1]);
  EXPECT_EQ(results[2].failure, Failure::none) << describe(results[2]);
  // Answered before the slow agent's 400 ms timeout, let alone its 1.5 s delay.
  EXPECT_LT(results[1].round_trip, 400ms);
}

}  // namespace
}  // namespace slamon::snmp
