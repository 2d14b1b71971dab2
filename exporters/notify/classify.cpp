#include "notify/classify.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>

#include "common/strings.h"
#include "notify/text.h"

namespace slamon::notify {
namespace {

std::optional<int> month_index(std::string_view name) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (std::size_t i = 0; i < kMonths.size(); ++i) {
    if (kMonths[i] == name) return static_cast<int>(i);
  }
  return std::nullopt;
}

struct DateParts {
  int day = 0;
  std::array<char, 4> month{};
  int year = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
};

std::optional<WallTime> to_wall_time(const DateParts& parts) {
  const auto month = month_index(std::string_view(parts.month.data()));
  if (!month || parts.day < 1 || parts.day > 31 || parts.hour > 23 || parts.minute > 59 ||
      parts.second > 60 || parts.hour < 0 || parts.minute < 0 || parts.second < 0 ||
      parts.year < 1970 || parts.year > 9999) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = parts.year - 1900;
  tm.tm_mon = *month;
  tm.tm_mday = parts.day;
  tm.tm_hour = parts.hour;
  tm.tm_min = parts.minute;
  tm.tm_sec = parts.second;
  const std::time_t seconds = timegm(&tm);
  if (seconds == static_cast<std::time_t>(-1)) return std::nullopt;
  return std::chrono::system_clock::from_time_t(seconds);
}

// The three date formats RFC 9110 §5.6.7 says a recipient accepts.
std::optional<WallTime> parse_http_date(const std::string& text) {
  DateParts parts;
  std::array<char, 16> weekday{};
  int consumed = 0;
  // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
  if (std::sscanf(text.c_str(), "%3[A-Za-z], %2d %3[A-Za-z] %4d %2d:%2d:%2d GMT%n", weekday.data(),
                  &parts.day, parts.month.data(), &parts.year, &parts.hour, &parts.minute,
                  &parts.second, &consumed) == 7 &&
      static_cast<std::size_t>(consumed) == text.size()) {
    return to_wall_time(parts);
  }
  // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
  consumed = 0;
  if (std::sscanf(text.c_str(), "%15[A-Za-z], %2d-%3[A-Za-z]-%2d %2d:%2d:%2d GMT%n", weekday.data(),
                  &parts.day, parts.month.data(), &parts.year, &parts.hour, &parts.minute,
                  &parts.second, &consumed) == 7 &&
      static_cast<std::size_t>(consumed) == text.size()) {
    parts.year += parts.year < 70 ? 2000 : 1900;
    return to_wall_time(parts);
  }
  // asctime: Sun Nov  6 08:49:37 1994
  consumed = 0;
  if (std::sscanf(text.c_str(), "%3[A-Za-z] %3[A-Za-z] %2d %2d:%2d:%2d %4d%n", weekday.data(),
                  parts.month.data(), &parts.day, &parts.hour, &parts.minute, &parts.second,
                  &parts.year, &consumed) == 7 &&
      static_cast<std::size_t>(consumed) == text.size()) {
    return to_wall_time(parts);
  }
  return std::nullopt;
}

// The message http_send built, without its "<context>: <METHOD>[ <url>]: " prefix.
std::string without_request_prefix(const std::string& message, const HttpRequest& request) {
  std::string prefix;
  if (!request.context.empty()) prefix = request.context + ": ";
  prefix += to_string(request.method);
  if (!request.url_is_secret) {
    prefix += ' ';
    prefix += redact_url(request.url);
  }
  prefix += ": ";
  if (message.starts_with(prefix)) return message.substr(prefix.size());
  return message;
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value, WallTime now) {
  const std::string_view text = trim(value, " \t");
  if (text.empty()) return std::nullopt;
  if (std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    // More digits than the clamp needs would overflow; they only mean "very long".
    constexpr auto kMaxSeconds = std::chrono::duration_cast<std::chrono::seconds>(kMaxRetryAfter);
    long long seconds = 0;
    for (const char c : text) {
      seconds = seconds * 10 + (c - '0');
      if (seconds > kMaxSeconds.count()) return kMaxRetryAfter;
    }
    return std::chrono::seconds(seconds);
  }
  const auto date = parse_http_date(std::string(text));
  if (!date) return std::nullopt;
  if (*date <= now) return std::chrono::milliseconds(0);
  const auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(*date - now);
  return std::min<std::chrono::milliseconds>(delay, kMaxRetryAfter);
}

std::vector<std::string> detail_secrets(const HttpRequest& request,
                                        const std::vector<std::string>& secrets) {
  // The longest parts first, so that a part is redacted whole before any piece of it.
  std::vector<std::string> all{request.url};
  std::string_view rest = request.url;
  if (const auto scheme_end = rest.find("://"); scheme_end != std::string_view::npos) {
    rest.remove_prefix(scheme_end + 3);
  }
  const auto authority_end = std::min(rest.find_first_of("/?#"), rest.size());
  const std::string_view authority = rest.substr(0, authority_end);
  const std::string_view target = rest.substr(authority_end);
  const std::string_view path =
      target.substr(0, std::min(target.find_first_of("?#"), target.size()));
  // A bare "/" or a one-letter path is no secret, and redacting it would garble every detail.
  if (target.size() > 1) all.emplace_back(target);
  if (path.size() > 1) all.emplace_back(path);
  if (const auto query = target.find('?'); query != std::string_view::npos) {
    const std::string_view query_text = target.substr(query + 1);
    all.emplace_back(query_text.substr(0, std::min(query_text.find('#'), query_text.size())));
  }
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    all.emplace_back(authority.substr(0, at));
  }
  // A receiver may echo just the token part of its URL; long path segments and query values
  // are tokens, short ones ("services", "hooks") are words worth keeping.
  constexpr std::size_t kMinTokenBytes = 16;
  std::size_t start = 0;
  while (start < target.size()) {
    const auto end = std::min(target.find_first_of("/?&=#", start), target.size());
    if (end - start >= kMinTokenBytes) all.emplace_back(target.substr(start, end - start));
    start = end + 1;
  }
  all.insert(all.end(), secrets.begin(), secrets.end());
  return all;
}

bool is_retryable_status(long status) {
  return status == 408 || status == 425 || status == 429 || (status >= 500 && status <= 599);
}

std::string redact(std::string text, const std::vector<std::string>& secrets) {
  for (const auto& secret : secrets) {
    if (secret.empty()) continue;
    for (auto pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos)) {
      text.replace(pos, secret.size(), "<redacted>");
      pos += std::string_view("<redacted>").size();
    }
  }
  return text;
}

std::string body_excerpt(std::string_view body, const std::vector<std::string>& secrets,
                         std::size_t max_bytes) {
  // Redact before cutting, so a secret cut in half cannot survive.
  return truncate_utf8(single_line(redact(std::string(body), secrets)), max_bytes);
}

DeliveryResult classify_http(const Result<HttpResponse>& response, const HttpRequest& request,
                             WallTime now, const std::vector<std::string>& secrets) {
  const std::vector<std::string> all_secrets = detail_secrets(request, secrets);
  if (!response) {
    return retry(redact(without_request_prefix(response.error().message, request), all_secrets));
  }
  if (response->ok()) return delivered();
  std::string detail = "HTTP " + std::to_string(response->status);
  if (const std::string excerpt = body_excerpt(response->body, all_secrets); !excerpt.empty()) {
    detail += ": " + excerpt;
  }
  if (!is_retryable_status(response->status)) return dead(std::move(detail));
  DeliveryResult result = retry(std::move(detail));
  if (const auto header = response->header("retry-after")) {
    result.retry_after = parse_retry_after(*header, now);
  }
  return result;
}

DeliveryResult delivered() {
  return DeliveryResult{DeliveryOutcome::delivered, std::nullopt, {}};
}

DeliveryResult dead(std::string detail) {
  return DeliveryResult{DeliveryOutcome::dead, std::nullopt, std::move(detail)};
}

DeliveryResult retry(std::string detail) {
  return DeliveryResult{DeliveryOutcome::retry, std::nullopt, std::move(detail)};
}

std::string dump_json(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string_view to_string(DeliveryOutcome outcome) {
  switch (outcome) {
    case DeliveryOutcome::delivered:
      return "delivered";
    case DeliveryOutcome::retry:
      return "retry";
    case DeliveryOutcome::dead:
      return "dead";
  }
  return "dead";
}

}  // namespace slamon::notify
