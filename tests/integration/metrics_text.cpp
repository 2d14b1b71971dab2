#include "integration/metrics_text.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string_view>

namespace slamon::integration {
namespace {

bool is_name_char(char c, bool first) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalpha(u) || c == '_' || c == ':' || (!first && std::isdigit(u));
}

Result<double> parse_value(std::string_view text) {
  if (text == "+Inf") return std::numeric_limits<double>::infinity();
  if (text == "-Inf") return -std::numeric_limits<double>::infinity();
  if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
  const std::string copy(text);
  char* end = nullptr;
  const double value = std::strtod(copy.c_str(), &end);
  if (copy.empty() || end != copy.c_str() + copy.size())
    return fail("bad sample value `" + copy + "`");
  return value;
}

Result<MetricSample> parse_sample(std::string_view line) {
  MetricSample sample;
  std::size_t at = 0;
  while (at < line.size() && is_name_char(line[at], at == 0)) ++at;
  if (at == 0) return fail("no metric name");
  sample.name = std::string(line.substr(0, at));
  if (at < line.size() && line[at] == '{') {
    ++at;
    while (at < line.size() && line[at] != '}') {
      const std::size_t name_start = at;
      while (at < line.size() && is_name_char(line[at], at == name_start) && line[at] != ':') ++at;
      if (at == name_start || at + 1 >= line.size() || line[at] != '=' || line[at + 1] != '"') {
        return fail("bad label name");
      }
      const std::string label(line.substr(name_start, at - name_start));
      at += 2;
      std::string value;
      bool closed = false;
      while (at < line.size()) {
        const char c = line[at++];
        if (c == '"') {
          closed = true;
          break;
        }
        if (c != '\\') {
          value += c;
          continue;
        }
        if (at >= line.size()) return fail("dangling escape");
        const char escaped = line[at++];
        if (escaped == 'n') {
          value += '\n';
        } else if (escaped == '\\' || escaped == '"') {
          value += escaped;
        } else {
          return fail("bad escape in a label value");
        }
      }
      if (!closed) return fail("unterminated label value");
      if (!sample.labels.emplace(label, std::move(value)).second)
        return fail("duplicate label " + label);
      if (at < line.size() && line[at] == ',') ++at;
    }
    if (at >= line.size()) return fail("unterminated label set");
    ++at;  // '}'
  }
  if (at >= line.size() || line[at] != ' ') return fail("no space before the value");
  std::string_view rest = line.substr(at + 1);
  const auto space = rest.find(' ');  // an optional timestamp follows
  auto value = parse_value(rest.substr(0, space));
  if (!value) return std::unexpected(value.error());
  sample.value = *value;
  return sample;
}

}  // namespace

Result<MetricsText> MetricsText::parse(const std::string& text) {
  MetricsText parsed;
  std::size_t line_number = 0;
  std::size_t at = 0;
  while (at < text.size()) {
    auto end = text.find('\n', at);
    if (end == std::string::npos) return fail("the exposition does not end with a newline");
    const std::string_view line(text.data() + at, end - at);
    at = end + 1;
    ++line_number;
    if (line.empty() || line.starts_with('#')) continue;
    auto sample = parse_sample(line);
    if (!sample) {
      return fail("line " + std::to_string(line_number) + ": " + sample.error().message + ": " +
                  std::string(line));
    }
    parsed.samples_.push_back(std::move(*sample));
  }
  return parsed;
}

std::vector<MetricSample> MetricsText::find(const std::string& name, const LabelSet& labels) const {
  std::vector<MetricSample> found;
  for (const auto& sample : samples_) {
    if (sample.name != name) continue;
    bool matches = true;
    for (const auto& [label, value] : labels) {
      auto it = sample.labels.find(label);
      if (it == sample.labels.end() || it->second != value) {
        matches = false;
        break;
      }
    }
    if (matches) found.push_back(sample);
  }
  return found;
}

std::optional<double> MetricsText::value(const std::string& name, const LabelSet& labels) const {
  const auto found = find(name, labels);
  if (found.size() != 1) return std::nullopt;
  return found.front().value;
}

}  // namespace slamon::integration
