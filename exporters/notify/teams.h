// TeamsNotifier: posts a notification to Microsoft Teams (SPEC §9.2), either to a Workflows
// webhook as an Adaptive Card 1.4 (`format: adaptive_card`) or to a legacy connector as a
// MessageCard (`format: message_card`). Teams refuses messages over about 28 KB, so an
// incident lists as many breaches as fit and counts the rest. Any 2xx is delivered.
// Stateless after construction; thread-safe.
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "notify/message.h"
#include "notify/message_notifier.h"

namespace slamon::notify {

// Every payload serialises to fewer bytes than this.
inline constexpr std::size_t kTeamsMaxPayloadBytes = 28 * 1024;

// {"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive",
// "content":{AdaptiveCard 1.4}}]}
nlohmann::json teams_adaptive_card_payload(const Message& message);
// {"@type":"MessageCard", "themeColor", "sections":[{facts}], "potentialAction"}
nlohmann::json teams_message_card_payload(const Message& message);

class TeamsNotifier final : public MessageNotifier {
 public:
  using MessageNotifier::MessageNotifier;

 private:
  DeliveryResult deliver(Message message, const Notification& notification,
                         WallTime now) const override;
};

}  // namespace slamon::notify
