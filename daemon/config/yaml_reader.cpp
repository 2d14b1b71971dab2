#include "config/yaml_reader.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

#include "common/duration.h"

namespace slamon::config_detail {
namespace {

constexpr std::string_view kIntTag = "tag:yaml.org,2002:int";
constexpr std::string_view kFloatTag = "tag:yaml.org,2002:float";

bool mark_known(const YAML::Mark& mark) {
  return mark.line >= 0 && mark.column >= 0;
}

bool has_value(const YAML::Node& node) {
  return node.IsDefined() && !node.IsNull();
}

// A plain scalar can be a number; a quoted one, or one tagged !!str, is a string.
bool numeric_form(const YAML::Node& node) {
  return node.IsScalar() && (node.Tag() == "?" || node.Tag() == kIntTag || node.Tag() == kFloatTag);
}

// The YAML spellings of infinity and not-a-number, which are numbers but never valid values.
bool yaml_non_finite(std::string_view text) {
  static const std::set<std::string_view> spellings{".inf",  ".Inf",  ".INF",  "+.inf",
                                                    "+.Inf", "+.INF", "-.inf", "-.Inf",
                                                    "-.INF", ".nan",  ".NaN",  ".NAN"};
  return spellings.contains(text);
}

std::string_view without_plus(std::string_view text) {
  if (text.size() > 1 && text.front() == '+' && text[1] != '-' && text[1] != '+') {
    text.remove_prefix(1);
  }
  return text;
}

}  // namespace

void Reporter::error(const YAML::Mark& at, std::string path, std::string message) const {
  Diagnostic diagnostic;
  diagnostic.file = file_;
  if (mark_known(at)) {
    diagnostic.line = at.line + 1;
    diagnostic.column = at.column + 1;
  }
  diagnostic.path = std::move(path);
  diagnostic.message = std::move(message);
  sink_->push_back(std::move(diagnostic));
}

std::string join_path(std::string_view prefix, std::string_view key) {
  if (prefix.empty()) return std::string(key);
  std::string joined(prefix);
  joined += '.';
  joined += key;
  return joined;
}

std::string index_path(std::string_view prefix, std::size_t index) {
  return std::string(prefix) + "[" + std::to_string(index) + "]";
}

std::string list_words(std::span<const std::string_view> words) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += i + 1 == words.size() ? " or " : ", ";
    out += words[i];
  }
  return out;
}

std::string describe(const YAML::Node& node) {
  if (!has_value(node)) return "nothing";
  if (node.IsMap()) return "a map";
  if (node.IsSequence()) return "a list";
  if (numeric_form(node)) return "`" + node.Scalar() + "`";
  return "the quoted string \"" + node.Scalar() + "\"";
}

Field Field::root(const YAML::Node& document) {
  const YAML::Mark mark = document.IsDefined() ? document.Mark() : YAML::Mark::null_mark();
  return Field{document, "", mark, mark};
}

MapReader::MapReader(const Reporter& reporter, const Field& field,
                     std::span<const std::string_view> allowed,
                     std::span<const std::string_view> later)
    : reporter_(&reporter), self_(field) {
  if (!has_value(field.value)) {
    ok_ = true;
    return;
  }
  if (!field.value.IsMap()) {
    reporter.error(field.value_mark, field.path, "expected a map, got " + describe(field.value));
    return;
  }
  ok_ = true;
  std::vector<std::pair<std::string, YAML::Mark>> seen;
  for (const auto& entry : field.value) {
    // Copies: yaml-cpp's iterator yields its pairs by value.
    const YAML::Node key = entry.first;
    const YAML::Node value = entry.second;
    const YAML::Mark key_mark = key.Mark();
    if (!key.IsScalar()) {
      reporter.error(key_mark, field.path, "map keys must be plain words, got " + describe(key));
      continue;
    }
    const std::string name = key.Scalar();
    const std::string path = join_path(field.path, name);
    const auto first =
        std::find_if(seen.begin(), seen.end(), [&](const auto& s) { return s.first == name; });
    if (first != seen.end()) {
      std::string where =
          mark_known(first->second)
              ? " (first given on line " + std::to_string(first->second.line + 1) + ")"
              : "";
      reporter.error(key_mark, path, "duplicate key `" + name + "`" + where);
      continue;
    }
    seen.emplace_back(name, key_mark);
    if (std::find(later.begin(), later.end(), name) != later.end()) {
      reporter.error(key_mark, path,
                     "`" + name + "` is not supported by this version of slamon yet");
      continue;
    }
    const bool any_key = std::find(allowed.begin(), allowed.end(), kAnyKey) != allowed.end();
    if (!any_key && std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      std::string message = "unknown key `" + name + "`";
      message += allowed.empty() ? "; no keys are allowed here" : "; allowed keys: ";
      for (std::size_t i = 0; i < allowed.size(); ++i) {
        if (i > 0) message += ", ";
        message += allowed[i];
      }
      reporter.error(key_mark, path, std::move(message));
      continue;
    }
    const YAML::Mark value_mark =
        has_value(value) && mark_known(value.Mark()) ? value.Mark() : key_mark;
    entries_.emplace_back(name, Field{value, path, value_mark, key_mark});
  }
}

std::optional<Field> MapReader::get(std::string_view key) const {
  for (const auto& [name, field] : entries_) {
    if (name == key) return field;
  }
  return std::nullopt;
}

std::optional<Field> MapReader::require(std::string_view key) const {
  auto found = get(key);
  if (!found && ok_) {
    reporter_->error(self_.value_mark, join_path(self_.path, key),
                     "missing required key `" + std::string(key) + "`");
  }
  return found;
}

std::optional<std::string> read_string(const Reporter& r, const Field& f) {
  if (!has_value(f.value)) return std::string();
  if (!f.value.IsScalar()) {
    r.error(f.value_mark, f.path, "expected a string, got " + describe(f.value));
    return std::nullopt;
  }
  return f.value.Scalar();
}

std::optional<std::string> read_nonempty_string(const Reporter& r, const Field& f) {
  auto text = read_string(r, f);
  if (text && text->empty()) {
    r.error(f.value_mark, f.path, "must not be empty");
    return std::nullopt;
  }
  return text;
}

std::optional<double> read_number(const Reporter& r, const Field& f) {
  const YAML::Node& node = f.value;
  if (!numeric_form(node) || !has_value(node)) {
    std::string message = "expected a number, got " + describe(node);
    if (has_value(node) && node.IsScalar()) message += "; write numbers without quotes";
    r.error(f.value_mark, f.path, std::move(message));
    return std::nullopt;
  }
  const std::string& text = node.Scalar();
  if (yaml_non_finite(text)) {
    r.error(f.value_mark, f.path, "must be a finite number, got `" + text + "`");
    return std::nullopt;
  }
  const std::string_view digits = without_plus(text);
  double value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec == std::errc::result_out_of_range) {
    r.error(f.value_mark, f.path, "must be a finite number, got `" + text + "` (out of range)");
    return std::nullopt;
  }
  if (ec != std::errc() || end != digits.data() + digits.size()) {
    r.error(f.value_mark, f.path, "expected a number, got `" + text + "`");
    return std::nullopt;
  }
  if (!std::isfinite(value)) {
    r.error(f.value_mark, f.path, "must be a finite number, got `" + text + "`");
    return std::nullopt;
  }
  return value;
}

std::optional<long long> read_integer(const Reporter& r, const Field& f) {
  const YAML::Node& node = f.value;
  if (!numeric_form(node) || !has_value(node)) {
    std::string message = "expected a whole number, got " + describe(node);
    if (has_value(node) && node.IsScalar()) message += "; write numbers without quotes";
    r.error(f.value_mark, f.path, std::move(message));
    return std::nullopt;
  }
  const std::string& text = node.Scalar();
  const std::string_view digits = without_plus(text);
  long long value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size()) {
    r.error(f.value_mark, f.path, "expected a whole number, got `" + text + "`");
    return std::nullopt;
  }
  return value;
}

std::optional<bool> read_bool(const Reporter& r, const Field& f) {
  const YAML::Node& node = f.value;
  if (numeric_form(node) && has_value(node)) {
    const std::string& text = node.Scalar();
    if (text == "true" || text == "True" || text == "TRUE") return true;
    if (text == "false" || text == "False" || text == "FALSE") return false;
  }
  r.error(f.value_mark, f.path, "expected true or false, got " + describe(node));
  return std::nullopt;
}

std::optional<std::chrono::milliseconds> read_duration(const Reporter& r, const Field& f) {
  const YAML::Node& node = f.value;
  if (!has_value(node) || !node.IsScalar()) {
    r.error(f.value_mark, f.path,
            "expected a duration such as 30s, 5m or 1h30m, got " + describe(node));
    return std::nullopt;
  }
  const auto parsed = parse_duration(node.Scalar());
  if (!parsed) {
    r.error(f.value_mark, f.path,
            "invalid duration \"" + node.Scalar() +
                "\"; use Prometheus syntax: whole numbers with units y, w, d, h, m, s, ms, such as "
                "30s, 5m, 1h30m or 7d");
    return std::nullopt;
  }
  return parsed;
}

std::optional<std::string> read_choice(const Reporter& r, const Field& f,
                                       std::span<const std::string_view> choices) {
  const YAML::Node& node = f.value;
  if (has_value(node) && node.IsScalar()) {
    const std::string& text = node.Scalar();
    if (std::find(choices.begin(), choices.end(), text) != choices.end()) return text;
  }
  r.error(f.value_mark, f.path,
          "must be one of " + list_words(choices) + ", got " + describe(node));
  return std::nullopt;
}

std::optional<std::vector<Field>> read_list(const Reporter& r, const Field& f) {
  std::vector<Field> items;
  if (!has_value(f.value)) return items;
  if (!f.value.IsSequence()) {
    r.error(f.value_mark, f.path, "expected a list, got " + describe(f.value));
    return std::nullopt;
  }
  std::size_t index = 0;
  for (const YAML::Node& item : f.value) {
    const YAML::Mark mark = has_value(item) && mark_known(item.Mark()) ? item.Mark() : f.value_mark;
    items.push_back(Field{item, index_path(f.path, index), mark, mark});
    ++index;
  }
  return items;
}

}  // namespace slamon::config_detail
