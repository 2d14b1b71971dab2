// WebhookNotifier: posts the stored event JSON, byte for byte, to any HTTP endpoint, signed per
// Standard Webhooks (SPEC §9.2): `webhook-id` (the event id, the same on every retry so the
// receiver can deduplicate), `webhook-timestamp` (unix seconds of the attempt) and, when a
// secret is set, `webhook-signature: v1,<base64 HMAC-SHA256(id.timestamp.body)>`. Configured
// extra headers are added, except ones that would replace these. Any 2xx is delivered.
// Stateless after construction; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "config/config.h"
#include "notify/notifier.h"

namespace slamon::notify {

// The HMAC key of a secret: the base64-decoded part of "whsec_<base64>", else the secret's
// own bytes. An undecodable whsec_ secret is an error (that does not quote it).
Result<std::string> webhook_signing_key(std::string_view secret);

// "v1,<base64(HMAC-SHA256(key, id + "." + timestamp + "." + body))>"
std::string webhook_signature(std::string_view key, std::string_view id, std::string_view timestamp,
                              std::string_view body);

// Header names the notifier sets itself; a configured header with one of these names is
// skipped (compared case-insensitively).
bool is_reserved_webhook_header(std::string_view name);

class WebhookNotifier final : public Notifier {
 public:
  explicit WebhookNotifier(NotifierConfig config);
  const std::string& name() const override { return config_.name; }
  DeliveryResult send(const Notification& notification, WallTime now) override;

 private:
  DeliveryResult attempt(const Notification& notification, WallTime now) const;

  NotifierConfig config_;
  Result<std::string> signing_key_;  // empty when no secret is set
};

}  // namespace slamon::notify
