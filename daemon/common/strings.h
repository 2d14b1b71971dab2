// Small ASCII string helpers shared by the parsers and renderers (trim, split, case): one copy
// instead of one per file. ASCII only, independent of the C locale. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace slamon {

// What std::isspace calls white space in the C locale.
inline constexpr std::string_view kAsciiWhitespace = " \t\n\v\f\r";

// `text` without leading and trailing `characters`.
std::string_view trim(std::string_view text, std::string_view characters = kAsciiWhitespace);

// Every part between `separator`s, empty ones included: "a,,b" → {"a", "", "b"}; "" → {""}.
std::vector<std::string_view> split(std::string_view text, char separator);

// The words between runs of `separators`, never empty: " a  b " → {"a", "b"}.
std::vector<std::string_view> split_words(std::string_view text,
                                          std::string_view separators = kAsciiWhitespace);

// Characters (code points) of UTF-8 text: the bytes that do not continue a sequence.
std::size_t utf8_length(std::string_view text);

std::string to_lower_ascii(std::string_view text);
std::string to_upper_ascii(std::string_view text);

// Equal ignoring ASCII case.
bool iequals_ascii(std::string_view a, std::string_view b);

}  // namespace slamon
