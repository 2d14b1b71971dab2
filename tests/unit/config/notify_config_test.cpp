// The `notifiers:`, `alert_rules:` and `correlation:` sections of slamon.yml (SPEC §9.2,
// §9.4): accepted configurations read into the structs, every rule with its exact position,
// path and message, and no diagnostic ever carrying a notifier's URL or secret.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "config_fixture.h"

namespace slamon {
namespace {

using namespace std::chrono_literals;
using testing::ConfigFixture;
using testing::dump;
using testing::kCaseName;
using testing::kOrgA;
using testing::kOrgB;

// Secret-looking values: none of these may ever appear in a diagnostic.
constexpr std::string_view kSlackUrl = "https://hooks.slack.com/services/T0001/B0002/s3cr3tT0k3n";
constexpr std::string_view kSecretMarker = "s3cr3t";

class NotifyConfigFixture : public ConfigFixture {
 protected:
  void SetUp() override {
    write("inventory.yml", testing::standard_inventory());
    dir_.write("secrets/slack.url", std::string(kSlackUrl) + "\n");
    dir_.write("secrets/teams.url", "https://example.webhook.office.com/workflows/s3cr3t\r\n");
    dir_.write("secrets/not-a.url", "ftp://files.example/s3cr3t\n");
    dir_.write("secrets/hook.secret", "whsec_czNjcjN0\n");
    dir_.write("secrets/mail.password", "s3cr3t-password\n");
    dir_.write("secrets/empty", "\n");
  }

  // slamon.yml: the inventory on line 1, then `yaml` (from line 2), then the source the
  // inventory's devices are polled through.
  LoadResult load_notify(const std::string& yaml) const {
    write("slamon.yml", "inventory_files: [inventory.yml]\n" + yaml +
                            "sources:\n  - {name: switches, type: snmp, community: c}\n");
    return load();
  }

  // $FILE: the path of slamon.yml as diagnostics name it; $DIR: the temporary folder.
  std::string expand(std::string text) const {
    const std::pair<std::string_view, std::string> tokens[] = {{"$FILE", path("slamon.yml")},
                                                               {"$DIR", dir_.path().string()}};
    for (const auto& [token, value] : tokens) {
      for (std::size_t pos = text.find(token); pos != std::string::npos;
           pos = text.find(token, pos + value.size())) {
        text.replace(pos, token.size(), value);
      }
    }
    return text;
  }
};

// ---- accepted configurations ---------------------------------------------------------------

TEST_F(NotifyConfigFixture, SectionsAbsentMeanNoNotifiersNoRulesNoCorrelation) {
  const LoadResult result = load_notify("");
  ASSERT_TRUE(result.ok()) << dump(result.diagnostics);
  EXPECT_TRUE(result.config->notifiers.empty());
  EXPECT_TRUE(result.config->alert_rules.empty());
  EXPECT_FALSE(result.config->correlation.enabled);
  EXPECT_EQ(result.config->correlation.window, 2min);
  EXPECT_EQ(result.config->correlation.group_by, (std::vector<std::string>{"org", "site"}));
}

TEST_F(NotifyConfigFixture, EveryNotifierTypeIsRead) {
  const LoadResult result = load_notify(R"(notifiers:
  - {name: ops-slack, type: slack, url_file: secrets/slack.url}
  - name: ops.teams
    type: teams
    url_file: secrets/teams.url
    format: message_card
    timeout: 30s
    rate_limit: 0.5
    max_age: 2h
  - name: itsm_hook
    type: webhook
    url: https://itsm.example/hook?token=s3cr3t
    secret_file: secrets/hook.secret
    headers: {X-Team: noc, Authorization: Bearer s3cr3t}
    tls_config: {insecure_skip_verify: true}
  - name: mail
    type: smtp
    smarthost: mail.example.net:587
    from: sla@example.net
    to: [noc@example.net, "oncall@example.net"]
    auth_username: slamon
    auth_password_file: secrets/mail.password
    require_tls: false
    hello: slamon.example.net
  - {name: am, type: alertmanager, url: "http://127.0.0.1:9093"}
  - {name: mail2, type: smtp, smarthost: "[::1]:25", from: a@b, to: [c@d]}
)");
  ASSERT_TRUE(result.ok()) << dump(result.diagnostics);
  const auto& notifiers = result.config->notifiers;
  ASSERT_EQ(notifiers.size(), 6u);

  EXPECT_EQ(notifiers[0].name, "ops-slack");
  EXPECT_EQ(notifiers[0].type, NotifierType::slack);
  EXPECT_EQ(notifiers[0].url, kSlackUrl);  // the file's content, trailing newline removed
  EXPECT_EQ(notifiers[0].timeout, 10s);
  EXPECT_EQ(notifiers[0].rate_limit, 0);
  EXPECT_EQ(notifiers[0].max_age, 24h);
  EXPECT_FALSE(notifiers[0].tls.has_value());

  EXPECT_EQ(notifiers[1].type, NotifierType::teams);
  EXPECT_EQ(notifiers[1].url, "https://example.webhook.office.com/workflows/s3cr3t");
  EXPECT_EQ(notifiers[1].teams_format, TeamsFormat::message_card);
  EXPECT_EQ(notifiers[1].timeout, 30s);
  EXPECT_EQ(notifiers[1].rate_limit, 0.5);
  EXPECT_EQ(notifiers[1].max_age, 2h);

  EXPECT_EQ(notifiers[2].type, NotifierType::webhook);
  EXPECT_EQ(notifiers[2].url, "https://itsm.example/hook?token=s3cr3t");
  EXPECT_EQ(notifiers[2].secret, "whsec_czNjcjN0");
  EXPECT_EQ(notifiers[2].headers, (std::vector<std::pair<std::string, std::string>>{
                                      {"X-Team", "noc"}, {"Authorization", "Bearer s3cr3t"}}));
  ASSERT_TRUE(notifiers[2].tls.has_value());
  EXPECT_TRUE(notifiers[2].tls->insecure_skip_verify);
  EXPECT_EQ(notifiers[2].teams_format, TeamsFormat::adaptive_card);

  const SmtpConfig& smtp = notifiers[3].smtp;
  EXPECT_EQ(notifiers[3].type, NotifierType::smtp);
  EXPECT_TRUE(notifiers[3].url.empty());
  EXPECT_EQ(smtp.smarthost, "mail.example.net:587");
  EXPECT_EQ(smtp.from, "sla@example.net");
  EXPECT_EQ(smtp.to, (std::vector<std::string>{"noc@example.net", "oncall@example.net"}));
  EXPECT_EQ(smtp.auth_username, "slamon");
  EXPECT_EQ(smtp.auth_password, "s3cr3t-password");
  EXPECT_FALSE(smtp.require_tls);
  EXPECT_EQ(smtp.hello, "slamon.example.net");

  EXPECT_EQ(notifiers[4].type, NotifierType::alertmanager);
  EXPECT_EQ(notifiers[4].url, "http://127.0.0.1:9093");

  EXPECT_EQ(notifiers[5].smtp.smarthost, "[::1]:25");
  EXPECT_TRUE(notifiers[5].smtp.require_tls);  // the default
  EXPECT_TRUE(notifiers[5].smtp.auth_username.empty());
}

TEST_F(NotifyConfigFixture, AlertRulesAreRead) {
  const LoadResult result = load_notify(R"(notifiers:
  - {name: ops-slack, type: slack, url_file: secrets/slack.url}
  - {name: am, type: alertmanager, url: "http://127.0.0.1:9093"}
alert_rules:
  - name: critical-breaches-to-pager
    events: [sla.breach.created, sla.breach.escalated]
    match:
      severity: critical
      org: 3F7C1A52-0D4E-4B8E-9C11-2F3A4B5C6D7E
      labels: {tier: gold, team: noc}
    notifiers: [ops-slack, am]
  - name: incidents
    events: [sla.incident.opened, sla.incident.resolved]
    match:
      severity: [warning, critical]
      org: [$ORG_A, $ORG_B]
      scope: [site, camera]
      policy: [hq-uptime, 6b1f3c0e-5a0e-4f7d-9b3a-51a1c0de5a11]
    notifiers: [am]
  - name: everything
    events: [sla.breach.acknowledged, sla.breach.resolved]
    notifiers: [ops-slack]
  - name: single-scope
    events: [sla.breach.created]
    match: {scope: nvr, policy: cams}
    notifiers: [am]
)");
  ASSERT_TRUE(result.ok()) << dump(result.diagnostics);
  const auto& rules = result.config->alert_rules;
  ASSERT_EQ(rules.size(), 4u);

  EXPECT_EQ(rules[0].name, "critical-breaches-to-pager");
  EXPECT_EQ(rules[0].events,
            (std::vector<std::string>{"sla.breach.created", "sla.breach.escalated"}));
  EXPECT_EQ(rules[0].match.severities, std::vector<Severity>{Severity::critical});
  EXPECT_EQ(rules[0].match.orgs, std::vector<std::string>{std::string(kOrgA)});  // lower-cased
  EXPECT_TRUE(rules[0].match.scopes.empty());
  EXPECT_TRUE(rules[0].match.policies.empty());
  EXPECT_EQ(rules[0].match.labels,
            (std::map<std::string, std::string>{{"team", "noc"}, {"tier", "gold"}}));
  EXPECT_EQ(rules[0].notifiers, (std::vector<std::string>{"ops-slack", "am"}));

  EXPECT_EQ(rules[1].match.severities,
            (std::vector<Severity>{Severity::warning, Severity::critical}));
  EXPECT_EQ(rules[1].match.orgs,
            (std::vector<std::string>{std::string(kOrgA), std::string(kOrgB)}));
  EXPECT_EQ(rules[1].match.scopes, (std::vector<Scope>{Scope::site, Scope::camera}));
  EXPECT_EQ(rules[1].match.policies,
            (std::vector<std::string>{"hq-uptime", "6b1f3c0e-5a0e-4f7d-9b3a-51a1c0de5a11"}));

  EXPECT_TRUE(rules[2].match.severities.empty());
  EXPECT_TRUE(rules[2].match.orgs.empty());
  EXPECT_TRUE(rules[2].match.labels.empty());

  EXPECT_EQ(rules[3].match.scopes, std::vector<Scope>{Scope::nvr});
  EXPECT_EQ(rules[3].match.policies, std::vector<std::string>{"cams"});
}

TEST_F(NotifyConfigFixture, PolicySignalEventsCanBeRouted) {
  const LoadResult result = load_notify(R"(notifiers:
  - {name: ops-slack, type: slack, url_file: secrets/slack.url}
alert_rules:
  - name: budget-and-window
    events: [sla.budget.warning, sla.budget.critical, sla.escalate, sla.deescalate]
    match: {severity: critical, labels: {tier: gold}}
    notifiers: [ops-slack]
)");
  ASSERT_TRUE(result.ok()) << dump(result.diagnostics);
  const auto& rules = result.config->alert_rules;
  ASSERT_EQ(rules.size(), 1u);
  EXPECT_EQ(rules[0].events, (std::vector<std::string>{"sla.budget.warning", "sla.budget.critical",
                                                       "sla.escalate", "sla.deescalate"}));
  EXPECT_EQ(rules[0].match.severities, std::vector<Severity>{Severity::critical});
}

TEST_F(NotifyConfigFixture, CorrelationIsRead) {
  const LoadResult result =
      load_notify("correlation:\n  window: 90s\n  group_by: [org, site_group, metric]\n");
  ASSERT_TRUE(result.ok()) << dump(result.diagnostics);
  const CorrelationConfig& correlation = result.config->correlation;
  EXPECT_TRUE(correlation.enabled);
  EXPECT_EQ(correlation.window, 90s);
  EXPECT_EQ(correlation.group_by, (std::vector<std::string>{"org", "site_group", "metric"}));
}

TEST_F(NotifyConfigFixture, CorrelationPresentWithoutKeysEnablesTheDefaults) {
  for (const char* yaml : {"correlation: {}\n", "correlation:\n"}) {
    const LoadResult result = load_notify(yaml);
    ASSERT_TRUE(result.ok()) << yaml << dump(result.diagnostics);
    EXPECT_TRUE(result.config->correlation.enabled) << yaml;
    EXPECT_EQ(result.config->correlation.window, 2min);
    EXPECT_EQ(result.config->correlation.group_by, (std::vector<std::string>{"org", "site"}));
  }
}

TEST_F(NotifyConfigFixture, SecretFilesAreRelativeToTheConfigFolder) {
  write("conf/inventory.yml", testing::standard_inventory());
  write("conf/slamon.yml", R"(inventory_files: [inventory.yml]
notifiers:
  - {name: s, type: slack, url_file: ../secrets/slack.url}
sources:
  - {name: switches, type: snmp, community: c}
)");
  const LoadResult result = load_config(path("conf/slamon.yml"));
  ASSERT_TRUE(result.ok()) << dump(result.diagnostics);
  EXPECT_EQ(result.config->notifiers.at(0).url, kSlackUrl);
}

// The examples of docs/configuration.md, with their secret files pointing at test files.
TEST_F(NotifyConfigFixture, DocumentedExamplesAreValid) {
  const LoadResult result = load_notify(R"(notifiers:
  - {name: ops-slack, type: slack, url_file: secrets/slack.url}
  - {name: ops-teams, type: teams, url_file: secrets/teams.url, format: adaptive_card}
  - name: itsm
    type: webhook
    url: https://itsm.example/hook
    secret_file: secrets/hook.secret
    headers: {X-Team: noc}
  - name: mail
    type: smtp
    smarthost: mail.example.net:587
    from: sla@example.net
    to: [noc@example.net]
    auth_username: slamon
    auth_password_file: secrets/mail.password
    require_tls: true
  - {name: am, type: alertmanager, url: http://127.0.0.1:9093}
alert_rules:
  - name: critical-breaches-to-pager
    events: [sla.breach.created, sla.breach.escalated]
    match: {severity: critical, org: 3f7c1a52-0d4e-4b8e-9c11-2f3a4b5c6d7e, labels: {tier: gold}}
    notifiers: [ops-slack, am]
  - name: incidents
    events: [sla.incident.opened, sla.incident.resolved]
    match: {scope: [site, camera]}
    notifiers: [mail]
correlation:
  window: 2m
  group_by: [org, site]
)");
  ASSERT_TRUE(result.ok()) << dump(result.diagnostics);
  EXPECT_EQ(result.config->notifiers.size(), 5u);
  EXPECT_EQ(result.config->alert_rules.size(), 2u);
  EXPECT_TRUE(result.config->correlation.enabled);
}

// ---- rejected configurations, each at its exact position ------------------------------------

struct BadCase {
  std::string name;
  std::string yaml;  // starts on line 2
  int line;
  int column;
  std::string path;
  std::string message;  // exact; $FILE and $DIR are expanded
};

void PrintTo(const BadCase& c, std::ostream* os) {
  *os << c.name;
}

class NotifyRule : public NotifyConfigFixture, public ::testing::WithParamInterface<BadCase> {};

TEST_P(NotifyRule, ReportsExactPositionPathAndMessage) {
  const BadCase& c = GetParam();
  const LoadResult result = load_notify(c.yaml);
  ASSERT_FALSE(result.ok());
  ASSERT_EQ(result.diagnostics.size(), 1u) << dump(result.diagnostics);
  const Diagnostic& d = result.diagnostics.front();
  EXPECT_EQ(d.file, path("slamon.yml"));
  EXPECT_EQ(d.line, c.line) << d.to_string();
  EXPECT_EQ(d.column, c.column) << d.to_string();
  EXPECT_EQ(d.path, c.path) << d.to_string();
  EXPECT_EQ(d.message, expand(c.message)) << d.to_string();
  EXPECT_EQ(d.to_string().find(kSecretMarker), std::string::npos) << d.to_string();
}

// Builders for the notifier of a case: the lines every case of a kind shares, then the lines
// that make the case. Line numbers are those of slamon.yml (the yaml starts on line 2).

// Notifier `a` of `type` whose first key after the type is `first_key` (lines 2-5), then `rest`
// from line 6.
std::string notifier(const std::string& type, const std::string& first_key,
                     const std::string& rest) {
  return "notifiers:\n  - name: a\n    type: " + type + "\n    " + first_key + "\n" + rest;
}
std::string slack_with(const std::string& rest) {
  return notifier("slack", "url_file: secrets/slack.url", rest);
}
std::string webhook_with(const std::string& rest) {
  return notifier("webhook", "url: https://hook.example", rest);
}
// SMTP notifier `m` (lines 2-7: smarthost on line 5, from on 6, to on 7), then `rest` from line 8.
std::string smtp_notifier(const std::string& smarthost, const std::string& from = "a@b",
                          const std::string& to = "[c@d]", const std::string& rest = "") {
  return "notifiers:\n  - name: m\n    type: smtp\n    smarthost: " + smarthost +
         "\n    from: " + from + "\n    to: " + to + "\n" + rest;
}
std::string smtp_with(const std::string& rest) {
  return smtp_notifier("mail:25", "a@b", "[c@d]", rest);
}

INSTANTIATE_TEST_SUITE_P(
    Notifiers, NotifyRule,
    ::testing::Values(
        BadCase{"not_a_list", "notifiers: {name: a}\n", 2, 12, "notifiers",
                "expected a list, got a map"},
        BadCase{"empty_item", "notifiers:\n  - ~\n", 3, 3, "notifiers[0]",
                "expected a notifier (a map), got nothing"},
        BadCase{"unknown_key", slack_with("    channel: \"#noc\"\n"), 6, 5, "notifiers[0].channel",
                "unknown key `channel`; allowed keys: name, type, url, url_file, secret, "
                "secret_file, headers, format, smarthost, from, to, auth_username, auth_password, "
                "auth_password_file, require_tls, hello, tls_config, timeout, rate_limit, max_age"},
        BadCase{"missing_name", "notifiers:\n  - type: slack\n    url_file: secrets/slack.url\n", 3,
                5, "notifiers[0].name", "missing required key `name`"},
        BadCase{"empty_name",
                "notifiers:\n  - name: \"\"\n    type: slack\n    url_file: secrets/slack.url\n", 3,
                11, "notifiers[0].name", "must not be empty"},
        BadCase{"name_with_space",
                "notifiers:\n  - name: ops slack\n    type: slack\n    url_file: "
                "secrets/slack.url\n",
                3, 11, "notifiers[0].name",
                "invalid notifier name \"ops slack\": use letters, digits, `_`, `.` and `-` only"},
        BadCase{"duplicate_name", R"(notifiers:
  - {name: ops, type: slack, url_file: secrets/slack.url}
  - {name: ops, type: teams, url_file: secrets/teams.url}
)",
                4, 12, "notifiers[1].name",
                "duplicate notifier name `ops` (already defined at $FILE:3)"},
        BadCase{"missing_type", "notifiers:\n  - name: a\n", 3, 5, "notifiers[0].type",
                "missing required key `type`"},
        BadCase{"unknown_type", "notifiers:\n  - name: a\n    type: pagerduty\n", 4, 11,
                "notifiers[0].type",
                "must be one of slack, teams, webhook, smtp or alertmanager, got `pagerduty`"},
        BadCase{"slack_without_url", "notifiers:\n  - name: a\n    type: slack\n", 3, 5,
                "notifiers[0].url", "a slack notifier needs `url` or `url_file`"},
        BadCase{"alertmanager_without_url", "notifiers:\n  - {name: a, type: alertmanager}\n", 3, 5,
                "notifiers[0].url", "an alertmanager notifier needs `url` or `url_file`"},
        BadCase{"url_and_url_file",
                notifier("slack", "url: https://hooks.slack.com/services/s3cr3t",
                         "    url_file: secrets/slack.url\n"),
                6, 5, "notifiers[0].url_file",
                "`url` and `url_file` are mutually exclusive; give only one"},
        BadCase{"url_not_http",
                "notifiers:\n  - name: a\n    type: webhook\n    url: ftp://s3cr3t.example/x\n", 5,
                10, "notifiers[0].url", "must be an http or https URL with a host"},
        BadCase{"url_without_host",
                "notifiers:\n  - name: a\n    type: webhook\n    url: https:///s3cr3t\n", 5, 10,
                "notifiers[0].url", "must be an http or https URL with a host"},
        BadCase{"url_with_space",
                "notifiers:\n  - name: a\n    type: teams\n    url: https://x.example/a s3cr3t\n",
                5, 10, "notifiers[0].url", "must be an http or https URL with a host"},
        BadCase{
            "url_bad_port",
            "notifiers:\n  - name: a\n    type: slack\n    url: https://x.example:99999/s3cr3t\n",
            5, 10, "notifiers[0].url", "must be an http or https URL with a host"},
        BadCase{"url_file_not_a_url",
                "notifiers:\n  - name: a\n    type: slack\n    url_file: secrets/not-a.url\n", 5,
                15, "notifiers[0].url_file", "the file must hold an http or https URL with a host"},
        BadCase{"url_file_missing",
                "notifiers:\n  - name: a\n    type: slack\n    url_file: secrets/none.url\n", 5, 15,
                "notifiers[0].url_file",
                "cannot read url_file \"$DIR/secrets/none.url\": No such file or directory"},
        BadCase{"url_file_holding_a_url",
                "notifiers:\n  - name: a\n    type: slack\n    url_file: "
                "https://hooks.slack.com/services/s3cr3t\n",
                5, 15, "notifiers[0].url_file",
                "must name a file holding the URL, not the URL itself (use `url` for that)"},
        BadCase{"url_is_a_map", "notifiers:\n  - name: a\n    type: slack\n    url: {s3cr3t: 1}\n",
                5, 10, "notifiers[0].url", "expected a string, got a map"},
        BadCase{"format_on_slack", slack_with("    format: adaptive_card\n"), 6, 5,
                "notifiers[0].format",
                "`format` applies only to teams notifiers (this notifier is slack)"},
        BadCase{"url_on_smtp", R"(notifiers:
  - name: a
    type: smtp
    smarthost: mail:25
    from: a@b
    to: [c@d]
    url: https://s3cr3t.example
)",
                8, 5, "notifiers[0].url",
                "`url` applies only to slack, teams, webhook or alertmanager notifiers (this "
                "notifier is smtp)"},
        BadCase{"secret_on_slack", slack_with("    secret: s3cr3t\n"), 6, 5, "notifiers[0].secret",
                "`secret` applies only to webhook notifiers (this notifier is slack)"},
        BadCase{"smarthost_on_webhook",
                notifier("webhook", "url: http://hook.example", "    smarthost: mail:25\n"), 6, 5,
                "notifiers[0].smarthost",
                "`smarthost` applies only to smtp notifiers (this notifier is webhook)"},
        BadCase{"teams_unknown_format",
                notifier("teams", "url_file: secrets/teams.url", "    format: card\n"), 6, 13,
                "notifiers[0].format", "must be one of adaptive_card or message_card, got `card`"},
        BadCase{"timeout_without_unit", slack_with("    timeout: 10\n"), 6, 14,
                "notifiers[0].timeout",
                "invalid duration \"10\"; use Prometheus syntax: whole numbers with units y, w, d, "
                "h, m, s, ms, such as 30s, 5m, 1h30m or 7d"},
        BadCase{"timeout_zero", slack_with("    timeout: 0s\n"), 6, 14, "notifiers[0].timeout",
                "must be greater than 0"},
        BadCase{"max_age_zero", slack_with("    max_age: 0\n"), 6, 14, "notifiers[0].max_age",
                "must be greater than 0"},
        BadCase{"rate_limit_zero", slack_with("    rate_limit: 0\n"), 6, 17,
                "notifiers[0].rate_limit", "must be greater than 0 (sends per second)"},
        BadCase{"rate_limit_quoted", slack_with("    rate_limit: \"5\"\n"), 6, 17,
                "notifiers[0].rate_limit",
                "expected a number, got the quoted string \"5\"; write numbers without quotes"},
        BadCase{"tls_config_unknown_key",
                notifier("alertmanager", "url: https://am.example",
                         "    tls_config: {verify: false}\n"),
                6, 18, "notifiers[0].tls_config.verify",
                "unknown key `verify`; allowed keys: ca_file, cert_file, key_file, "
                "insecure_skip_verify"},
        BadCase{"tls_config_missing_ca",
                notifier("alertmanager", "url: https://am.example",
                         "    tls_config: {ca_file: ca.pem}\n"),
                6, 27, "notifiers[0].tls_config.ca_file",
                "cannot read \"$DIR/ca.pem\": No such file or directory"}),
    kCaseName);

INSTANTIATE_TEST_SUITE_P(
    Webhook, NotifyRule,
    ::testing::Values(
        BadCase{"empty_secret_file", webhook_with("    secret_file: secrets/empty\n"), 6, 18,
                "notifiers[0].secret_file", "the file is empty"},
        BadCase{"secret_and_secret_file",
                webhook_with("    secret: s3cr3t\n    secret_file: secrets/hook.secret\n"), 7, 5,
                "notifiers[0].secret_file",
                "`secret` and `secret_file` are mutually exclusive; give only one"},
        BadCase{"headers_not_a_map", webhook_with("    headers: [X-A]\n"), 6, 14,
                "notifiers[0].headers", "expected a map, got a list"},
        BadCase{"header_name_with_space", webhook_with("    headers:\n      \"X Team\": noc\n"), 7,
                7, "notifiers[0].headers.X Team",
                "invalid header name: use letters, digits and ! # $ % & ' * + - . ^ _ ` | ~"},
        BadCase{"header_content_type",
                webhook_with("    headers:\n      Content-Type: text/plain\n"), 7, 7,
                "notifiers[0].headers.Content-Type",
                "header `Content-Type` is set by slamon itself and cannot be configured"},
        BadCase{"header_host", webhook_with("    headers: {HOST: other.example}\n"), 6, 15,
                "notifiers[0].headers.HOST",
                "header `HOST` is set by slamon itself and cannot be configured"},
        BadCase{"header_content_length", webhook_with("    headers: {content-length: \"5\"}\n"), 6,
                15, "notifiers[0].headers.content-length",
                "header `content-length` is set by slamon itself and cannot be configured"},
        BadCase{"header_webhook_signature",
                webhook_with("    headers:\n      Webhook-Signature: v1,abc\n"), 7, 7,
                "notifiers[0].headers.Webhook-Signature",
                "header `Webhook-Signature` is set by slamon itself and cannot be configured"},
        BadCase{"header_webhook_id", webhook_with("    headers: {webhook-id: x}\n"), 6, 15,
                "notifiers[0].headers.webhook-id",
                "header `webhook-id` is set by slamon itself and cannot be configured"},
        BadCase{"header_twice_in_other_case",
                webhook_with("    headers:\n      X-Team: noc\n      x-team: ops\n"), 8, 7,
                "notifiers[0].headers.x-team",
                "duplicate header `x-team` (same as `X-Team`: header names are case-insensitive)"},
        BadCase{
            "header_value_with_line_break",
            webhook_with("    headers:\n      Authorization: \"Bearer s3cr3t\\r\\nX-Evil: 1\"\n"),
            7, 22, "notifiers[0].headers.Authorization",
            "a header value must not contain line breaks (CR, LF) or other control "
            "characters"},
        BadCase{"header_value_map", webhook_with("    headers:\n      X-A: {b: c}\n"), 7, 12,
                "notifiers[0].headers.X-A", "expected a string, got a map"}),
    kCaseName);

INSTANTIATE_TEST_SUITE_P(
    Smtp, NotifyRule,
    ::testing::Values(
        BadCase{"missing_smarthost",
                "notifiers:\n  - {name: m, type: smtp, from: a@b.example, to: [c@d.example]}\n", 3,
                5, "notifiers[0].smarthost", "missing required key `smarthost`"},
        BadCase{"missing_from",
                "notifiers:\n  - {name: m, type: smtp, smarthost: \"mail:25\", to: [c@d]}\n", 3, 5,
                "notifiers[0].from", "missing required key `from`"},
        BadCase{"missing_to",
                "notifiers:\n  - {name: m, type: smtp, smarthost: \"mail:25\", from: a@b}\n", 3, 5,
                "notifiers[0].to", "missing required key `to`"},
        BadCase{"smarthost_without_port", smtp_notifier("mail.example.net"), 5, 16,
                "notifiers[0].smarthost",
                "must be host:port such as mail.example.net:587, got \"mail.example.net\""},
        BadCase{"smarthost_port_out_of_range", smtp_notifier("mail:70000"), 5, 16,
                "notifiers[0].smarthost",
                "must be host:port such as mail.example.net:587, got \"mail:70000\""},
        BadCase{"from_not_an_address", smtp_notifier("mail:25", "slamon"), 6, 11,
                "notifiers[0].from",
                "must be an e-mail address such as noc@example.net, got \"slamon\""},
        BadCase{"from_with_display_name", smtp_notifier("mail:25", "SLA <sla@x.example>"), 6, 11,
                "notifiers[0].from",
                "must be an e-mail address such as noc@example.net, got \"SLA <sla@x.example>\""},
        BadCase{"to_empty", smtp_notifier("mail:25", "a@b", "[]"), 7, 9, "notifiers[0].to",
                "must list at least one e-mail address"},
        BadCase{"to_scalar", smtp_notifier("mail:25", "a@b", "c@d"), 7, 9, "notifiers[0].to",
                "expected a list, got `c@d`"},
        BadCase{"to_bad_address", smtp_notifier("mail:25", "a@b", "[c@d, \"e@@f\"]"), 7, 15,
                "notifiers[0].to[1]",
                "must be an e-mail address such as noc@example.net, got \"e@@f\""},
        BadCase{"to_twice", smtp_notifier("mail:25", "a@b", "[c@d, c@d]"), 7, 15,
                "notifiers[0].to[1]", "\"c@d\" is listed twice"},
        BadCase{"password_without_username", smtp_with("    auth_password: s3cr3t\n"), 8, 5,
                "notifiers[0].auth_password", "`auth_password` needs `auth_username`"},
        BadCase{"password_file_without_username",
                smtp_with("    auth_password_file: secrets/mail.password\n"), 8, 5,
                "notifiers[0].auth_password_file", "`auth_password_file` needs `auth_username`"},
        BadCase{"username_without_password", smtp_with("    auth_username: slamon\n"), 8, 5,
                "notifiers[0].auth_username",
                "`auth_username` needs `auth_password` or `auth_password_file`"},
        BadCase{"password_and_password_file",
                smtp_with("    auth_username: slamon\n    auth_password: s3cr3t\n    "
                          "auth_password_file: secrets/mail.password\n"),
                10, 5, "notifiers[0].auth_password_file",
                "`auth_password` and `auth_password_file` are mutually exclusive; give only one"},
        BadCase{"require_tls_not_bool", smtp_with("    require_tls: \"yes\"\n"), 8, 18,
                "notifiers[0].require_tls",
                "expected true or false, got the quoted string \"yes\""},
        BadCase{"hello_with_space", smtp_with("    hello: my host\n"), 8, 12, "notifiers[0].hello",
                "must be a host name such as slamon.example.net, without spaces"}),
    kCaseName);

// Notifiers used by the alert rule cases (lines 2-3); rules start on line 4.
constexpr std::string_view kRuleNotifiers = R"(notifiers:
  - {name: ops-slack, type: slack, url_file: secrets/slack.url}
)";

std::string rules(std::string_view yaml) {
  return std::string(kRuleNotifiers) + std::string(yaml);
}

// Alert rule `a` on sla.breach.created (its first three lines), then `rest`.
std::string alert_rule(const std::string& rest) {
  return "alert_rules:\n  - name: a\n    events: [sla.breach.created]\n" + rest;
}
// After kRuleNotifiers: rule `a` (lines 4-6), `match` from line 7, then its notifiers.
std::string rule_matching(const std::string& match) {
  return rules(alert_rule(match + "    notifiers: [ops-slack]\n"));
}

INSTANTIATE_TEST_SUITE_P(
    AlertRules, NotifyRule,
    ::testing::Values(
        BadCase{"not_a_list", rules("alert_rules: {name: a}\n"), 4, 14, "alert_rules",
                "expected a list, got a map"},
        BadCase{"empty_item", rules("alert_rules:\n  - ~\n"), 5, 3, "alert_rules[0]",
                "expected an alert rule (a map), got nothing"},
        BadCase{"unknown_key",
                rules(alert_rule("    notifiers: [ops-slack]\n    notifier: [ops-slack]\n")), 8, 5,
                "alert_rules[0].notifier",
                "unknown key `notifier`; allowed keys: name, events, match, notifiers"},
        BadCase{"missing_name",
                rules("alert_rules:\n  - {events: [sla.breach.created], notifiers: [ops-slack]}\n"),
                5, 5, "alert_rules[0].name", "missing required key `name`"},
        BadCase{"duplicate_name", rules(R"(alert_rules:
  - {name: a, events: [sla.breach.created], notifiers: [ops-slack]}
  - {name: a, events: [sla.breach.resolved], notifiers: [ops-slack]}
)"),
                6, 12, "alert_rules[1].name",
                "duplicate alert rule name \"a\" (already defined at $FILE:5)"},
        BadCase{"missing_events", rules("alert_rules:\n  - {name: a, notifiers: [ops-slack]}\n"), 5,
                5, "alert_rules[0].events", "missing required key `events`"},
        BadCase{"empty_events",
                rules("alert_rules:\n  - {name: a, events: [], notifiers: [ops-slack]}\n"), 5, 23,
                "alert_rules[0].events",
                "must list at least one event type: sla.breach.created, sla.breach.escalated, "
                "sla.breach.acknowledged, sla.breach.resolved, sla.incident.opened, "
                "sla.incident.resolved, sla.budget.warning, sla.budget.critical, sla.escalate or "
                "sla.deescalate"},
        BadCase{"unknown_event", rules(R"(alert_rules:
  - name: a
    events: [sla.breach.created, sla.breach.opened]
    notifiers: [ops-slack]
)"),
                6, 34, "alert_rules[0].events[1]",
                "must be one of sla.breach.created, sla.breach.escalated, sla.breach.acknowledged, "
                "sla.breach.resolved, sla.incident.opened, sla.incident.resolved, "
                "sla.budget.warning, sla.budget.critical, sla.escalate or sla.deescalate, got "
                "`sla.breach.opened`"},
        BadCase{"event_twice", rules(R"(alert_rules:
  - name: a
    events: [sla.breach.created, sla.breach.created]
    notifiers: [ops-slack]
)"),
                6, 34, "alert_rules[0].events[1]", "`sla.breach.created` is listed twice"},
        BadCase{"missing_notifiers",
                rules("alert_rules:\n  - {name: a, events: [sla.breach.created]}\n"), 5, 5,
                "alert_rules[0].notifiers", "missing required key `notifiers`"},
        BadCase{"empty_notifiers",
                rules("alert_rules:\n  - {name: a, events: [sla.breach.created], notifiers: []}\n"),
                5, 56, "alert_rules[0].notifiers", "must list at least one notifier"},
        BadCase{"unknown_notifier", rules(alert_rule("    notifiers: [ops-slack, pager]\n")), 7, 28,
                "alert_rules[0].notifiers[1]",
                "unknown notifier `pager`; configured notifiers: ops-slack"},
        BadCase{"no_notifiers_configured", alert_rule("    notifiers: [pager]\n"), 5, 17,
                "alert_rules[0].notifiers[0]",
                "unknown notifier `pager`; no notifiers are configured"},
        BadCase{"notifier_twice", rules(alert_rule("    notifiers: [ops-slack, ops-slack]\n")), 7,
                28, "alert_rules[0].notifiers[1]", "`ops-slack` is listed twice"},
        BadCase{"match_unknown_key", rule_matching("    match: {tier: gold}\n"), 7, 13,
                "alert_rules[0].match.tier",
                "unknown key `tier`; allowed keys: severity, org, scope, policy, labels"},
        BadCase{"match_not_a_map", rule_matching("    match: critical\n"), 7, 12,
                "alert_rules[0].match", "expected a map, got `critical`"},
        BadCase{"unknown_severity", rule_matching("    match: {severity: major}\n"), 7, 23,
                "alert_rules[0].match.severity", "must be one of warning or critical, got `major`"},
        BadCase{"unknown_severity_in_list",
                rule_matching("    match: {severity: [critical, major]}\n"), 7, 34,
                "alert_rules[0].match.severity[1]",
                "must be one of warning or critical, got `major`"},
        BadCase{"severity_empty_list", rule_matching("    match: {severity: []}\n"), 7, 23,
                "alert_rules[0].match.severity",
                "must not be an empty list; leave the key out to match any"},
        BadCase{"severity_map", rule_matching("    match:\n      severity: {level: critical}\n"), 8,
                17, "alert_rules[0].match.severity",
                "expected a value or a list of values, got a map"},
        BadCase{"severity_twice", rule_matching("    match: {severity: [critical, critical]}\n"), 7,
                34, "alert_rules[0].match.severity[1]", "`critical` is listed twice"},
        BadCase{"org_not_a_uuid", rule_matching("    match: {org: acme}\n"), 7, 18,
                "alert_rules[0].match.org", "must be the UUID of an organization, got \"acme\""},
        BadCase{"org_not_in_inventory",
                rule_matching(
                    "    match:\n      org: [$ORG_A, 00000000-0000-4000-8000-000000000000]\n"),
                8, 51, "alert_rules[0].match.org[1]",
                "unknown organization `00000000-0000-4000-8000-000000000000`: it is not defined "
                "in any inventory file"},
        BadCase{"unknown_scope", rule_matching("    match: {scope: building}\n"), 7, 20,
                "alert_rules[0].match.scope",
                "must be one of organization, site, site_group, device_group, ssid, camera or nvr, "
                "got `building`"},
        BadCase{"empty_policy", rule_matching("    match: {policy: [a, \"\"]}\n"), 7, 25,
                "alert_rules[0].match.policy[1]", "must not be empty"},
        BadCase{"label_bad_name", rule_matching("    match:\n      labels: {1tier: gold}\n"), 8, 16,
                "alert_rules[0].match.labels.1tier",
                "invalid label name `1tier`: use letters, digits and `_`, not starting with a "
                "digit"},
        BadCase{"label_value_list",
                rule_matching("    match:\n      labels: {tier: [gold, silver]}\n"), 8, 22,
                "alert_rules[0].match.labels.tier", "expected a string, got a list"}),
    kCaseName);

INSTANTIATE_TEST_SUITE_P(
    Correlation, NotifyRule,
    ::testing::Values(
        BadCase{"not_a_map", "correlation: [org]\n", 2, 14, "correlation",
                "expected a map, got a list"},
        BadCase{"unknown_key", "correlation:\n  window: 2m\n  group: [org]\n", 4, 3,
                "correlation.group", "unknown key `group`; allowed keys: window, group_by"},
        BadCase{"window_zero", "correlation:\n  window: 0s\n", 3, 11, "correlation.window",
                "must be greater than 0"},
        BadCase{
            "window_bad", "correlation:\n  window: 2 minutes\n", 3, 11, "correlation.window",
            "invalid duration \"2 minutes\"; use Prometheus syntax: whole numbers with units y, "
            "w, d, h, m, s, ms, such as 30s, 5m, 1h30m or 7d"},
        BadCase{"group_by_empty", "correlation:\n  group_by: []\n", 3, 13, "correlation.group_by",
                "must list at least one of org, site, site_group, scope, scope_id, policy or "
                "metric; leave `group_by` out for the default [org, site]"},
        BadCase{"group_by_unknown", "correlation:\n  group_by: [org, host]\n", 3, 19,
                "correlation.group_by[1]",
                "must be one of org, site, site_group, scope, scope_id, policy or metric, got "
                "`host`"},
        BadCase{"group_by_twice", "correlation:\n  group_by: [site, site]\n", 3, 20,
                "correlation.group_by[1]", "`site` is listed twice"},
        BadCase{"group_by_scalar", "correlation:\n  group_by: site\n", 3, 13,
                "correlation.group_by", "expected a list, got `site`"}),
    kCaseName);

// ---- several problems at once ----------------------------------------------------------------

TEST_F(NotifyConfigFixture, EveryProblemIsReportedInFileOrder) {
  const LoadResult result = load_notify(R"(notifiers:
  - name: a
    type: slack
  - name: b
    type: smtp
    smarthost: mail
    from: x
    to: []
alert_rules:
  - name: r
    events: [sla.breach.opened]
    notifiers: [a, c]
correlation:
  window: 0s
)");
  ASSERT_FALSE(result.ok());
  std::vector<std::string> lines;
  for (const Diagnostic& d : result.diagnostics) {
    lines.push_back(std::to_string(d.line) + ":" + std::to_string(d.column) + " " + d.path);
  }
  EXPECT_EQ(lines,
            (std::vector<std::string>{
                "3:5 notifiers[0].url", "7:16 notifiers[1].smarthost", "8:11 notifiers[1].from",
                "9:9 notifiers[1].to", "12:14 alert_rules[0].events[0]",
                "13:20 alert_rules[0].notifiers[1]", "15:11 correlation.window"}))
      << dump(result.diagnostics);
}

// A notifier left out for a wrong type is still a known name: rules naming it are not also
// reported as dangling.
TEST_F(NotifyConfigFixture, ReferencesToAnInvalidNotifierAreNotReportedTwice) {
  const LoadResult result = load_notify(R"(notifiers:
  - {name: pager, type: pagerduty}
alert_rules:
  - {name: r, events: [sla.breach.created], notifiers: [pager]}
)");
  ASSERT_FALSE(result.ok());
  ASSERT_EQ(result.diagnostics.size(), 1u) << dump(result.diagnostics);
  EXPECT_EQ(result.diagnostics[0].path, "notifiers[0].type");
}

// Keys whose type is unknown are still checked on their own terms.
TEST_F(NotifyConfigFixture, KeysOfANotifierWithoutTypeAreStillChecked) {
  const LoadResult result = load_notify(R"(notifiers:
  - name: a
    url: ftp://s3cr3t
    timeout: 0s
)");
  ASSERT_FALSE(result.ok());
  std::vector<std::string> paths;
  for (const Diagnostic& d : result.diagnostics) paths.push_back(d.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"notifiers[0].type", "notifiers[0].url",
                                             "notifiers[0].timeout"}))
      << dump(result.diagnostics);
}

// ---- secrets stay out of diagnostics ---------------------------------------------------------

TEST_F(NotifyConfigFixture, TheUrlNeverAppearsInAnyDiagnostic) {
  const std::string url(kSlackUrl);
  const std::vector<std::string> configs{
      // a valid URL next to mistakes elsewhere in the same notifier
      "notifiers:\n  - {name: a, type: slack, url: \"" + url + "\", format: x, timeout: 1}\n",
      // a valid URL on a type that takes none
      "notifiers:\n  - {name: a, type: smtp, url: \"" + url +
          "\", smarthost: \"m:25\", from: a@b, to: [c@d]}\n",
      // a valid URL with no or a wrong type
      "notifiers:\n  - {name: a, url: \"" + url + "\"}\n",
      // an invalid URL carrying the secret
      "notifiers:\n  - {name: a, type: slack, url: \"ftp" + url.substr(5) + "\"}\n",
      "notifiers:\n  - {name: a, type: slack, url: \"" + url + " x\"}\n",
      "notifiers:\n  - {name: a, type: slack, url: \"https://" + std::string(kSecretMarker) +
          ":99999/\"}\n",
      "notifiers:\n  - {name: a, type: webhook, url: \"" + url + "\nx\"}\n",
      "notifiers:\n  - {name: a, type: slack, url: [\"" + url + "\"]}\n",
      // both twins, and a file that holds no URL
      "notifiers:\n  - {name: a, type: slack, url: \"" + url + "\", url_file: secrets/slack.url}\n",
      "notifiers:\n  - {name: a, type: slack, url_file: secrets/not-a.url}\n",
      "notifiers:\n  - {name: a, type: slack, url_file: \"" + url + "\"}\n",
      // the same secret as a webhook secret, header value or password
      "notifiers:\n  - {name: a, type: webhook, url: \"" + url + "\", secret: \"" + url +
          "\", secret_file: secrets/hook.secret}\n",
      "notifiers:\n  - {name: a, type: webhook, url: \"" + url + "\", headers: {X-A: \"" + url +
          "\\r\\n\", Host: \"" + url + "\"}}\n",
      "notifiers:\n  - {name: a, type: smtp, smarthost: \"m:25\", from: a@b, to: [c@d], "
      "auth_password: \"" +
          url + "\"}\n",
      // and a rule referring to the notifier by a name that does not exist
      "notifiers:\n  - {name: a, type: slack, url: \"" + url +
          "\"}\nalert_rules:\n  - {name: r, events: [sla.breach.created], notifiers: [b]}\n",
  };
  for (const std::string& yaml : configs) {
    const LoadResult result = load_notify(yaml);
    ASSERT_FALSE(result.ok()) << yaml;
    for (const Diagnostic& d : result.diagnostics) {
      const std::string text = d.to_string();
      EXPECT_EQ(text.find(kSecretMarker), std::string::npos) << yaml << "\n" << text;
      EXPECT_EQ(text.find("hooks.slack.com"), std::string::npos) << yaml << "\n" << text;
    }
  }
}

}  // namespace
}  // namespace slamon
