// The process's logging as --log.level / --log.format or global.log_level / log_format ask:
// one place that reads the two settings and configures common/log.h, at start and on every
// reload. Thread-safe as log::configure is.
#pragma once

#include <string_view>

#include "config/config.h"

namespace slamon {

// Values the configuration loader would refuse (and empty ones) keep the defaults, info and
// logfmt, so logging is always configured.
void configure_logging(std::string_view level, std::string_view format);
void configure_logging(const GlobalConfig& global);

}  // namespace slamon
