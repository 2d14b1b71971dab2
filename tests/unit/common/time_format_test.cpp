#include "common/time_format.h"

#include <gtest/gtest.h>

namespace slamon {
namespace {

using namespace std::chrono_literals;

WallTime at(std::string_view text) {
  auto parsed = parse_rfc3339(text);
  EXPECT_TRUE(parsed) << text;
  return parsed.value_or(WallTime{});
}

TEST(TimeFormatTest, ReadsWhatFormatRfc3339Writes) {
  for (double seconds : {0.0, 1795000000.0, 1795000000.25, 1767225600.001}) {
    const WallTime t = from_unix_seconds(seconds);
    EXPECT_EQ(at(format_rfc3339(t)), std::chrono::floor<std::chrono::milliseconds>(t))
        << format_rfc3339(t);
  }
}

TEST(TimeFormatTest, OffsetsLowerCaseAndFractions) {
  EXPECT_EQ(at("2026-12-01T03:00:00+01:00"), at("2026-12-01T02:00:00Z"));
  EXPECT_EQ(at("2026-12-01T01:30:00-00:30"), at("2026-12-01T02:00:00Z"));
  EXPECT_EQ(at("2026-12-01t02:00:00.5z"), at("2026-12-01T02:00:00Z") + 500ms);
  EXPECT_EQ(at("2026-12-01T02:00:00.123456Z"), at("2026-12-01T02:00:00Z") + 123456us);
  EXPECT_EQ(at("2024-02-29T00:00:00Z") - at("2024-02-28T00:00:00Z"), 24h);
}

TEST(TimeFormatTest, RefusesWhatIsNotAnRfc3339DateTime) {
  for (const char* bad :
       {"2026-12-01T02:00:00", "2026-12-01", "2026-12-01 02:00:00Z", "2026-13-01T02:00:00Z",
        "2026-02-30T02:00:00Z", "2026-12-01T24:00:00Z", "2026-12-01T02:60:00Z",
        "2026-12-01T02:00:60Z", "2026-12-01T02:00:00.Z", "2026-12-01T02:00:00+0100",
        "2026-12-01T02:00:00+24:00", "2026-12-01T02:00:00+01:60", "2026-12-01T02:00:00Zjunk",
        "2026-12-01T02:00:00+01:00x", "yesterday", ""}) {
    EXPECT_FALSE(parse_rfc3339(bad)) << bad;
  }
}

TEST(TimeFormatTest, ASpaceSeparatorOnlyWhenAsked) {
  EXPECT_FALSE(parse_rfc3339("2026-12-01 02:00:00Z"));
  EXPECT_EQ(parse_rfc3339("2026-12-01 02:00:00Z", Rfc3339Syntax{.space_separator = true}),
            at("2026-12-01T02:00:00Z"));
}

}  // namespace
}  // namespace slamon
