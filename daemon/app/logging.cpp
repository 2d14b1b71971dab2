#include "app/logging.h"

#include "common/log.h"

namespace slamon {

void configure_logging(std::string_view level_text, std::string_view format_text) {
  log::Level level = log::Level::info;
  log::Format format = log::Format::logfmt;
  log::parse_level(level_text, level);
  log::parse_format(format_text, format);
  log::configure(level, format);
}

void configure_logging(const GlobalConfig& global) {
  configure_logging(global.log_level, global.log_format);
}

}  // namespace slamon
