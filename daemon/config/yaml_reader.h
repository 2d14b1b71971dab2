// Strict, typed reading of YAML nodes for the configuration loader: every field access checks
// the node's type and reports each problem as a Diagnostic carrying the file, the 1-based
// position and the dotted path of the field. Internal to slamon_config (not part of its API).
// Not thread-safe: a Reporter and the readers built on it belong to one load.
#pragma once

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "config/loader.h"

namespace slamon::config_detail {

// Appends diagnostics about one file to a shared list.
class Reporter {
 public:
  Reporter(std::string file, std::vector<Diagnostic>& sink)
      : file_(std::move(file)), sink_(&sink) {}

  void error(const YAML::Mark& at, std::string path, std::string message) const;
  const std::string& file() const { return file_; }
  // How many diagnostics the shared list holds (to tell whether a part added any).
  std::size_t count() const { return sink_->size(); }

 private:
  std::string file_;
  std::vector<Diagnostic>* sink_;
};

std::string join_path(std::string_view prefix, std::string_view key);
std::string index_path(std::string_view prefix, std::size_t index);
// "a, b and c": for messages that list the accepted spellings.
std::string list_words(std::span<const std::string_view> words);
// What a node is, for "expected X, got Y" messages: "a map", "a list", "nothing", ...
std::string describe(const YAML::Node& node);

// One value of a map (or one item of a list) and where to report problems about it.
struct Field {
  YAML::Node value;
  std::string path;
  YAML::Mark value_mark;  // where the value starts, or the key when the value is empty
  YAML::Mark key_mark;    // the key (for list items: the item itself)

  // The root of a document.
  static Field root(const YAML::Node& document);
};

// Allows any key (for free-form maps such as labels).
inline constexpr std::string_view kAnyKey = "*";

// Reads a map, reporting at construction: a value that is not a map, duplicate keys, keys that
// are not allowed (naming the allowed ones) and keys reserved for later releases. A null value
// reads as an empty map.
class MapReader {
 public:
  MapReader(const Reporter& reporter, const Field& field, std::span<const std::string_view> allowed,
            std::span<const std::string_view> later = {});

  bool ok() const { return ok_; }
  const Field& self() const { return self_; }
  // The first occurrence of `key`, if present.
  std::optional<Field> get(std::string_view key) const;
  bool has(std::string_view key) const { return get(key).has_value(); }
  // Like get(); reports "missing required key" at the map when absent.
  std::optional<Field> require(std::string_view key) const;
  // Every entry, in document order, duplicates and unknown keys excluded.
  const std::vector<std::pair<std::string, Field>>& entries() const { return entries_; }

 private:
  const Reporter* reporter_;
  Field self_;
  bool ok_ = false;
  std::vector<std::pair<std::string, Field>> entries_;
};

// Typed values. Each reports its own problem and returns nullopt on failure.
// Strings accept any scalar (null reads as ""); `nonempty` also rejects an empty value.
std::optional<std::string> read_string(const Reporter& r, const Field& f);
std::optional<std::string> read_nonempty_string(const Reporter& r, const Field& f);
// A plain (unquoted) scalar that parses completely as a finite number.
std::optional<double> read_number(const Reporter& r, const Field& f);
// A plain scalar that parses completely as a whole number.
std::optional<long long> read_integer(const Reporter& r, const Field& f);
std::optional<bool> read_bool(const Reporter& r, const Field& f);
// Prometheus duration syntax.
std::optional<std::chrono::milliseconds> read_duration(const Reporter& r, const Field& f);
// A scalar that is one of `choices`, spelled exactly.
std::optional<std::string> read_choice(const Reporter& r, const Field& f,
                                       std::span<const std::string_view> choices);
// The items of a list (null reads as an empty list), each as a Field with path "x[i]".
std::optional<std::vector<Field>> read_list(const Reporter& r, const Field& f);

}  // namespace slamon::config_detail
