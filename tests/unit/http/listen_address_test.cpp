#include "http/listen_address.h"

#include <gtest/gtest.h>

namespace slamon::http {
namespace {

TEST(ListenAddress, ParsesTheAcceptedForms) {
  auto v4 = parse_listen_address("0.0.0.0:9877");
  ASSERT_TRUE(v4) << v4.error().message;
  EXPECT_EQ(v4->family, ListenAddress::Family::ipv4);
  EXPECT_EQ(v4->host, "0.0.0.0");
  EXPECT_EQ(v4->port, 9877);

  auto zero = parse_listen_address("127.0.0.1:0");
  ASSERT_TRUE(zero);
  EXPECT_EQ(zero->port, 0);

  auto v6 = parse_listen_address("[::1]:9877");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->family, ListenAddress::Family::ipv6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->to_string(), "[::1]:9877");

  auto any = parse_listen_address(":9877");
  ASSERT_TRUE(any);
  EXPECT_EQ(any->family, ListenAddress::Family::any);
  EXPECT_EQ(any->to_string(), ":9877");

  auto local = parse_listen_address("localhost:65535");
  ASSERT_TRUE(local);
  EXPECT_EQ(local->host, "127.0.0.1");
  EXPECT_EQ(local->port, 65535);
}

TEST(ListenAddress, RejectsMalformedAddresses) {
  for (const char* text : {"", "9877", "0.0.0.0", "0.0.0.0:", "0.0.0.0:65536", "0.0.0.0:-1",
                           "0.0.0.0:+80", "0.0.0.0:80x", "256.0.0.1:80", "example.com:80",
                           "::1:9877", "[::1:9877", "[]:80", "[1.2.3.4]:80", "1.2.3.4:80:90"}) {
    auto parsed = parse_listen_address(text);
    EXPECT_FALSE(parsed) << text;
    if (!parsed) {
      EXPECT_NE(parsed.error().message.find("invalid listen address"), std::string::npos) << text;
    }
  }
}

}  // namespace
}  // namespace slamon::http
