#include "metrics/text_format.h"

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include <limits>
#include <stdexcept>

namespace slamon::metrics {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily family(std::string name, std::string help, MetricType type,
                    std::vector<std::pair<std::vector<ClientMetric::Label>, double>> samples) {
  MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  for (auto& [labels, value] : samples) {
    ClientMetric& metric = f.metric.emplace_back();
    metric.label = std::move(labels);
    metric.counter.value = value;
    metric.gauge.value = value;
    metric.untyped.value = value;
  }
  return f;
}

TEST(SerializeText, WritesHelpTypeAndSamples) {
  EXPECT_EQ(serialize_text({family("a_total", "Things.", MetricType::Counter,
                                   {{{{"x", "1"}, {"y", "2"}}, 3}, {{}, 4}}),
                            family("b", "", MetricType::Gauge, {{{}, 0.5}}),
                            family("c", "C.", MetricType::Untyped, {{{}, 1}})}),
            "# HELP a_total Things.\n"
            "# TYPE a_total counter\n"
            "a_total{x=\"1\",y=\"2\"} 3\n"
            "a_total 4\n"
            "# TYPE b gauge\n"
            "b 0.5\n"
            "# HELP c C.\n"
            "# TYPE c untyped\n"
            "c 1\n");
}

TEST(SerializeText, EscapesHelpPerTheFormat) {
  // HELP escapes backslash and newline only; quotes and UTF-8 stay as they are.
  EXPECT_EQ(serialize_text({family("m", "a \\ b\nc \"q\" \xC3\xBC \xE2\x9C\x93", MetricType::Gauge,
                                   {{{}, 1}})}),
            "# HELP m a \\\\ b\\nc \"q\" \xC3\xBC \xE2\x9C\x93\n"
            "# TYPE m gauge\n"
            "m 1\n");
}

TEST(SerializeText, EscapesLabelValuesPerTheFormat) {
  EXPECT_EQ(
      serialize_text({family("m", "", MetricType::Gauge,
                             {{{{"v", "q\"b\\s\nn \xC3\xBC \xF0\x9F\x98\x80"}, {"e", ""}}, 1}})}),
      "# TYPE m gauge\n"
      "m{v=\"q\\\"b\\\\s\\nn \xC3\xBC \xF0\x9F\x98\x80\",e=\"\"} 1\n");
}

TEST(SerializeText, WritesTimestampsWhenSet) {
  MetricFamily f = family("m", "", MetricType::Gauge, {{{}, 2}});
  f.metric[0].timestamp_ms = 1700000000123;
  EXPECT_EQ(serialize_text({f}), "# TYPE m gauge\nm 2 1700000000123\n");
}

TEST(SerializeText, RefusesSummariesAndHistograms) {
  EXPECT_THROW(serialize_text({family("s", "", MetricType::Summary, {})}), std::invalid_argument);
  EXPECT_THROW(serialize_text({family("h", "", MetricType::Histogram, {})}), std::invalid_argument);
}

TEST(FamilyWriter, WritesLikeSerializeTextAcrossBatches) {
  MetricFamily expected = family("m_total", "Help \\ me.", MetricType::Counter, {});
  std::string out = "# before\n";
  FamilyWriter writer(out, "m_total", "Help \\ me.", MetricType::Counter);
  const std::size_t count = 2 * FamilyWriter::kBatchSize + 7;
  for (std::size_t i = 0; i < count; ++i) {
    // Label counts vary so reused slots must shrink and grow correctly.
    std::string id = "id-" + std::to_string(i);
    if (i % 3 == 0) {
      writer.add({{"id", id}}, static_cast<double>(i));
      expected.metric.push_back(ClientMetric{});
      expected.metric.back().label = {{"id", id}};
    } else {
      writer.add({{"id", id}, {"kind", "x\"y"}, {"extra", std::string(i, 'e')}},
                 static_cast<double>(i));
      expected.metric.push_back(ClientMetric{});
      expected.metric.back().label = {{"id", id}, {"kind", "x\"y"}, {"extra", std::string(i, 'e')}};
    }
    expected.metric.back().counter.value = static_cast<double>(i);
  }
  writer.finish();
  EXPECT_EQ(out, "# before\n" + serialize_text({expected}));
}

TEST(FamilyWriter, EmptyFamilyWritesNothing) {
  std::string out;
  FamilyWriter writer(out, "m", "Help.", MetricType::Gauge);
  writer.finish();
  EXPECT_EQ(out, "");
}

TEST(FamilyWriter, ReplacesInvalidUtf8InLabelValues) {
  std::string out;
  FamilyWriter writer(out, "m", "", MetricType::Gauge);
  writer.add({{"v",
               "a\xFF"
               "b"}},
             1);
  writer.finish();
  EXPECT_EQ(out,
            "# TYPE m gauge\nm{v=\"a\xEF\xBF\xBD"
            "b\"} 1\n");
}

TEST(FamilyWriter, RefusesSummaries) {
  std::string out;
  EXPECT_THROW(FamilyWriter(out, "s", "", MetricType::Summary), std::invalid_argument);
}

TEST(FormatValue, UsesPrometheusSpellings) {
  EXPECT_EQ(format_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_value(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(format_value(std::numeric_limits<double>::quiet_NaN()), "NaN");
}

TEST(FormatValue, PrintsIntegersPlainAndFractionsShortest) {
  EXPECT_EQ(format_value(0), "0");
  EXPECT_EQ(format_value(-3), "-3");
  EXPECT_EQ(format_value(1700000000), "1700000000");
  EXPECT_EQ(format_value(99.9), "99.9");
  EXPECT_EQ(format_value(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(format_value(1699999000.5), "1699999000.5");
  EXPECT_EQ(format_value(1e-7), "1e-07");
  EXPECT_EQ(format_value(1e20), "1e+20");
}

TEST(ToValidUtf8, KeepsValidText) {
  const std::string text = "ascii \xC3\xBC \xE2\x9C\x93 \xF0\x9F\x98\x80";
  EXPECT_EQ(to_valid_utf8(text), text);
  EXPECT_EQ(to_valid_utf8(""), "");
}

TEST(ToValidUtf8, ReplacesEachInvalidByte) {
  const std::string r = "\xEF\xBF\xBD";
  EXPECT_EQ(to_valid_utf8("a\xFF"
                          "b"),
            "a" + r + "b");
  EXPECT_EQ(to_valid_utf8("\xC3"), r);                                 // truncated
  EXPECT_EQ(to_valid_utf8("\xC0\xAF"), r + r);                         // overlong
  EXPECT_EQ(to_valid_utf8("\xED\xA0\x80"), r + r + r);                 // surrogate
  EXPECT_EQ(to_valid_utf8("\xF4\x90\x80\x80x"), r + r + r + r + "x");  // above U+10FFFF
}

TEST(IsValidLabelName, FollowsThePrometheusRule) {
  EXPECT_TRUE(is_valid_label_name("tier"));
  EXPECT_TRUE(is_valid_label_name("_private"));
  EXPECT_TRUE(is_valid_label_name("Region2"));
  EXPECT_FALSE(is_valid_label_name(""));
  EXPECT_FALSE(is_valid_label_name("2nd"));
  EXPECT_FALSE(is_valid_label_name("has-dash"));
  EXPECT_FALSE(is_valid_label_name("has.dot"));
  EXPECT_FALSE(is_valid_label_name("__name__"));
  EXPECT_FALSE(is_valid_label_name("caf\xC3\xA9"));
}

// What prometheus-cpp 1.0.1's TextSerializer does, and why serialize_text exists: it escapes
// label values correctly and appends no `_total` to counters (serialize_text agrees on both,
// byte for byte), but writes HELP verbatim, so a backslash or newline in HELP text would
// corrupt the exposition. If a prometheus-cpp upgrade changes this, revisit text_format.h.
TEST(TextSerializerReference, AgreesOnLabelsAndCountersButNotHelp) {
  std::vector<MetricFamily> families = {
      family("x_total", "Plain help.", MetricType::Counter,
             {{{{"v", "q\"b\\s\nn \xC3\xBC"}}, 3}, {{}, 12}}),
      family("g", "Other.", MetricType::Gauge,
             {{{}, std::numeric_limits<double>::infinity()}, {{{"a", ""}}, 0}})};
  EXPECT_EQ(prometheus::TextSerializer().Serialize(families), serialize_text(families));

  std::vector<MetricFamily> tricky_help = {
      family("h", "back \\ slash\nnew line", MetricType::Gauge, {{{}, 1}})};
  EXPECT_EQ(prometheus::TextSerializer().Serialize(tricky_help),
            "# HELP h back \\ slash\nnew line\n# TYPE h gauge\nh 1\n");
  EXPECT_EQ(serialize_text(tricky_help),
            "# HELP h back \\\\ slash\\nnew line\n# TYPE h gauge\nh 1\n");
}

}  // namespace
}  // namespace slamon::metrics
