// The SMTP notifier against a real SMTP server: aiosmtpd (Debian python3-aiosmtpd) storing
// mail in a Maildir, in the clear and with STARTTLS. The stored mail is read back with
// Python's own email parser, so the MIME structure, the RFC 2047 subject and the
// quoted-printable parts are checked by an independent implementation; so is a report mail
// (sla.report.ready) with a PDF and a chart that slamon's report code rendered.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "notify/smtp.h"
#include "peers.h"
#include "reports/pdf.h"
#include "reports/report.h"
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

// A report mail as Python sees it: the tree of content types, the defects of every part, the
// attachment's name and first bytes, and whether the HTML shows the inline image by its
// Content-ID.
constexpr std::string_view kParseReportMail = R"(
import email, json, sys
from email import policy
with open(sys.argv[1], 'rb') as f:
    m = email.message_from_binary_file(f, policy=policy.default)
def tree(part):
    if part.is_multipart():
        return [part.get_content_type(), [tree(p) for p in part.iter_parts()]]
    return part.get_content_type()
defects = {}
for i, part in enumerate(m.walk()):
    if part.defects:
        defects[str(i) + ' ' + part.get_content_type()] = [str(d) for d in part.defects]
attachments = [p for p in m.walk() if p.get_content_disposition() == 'attachment']
images = [p for p in m.walk() if p.get_content_type() == 'image/png']
html = m.get_body(preferencelist=('html',)).get_content()
text = m.get_body(preferencelist=('plain',)).get_content()
cid = images[0]['Content-ID'].strip('<>') if images else ''
print(json.dumps({
    'subject': str(m['Subject']), 'tree': tree(m), 'defects': defects,
    'attachment_names': [a.get_filename() for a in attachments],
    'attachment_head': attachments[0].get_content()[:5].decode('latin-1') if attachments else '',
    'attachment_size': len(attachments[0].get_content()) if attachments else 0,
    'image_head': images[0].get_content()[:8].hex() if images else '',
    'image_disposition': images[0].get_content_disposition() if images else '',
    'cid': cid, 'html_shows_cid': bool(cid) and ('src="cid:' + cid + '"') in html,
    'text': text, 'html': html}))
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

  // The one stored mail, parsed by Python with `script`.
  json stored_mail(std::string_view script_text = kParseMail) {
    const fs::path inbox = dir_.path() / "maildir" / "new";
    std::vector<fs::path> files;
    if (fs::exists(inbox)) {
      for (const auto& entry : fs::directory_iterator(inbox)) files.push_back(entry.path());
    }
    EXPECT_EQ(files.size(), 1u);
    if (files.size() != 1) return json();
    const std::string script = dir_.write("parse_mail.py", std::string(script_text));
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

// A one-policy report of November 2026 in Europe/Berlin with a fortnight of daily compliance.
reports::ReportData tiny_report() {
  using std::chrono::hours;
  const WallTime start = from_unix_seconds(1793487600);  // 2026-10-31T23:00:00Z
  reports::ReportData report;
  report.title = "Monthly SLA report";
  report.org = "0a0b0c0d-0000-4000-8000-000000000001";
  report.org_name = "Northwind";
  report.period = {start, start + hours(24 * 30)};
  report.judged = report.period;
  report.generated_at = report.period.end + hours(6);
  report.timezone = "Europe/Berlin";
  report.version = "test";
  reports::PolicyReport policy;
  policy.id = "9e8d7c6b-aaaa-4bbb-8ccc-dddddddddddd";
  policy.name = "Gold uptime";
  policy.timezone = "Europe/Berlin";
  for (int day = 0; day < 14; ++day) {
    policy.days.push_back({start + hours(24 * day), day == 3 ? 0.97 : 1.0});
  }
  report.policies.push_back(std::move(policy));
  report.summary.policies = 1;
  report.summary.met = 1;
  return report;
}

json report_ready_event(const std::string& report_id, std::size_t size) {
  return {{"id", "6d1f5b8e-3c2a-4f7d-9e1b-0a2c4e6f8a10"},
          {"type", "sla.report.ready"},
          {"priority", "LOW"},
          {"occurred_at", "2026-12-01T05:00:03.120Z"},
          {"org_id", "0a0b0c0d-0000-4000-8000-000000000001"},
          {"breach", nullptr},
          {"report",
           {{"id", report_id},
            {"title", "Monthly SLA report"},
            {"format", "pdf"},
            {"period_start", "2026-10-31T23:00:00Z"},
            {"period_end", "2026-11-30T23:00:00Z"},
            {"timezone", "Europe/Berlin"},
            {"size", size},
            {"file_name", report_id + ".pdf"},
            {"download_url",
             "https://slamon.example.net/api/v1/sla/reports/" + report_id + "/download"}}},
          {"schedule",
           {{"id", "monthly-northwind"},
            {"name", "Monthly Northwind"},
            {"due_at", "2026-12-01T05:00:00Z"},
            {"notifiers", {"mail"}}}}};
}

TEST_F(SmtpPeer, DeliversAReportWithThePdfAttachedAndTheChartInline) {
  ASSERT_NO_FATAL_FAILURE(start(false));
  const std::string report_id = "5b1f0c2e-7d4a-4c61-9a3e-2f8b6d0e1a47";
  const reports::ReportData report = tiny_report();
  const auto pdf = reports::render_pdf(report);
  ASSERT_TRUE(pdf) << pdf.error().message;
  const auto chart =
      reports::render_chart_png(report.policies.front(), reports::ChartKind::daily_compliance);
  ASSERT_TRUE(chart) << chart.error().message;
  dir_.write("reports/" + report_id + ".pdf", *pdf);
  dir_.write("reports/" + report_id + "-chart.png", *chart);

  SmtpNotifier notifier(config(false), "https://slamon.example.net", dir_.path() / "reports");
  const DeliveryResult result =
      notifier.send(notification_of(report_ready_event(report_id, pdf->size())),
                    std::chrono::system_clock::now());
  ASSERT_EQ(result.outcome, DeliveryOutcome::delivered) << result.detail;

  const json mail = stored_mail(kParseReportMail);
  ASSERT_TRUE(mail.is_object());
  EXPECT_EQ(mail["subject"], "SLA report ready: Monthly SLA report (2026-11-01 – 2026-12-01)");
  EXPECT_EQ(mail["tree"], json::parse(R"(["multipart/mixed", [
                              ["multipart/related", [
                                ["multipart/alternative", ["text/plain", "text/html"]],
                                "image/png"]],
                              "application/pdf"]])"))
      << mail["tree"].dump();
  EXPECT_EQ(mail["defects"], json::object()) << mail["defects"].dump();
  EXPECT_EQ(mail["attachment_names"],
            json::array({"sla-report-monthly-sla-report-2026-11-01.pdf"}));
  EXPECT_EQ(mail["attachment_head"], "%PDF-");
  EXPECT_EQ(mail["attachment_size"], pdf->size());
  EXPECT_EQ(mail["image_head"], "89504e470d0a1a0a");
  EXPECT_EQ(mail["image_disposition"], "inline");
  EXPECT_EQ(mail["cid"], "chart-" + report_id + "@example.net");
  EXPECT_EQ(mail["html_shows_cid"], true) << mail["html"];
  const std::string text = mail["text"];
  EXPECT_NE(text.find("Period: 2026-11-01 – 2026-12-01 (Europe/Berlin)\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("Download the report: https://slamon.example.net/api/v1/sla/reports/" +
                      report_id + "/download\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("The report is attached as sla-report-monthly-sla-report-2026-11-01.pdf."),
            std::string::npos)
      << text;
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
