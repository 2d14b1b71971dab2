// Builds the notifier a NotifierConfig describes (SPEC §9.2), checking what the notifier needs
// to work at all (a URL, a smarthost and addresses, a decodable signing secret), and the
// per-type send rate defaults. Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "common/result.h"
#include "config/config.h"
#include "notify/alertmanager.h"
#include "notify/notifier.h"

namespace slamon::notify {

struct NotifierOptions {
  std::string external_url;  // GlobalConfig::external_url; "" = no links
  // How long a firing Alertmanager alert lives unless re-posted (AlertmanagerNotifier::resend).
  std::chrono::milliseconds alertmanager_resend_ttl = kDefaultResendTtl;
  // GlobalConfig::reports_dir (--reports.dir): where SMTP notifiers read a report to attach
  // it to an sla.report.ready mail; empty = report mails carry the link only.
  std::filesystem::path reports_dir{};
};

// The notifier for `config`; an error names the notifier and what is missing, never a secret.
// An alertmanager notifier is an AlertmanagerNotifier (for resend()).
Result<std::unique_ptr<Notifier>> make_notifier(const NotifierConfig& config,
                                                const NotifierOptions& options);

// Sends per second when the config sets none: slack 1, teams 4, the others 10.
double default_rate_limit(NotifierType type);
// `config.rate_limit` when positive, else the type's default.
double effective_rate_limit(const NotifierConfig& config);

}  // namespace slamon::notify
