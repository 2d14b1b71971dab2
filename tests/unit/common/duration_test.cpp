#include "common/duration.h"

#include <gtest/gtest.h>

namespace slamon {
namespace {

using std::chrono::milliseconds;

TEST(DurationTest, ParsesPrometheusSyntax) {
  const std::pair<const char*, long long> cases[] = {
      {"0", 0},
      {"30s", 30'000},
      {"5m", 300'000},
      {"1h30m", 5'400'000},
      {"7d", 604'800'000},
      {"250ms", 250},
      {"1w", 604'800'000},
      {"1y", 31'536'000'000},
      {"1h1m1s1ms", 3'661'001},
      {"90m", 5'400'000},
  };
  for (const auto& [text, millis] : cases) {
    auto parsed = parse_duration(text);
    ASSERT_TRUE(parsed.has_value()) << text;
    EXPECT_EQ(parsed->count(), millis) << text;
  }
}

TEST(DurationTest, RejectsAnythingElse) {
  for (const char* text : {"", "5", "m", "-5m", "1.5h", "5M", "5mm", "1m1h", "1s1s", "5 m", "1d2",
                           "ms", "99999999999999999999s", "1e3s"}) {
    EXPECT_FALSE(parse_duration(text).has_value()) << text;
  }
}

TEST(DurationTest, FormatsCanonically) {
  EXPECT_EQ(format_duration(milliseconds(0)), "0s");
  EXPECT_EQ(format_duration(milliseconds(90'000)), "1m30s");
  EXPECT_EQ(format_duration(milliseconds(300'000)), "5m");
  EXPECT_EQ(format_duration(milliseconds(86'400'000)), "1d");
  EXPECT_EQ(format_duration(milliseconds(1'500)), "1s500ms");
}

TEST(DurationTest, FormatThenParseRoundTrips) {
  for (long long ms : {1LL, 999LL, 60'000LL, 3'723'004LL, 691'200'000LL}) {
    EXPECT_EQ(parse_duration(format_duration(milliseconds(ms)))->count(), ms);
  }
}

}  // namespace
}  // namespace slamon
