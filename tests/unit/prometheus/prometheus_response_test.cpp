// parse_prometheus_response: every shape Prometheus (or something pretending to be it) may
// answer, good and bad. Bad input must come back as an Error, never a crash or an exception.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "prometheus/prometheus_source.h"

namespace slamon {
namespace {

struct GoodCase {
  std::string name;
  std::string body;
  std::vector<Sample> expected;
};

void PrintTo(const GoodCase& c, std::ostream* os) {
  *os << c.name;
}

bool same_value(double a, double b) {
  if (std::isnan(a)) return std::isnan(b);
  return a == b;
}

class ParseGood : public ::testing::TestWithParam<GoodCase> {};

TEST_P(ParseGood, YieldsTheReportedSamples) {
  const auto& c = GetParam();
  const auto samples = parse_prometheus_response(c.body);
  ASSERT_TRUE(samples) << samples.error().message;
  ASSERT_EQ(samples->size(), c.expected.size());
  for (std::size_t i = 0; i < c.expected.size(); ++i) {
    EXPECT_EQ((*samples)[i].labels, c.expected[i].labels) << "sample " << i;
    EXPECT_TRUE(same_value((*samples)[i].value, c.expected[i].value))
        << "sample " << i << ": got " << (*samples)[i].value << ", want " << c.expected[i].value;
  }
}

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

INSTANTIATE_TEST_SUITE_P(
    Responses, ParseGood,
    ::testing::Values(
        GoodCase{"vector",
                 R"({"status":"success","data":{"resultType":"vector","result":[
                    {"metric":{"site_id":"a"},"value":[1767225900,"99.5"]},
                    {"metric":{"site_id":"b","job":"x"},"value":[1767225900.123,"1.5"]}]}})",
                 {{{{"site_id", "a"}}, 99.5}, {{{"site_id", "b"}, {"job", "x"}}, 1.5}}},
        GoodCase{"empty_vector",
                 R"({"status":"success","data":{"resultType":"vector","result":[]}})",
                 {}},
        GoodCase{
            "scalar",
            R"({"status":"success","data":{"resultType":"scalar","result":[1767225900,"42"]}})",
            {{{}, 42}}},
        GoodCase{"special_values",
                 R"({"status":"success","data":{"resultType":"vector","result":[
                    {"metric":{"v":"nan"},"value":[1,"NaN"]},
                    {"metric":{"v":"pinf"},"value":[1,"+Inf"]},
                    {"metric":{"v":"ninf"},"value":[1,"-Inf"]},
                    {"metric":{"v":"neg"},"value":[1,"-0.25"]},
                    {"metric":{"v":"exp"},"value":[1,"1e+06"]}]}})",
                 {{{{"v", "nan"}}, kNaN},
                  {{{"v", "pinf"}}, kInf},
                  {{{"v", "ninf"}}, -kInf},
                  {{{"v", "neg"}}, -0.25},
                  {{{"v", "exp"}}, 1e6}}},
        GoodCase{"huge_numbers",
                 R"({"status":"success","data":{"resultType":"vector","result":[
                    {"metric":{"v":"max"},"value":[1e300,"1.7976931348623157e+308"]},
                    {"metric":{"v":"long"},"value":[1,"123456789012345678901234567890"]},
                    {"metric":{"v":"tiny"},"value":[1,"5e-324"]}]}})",
                 {{{{"v", "max"}}, DBL_MAX},
                  {{{"v", "long"}}, 123456789012345678901234567890.0},
                  {{{"v", "tiny"}}, 5e-324}}},
        GoodCase{
            "metric_without_labels",
            R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"3"]}]}})",
            {{{}, 3}}},
        GoodCase{"unicode_labels",
                 R"({"status":"success","data":{"resultType":"vector","result":[
                    {"metric":{"site_name":"Zürich 東京 🚀","escaped":"\u00fc\ud83d\ude80"},"value":[1,"1"]}]}})",
                 {{{{"site_name", "Zürich 東京 🚀"}, {"escaped", "ü🚀"}}, 1}}},
        GoodCase{
            "warnings_are_ignored",
            R"({"status":"success","warnings":["PromQL info: x"],"data":{"resultType":"vector","result":[{"metric":{"a":"b"},"value":[1,"2"]}]}})",
            {{{{"a", "b"}}, 2}}}),
    [](const auto& info) { return info.param.name; });

struct BadCase {
  std::string name;
  std::string body;
  std::string error_contains;
};

void PrintTo(const BadCase& c, std::ostream* os) {
  *os << c.name;
}

class ParseBad : public ::testing::TestWithParam<BadCase> {};

TEST_P(ParseBad, IsAnErrorThatSaysWhy) {
  const auto& c = GetParam();
  std::optional<Result<std::vector<Sample>>> samples;
  ASSERT_NO_THROW(samples = parse_prometheus_response(c.body));
  ASSERT_FALSE(*samples) << "parsed " << (*samples)->size() << " samples";
  EXPECT_NE((*samples).error().message.find(c.error_contains), std::string::npos)
      << (*samples).error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Responses, ParseBad,
    ::testing::Values(
        BadCase{
            "prometheus_error",
            R"({"status":"error","errorType":"bad_data","error":"1:5: parse error: unclosed left parenthesis"})",
            "bad_data: 1:5: parse error: unclosed left parenthesis"},
        BadCase{"prometheus_error_without_details", R"({"status":"error"})", "unknown error"},
        BadCase{"html", "<html><body><h1>502 Bad Gateway</h1></body></html>", "not JSON"},
        BadCase{"empty_body", "", "not JSON"},
        BadCase{
            "truncated",
            R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":"b"},"value":[1,"2)",
            "not JSON"},
        BadCase{"top_level_array", R"([1,2,3])", "not a JSON object"},
        BadCase{"top_level_null", "null", "not a JSON object"},
        BadCase{"deep_nesting", std::string(100000, '[') + std::string(100000, ']'),
                "not a JSON object"},
        BadCase{
            "matrix",
            R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"1"],[2,"2"]]}]}})",
            "matrix"},
        BadCase{"string_result",
                R"({"status":"success","data":{"resultType":"string","result":[1,"hello"]}})",
                "string"},
        BadCase{"unknown_result_type",
                R"({"status":"success","data":{"resultType":"table","result":[]}})",
                "unknown resultType"},
        BadCase{"no_status", R"({"data":{"resultType":"vector","result":[]}})", "no status"},
        BadCase{"status_not_string", R"({"status":1,"data":{}})", "no status"},
        BadCase{"unknown_status", R"({"status":"partial","data":{}})", "unknown status"},
        BadCase{"no_data", R"({"status":"success"})", "no data"},
        BadCase{"data_not_object", R"({"status":"success","data":[]})", "no data"},
        BadCase{"no_result_type", R"({"status":"success","data":{"result":[]}})", "no resultType"},
        BadCase{"no_result", R"({"status":"success","data":{"resultType":"vector"}})", "no result"},
        BadCase{"vector_not_array",
                R"({"status":"success","data":{"resultType":"vector","result":{}}})",
                "not an array"},
        BadCase{"element_not_object",
                R"({"status":"success","data":{"resultType":"vector","result":[42]}})",
                "not an object"},
        BadCase{"element_without_value",
                R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{}}]}})",
                "no value"},
        BadCase{
            "native_histogram",
            R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"histogram":[1,{}]}]}})",
            "histogram"},
        BadCase{
            "metric_not_object",
            R"({"status":"success","data":{"resultType":"vector","result":[{"metric":"x","value":[1,"1"]}]}})",
            "metric is not an object"},
        BadCase{
            "label_not_string",
            R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":1},"value":[1,"1"]}]}})",
            "label a is not a string"},
        BadCase{
            "value_as_number",
            R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,1.5]}]}})",
            "pair"},
        BadCase{
            "value_pair_too_long",
            R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"1","2"]}]}})",
            "pair"},
        BadCase{
            "timestamp_not_number",
            R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":["1","1"]}]}})",
            "pair"},
        BadCase{
            "value_not_numeric",
            R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"abc"]}]}})",
            "not a number"},
        BadCase{
            "value_with_trailing_text",
            R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"1.5x"]}]}})",
            "not a number"},
        BadCase{
            "value_empty",
            R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,""]}]}})",
            "not a number"},
        BadCase{
            "value_out_of_range",
            R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"1e400"]}]}})",
            "not a number"},
        BadCase{"scalar_wrong_shape",
                R"({"status":"success","data":{"resultType":"scalar","result":[{"metric":{}}]}})",
                "pair"},
        BadCase{
            "invalid_utf8",
            "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":"
            "{\"a\":\"\xff\xfe\"},\"value\":[1,\"1\"]}]}}",
            "not JSON"}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace slamon
