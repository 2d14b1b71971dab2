// The POST every HTTP notifier makes: its timeout, TLS files, a `notifier "<name>"` context and
// a URL that error messages never show. Also the notifier's secrets, so details can be scrubbed
// of them. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "config/config.h"
#include "httpclient/http_client.h"

namespace slamon::notify {

// Receivers answer a few bytes; a larger answer is cut off rather than buffered.
inline constexpr std::size_t kMaxNotifierResponseBytes = 1u << 20;

// A JSON POST of `body` to `url` with `config`'s timeout and TLS settings.
HttpRequest notifier_post(const NotifierConfig& config, std::string url, std::string body);

// `notifier "<name>"`, the context of the notifier's requests and errors.
std::string notifier_context(const NotifierConfig& config);

// What must never appear in a detail: the URL, the signing secret, the SMTP password.
std::vector<std::string> notifier_secrets(const NotifierConfig& config);

}  // namespace slamon::notify
