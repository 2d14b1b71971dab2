// The SMTP notifier against a real SMTP server: aiosmtpd (Debian python3-aiosmtpd) storing
// mail in a Maildir, in the clear and with STARTTLS. The stored mail is read back with
// Python's own email parser, so the MIME structure, the RFC 2047 subject and the
// quoted-printable parts are checked by an independent implementation.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "notify/smtp.h"
#include "peers.h"
#include "support/child_process.h"
#include "support/sample_breach.h"
#include "support/temp_dir.h"

namespace slamon::notify {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using slamon::testing::ChildProcess;
using slamon::testing::run_to_completion;
using testing::notification_of;

constexpr const char* kPython = "/usr/bin/python3";
constexpr const char* kOpenssl = "/usr/bin/openssl";

constexpr std::string_view kParseMail = R"(
import email, json, sys
from email import policy
with open(sys.argv[1], 'rb') as f:
    m = email.message_from_binary_file(f, policy=policy.default)
parts = []
for part in m.walk():
    if part.get_content_maintype() == 'multipart':
        continue
    parts.append({'type': part.get_content_type(), 'charset': part.get_content_charset(),
                  'content': part.get_content()})
print(json.dumps({'from': str(m['From']), 'to': str(m['To']), 'subject': str(m['Subject']),
                  'message_id': str(m['Message-ID']), 'mail_from': str(m['X-MailFrom']),
                  'rcpt_to': str(m['X-RcptTo']), 'content_type': m.get_content_type(),
                  'parts': parts, 'defects': [str(d) for d in m.defects]}))
)";

class SmtpPeer : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kPython)) GTEST_SKIP() << kPython << " is not installed";
    const auto probe = run_to_completion({kPython, "-c", "import aiosmtpd"}, dir_.path(), "probe");
    if (!probe || probe->status.code() != 0) GTEST_SKIP() << "python3-aiosmtpd is not installed";
  }

  // Starts aiosmtpd on a free port; with `tls`, STARTTLS with a throwaway certificate for
  // 127.0.0.1, which the server then requires.
  void start(bool tls) {
    std::vector<std::string> argv = {kPython, "-m", "aiosmtpd", "-n", "-l"};
    port_ = testing::free_loopback_port();
    ASSERT_NE(port_, 0);
    argv.push_back("127.0.0.1:" + std::to_string(port_));
    if (tls) {
      if (!fs::exists(kOpenssl)) GTEST_SKIP() << kOpenssl << " is not installed";
      const auto made =
          run_to_completion({kOpenssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                             "key.pem", "-out", "cert.pem", "-days", "1", "-subj", "/CN=127.0.0.1",
                             "-addext", "subjectAltName=IP:127.0.0.1"},
                            dir_.path(), "openssl");
      ASSERT_TRUE(made) << made.error().message;
      ASSERT_EQ(made->status.code(), 0) << made->err;
      argv.insert(argv.end(), {"--tlscert", (dir_.path() / "cert.pem").string(), "--tlskey",
                               (dir_.path() / "key.pem").string()});
    }
    argv.insert(argv.end(),
                {"-c", "aiosmtpd.handlers.Mailbox", (dir_.path() / "maildir").string()});
    auto spawned = ChildProcess::spawn(argv, dir_.path() / "smtpd.stdout",
                                       dir_.path() / "smtpd.stderr", dir_.path());
    ASSERT_TRUE(spawned) << spawned.error().message;
    server_ = std::move(*spawned);
    ASSERT_TRUE(
        testing::wait_until_ready(*server_, [this] { return testing::accepts_connections(port_); }))
        << "aiosmtpd did not start: " << server_->stderr_text();
  }

  NotifierConfig config(bool require_tls) const {
    NotifierConfig config;
    config.name = "mail";
    config.type = NotifierType::smtp;
    config.smtp.smarthost = "127.0.0.1:" + std::to_string(port_);
    config.smtp.from = "SLA monitor <sla@example.net>";
    config.smtp.to = {"noc@example.net", "ops@example.net"};
    config.smtp.require_tls = require_tls;
    config.smtp.hello = "slamon.test";
    config.timeout = std::chrono::seconds(10);
    if (require_tls) {
      config.tls = TlsConfig{};
      config.tls->ca_file = (dir_.path() / "cert.pem").string();
    }
    return config;
  }

  static json event(const std::string& policy_name) {
    const WallTime now = std::chrono::system_clock::now();
    const Breach breach =
        slamon::testing::sample_breach({.org = "0a0b0c0d-0000-4000-8000-000000000001",
                                        .policy_id = "9e8d7c6b-aaaa-4bbb-8ccc-dddddddddddd",
                                        .actual = 97.2,
                                        .threshold = 99.9,
                                        .deviation_percent = 2.7,
                                        .severity = Severity::critical,
                                        .opened_at = now - std::chrono::minutes(5),
                                        .last_evaluated_at = now});
    PolicyRef policy;
    policy.id = breach.policy_id;
    policy.name = policy_name;
    policy.scope = Scope::site;
    policy.scope_id = "site-1";
    return testing::event_at(EventType::breach_created, breach, policy, now);
  }

  // The one stored mail, parsed by Python.
  json stored_mail() {
    const fs::path inbox = dir_.path() / "maildir" / "new";
    std::vector<fs::path> files;
    if (fs::exists(inbox)) {
      for (const auto& entry : fs::directory_iterator(inbox)) files.push_back(entry.path());
    }
    EXPECT_EQ(files.size(), 1u);
    if (files.size() != 1) return json();
    const std::string script = dir_.write("parse_mail.py", std::string(kParseMail));
    const auto parsed =
        run_to_completion({kPython, script, files.front().string()}, dir_.path(), "parse");
    EXPECT_TRUE(parsed) << parsed.error().message;
    if (!parsed) return json();
    EXPECT_EQ(parsed->status.code(), 0) << parsed->err;
    return json::parse(parsed->out, nullptr, false);
  }

  void expect_mail(const json& mail, const std::string& subject, const json& event) {
    ASSERT_TRUE(mail.is_object());
    EXPECT_EQ(mail["from"], "SLA monitor <sla@example.net>");
    EXPECT_EQ(mail["to"], "noc@example.net, ops@example.net");
    EXPECT_EQ(mail["subject"], subject);
    EXPECT_EQ(mail["mail_from"], "sla@example.net");
    EXPECT_EQ(mail["rcpt_to"], "noc@example.net, ops@example.net");
    EXPECT_EQ(mail["message_id"], "<" + event["id"].get<std::string>() + "@example.net>");
    EXPECT_EQ(mail["content_type"], "multipart/alternative");
    EXPECT_EQ(mail["defects"], json::array());
    ASSERT_EQ(mail["parts"].size(), 2u);
    EXPECT_EQ(mail["parts"][0]["type"], "text/plain");
    EXPECT_EQ(mail["parts"][0]["charset"], "utf-8");
    EXPECT_EQ(mail["parts"][1]["type"], "text/html");
    const std::string text = mail["parts"][0]["content"];
    const std::string html = mail["parts"][1]["content"];
    EXPECT_TRUE(text.starts_with(subject + "\n")) << text;
    EXPECT_NE(text.find("Actual: 97.2%\n"), std::string::npos) << text;
    EXPECT_NE(text.find("Threshold: min 99.9%\n"), std::string::npos) << text;
    EXPECT_NE(html.find("<h2>"), std::string::npos) << html;
    EXPECT_NE(html.find("<td>97.2%</td>"), std::string::npos) << html;
  }

  slamon::testing::TempDir dir_;
  std::unique_ptr<ChildProcess> server_;
  int port_ = 0;
};

TEST_F(SmtpPeer, DeliversAMultipartMail) {
  ASSERT_NO_FATAL_FAILURE(start(false));
  const json created = event("Gold uptime");
  SmtpNotifier notifier(config(false), "https://slamon.example.net");
  const DeliveryResult result =
      notifier.send(notification_of(created), std::chrono::system_clock::now());
  ASSERT_EQ(result.outcome, DeliveryOutcome::delivered) << result.detail;
  expect_mail(stored_mail(), "[CRITICAL] SLA breach opened: Gold uptime", created);
}

TEST_F(SmtpPeer, EncodesANonAsciiSubject) {
  ASSERT_NO_FATAL_FAILURE(start(false));
  const json created = event("Verfügbarkeit Zürich – Gold <tier>");
  SmtpNotifier notifier(config(false), "");
  const DeliveryResult result =
      notifier.send(notification_of(created), std::chrono::system_clock::now());
  ASSERT_EQ(result.outcome, DeliveryOutcome::delivered) << result.detail;
  const json mail = stored_mail();
  expect_mail(mail, "[CRITICAL] SLA breach opened: Verfügbarkeit Zürich – Gold <tier>", created);
  EXPECT_NE(mail["parts"][1]["content"].get<std::string>().find("Zürich – Gold &lt;tier&gt;"),
            std::string::npos);
}

TEST_F(SmtpPeer, DeliversOverStarttls) {
  ASSERT_NO_FATAL_FAILURE(start(true));
  if (IsSkipped()) return;
  const json created = event("Gold uptime");
  SmtpNotifier notifier(config(true), "");
  const DeliveryResult result =
      notifier.send(notification_of(created), std::chrono::system_clock::now());
  ASSERT_EQ(result.outcome, DeliveryOutcome::delivered) << result.detail;
  expect_mail(stored_mail(), "[CRITICAL] SLA breach opened: Gold uptime", created);
}

TEST_F(SmtpPeer, ServerRequiringTlsRefusesAPlainMailPermanently) {
  ASSERT_NO_FATAL_FAILURE(start(true));
  if (IsSkipped()) return;
  NotifierConfig plain = config(false);
  plain.smtp.auth_username = "sla";
  plain.smtp.auth_password = "hunter2-password";
  SmtpNotifier notifier(plain, "");
  const DeliveryResult result =
      notifier.send(notification_of(event("Gold uptime")), std::chrono::system_clock::now());
  EXPECT_EQ(result.outcome, DeliveryOutcome::dead) << result.detail;
  EXPECT_TRUE(result.detail.starts_with("SMTP 5")) << result.detail;
  EXPECT_EQ(result.detail.find("hunter2-password"), std::string::npos);
}

TEST_F(SmtpPeer, UntrustedCertificateIsRetried) {
  ASSERT_NO_FATAL_FAILURE(start(true));
  if (IsSkipped()) return;
  NotifierConfig untrusted = config(true);
  untrusted.tls.reset();  // the system CAs do not know the throwaway certificate
  SmtpNotifier notifier(untrusted, "");
  const DeliveryResult result =
      notifier.send(notification_of(event("Gold uptime")), std::chrono::system_clock::now());
  EXPECT_EQ(result.outcome, DeliveryOutcome::retry) << result.detail;
}

}  // namespace
}  // namespace slamon::notify
