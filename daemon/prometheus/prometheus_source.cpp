#include "prometheus/prometheus_source.h"

#include <curl/curl.h>

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "common/duration.h"
#include "httpclient/http_client.h"

namespace slamon {

namespace {

using Json = nlohmann::json;

std::unexpected<Error> invalid(std::string what) {
  return fail("invalid Prometheus response: " + std::move(what));
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// Prometheus writes sample values with Go's strconv.FormatFloat: "1.5", "1e+06", "NaN",
// "+Inf", "-Inf".
std::optional<double> parse_sample_value(std::string_view text) {
  if (equals_ignoring_case(text, "NaN")) return std::numeric_limits<double>::quiet_NaN();
  if (equals_ignoring_case(text, "+Inf") || equals_ignoring_case(text, "Inf")) {
    return std::numeric_limits<double>::infinity();
  }
  if (equals_ignoring_case(text, "-Inf")) return -std::numeric_limits<double>::infinity();
  if (text.starts_with('+')) text.remove_prefix(1);
  if (text.empty()) return std::nullopt;
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

// One `[<unix seconds>, "<value>"]` pair.
Result<double> parse_sample_pair(const Json& pair) {
  if (!pair.is_array() || pair.size() != 2 || !pair[0].is_number() || !pair[1].is_string()) {
    return invalid("a sample is not a [timestamp, \"value\"] pair");
  }
  const auto& text = pair[1].get_ref<const std::string&>();
  const auto value = parse_sample_value(text);
  if (!value) return invalid("sample value is not a number");
  return *value;
}

Result<Sample> parse_vector_element(const Json& element) {
  if (!element.is_object()) return invalid("a vector element is not an object");
  const auto metric = element.find("metric");
  const auto value = element.find("value");
  if (value == element.end()) {
    if (element.contains("histogram")) return invalid("native histogram samples are not supported");
    return invalid("a vector element has no value");
  }
  Sample sample;
  if (metric != element.end()) {
    if (!metric->is_object()) return invalid("a vector element's metric is not an object");
    for (const auto& [name, label_value] : metric->items()) {
      if (!label_value.is_string()) return invalid("label " + name + " is not a string");
      sample.labels.emplace(name, label_value.get<std::string>());
    }
  }
  auto parsed = parse_sample_pair(*value);
  if (!parsed) return std::unexpected(parsed.error());
  sample.value = *parsed;
  return sample;
}

std::string prometheus_error_text(const Json& body) {
  std::string text;
  if (const auto type = body.find("errorType"); type != body.end() && type->is_string()) {
    text = type->get<std::string>();
  }
  if (const auto message = body.find("error"); message != body.end() && message->is_string()) {
    if (!text.empty()) text += ": ";
    text += message->get<std::string>();
  }
  return text;
}

// The Prometheus `error` text of a non-2xx answer, when the body is Prometheus' JSON.
std::string error_text_of(const HttpResponse& response) {
  const Json body = Json::parse(response.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return {};
  return prometheus_error_text(body);
}

// `base` with `api_path` (`/api/v1/query`) appended to its path, keeping any path prefix (a
// Prometheus behind a reverse proxy at /prometheus).
Result<std::string> api_endpoint(const std::string& base, std::string_view api_path) {
  struct UrlDeleter {
    void operator()(CURLU* url) const { curl_url_cleanup(url); }
  };
  struct StringDeleter {
    void operator()(char* text) const { curl_free(text); }
  };
  std::unique_ptr<CURLU, UrlDeleter> url(curl_url());
  if (!url) return fail("out of memory");
  if (curl_url_set(url.get(), CURLUPART_URL, base.c_str(), 0) != CURLUE_OK) {
    return fail("url \"" + redact_url(base) + "\" is not a valid URL");
  }
  char* raw_path = nullptr;
  if (curl_url_get(url.get(), CURLUPART_PATH, &raw_path, 0) != CURLUE_OK) {
    return fail("url \"" + redact_url(base) + "\" is not a valid URL");
  }
  const std::unique_ptr<char, StringDeleter> path_owner(raw_path);
  std::string path = raw_path;
  while (!path.empty() && path.back() == '/') path.pop_back();
  path += api_path;
  char* raw_full = nullptr;
  if (curl_url_set(url.get(), CURLUPART_PATH, path.c_str(), 0) != CURLUE_OK ||
      curl_url_get(url.get(), CURLUPART_URL, &raw_full, 0) != CURLUE_OK) {
    return fail("url \"" + redact_url(base) + "\" is not a valid URL");
  }
  const std::unique_ptr<char, StringDeleter> full_owner(raw_full);
  return std::string(raw_full);
}

// Unix seconds with millisecond precision, the `time` parameter of /api/v1/query.
std::string format_query_time(WallTime at) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
  const auto seconds = ms / 1000 - (ms % 1000 < 0 ? 1 : 0);
  const auto millis = static_cast<int>(ms - seconds * 1000);  // 0..999
  const std::array<char, 4> fraction{static_cast<char>('0' + millis / 100),
                                     static_cast<char>('0' + millis / 10 % 10),
                                     static_cast<char>('0' + millis % 10), '\0'};
  return std::to_string(seconds) + "." + fraction.data();
}

// The `data.resultType` and `data.result` of a successful answer; a Prometheus error answer
// becomes an Error with Prometheus' own text.
struct Envelope {
  std::string result_type;
  Json result;
};

Result<Envelope> parse_envelope(std::string_view body) {
  Json document = Json::parse(body, nullptr, false);
  if (document.is_discarded()) return invalid("not JSON");
  if (!document.is_object()) return invalid("not a JSON object");
  const auto status = document.find("status");
  if (status == document.end() || !status->is_string()) return invalid("no status");
  if (*status == "error") {
    const std::string text = prometheus_error_text(document);
    return fail("Prometheus query failed: " + (text.empty() ? std::string("unknown error") : text));
  }
  if (*status != "success") return invalid("unknown status");

  const auto data = document.find("data");
  if (data == document.end() || !data->is_object()) return invalid("no data object");
  const auto type = data->find("resultType");
  if (type == data->end() || !type->is_string()) return invalid("no resultType");
  const auto result = data->find("result");
  if (result == data->end()) return invalid("no result");

  return Envelope{type->get<std::string>(), std::move(*result)};
}

}  // namespace

Result<std::vector<Sample>> parse_prometheus_response(std::string_view body) {
  auto envelope = parse_envelope(body);
  if (!envelope) return std::unexpected(envelope.error());
  const std::string& result_type = envelope->result_type;
  const Json* result = &envelope->result;
  std::vector<Sample> samples;
  if (result_type == "vector") {
    if (!result->is_array()) return invalid("vector result is not an array");
    samples.reserve(result->size());
    for (const auto& element : *result) {
      auto sample = parse_vector_element(element);
      if (!sample) return std::unexpected(sample.error());
      samples.push_back(std::move(*sample));
    }
    return samples;
  }
  if (result_type == "scalar") {
    auto value = parse_sample_pair(*result);
    if (!value) return std::unexpected(value.error());
    samples.push_back(Sample{{}, *value});
    return samples;
  }
  if (result_type == "matrix") {
    return invalid(
        "the query returned a range vector (matrix); an instant vector or scalar is needed");
  }
  if (result_type == "string") {
    return invalid("the query returned a string; an instant vector or scalar is needed");
  }
  return invalid("unknown resultType");
}

Result<std::vector<RangeSeries>> parse_prometheus_range_response(std::string_view body) {
  auto envelope = parse_envelope(body);
  if (!envelope) return std::unexpected(envelope.error());
  const Json& result = envelope->result;
  if (envelope->result_type == "vector" || envelope->result_type == "scalar" ||
      envelope->result_type == "string") {
    return invalid("a range query answered a " + envelope->result_type + " instead of a matrix");
  }
  if (envelope->result_type != "matrix") return invalid("unknown resultType");
  if (!result.is_array()) return invalid("matrix result is not an array");
  std::vector<RangeSeries> out;
  out.reserve(result.size());
  for (const auto& element : result) {
    if (!element.is_object()) return invalid("a matrix element is not an object");
    RangeSeries series;
    if (const auto metric = element.find("metric"); metric != element.end()) {
      if (!metric->is_object()) return invalid("a matrix element's metric is not an object");
      for (const auto& [name, label_value] : metric->items()) {
        if (!label_value.is_string()) return invalid("label " + name + " is not a string");
        series.labels.emplace(name, label_value.get<std::string>());
      }
    }
    const auto values = element.find("values");
    if (values == element.end()) {
      if (element.contains("histograms")) {
        return invalid("native histogram samples are not supported");
      }
      return invalid("a matrix element has no values");
    }
    if (!values->is_array()) return invalid("a matrix element's values are not an array");
    series.points.reserve(values->size());
    for (const auto& pair : *values) {
      auto value = parse_sample_pair(pair);
      if (!value) return std::unexpected(value.error());
      const double seconds = pair[0].get<double>();
      if (!std::isfinite(seconds)) return invalid("a sample timestamp is not finite");
      const auto millis = std::llround(seconds * 1000.0);
      series.points.emplace_back(WallTime(std::chrono::milliseconds(millis)), *value);
    }
    out.push_back(std::move(series));
  }
  return out;
}

PrometheusSource::PrometheusSource(SourceConfig config) : config_(std::move(config)) {}

Result<HttpResponse> PrometheusSource::post(std::string_view api_path,
                                            std::vector<std::pair<std::string, std::string>> form,
                                            std::string& where) const {
  const std::string context = "source \"" + config_.name + "\"";
  auto endpoint = api_endpoint(config_.url, api_path);
  if (!endpoint) return fail(context + ": " + endpoint.error().message);

  HttpRequest request;
  request.method = HttpMethod::post;
  request.url = std::move(*endpoint);
  request.context = context;
  request.timeout = config_.timeout;
  request.connect_timeout = config_.timeout;
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                     {"Accept", "application/json"}};
  form.emplace_back("timeout", format_duration(config_.timeout));
  request.body = form_encode(form);
  apply_client_config(config_.http, request);

  auto response = http_send(request);
  if (!response) return std::unexpected(response.error());

  where = context + ": POST " + redact_url(request.url);
  if (!response->ok()) {
    std::string message = where + ": HTTP " + std::to_string(response->status);
    if (const std::string text = error_text_of(*response); !text.empty()) {
      message += ": " + text;
    }
    return fail(std::move(message));
  }
  return response;
}

MetricSourcePtr make_prometheus_source(const SourceConfig& config) {
  return std::make_shared<PrometheusSource>(config);
}

Result<QueryResult> PrometheusSource::query(const MetricQuery& query, WallTime at) {
  const auto* promql = std::get_if<PromQlQuery>(&query);
  if (promql == nullptr) return fail("a Prometheus source answers PromQL queries only");
  return instant_query(promql->promql, at);
}

Result<QueryResult> PrometheusSource::instant_query(const std::string& query, WallTime at) {
  std::string where;
  auto response = post("/api/v1/query", {{"query", query}, {"time", format_query_time(at)}}, where);
  if (!response) return std::unexpected(response.error());
  auto samples = parse_prometheus_response(response->body);
  if (!samples) return fail(where + ": " + samples.error().message);
  return QueryResult{std::move(*samples), response->elapsed};
}

Result<RangeQueryResult> PrometheusSource::query_range(const std::string& query, WallTime start,
                                                       WallTime end,
                                                       std::chrono::milliseconds step) {
  if (step <= std::chrono::milliseconds::zero()) return fail("range query step must be positive");
  std::string where;
  auto response = post("/api/v1/query_range",
                       {{"query", query},
                        {"start", format_query_time(start)},
                        {"end", format_query_time(end)},
                        {"step", format_duration(step)}},
                       where);
  if (!response) return std::unexpected(response.error());
  auto series = parse_prometheus_range_response(response->body);
  if (!series) return fail(where + ": " + series.error().message);
  return RangeQueryResult{std::move(*series), response->elapsed};
}

}  // namespace slamon
