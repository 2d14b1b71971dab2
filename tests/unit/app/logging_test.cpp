#include "app/logging.h"

#include <gtest/gtest.h>

#include "common/log.h"

namespace slamon {
namespace {

// What the configured logger writes is rendered by common/log.h (tested there); this checks
// that every spelling, known or not, leaves logging configured and never throws.
TEST(LoggingTest, KnownAndUnknownSettingsConfigure) {
  EXPECT_NO_THROW(configure_logging("debug", "json"));
  EXPECT_NO_THROW(configure_logging("", ""));
  EXPECT_NO_THROW(configure_logging("loud", "xml"));
  GlobalConfig global;
  global.log_level = "warn";
  global.log_format = "logfmt";
  EXPECT_NO_THROW(configure_logging(global));
  configure_logging("info", "logfmt");
}

}  // namespace
}  // namespace slamon
