#include "common/log.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace slamon::log {
namespace {

TEST(LogTest, LogfmtQuotesOnlyWhenNeeded) {
  EXPECT_EQ(render(Format::logfmt, "2026-01-01T00:00:00Z", Level::info, "cycle done",
                   {{"policies", 3}, {"source", "prom"}, {"err", "a \"b\"\nc"}}),
            "ts=2026-01-01T00:00:00Z level=info msg=\"cycle done\" policies=3 source=prom "
            "err=\"a \\\"b\\\"\\nc\"");
}

TEST(LogTest, JsonIsOneValidObject) {
  const std::string line = render(Format::json, "2026-01-01T00:00:00Z", Level::warn, "bad \"x\"",
                                  {{"k", "v\\w"}, {"ratio", 0.5}});
  const auto parsed = nlohmann::json::parse(line);
  EXPECT_EQ(parsed["level"], "warn");
  EXPECT_EQ(parsed["msg"], "bad \"x\"");
  EXPECT_EQ(parsed["k"], "v\\w");
  EXPECT_EQ(parsed["ratio"], "0.5");
}

TEST(LogTest, ParsesLevelsAndFormats) {
  Level level{};
  EXPECT_TRUE(parse_level("debug", level));
  EXPECT_EQ(level, Level::debug);
  EXPECT_FALSE(parse_level("verbose", level));
  Format format{};
  EXPECT_TRUE(parse_format("json", format));
  EXPECT_EQ(format, Format::json);
  EXPECT_FALSE(parse_format("text", format));
}

}  // namespace
}  // namespace slamon::log
