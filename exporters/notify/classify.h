// The outcome classification every HTTP notifier shares (SPEC §9.3): a transport failure
// (refused, timed out, DNS, TLS) or 408, 425, 429 and 5xx are worth another attempt (honouring
// Retry-After), 2xx is delivered, anything else is a permanent refusal. Details are short and
// carry no URL or secret. Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "httpclient/http_client.h"
#include "notify/notifier.h"

namespace slamon::notify {

// Longest Retry-After honoured; a larger value is clamped (the delivery's max_age decides).
inline constexpr std::chrono::hours kMaxRetryAfter{24};

// Retry-After as delta-seconds ("120") or an HTTP date (IMF-fixdate, RFC 850 or asctime),
// the latter relative to `now` (a date in the past is 0). Unparseable: nullopt.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value, WallTime now);

// True for the statuses worth another attempt: 408, 425, 429 and 5xx.
bool is_retryable_status(long status);

// The outcome of one HTTP exchange, as http_send returned it for `request`. A non-2xx answer's
// detail is "HTTP <status>" followed by the start of its body, with `secrets` (and the
// request's URL) removed. Callers with their own success rule (Slack's "ok") check 2xx
// answers themselves first.
DeliveryResult classify_http(const Result<HttpResponse>& response, const HttpRequest& request,
                             WallTime now, const std::vector<std::string>& secrets = {});

// What a detail about `request` must not contain: `secrets`, the URL, its path and query, and
// the long tokens in them.
std::vector<std::string> detail_secrets(const HttpRequest& request,
                                        const std::vector<std::string>& secrets);

// `text` with every non-empty secret replaced by "<redacted>".
std::string redact(std::string text, const std::vector<std::string>& secrets);

// The start of a receiver's answer for a detail: one line, at most `max_bytes`, secrets removed.
std::string body_excerpt(std::string_view body, const std::vector<std::string>& secrets,
                         std::size_t max_bytes = 200);

DeliveryResult delivered();
DeliveryResult dead(std::string detail);
DeliveryResult retry(std::string detail);

std::string_view to_string(DeliveryOutcome outcome);

// Compact JSON; invalid UTF-8 is replaced rather than thrown on.
std::string dump_json(const nlohmann::json& value);

// Runs a notifier's send body; an exception (a bug, or memory exhaustion) becomes a retry
// with its message, since a notifier's send() must not throw into the delivery worker.
template <typename Send>
DeliveryResult guarded_send(Send&& send) noexcept {
  try {
    return send();
  } catch (const std::exception& error) {
    return DeliveryResult{DeliveryOutcome::retry, std::nullopt,
                          std::string("internal error: ") + error.what()};
  } catch (...) {
    return DeliveryResult{DeliveryOutcome::retry, std::nullopt, "internal error"};
  }
}

}  // namespace slamon::notify
