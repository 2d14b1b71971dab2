// Writes prometheus-cpp MetricFamily values as text exposition format 0.0.4, plus the checks
// the format leaves to the producer. prometheus-cpp 1.0.1's own TextSerializer is not used
// for the output because (1) it writes HELP text verbatim, where 0.0.4 wants '\' and newline
// escaped; (2) it streams label values one char at a time through std::ostream, which alone
// took hundreds of milliseconds for 10,000 policies; (3) it prints 16 significant digits, so
// a threshold of 99.9 came out as 99.90000000000001.
//
// Free functions are pure and thread-safe; a FamilyWriter belongs to one thread.
#pragma once

#include <prometheus/metric_family.h>

#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace slamon::metrics {

// Serialises counter, gauge and untyped families (the only kinds slamon exports; a summary or
// histogram family throws std::invalid_argument). HELP escapes '\' and newline; label values
// escape '\', '"' and newline; values are "+Inf", "-Inf", "NaN", an integer when the value is
// integral and below 1e15 in magnitude, else the shortest text that reads back exactly.
// Families are written as given, including empty ones and the `_total` of counter names.
std::string serialize_text(const std::vector<prometheus::MetricFamily>& families);

// The sample value as serialize_text writes it.
std::string format_value(double value);

struct LabelRef {
  std::string_view name;  // must be a valid label name (see is_valid_label_name)
  std::string_view value;
};

// Streams one family into `out` the way serialize_text writes it, collecting samples in a
// prometheus::MetricFamily batch that is written out and reused every kBatchSize samples: a
// large scrape then neither holds every series in memory at once nor allocates per sample.
// Label values are made valid UTF-8 (see to_valid_utf8). A family that received no sample
// writes nothing, not even HELP and TYPE. The format wants a family's samples in one group,
// so finish() a writer before another one writes to the same `out`.
class FamilyWriter {
 public:
  static constexpr std::size_t kBatchSize = 256;

  FamilyWriter(std::string& out, std::string_view name, std::string_view help,
               prometheus::MetricType type);

  void add(std::span<const LabelRef> labels, double value);
  void add(std::initializer_list<LabelRef> labels, double value) {
    add(std::span<const LabelRef>(labels.begin(), labels.size()), value);
  }
  // Writes the samples still batched.
  void finish();

 private:
  std::string& out_;
  prometheus::MetricFamily batch_;
  std::size_t used_ = 0;
  bool header_written_ = false;
};

// Returns `text` with each invalid UTF-8 sequence replaced by U+FFFD (Prometheus rejects a
// whole scrape over one invalid label value); valid text unchanged.
std::string to_valid_utf8(std::string_view text);

// [a-zA-Z_][a-zA-Z0-9_]*, and not starting with "__" (reserved for Prometheus itself).
bool is_valid_label_name(std::string_view name);

}  // namespace slamon::metrics
