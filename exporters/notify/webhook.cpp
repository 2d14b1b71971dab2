#include "notify/webhook.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <utility>
#include <vector>

#include "common/strings.h"
#include "notify/classify.h"
#include "notify/http_post.h"
#include "notify/message.h"
#include "notify/text.h"

namespace slamon::notify {
namespace {

constexpr std::string_view kSecretPrefix = "whsec_";
// Header values this short are names and flags, not credentials; redacting them from details
// would only garble the details.
constexpr std::size_t kMinSecretHeaderBytes = 8;

bool is_base64_text(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) return false;
  std::size_t padding = 0;
  while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') {
    ++padding;
  }
  return std::all_of(text.begin(), text.end() - static_cast<std::ptrdiff_t>(padding),
                     [](unsigned char c) { return std::isalnum(c) || c == '+' || c == '/'; });
}

}  // namespace

Result<std::string> webhook_signing_key(std::string_view secret) {
  if (!secret.starts_with(kSecretPrefix)) return std::string(secret);
  const std::string_view encoded = secret.substr(kSecretPrefix.size());
  if (!is_base64_text(encoded)) {
    return fail("the webhook secret starts with whsec_ but the rest is not base64");
  }
  std::string key(encoded.size() / 4 * 3, '\0');
  const int decoded = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(key.data()),
                                      reinterpret_cast<const unsigned char*>(encoded.data()),
                                      static_cast<int>(encoded.size()));
  if (decoded < 0) return fail("the webhook secret starts with whsec_ but the rest is not base64");
  // EVP_DecodeBlock counts the bytes the padding stands for; they are not part of the key.
  const auto padding = static_cast<std::size_t>(std::count(encoded.end() - 2, encoded.end(), '='));
  key.resize(static_cast<std::size_t>(decoded) - padding);
  if (key.empty()) return fail("the webhook secret whsec_ holds an empty key");
  return key;
}

std::string webhook_signature(std::string_view key, std::string_view id, std::string_view timestamp,
                              std::string_view body) {
  std::string content;
  content.reserve(id.size() + timestamp.size() + body.size() + 2);
  content.append(id).append(".").append(timestamp).append(".").append(body);
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int digest_size = 0;
  const unsigned char* result = HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
                                     reinterpret_cast<const unsigned char*>(content.data()),
                                     content.size(), digest.data(), &digest_size);
  if (result == nullptr) return {};
  return "v1," +
         base64(std::string_view(reinterpret_cast<const char*>(digest.data()), digest_size));
}

bool is_reserved_webhook_header(std::string_view name) {
  const std::string lowered = to_lower_ascii(name);
  return lowered == "content-type" || lowered == "content-length" || lowered == "host" ||
         lowered == "webhook-id" || lowered == "webhook-timestamp" ||
         lowered == "webhook-signature";
}

WebhookNotifier::WebhookNotifier(NotifierConfig config)
    : config_(std::move(config)),
      signing_key_(config_.secret.empty() ? Result<std::string>(std::string())
                                          : webhook_signing_key(config_.secret)) {}

DeliveryResult WebhookNotifier::send(const Notification& notification, WallTime now) {
  return guarded_send([&] { return attempt(notification, now); });
}

DeliveryResult WebhookNotifier::attempt(const Notification& notification, WallTime now) const {
  if (!signing_key_) return dead(signing_key_.error().message);
  std::string id = notification.event_id;
  if (id.empty()) {
    if (const auto event = event_of(notification);
        event && event->contains("id") && (*event)["id"].is_string()) {
      id = (*event)["id"].get<std::string>();
    }
  }
  if (id.empty()) return dead("malformed event: no event id");
  if (id.find_first_of("\r\n") != std::string::npos) return dead("malformed event: bad event id");
  if (notification.payload.empty()) return dead("malformed event: empty payload");

  const auto seconds = static_cast<long long>(std::floor(to_unix_seconds(now)));
  const std::string timestamp = std::to_string(seconds);

  HttpRequest request = notifier_post(config_, config_.url, notification.payload);
  request.headers.emplace_back("webhook-id", id);
  request.headers.emplace_back("webhook-timestamp", timestamp);
  if (!signing_key_->empty()) {
    request.headers.emplace_back(
        "webhook-signature", webhook_signature(*signing_key_, id, timestamp, notification.payload));
  }
  std::vector<std::string> secrets = notifier_secrets(config_);
  for (const auto& [header, value] : config_.headers) {
    // Config validation refuses these; skipping them here keeps a bad header from turning
    // every attempt into a failure.
    if (is_reserved_webhook_header(header) ||
        value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
      continue;
    }
    request.headers.emplace_back(header, value);
    // A configured header may carry a credential (an API key); keep it out of details too.
    if (value.size() >= kMinSecretHeaderBytes) secrets.push_back(value);
  }
  return classify_http(http_send(request), request, now, secrets);
}

}  // namespace slamon::notify
