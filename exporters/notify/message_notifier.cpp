#include "notify/message_notifier.h"

#include <utility>

#include "notify/classify.h"

namespace slamon::notify {

MessageNotifier::MessageNotifier(NotifierConfig config, std::string external_url)
    : config_(std::move(config)), external_url_(std::move(external_url)) {}

DeliveryResult MessageNotifier::send(const Notification& notification, WallTime now) {
  return guarded_send([&] {
    const auto event = event_of(notification);
    if (!event) return dead(event.error().message);
    auto message = build_message(*event, external_url_);
    if (!message) return dead(message.error().message);
    return deliver(std::move(*message), notification, now);
  });
}

}  // namespace slamon::notify
