#include "common/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cmath>
#include <cstdio>

#include "common/clock.h"

namespace slamon::log {
namespace {

std::atomic<Format> g_format{Format::logfmt};

std::shared_ptr<spdlog::logger> logger() {
  static std::shared_ptr<spdlog::logger> instance = [] {
    auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    auto created = std::make_shared<spdlog::logger>("slamon", sink);
    created->set_pattern("%v");
    created->set_level(spdlog::level::info);
    created->flush_on(spdlog::level::debug);
    return created;
  }();
  return instance;
}

std::string_view level_name(Level level) {
  switch (level) {
    case Level::debug:
      return "debug";
    case Level::info:
      return "info";
    case Level::warn:
      return "warn";
    case Level::error:
      return "error";
  }
  return "info";
}

spdlog::level::level_enum to_spdlog(Level level) {
  switch (level) {
    case Level::debug:
      return spdlog::level::debug;
    case Level::info:
      return spdlog::level::info;
    case Level::warn:
      return spdlog::level::warn;
    case Level::error:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

bool needs_quotes(std::string_view v) {
  if (v.empty()) return true;
  for (char c : v) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20)
      return true;
  }
  return false;
}

void append_escaped(std::string& out, std::string_view v) {
  for (char c : v) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
}

void append_logfmt_pair(std::string& out, std::string_view key, std::string_view value) {
  if (!out.empty()) out += ' ';
  out += key;
  out += '=';
  if (needs_quotes(value)) {
    out += '"';
    append_escaped(out, value);
    out += '"';
  } else {
    out += value;
  }
}

void append_json_pair(std::string& out, std::string_view key, std::string_view value) {
  out += out.size() > 1 ? ",\"" : "\"";
  append_escaped(out, key);
  out += "\":\"";
  append_escaped(out, value);
  out += '"';
}

}  // namespace

Field::Field(std::string_view k, double v) : key(k) {
  char buf[32];
  if (std::isfinite(v)) {
    std::snprintf(buf, sizeof buf, "%.6g", v);
  } else {
    std::snprintf(buf, sizeof buf, "%s", std::isnan(v) ? "NaN" : (v > 0 ? "+Inf" : "-Inf"));
  }
  value = buf;
}

bool parse_level(std::string_view text, Level& out) {
  for (Level l : {Level::debug, Level::info, Level::warn, Level::error}) {
    if (text == level_name(l)) {
      out = l;
      return true;
    }
  }
  return false;
}

bool parse_format(std::string_view text, Format& out) {
  if (text == "logfmt")
    out = Format::logfmt;
  else if (text == "json")
    out = Format::json;
  else
    return false;
  return true;
}

void configure(Level level, Format format) {
  g_format.store(format);
  logger()->set_level(to_spdlog(level));
}

std::string render(Format format, std::string_view timestamp, Level level, std::string_view message,
                   std::initializer_list<Field> fields) {
  std::string out;
  if (format == Format::json) {
    out = "{";
    append_json_pair(out, "ts", timestamp);
    append_json_pair(out, "level", level_name(level));
    append_json_pair(out, "msg", message);
    for (const auto& f : fields) append_json_pair(out, f.key, f.value);
    out += '}';
  } else {
    append_logfmt_pair(out, "ts", timestamp);
    append_logfmt_pair(out, "level", level_name(level));
    append_logfmt_pair(out, "msg", message);
    for (const auto& f : fields) append_logfmt_pair(out, f.key, f.value);
  }
  return out;
}

void write(Level level, std::string_view message, std::initializer_list<Field> fields) {
  auto& sink = *logger();
  if (!sink.should_log(to_spdlog(level))) return;
  const std::string line = render(g_format.load(), format_rfc3339(std::chrono::system_clock::now()),
                                  level, message, fields);
  sink.log(to_spdlog(level), "{}", line);
}

}  // namespace slamon::log
