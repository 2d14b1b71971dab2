// SlackNotifier: posts a notification to a Slack incoming webhook (SPEC §9.2) as `text` (the
// fallback shown in notifications) plus Block Kit `blocks`, with an attachment whose colour bar
// shows the severity. Slack answers a good post with 200 and the body `ok`; a 200 with any other
// body is a permanent refusal. Stateless after construction; thread-safe.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "notify/message.h"
#include "notify/message_notifier.h"

namespace slamon::notify {

// The webhook body for `message`; bounded well below Slack's block and text limits.
nlohmann::json slack_payload(const Message& message);

class SlackNotifier final : public MessageNotifier {
 public:
  using MessageNotifier::MessageNotifier;

 private:
  DeliveryResult deliver(Message message, const Notification& notification,
                         WallTime now) const override;
};

}  // namespace slamon::notify
