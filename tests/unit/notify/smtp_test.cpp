// The SMTP notifier: the mail it writes (MIME structure, header encoding, CRLF) and how it
// classifies SMTP replies, against a scripted SMTP server on loopback.
#include "notify/smtp.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sample_events.h"
#include "smtp_stub.h"

namespace slamon::notify {
namespace {

using namespace testing;  // sample_events.h

// With display names, which the headers must quote.
NotifierConfig smtp_config(const std::string& smarthost) {
  NotifierConfig config = smtp_notifier_config(smarthost);
  config.smtp.from = "SLA monitor <sla@example.net>";
  config.smtp.to = {"noc@example.net", "Ops Team <ops@example.net>"};
  return config;
}

Message sample_message() {
  auto message = build_message(breach_event(EventType::breach_created), "https://slamon.example");
  EXPECT_TRUE(message);
  return *message;
}

TEST(SmtpUrl, SchemeFollowsThePort) {
  SmtpConfig config;
  config.smarthost = "mail.example.net:587";
  EXPECT_EQ(smtp_url(config).value(), "smtp://mail.example.net:587");
  config.smarthost = "mail.example.net:465";
  EXPECT_EQ(smtp_url(config).value(), "smtps://mail.example.net:465");
  config.smarthost = "mail.example.net";
  EXPECT_EQ(smtp_url(config).value(), "smtp://mail.example.net:25");
  config.smarthost = "[::1]:2525";
  config.hello = "slamon.example.net";
  EXPECT_EQ(smtp_url(config).value(), "smtp://[::1]:2525/slamon.example.net");
  config.smarthost = "mail:notaport";
  EXPECT_FALSE(smtp_url(config));
  config.smarthost = "mail:70000";
  EXPECT_FALSE(smtp_url(config));
  config.smarthost = "mail/x:25";
  EXPECT_FALSE(smtp_url(config));
}

TEST(MailAddress, ExtractsTheAddress) {
  EXPECT_EQ(mail_address("SLA monitor <sla@example.net>"), "sla@example.net");
  EXPECT_EQ(mail_address(" noc@example.net "), "noc@example.net");
}

TEST(EncodeHeaderValue, AsciiIsKeptAndFolded) {
  EXPECT_EQ(encode_header_value("[CRITICAL] SLA breach opened: Gold", 7),
            "[CRITICAL] SLA breach opened: Gold");
  const std::string long_subject(30, 'a');
  const std::string folded =
      encode_header_value(long_subject + " " + long_subject + " " + long_subject, 7);
  EXPECT_EQ(folded, long_subject + " " + long_subject + "\r\n " + long_subject);
  EXPECT_EQ(encode_header_value("a\r\nBcc: x@y", 7), "a Bcc: x@y") << "no header injection";
}

TEST(EncodeHeaderValue, NonAsciiBecomesEncodedWords) {
  EXPECT_EQ(encode_header_value("Verfügbarkeit", 7), "=?UTF-8?B?VmVyZsO8Z2JhcmtlaXQ=?=");
  // 40 two-byte characters: encoded-words of at most 42 bytes, never splitting a character.
  std::string umlauts;
  for (int i = 0; i < 40; ++i) umlauts += "\xC3\xBC";
  const std::string encoded = encode_header_value(umlauts, 7);
  EXPECT_NE(encoded.find("\r\n "), std::string::npos);
  std::size_t words = 0;
  for (auto at = encoded.find("=?UTF-8?B?"); at != std::string::npos;
       at = encoded.find("=?UTF-8?B?", at + 1)) {
    const auto end = encoded.find("?=", at + 10);
    EXPECT_LE(end + 2 - at, 68u);
    ++words;
  }
  EXPECT_EQ(words, 2u);
  EXPECT_TRUE(encoded.starts_with(
      "=?UTF-8?B?w7zDvMO8w7zDvMO8w7zDvMO8w7zDvMO8w7zDvMO8w7zDvMO8w7zDvMO8?=\r\n "));
}

TEST(QuotedPrintable, EncodesAndWraps) {
  EXPECT_EQ(quoted_printable("plain text\n"), "plain text\r\n");
  EXPECT_EQ(quoted_printable("a=b \xC3\xBC\r\nend "), "a=3Db =C3=BC\r\nend=20\r\n");
  const std::string wrapped = quoted_printable(std::string(100, 'x'));
  EXPECT_EQ(wrapped, std::string(75, 'x') + "=\r\n" + std::string(25, 'x') + "\r\n");
}

TEST(Rfc5322Date, IsEnglishAndUtc) {
  EXPECT_EQ(rfc5322_date(test_now()), "Sat, 21 Nov 2026 10:00:00 +0000");
}

TEST(SmtpMail, IsMultipartAlternativeWithCrlf) {
  SmtpConfig config = smtp_config("mail:25").smtp;
  const Message message = sample_message();
  const std::string mail = smtp_mail(message, config, test_now());
  for (std::size_t at = mail.find('\n'); at != std::string::npos; at = mail.find('\n', at + 1)) {
    ASSERT_GT(at, 0u);
    ASSERT_EQ(mail[at - 1], '\r') << "bare LF at " << at;
  }
  EXPECT_TRUE(mail.starts_with("From: \"SLA monitor\" <sla@example.net>\r\n")) << mail;
  EXPECT_NE(mail.find("\r\nTo: noc@example.net, \"Ops Team\" <ops@example.net>\r\n"),
            std::string::npos);
  EXPECT_NE(mail.find("\r\nSubject: [CRITICAL] SLA breach opened: Gold uptime\r\n"),
            std::string::npos);
  EXPECT_NE(mail.find("\r\nDate: Sat, 21 Nov 2026 10:00:00 +0000\r\n"), std::string::npos);
  EXPECT_NE(mail.find("\r\nMessage-ID: <" + message.event_id + "@example.net>\r\n"),
            std::string::npos);
  EXPECT_NE(mail.find("\r\nMIME-Version: 1.0\r\n"), std::string::npos);
  const std::string boundary = "=_slamon_" + message.event_id;
  EXPECT_NE(mail.find("Content-Type: multipart/alternative; boundary=\"" + boundary + "\""),
            std::string::npos);
  const auto plain = mail.find("--" + boundary + "\r\nContent-Type: text/plain; charset=utf-8");
  const auto html = mail.find("--" + boundary + "\r\nContent-Type: text/html; charset=utf-8");
  ASSERT_NE(plain, std::string::npos);
  ASSERT_NE(html, std::string::npos);
  EXPECT_LT(plain, html);
  EXPECT_TRUE(mail.ends_with("--" + boundary + "--\r\n"));
  EXPECT_NE(mail.find("Actual: 97.2%"), std::string::npos);
  EXPECT_NE(mail.find("<th align=3D\"left\">Actual</th><td>97.2%</td>"), std::string::npos);
}

TEST(SmtpMail, EscapesHtmlAndEncodesNonAsciiSubjects) {
  PolicyRef policy = testing::sample_policy();
  policy.name = "Verfügbarkeit <b>gold</b>";
  auto message =
      build_message(breach_event(EventType::breach_created, testing::sample_breach(), policy), "");
  ASSERT_TRUE(message);
  const std::string mail = smtp_mail(*message, smtp_config("mail:25").smtp, test_now());
  EXPECT_NE(mail.find("Subject: =?UTF-8?B?"), std::string::npos);
  EXPECT_NE(mail.find("&lt;b&gt;gold&lt;/b&gt;"), std::string::npos);
  EXPECT_EQ(mail.find("<b>gold</b></td>"), std::string::npos);
}

TEST(SmtpNotifier, DeliversTheEnvelopeAndBothParts) {
  SmtpStub stub;
  SmtpNotifier notifier(smtp_config(stub.smarthost()), "https://slamon.example");
  const DeliveryResult result =
      notifier.send(notification_of(breach_event(EventType::breach_created)), test_now());
  ASSERT_EQ(result.outcome, DeliveryOutcome::delivered) << result.detail;
  const auto sessions = stub.sessions();
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_TRUE(sessions[0].mail_from.starts_with("<sla@example.net>")) << sessions[0].mail_from;
  ASSERT_EQ(sessions[0].rcpt_to.size(), 2u);
  EXPECT_EQ(sessions[0].rcpt_to[0], "<noc@example.net>");
  EXPECT_EQ(sessions[0].rcpt_to[1], "<ops@example.net>");
  EXPECT_NE(sessions[0].data.find("Subject: [CRITICAL] SLA breach opened: Gold uptime"),
            std::string::npos);
  EXPECT_NE(sessions[0].data.find("text/plain"), std::string::npos);
  EXPECT_NE(sessions[0].data.find("text/html"), std::string::npos);
}

DeliveryResult send_with(SmtpScript script,
                         std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  SmtpStub stub(std::move(script));
  NotifierConfig config = smtp_config(stub.smarthost());
  config.timeout = timeout;
  config.smtp.auth_password = "hunter2-password";
  SmtpNotifier notifier(config, "");
  DeliveryResult result =
      notifier.send(notification_of(breach_event(EventType::breach_created)), test_now());
  EXPECT_EQ(result.detail.find("hunter2-password"), std::string::npos);
  return result;
}

// How a refusal at each step of the SMTP dialogue is classified: 4xx is retried, 5xx is dead.
TEST(SmtpNotifier, RepliesAreClassifiedByTheirCode) {
  struct Case {
    std::string SmtpScript::*step;
    std::string reply;
    DeliveryOutcome outcome;
    std::string detail_prefix;  // "": not checked
  };
  const std::vector<Case> cases{
      {&SmtpScript::rcpt_reply, "451 4.3.0 try again later", DeliveryOutcome::retry, "SMTP 451"},
      {&SmtpScript::rcpt_reply, "550 5.1.1 no such user", DeliveryOutcome::dead, "SMTP 550"},
      {&SmtpScript::mail_reply, "553 5.7.1 sender not allowed", DeliveryOutcome::dead, ""},
      {&SmtpScript::end_of_data_reply, "554 5.6.0 content rejected", DeliveryOutcome::dead,
       "SMTP 554"},
      {&SmtpScript::end_of_data_reply, "452 4.2.2 mailbox full", DeliveryOutcome::retry, ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.reply);
    SmtpScript script;
    script.*c.step = c.reply;
    const DeliveryResult result = send_with(script);
    EXPECT_EQ(result.outcome, c.outcome);
    EXPECT_TRUE(result.detail.starts_with(c.detail_prefix)) << result.detail;
  }
}

TEST(SmtpNotifier, SilentServerTimesOut) {
  SmtpScript script;
  script.silent = true;
  const DeliveryResult result = send_with(script, std::chrono::milliseconds(300));
  EXPECT_EQ(result.outcome, DeliveryOutcome::retry);
  EXPECT_EQ(result.detail, "timed out after 0.3 s");
}

TEST(SmtpNotifier, RequiredTlsWithoutStarttlsIsRetried) {
  SmtpStub stub;
  NotifierConfig config = smtp_config(stub.smarthost());
  config.smtp.require_tls = true;
  SmtpNotifier notifier(config, "");
  const DeliveryResult result =
      notifier.send(notification_of(breach_event(EventType::breach_created)), test_now());
  EXPECT_EQ(result.outcome, DeliveryOutcome::retry);
  EXPECT_TRUE(stub.sessions().empty()) << "nothing is sent in the clear";
}

TEST(SmtpNotifier, RefusedConnectionIsRetried) {
  int port = 0;
  {
    SmtpStub gone;
    port = gone.port();
  }
  NotifierConfig config = smtp_config("127.0.0.1:" + std::to_string(port));
  SmtpNotifier notifier(config, "");
  const DeliveryResult result =
      notifier.send(notification_of(breach_event(EventType::breach_created)), test_now());
  EXPECT_EQ(result.outcome, DeliveryOutcome::retry);
  EXPECT_FALSE(result.detail.empty());
}

TEST(SmtpNotifier, MalformedEventIsDead) {
  SmtpStub stub;
  SmtpNotifier notifier(smtp_config(stub.smarthost()), "");
  Notification notification;
  notification.payload = "{}";
  const DeliveryResult result = notifier.send(notification, test_now());
  EXPECT_EQ(result.outcome, DeliveryOutcome::dead);
  EXPECT_TRUE(stub.sessions().empty());
}

}  // namespace
}  // namespace slamon::notify
