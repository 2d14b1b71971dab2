// MessageNotifier: the base of the notifiers that show people an event as a Message (Slack,
// Teams, SMTP, SPEC §9.2): it reads the stored event, builds the message (links resolved
// against external_url) and turns any exception into a classified outcome; a subclass only
// delivers the message. Stateless after construction; thread-safe as Notifier requires.
#pragma once

#include <string>

#include "config/config.h"
#include "notify/message.h"
#include "notify/notifier.h"

namespace slamon::notify {

class MessageNotifier : public Notifier {
 public:
  MessageNotifier(NotifierConfig config, std::string external_url);
  const std::string& name() const final { return config_.name; }
  DeliveryResult send(const Notification& notification, WallTime now) final;

 protected:
  const NotifierConfig& config() const { return config_; }

 private:
  // Delivers `message`, built from `notification`'s event; may throw (see send).
  virtual DeliveryResult deliver(Message message, const Notification& notification,
                                 WallTime now) const = 0;

  NotifierConfig config_;
  std::string external_url_;
};

}  // namespace slamon::notify
