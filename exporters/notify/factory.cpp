#include "notify/factory.h"

#include <utility>

#include "notify/http_post.h"
#include "notify/slack.h"
#include "notify/smtp.h"
#include "notify/teams.h"
#include "notify/webhook.h"

namespace slamon::notify {
namespace {

Status check_http_url(const NotifierConfig& config) {
  // The URL itself is a secret; the error only says what is wrong with it.
  if (config.url.empty()) return fail(notifier_context(config) + ": no url");
  if (!config.url.starts_with("http://") && !config.url.starts_with("https://")) {
    return fail(notifier_context(config) + ": the url must start with http:// or https://");
  }
  return {};
}

Status check_smtp(const NotifierConfig& config) {
  const SmtpConfig& smtp = config.smtp;
  if (smtp.smarthost.empty()) return fail(notifier_context(config) + ": no smarthost");
  if (const auto url = smtp_url(smtp); !url) {
    return fail(notifier_context(config) + ": " + url.error().message);
  }
  if (mail_address(smtp.from).empty()) return fail(notifier_context(config) + ": no from address");
  if (smtp.to.empty()) return fail(notifier_context(config) + ": no recipients (to)");
  for (const std::string& to : smtp.to) {
    if (mail_address(to).empty()) return fail(notifier_context(config) + ": an empty recipient");
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<Notifier>> make_notifier(const NotifierConfig& config,
                                                const NotifierOptions& options) {
  if (config.name.empty()) return fail("a notifier has no name");
  if (config.timeout <= std::chrono::milliseconds::zero()) {
    return fail(notifier_context(config) + ": the timeout must be positive");
  }
  switch (config.type) {
    case NotifierType::slack:
      if (auto ok = check_http_url(config); !ok) return std::unexpected(ok.error());
      return std::make_unique<SlackNotifier>(config, options.external_url);
    case NotifierType::teams:
      if (auto ok = check_http_url(config); !ok) return std::unexpected(ok.error());
      return std::make_unique<TeamsNotifier>(config, options.external_url);
    case NotifierType::webhook:
      if (auto ok = check_http_url(config); !ok) return std::unexpected(ok.error());
      if (!config.secret.empty()) {
        if (auto key = webhook_signing_key(config.secret); !key) {
          return fail(notifier_context(config) + ": " + key.error().message);
        }
      }
      return std::make_unique<WebhookNotifier>(config);
    case NotifierType::smtp:
      if (auto ok = check_smtp(config); !ok) return std::unexpected(ok.error());
      return std::make_unique<SmtpNotifier>(config, options.external_url, options.reports_dir);
    case NotifierType::alertmanager:
      if (auto ok = check_http_url(config); !ok) return std::unexpected(ok.error());
      if (options.alertmanager_resend_ttl <= std::chrono::milliseconds::zero()) {
        return fail(notifier_context(config) + ": the alertmanager resend TTL must be positive");
      }
      return std::make_unique<AlertmanagerNotifier>(config, options.external_url,
                                                    options.alertmanager_resend_ttl);
  }
  return fail(notifier_context(config) + ": unknown notifier type");
}

double default_rate_limit(NotifierType type) {
  switch (type) {
    case NotifierType::slack:
      return 1;
    case NotifierType::teams:
      return 4;
    case NotifierType::webhook:
    case NotifierType::smtp:
    case NotifierType::alertmanager:
      return 10;
  }
  return 10;
}

double effective_rate_limit(const NotifierConfig& config) {
  return config.rate_limit > 0 ? config.rate_limit : default_rate_limit(config.type);
}

}  // namespace slamon::notify
