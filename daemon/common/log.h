// Structured logging in the Prometheus style: `ts=... level=info msg="..." key=value`
// (logfmt) or one JSON object per line. A thin layer over spdlog, which owns the sinks and
// levels; thread-safe. Never pass a secret (token, URL with credentials) as a field.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace slamon::log {

enum class Level { debug, info, warn, error };
enum class Format { logfmt, json };

struct Field {
  std::string_view key;
  std::string value;
  Field(std::string_view k, std::string v) : key(k), value(std::move(v)) {}
  Field(std::string_view k, const char* v) : key(k), value(v) {}
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, double v);
  Field(std::string_view k, long long v) : key(k), value(std::to_string(v)) {}
  Field(std::string_view k, int v) : key(k), value(std::to_string(v)) {}
  Field(std::string_view k, std::size_t v) : key(k), value(std::to_string(v)) {}
  Field(std::string_view k, bool v) : key(k), value(v ? "true" : "false") {}
};

// Configures the process-wide logger (stderr). Safe to call again (e.g. on reload).
void configure(Level level, Format format);
bool parse_level(std::string_view text, Level& out);
bool parse_format(std::string_view text, Format& out);

void write(Level level, std::string_view message, std::initializer_list<Field> fields = {});
inline void debug(std::string_view m, std::initializer_list<Field> f = {}) {
  write(Level::debug, m, f);
}
inline void info(std::string_view m, std::initializer_list<Field> f = {}) {
  write(Level::info, m, f);
}
inline void warn(std::string_view m, std::initializer_list<Field> f = {}) {
  write(Level::warn, m, f);
}
inline void error(std::string_view m, std::initializer_list<Field> f = {}) {
  write(Level::error, m, f);
}

// Renders one line without writing it (used by the writer and by tests).
std::string render(Format format, std::string_view timestamp, Level level, std::string_view message,
                   std::initializer_list<Field> fields);

}  // namespace slamon::log
