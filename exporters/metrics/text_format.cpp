#include "metrics/text_format.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>

namespace slamon::metrics {

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

// Length of the valid UTF-8 sequence starting at text[i], or 0 if it is invalid (overlong
// forms, surrogates and code points above U+10FFFF included).
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char min_second = 0x80;
  unsigned char max_second = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) min_second = 0xA0;  // overlong
    if (lead == 0xED) max_second = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) min_second = 0x90;  // overlong
    if (lead == 0xF4) max_second = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  if (byte(i + 1) < min_second || byte(i + 1) > max_second) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return length;
}

// Assigns `text` to `out`, reusing out's storage, with invalid UTF-8 replaced.
void assign_valid_utf8(std::string& out, std::string_view text) {
  std::size_t i = 0;
  // Label values are mostly ASCII: skip eight bytes at a time while no high bit is set.
  while (i + 8 <= text.size()) {
    std::uint64_t word;
    std::memcpy(&word, text.data() + i, sizeof word);
    if ((word & 0x8080808080808080ULL) != 0) break;
    i += 8;
  }
  while (i < text.size()) {
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    std::size_t length = utf8_sequence_length(text, i);
    if (length == 0) break;
    i += length;
  }
  out.assign(text.substr(0, i));
  while (i < text.size()) {
    std::size_t length = utf8_sequence_length(text, i);
    if (length == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(text, i, length);
      i += length;
    }
  }
}

// Appends `text` with backslash, newline and (when `escape_quote`) '"' escaped. A plain scan:
// find_first_of calls memchr per character, which dominated large scrapes.
void append_escaped(std::string& out, std::string_view text, bool escape_quote) {
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c != '\\' && c != '\n' && (c != '"' || !escape_quote)) continue;
    out.append(text, start, i - start);
    out += '\\';
    out += c == '\n' ? 'n' : c;
    start = i + 1;
  }
  out.append(text, start);
}

void append_value(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
    return;
  }
  if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
    return;
  }
  std::array<char, 32> buffer;
  std::to_chars_result result;
  if (value == std::trunc(value) && std::fabs(value) < 1e15) {
    result =
        std::to_chars(buffer.data(), buffer.data() + buffer.size(), static_cast<long long>(value));
  } else {
    result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  }
  out.append(buffer.data(), result.ptr);
}

std::string_view type_name(MetricType type) {
  switch (type) {
    case MetricType::Counter:
      return "counter";
    case MetricType::Gauge:
      return "gauge";
    case MetricType::Untyped:
      return "untyped";
    default:
      throw std::invalid_argument("only counter, gauge and untyped families are supported");
  }
}

void append_header(std::string& out, const MetricFamily& family) {
  const std::string_view type = type_name(family.type);
  if (!family.help.empty()) {
    out += "# HELP ";
    out += family.name;
    out += ' ';
    append_escaped(out, family.help, false);
    out += '\n';
  }
  out += "# TYPE ";
  out += family.name;
  out += ' ';
  out += type;
  out += '\n';
}

void append_sample(std::string& out, const MetricFamily& family, const ClientMetric& metric) {
  out += family.name;
  if (!metric.label.empty()) {
    out += '{';
    bool first = true;
    for (const auto& label : metric.label) {
      if (!first) out += ',';
      first = false;
      out += label.name;
      out += "=\"";
      append_escaped(out, label.value, true);
      out += '"';
    }
    out += '}';
  }
  out += ' ';
  switch (family.type) {
    case MetricType::Counter:
      append_value(out, metric.counter.value);
      break;
    case MetricType::Gauge:
      append_value(out, metric.gauge.value);
      break;
    default:
      append_value(out, metric.untyped.value);
      break;
  }
  if (metric.timestamp_ms != 0) {
    out += ' ';
    std::array<char, 24> buffer;
    auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), metric.timestamp_ms);
    out.append(buffer.data(), result.ptr);
  }
  out += '\n';
}

}  // namespace

std::string serialize_text(const std::vector<MetricFamily>& families) {
  std::string out;
  for (const MetricFamily& family : families) {
    append_header(out, family);
    for (const ClientMetric& metric : family.metric) append_sample(out, family, metric);
  }
  return out;
}

std::string format_value(double value) {
  std::string out;
  append_value(out, value);
  return out;
}

FamilyWriter::FamilyWriter(std::string& out, std::string_view name, std::string_view help,
                           MetricType type)
    : out_(out) {
  type_name(type);  // refuse unsupported types up front
  batch_.name = std::string(name);
  batch_.help = std::string(help);
  batch_.type = type;
}

void FamilyWriter::add(std::span<const LabelRef> labels, double value) {
  if (used_ == batch_.metric.size()) batch_.metric.emplace_back();
  ClientMetric& metric = batch_.metric[used_++];
  // Reusing the slot's label strings is what keeps a scrape free of per-sample allocations.
  metric.label.resize(labels.size());
  for (std::size_t i = 0; i < labels.size(); ++i) {
    metric.label[i].name.assign(labels[i].name);
    assign_valid_utf8(metric.label[i].value, labels[i].value);
  }
  metric.counter.value = value;
  metric.gauge.value = value;
  metric.untyped.value = value;
  if (used_ == kBatchSize) finish();
}

void FamilyWriter::finish() {
  if (used_ == 0) return;
  if (!header_written_) {
    append_header(out_, batch_);
    header_written_ = true;
  }
  for (std::size_t i = 0; i < used_; ++i) append_sample(out_, batch_, batch_.metric[i]);
  used_ = 0;
}

std::string to_valid_utf8(std::string_view text) {
  std::string out;
  assign_valid_utf8(out, text);
  return out;
}

bool is_valid_label_name(std::string_view name) {
  if (name.empty() || name.starts_with("__")) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    bool digit = c >= '0' && c <= '9';
    if (!letter && !(digit && i > 0)) return false;
  }
  return true;
}

}  // namespace slamon::metrics
