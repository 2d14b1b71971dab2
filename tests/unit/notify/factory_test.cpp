// make_notifier: one notifier per type, refusal of configs a notifier cannot work with
// (without quoting secrets), and the per-type rate limits.
#include "notify/factory.h"

#include <gtest/gtest.h>

#include "notify/slack.h"
#include "notify/smtp.h"
#include "notify/teams.h"
#include "notify/webhook.h"

namespace slamon::notify {
namespace {

NotifierConfig config_of(NotifierType type) {
  NotifierConfig config;
  config.name = "n";
  config.type = type;
  config.url = "https://hooks.example/T1/B2/s3cr3t";
  config.smtp.smarthost = "mail.example.net:587";
  config.smtp.from = "sla@example.net";
  config.smtp.to = {"noc@example.net"};
  return config;
}

TEST(MakeNotifier, BuildsEachType) {
  const NotifierOptions options;
  auto slack = make_notifier(config_of(NotifierType::slack), options);
  ASSERT_TRUE(slack);
  EXPECT_NE(dynamic_cast<SlackNotifier*>(slack->get()), nullptr);
  EXPECT_EQ((*slack)->name(), "n");
  EXPECT_NE(dynamic_cast<TeamsNotifier*>(
                make_notifier(config_of(NotifierType::teams), options).value().get()),
            nullptr);
  EXPECT_NE(dynamic_cast<WebhookNotifier*>(
                make_notifier(config_of(NotifierType::webhook), options).value().get()),
            nullptr);
  EXPECT_NE(dynamic_cast<SmtpNotifier*>(
                make_notifier(config_of(NotifierType::smtp), options).value().get()),
            nullptr);
  auto am = make_notifier(config_of(NotifierType::alertmanager),
                          NotifierOptions{"", std::chrono::minutes(7)});
  ASSERT_TRUE(am);
  auto* alertmanager = dynamic_cast<AlertmanagerNotifier*>(am->get());
  ASSERT_NE(alertmanager, nullptr);
  EXPECT_EQ(alertmanager->resend_ttl(), std::chrono::minutes(7));
  EXPECT_EQ(NotifierOptions{}.alertmanager_resend_ttl, std::chrono::minutes(15));
}

TEST(MakeNotifier, RefusesUnusableConfigsWithoutQuotingSecrets) {
  const NotifierOptions options;
  NotifierConfig no_url = config_of(NotifierType::slack);
  no_url.url.clear();
  EXPECT_FALSE(make_notifier(no_url, options));

  NotifierConfig ftp = config_of(NotifierType::teams);
  ftp.url = "ftp://hooks.example/s3cr3t";
  const auto refused = make_notifier(ftp, options);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message.find("s3cr3t"), std::string::npos);
  EXPECT_NE(refused.error().message.find("notifier \"n\""), std::string::npos);

  NotifierConfig bad_secret = config_of(NotifierType::webhook);
  bad_secret.secret = "whsec_***s3cr3t***";
  const auto bad = make_notifier(bad_secret, options);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message.find("s3cr3t"), std::string::npos);

  NotifierConfig no_recipients = config_of(NotifierType::smtp);
  no_recipients.smtp.to.clear();
  EXPECT_FALSE(make_notifier(no_recipients, options));
  NotifierConfig no_from = config_of(NotifierType::smtp);
  no_from.smtp.from.clear();
  EXPECT_FALSE(make_notifier(no_from, options));
  NotifierConfig bad_host = config_of(NotifierType::smtp);
  bad_host.smtp.smarthost = "mail:port";
  EXPECT_FALSE(make_notifier(bad_host, options));

  NotifierConfig no_timeout = config_of(NotifierType::webhook);
  no_timeout.timeout = std::chrono::milliseconds(0);
  EXPECT_FALSE(make_notifier(no_timeout, options));
}

TEST(RateLimit, DefaultsPerTypeAndConfiguredOverride) {
  EXPECT_EQ(default_rate_limit(NotifierType::slack), 1);
  EXPECT_EQ(default_rate_limit(NotifierType::teams), 4);
  EXPECT_EQ(default_rate_limit(NotifierType::webhook), 10);
  EXPECT_EQ(default_rate_limit(NotifierType::smtp), 10);
  EXPECT_EQ(default_rate_limit(NotifierType::alertmanager), 10);
  NotifierConfig config = config_of(NotifierType::slack);
  EXPECT_EQ(effective_rate_limit(config), 1);
  config.rate_limit = 0.5;
  EXPECT_EQ(effective_rate_limit(config), 0.5);
}

}  // namespace
}  // namespace slamon::notify
