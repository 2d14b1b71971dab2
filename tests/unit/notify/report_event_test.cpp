// The sla.report.ready event (SPEC §10): a scheduled report has rendered. The message model reads
// it as its own kind (neutral tone, period in the report's zone, the download link); Slack and
// Teams render it through their usual paths; Alertmanager refuses it; SMTP mails the report file
// as an attachment with the chart inline, reading only the generated file names under the
// reports directory.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "notify/alertmanager.h"
#include "notify/message.h"
#include "notify/report_files.h"
#include "notify/slack.h"
#include "notify/smtp.h"
#include "notify/teams.h"
#include "notify/text.h"
#include "sample_events.h"
#include "smtp_stub.h"
#include "support/http_stub.h"
#include "support/temp_dir.h"

namespace slamon::notify {
namespace {

namespace fs = std::filesystem;
using namespace testing;  // sample_events.h
using slamon::testing::HttpStub;
using slamon::testing::StubResponse;
using slamon::testing::TempDir;

constexpr std::string_view kDash = "\xE2\x80\x93";  // –
const std::string kReportId(kSampleReportId);
const std::string kDownloadUrl(kSampleReportUrl);
const std::string kTitle =
    "SLA report ready: Monthly SLA report (2026-11-01 " + std::string(kDash) + " 2026-12-01)";
// Not a whole PDF: the notifier attaches bytes, it never reads them.
const std::string kPdfBytes = "%PDF-1.4\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<<>>\nendobj\n%%EOF\n";
// A 1×1 PNG.
const std::string kPngBytes(
    "\x89\x50\x4E\x47\x0D\x0A\x1A\x0A\x00\x00\x00\x0D\x49\x48\x44\x52\x00\x00\x00\x01\x00\x00\x00"
    "\x01\x08\x02\x00\x00\x00\x90\x77\x53\xDE\x00\x00\x00\x0C\x49\x44\x41\x54\x78\x9C\x63\xD0\xAB"
    "\x35\x02\x00\x01\xBA\x00\xDE\xC4\x8A\xBF\x88\x00\x00\x00\x00\x49\x45\x4E\x44\xAE\x42\x60\x82",
    69);

// ---- Message ----------------------------------------------------------------------------------

TEST(ReportMessage, ReadsAReportEvent) {
  const Message message = message_of(report_event(), "https://slamon.example.net");
  EXPECT_TRUE(message.is_report());
  EXPECT_FALSE(message.is_breach());
  EXPECT_EQ(message.type, "sla.report.ready");
  EXPECT_EQ(message.title, kTitle);
  EXPECT_EQ(message.tone, Tone::info);
  EXPECT_EQ(to_string(message.tone), "info");
  EXPECT_TRUE(message.breaches.empty());
  EXPECT_EQ(message.report.report_id, kReportId);
  EXPECT_EQ(message.report.period_start_date, "2026-11-01");
  expect_facts(message,
               {{"Period", "2026-11-01 " + std::string(kDash) + " 2026-12-01 (Europe/Berlin)"},
                {"Format", "PDF"},
                {"Size", "120.6 KiB"},
                {"Schedule", "Monthly Northwind"},
                {"Report", "<none>"},
                {"Severity", "<none>"},
                {"Policy", "<none>"}});
  const std::vector<Link> links = message.links();
  ASSERT_EQ(links.size(), 2u);
  EXPECT_EQ(links[0].label, "Download the report");
  EXPECT_EQ(links[0].url, kDownloadUrl);
  EXPECT_EQ(links[1].url, "https://slamon.example.net");
  const std::string text = message.text();
  EXPECT_TRUE(text.starts_with(kTitle + "\n\n")) << text;
  EXPECT_NE(text.find("Download the report: " + kDownloadUrl + "\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("in slamon"), std::string::npos) << text;
}

TEST(ReportMessage, WithoutADownloadLinkSaysWhereTheReportIs) {
  const Message message = message_of(report_event("csv", ""));
  EXPECT_TRUE(message.links().empty());
  EXPECT_EQ(fact(message, "Format"), "CSV");
  EXPECT_EQ(fact(message, "Report"), "in slamon, id " + kReportId);
  EXPECT_NE(message.text().find("The report is in slamon under the id " + kReportId + "."),
            std::string::npos)
      << message.text();
}

TEST(ReportMessage, PeriodNotAtLocalMidnightShowsTimes) {
  json event = report_event();
  event["report"]["period_start"] = "2026-11-01T05:00:00Z";
  event["report"]["period_end"] = "2026-11-02T05:00:00Z";
  const Message message = message_of(event);
  EXPECT_EQ(message.report.period_text,
            "2026-11-01 06:00 " + std::string(kDash) + " 2026-11-02 06:00");
}

TEST(ReportMessage, UnknownZoneShowsThePeriodInUtc) {
  json event = report_event();
  event["report"]["timezone"] = "Mars/Olympus_Mons";
  const Message message = message_of(event);
  EXPECT_EQ(message.report.period_text,
            "2026-10-31 23:00 " + std::string(kDash) + " 2026-11-30 23:00");
  EXPECT_EQ(fact(message, "Period"), message.report.period_text) << "no zone is claimed";
}

TEST(ReportMessage, OddFieldsBecomePlaceholdersAndALinkMustBeHttp) {
  json event = report_event();
  event["report"]["title"] = 42.5;
  event["report"]["download_url"] = "javascript:alert(1)";
  event["report"]["size"] = "big";
  event["report"].erase("period_start");
  event.erase("schedule");
  const Message message = message_of(event);
  EXPECT_EQ(message.report.title, "42.5");
  EXPECT_TRUE(message.links().empty());
  EXPECT_EQ(fact(message, "Size"), "<none>");
  EXPECT_EQ(fact(message, "Schedule"), "<none>");

  event["report"]["title"] = nullptr;
  event["report"]["download_url"] = "https://x.example/a\"><script>";
  const Message untitled = message_of(event);
  EXPECT_EQ(untitled.report.title, "(untitled report)");
  EXPECT_TRUE(untitled.links().empty());
}

TEST(ReportMessage, SizesAreBinaryUnits) {
  json event = report_event();
  const auto size_of = [&](std::uint64_t bytes) {
    event["report"]["size"] = bytes;
    return message_of(event).report.size_text;
  };
  EXPECT_EQ(size_of(812), "812 B");
  EXPECT_EQ(size_of(1024), "1 KiB");
  EXPECT_EQ(size_of(10 * 1024 * 1024 + 300 * 1024), "10.3 MiB");
}

TEST(ReportMessage, MissingReportObjectIsMalformed) {
  json event = report_event();
  event.erase("report");
  const auto message = build_message(event, "");
  ASSERT_FALSE(message);
  EXPECT_EQ(message.error().message, "malformed event: sla.report.ready without a report object");
}

// ---- Slack and Teams -----------------------------------------------------------------------

class ReportHttpTest : public ::testing::Test {
 protected:
  NotifierConfig config(NotifierType type) const {
    return testing::http_notifier_config("n", type, stub_.url() + "/hook");
  }

  template <typename N>
  json posted(N&& notifier, StubResponse answer) {
    stub_.enqueue(std::move(answer));
    const DeliveryResult result = notifier.send(notification_of(report_event()), test_now());
    EXPECT_EQ(result.outcome, DeliveryOutcome::delivered) << result.detail;
    const auto requests = stub_.requests();
    if (requests.empty()) return json();
    return json::parse(requests.back().body);
  }

  HttpStub stub_;
};

TEST_F(ReportHttpTest, SlackCarriesTheTitleAndTheDownloadLink) {
  const json body = posted(SlackNotifier(config(NotifierType::slack), "https://slamon.example.net"),
                           StubResponse::text(200, "ok"));
  EXPECT_EQ(body["text"], kTitle);
  EXPECT_EQ(body["blocks"][0]["text"]["text"], kTitle);
  const json& attachment = body["attachments"][0];
  EXPECT_EQ(attachment["color"], "#546E7A");
  const std::string dumped = attachment["blocks"].dump();
  EXPECT_NE(dumped.find("<" + kDownloadUrl + "|Download the report>"), std::string::npos) << dumped;
  EXPECT_NE(dumped.find("*Schedule*\\nMonthly Northwind"), std::string::npos) << dumped;
}

TEST_F(ReportHttpTest, TeamsAdaptiveCardHasADownloadButton) {
  const json body =
      posted(TeamsNotifier(config(NotifierType::teams), ""), StubResponse::text(202, ""));
  const json& card = body["attachments"][0]["content"];
  EXPECT_EQ(card["body"][0]["style"], "emphasis");
  EXPECT_EQ(card["body"][0]["items"][0]["text"], kTitle);
  EXPECT_EQ(card["body"][1]["facts"][2], (json{{"title", "Size"}, {"value", "120.6 KiB"}}));
  ASSERT_EQ(card["actions"].size(), 1u);
  EXPECT_EQ(
      card["actions"][0],
      (json{{"type", "Action.OpenUrl"}, {"title", "Download the report"}, {"url", kDownloadUrl}}));
}

TEST_F(ReportHttpTest, TeamsMessageCardHasADownloadAction) {
  NotifierConfig message_card = config(NotifierType::teams);
  message_card.teams_format = TeamsFormat::message_card;
  const json body = posted(TeamsNotifier(message_card, ""), StubResponse::text(200, "1"));
  EXPECT_EQ(body["title"], kTitle);
  EXPECT_EQ(body["themeColor"], "546E7A");
  EXPECT_EQ(body["potentialAction"][0]["name"], "Download the report");
  EXPECT_EQ(body["potentialAction"][0]["targets"][0]["uri"], kDownloadUrl);
}

// ---- Alertmanager ----------------------------------------------------------------------------

TEST(ReportAlertmanager, AReportIsNotAnAlertAndIsNeverPosted) {
  HttpStub stub;
  AlertmanagerNotifier notifier(
      testing::http_notifier_config("am", NotifierType::alertmanager, stub.url()), "");
  const DeliveryResult result = notifier.send(notification_of(report_event()), test_now());
  EXPECT_EQ(result.outcome, DeliveryOutcome::dead);
  EXPECT_EQ(result.detail,
            "sla.report.ready is not an alert: Alertmanager notifiers take no report events");
  EXPECT_EQ(stub.request_count(), 0u);
}

// ---- Report files ------------------------------------------------------------------------------

TEST(ReportFiles, OnlyPlainIdsNameAFile) {
  EXPECT_TRUE(is_report_file_id(kReportId));
  EXPECT_TRUE(is_report_file_id("monthly-northwind-2026-11"));
  for (const std::string& bad : std::vector<std::string>{
           "", "../etc/passwd", "A5B1", "x/y", "x.pdf", "x y", "x\n", std::string(65, 'a')}) {
    EXPECT_FALSE(is_report_file_id(bad)) << bad;
  }
}

TEST(ReportFiles, AttachmentNameIsGeneratedAscii) {
  ReportView report;
  report.title = "Monthly SLA report";
  report.format = "pdf";
  report.period_start_date = "2026-11-01";
  EXPECT_EQ(report_attachment_name(report), "sla-report-monthly-sla-report-2026-11-01.pdf");
  report.title = "Verfügbarkeit \"Zürich\"/../\r\n<b>" + std::string(80, 'x');
  report.format = "csv";
  const std::string name = report_attachment_name(report);
  EXPECT_TRUE(name.starts_with("sla-report-verf-gbarkeit-z-rich-b-xxx")) << name;
  EXPECT_TRUE(name.ends_with("xxx-2026-11-01.csv")) << name;
  EXPECT_LE(name.size(), 11 + 40 + 11 + 4u);
  report.title = "!!!";
  report.period_start_date = "bad date!";
  EXPECT_EQ(report_attachment_name(report), "sla-report.csv");
}

class ReportFilesTest : public ::testing::Test {
 protected:
  ReportView report(std::string format = "pdf") const {
    Message message = message_of(report_event(format));
    return message.report;
  }

  TempDir dir_;
};

TEST_F(ReportFilesTest, ReadsTheReportAndTheChart) {
  dir_.write(kReportId + ".pdf", kPdfBytes);
  dir_.write(kReportId + "-chart.png", kPngBytes);
  const auto parts = read_report_mail_parts(report(), dir_.path());
  ASSERT_TRUE(parts) << parts.error().detail;
  ASSERT_TRUE(parts->attachment);
  EXPECT_EQ(parts->attachment->file_name, "sla-report-monthly-sla-report-2026-11-01.pdf");
  EXPECT_EQ(parts->attachment->content_type, "application/pdf");
  EXPECT_EQ(parts->attachment->bytes, kPdfBytes);
  ASSERT_TRUE(parts->chart);
  EXPECT_EQ(parts->chart->bytes, kPngBytes);
  EXPECT_EQ(parts->note, "The report is attached as sla-report-monthly-sla-report-2026-11-01.pdf.");
}

TEST_F(ReportFilesTest, AMissingChartOnlyDropsThePicture) {
  dir_.write(kReportId + ".csv", "policy,metric\n");
  const auto parts = read_report_mail_parts(report("csv"), dir_.path());
  ASSERT_TRUE(parts) << parts.error().detail;
  ASSERT_TRUE(parts->attachment);
  EXPECT_EQ(parts->attachment->content_type, "text/csv; charset=utf-8");
  EXPECT_FALSE(parts->chart);
}

TEST_F(ReportFilesTest, AMissingReportIsDead) {
  const auto parts = read_report_mail_parts(report(), dir_.path());
  ASSERT_FALSE(parts);
  EXPECT_TRUE(parts.error().permanent);
  EXPECT_EQ(parts.error().detail, "the report file no longer exists");
}

TEST_F(ReportFilesTest, NamesAreNeverTakenFromTheEvent) {
  // The event's file_name points elsewhere; only <id>.<format> is ever read.
  dir_.write("secret.pdf", "not for mail");
  json event = report_event();
  event["report"]["file_name"] = "secret.pdf";
  const auto parts = read_report_mail_parts(message_of(event).report, dir_.path());
  ASSERT_FALSE(parts);
  EXPECT_EQ(parts.error().detail, "the report file no longer exists");

  ReportView hostile = report();
  hostile.report_id = "../" + dir_.path().filename().string() + "/secret";
  const auto refused = read_report_mail_parts(hostile, dir_.path());
  ASSERT_FALSE(refused);
  EXPECT_TRUE(refused.error().permanent);
  EXPECT_EQ(refused.error().detail, "the report id is not a plain [a-z0-9-] token; nothing read");

  ReportView odd_format = report();
  odd_format.format = "html";
  const auto no_format = read_report_mail_parts(odd_format, dir_.path());
  ASSERT_FALSE(no_format);
  EXPECT_TRUE(no_format.error().permanent);
}

TEST_F(ReportFilesTest, ASymlinkIsNeverFollowed) {
  const std::string outside = dir_.write("outside/passwd", "root:x:0:0");
  fs::create_directory(dir_.path() / "reports");
  fs::create_symlink(outside, dir_.path() / "reports" / (kReportId + ".pdf"));
  fs::create_symlink(outside, dir_.path() / "reports" / (kReportId + "-chart.png"));
  const auto parts = read_report_mail_parts(report(), dir_.path() / "reports");
  ASSERT_FALSE(parts);
  EXPECT_TRUE(parts.error().permanent);
  EXPECT_EQ(parts.error().detail, "the report file cannot be read: a symbolic link");

  // A linked chart is left out; the report itself is still mailed.
  fs::remove(dir_.path() / "reports" / (kReportId + ".pdf"));
  dir_.write("reports/" + kReportId + ".pdf", kPdfBytes);
  const auto without_chart = read_report_mail_parts(report(), dir_.path() / "reports");
  ASSERT_TRUE(without_chart) << without_chart.error().detail;
  EXPECT_FALSE(without_chart->chart);
}

TEST_F(ReportFilesTest, AFifoIsRefusedWithoutBlocking) {
  const fs::path fifo = dir_.path() / (kReportId + ".pdf");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const auto parts = read_report_mail_parts(report(), dir_.path());
  ASSERT_FALSE(parts);
  EXPECT_TRUE(parts.error().permanent);
  EXPECT_EQ(parts.error().detail, "the report file cannot be read: not a regular file");
}

TEST_F(ReportFilesTest, AFileAboveTheLimitIsNotAttached) {
  const fs::path big = dir_.path() / (kReportId + ".pdf");
  dir_.write(kReportId + ".pdf", "");
  fs::resize_file(big, kMaxReportAttachmentBytes + 1);  // sparse: costs no disk
  const auto parts = read_report_mail_parts(report(), dir_.path());
  ASSERT_TRUE(parts) << parts.error().detail;
  EXPECT_FALSE(parts->attachment);
  EXPECT_EQ(parts->note,
            "The report (10 MiB) is not attached: it is larger than the 10 MiB a mail may carry.");
}

TEST_F(ReportFilesTest, WithoutAReportsDirNothingIsAttached) {
  const auto parts = read_report_mail_parts(report(), fs::path());
  ASSERT_TRUE(parts) << parts.error().detail;
  EXPECT_FALSE(parts->attachment);
  EXPECT_FALSE(parts->chart);
  EXPECT_TRUE(parts->note.empty());
}

// ---- SMTP --------------------------------------------------------------------------------------

// The decoded body of the part that follows the `header` line (base64 lines until the
// boundary).
std::string base64_part_after(const std::string& mail, const std::string& header) {
  const auto at = mail.find(header);
  if (at == std::string::npos) return "<no such part>";
  const auto body = mail.find("\r\n\r\n", at) + 4;
  const auto end = mail.find("\r\n--", body);
  std::string encoded = mail.substr(body, end - body);
  std::erase(encoded, '\r');
  std::erase(encoded, '\n');
  return encoded;
}

TEST(ReportSmtp, Base64LinesAreSeventySixCharacters) {
  const std::string bytes(200, '\xFF');
  const std::string lines = base64_lines(bytes);
  EXPECT_TRUE(lines.starts_with(std::string(76, '/') + "\r\n")) << lines;
  EXPECT_TRUE(lines.ends_with("\r\n" + std::string(38, '/') + "8=\r\n")) << lines;
  EXPECT_EQ(lines.size(), 3 * 78u + 40 + 2);  // 57 + 57 + 57 + 29 bytes
  EXPECT_EQ(base64_lines(""), "");
}

TEST(ReportSmtp, MailIsMixedWithTheChartInlineAndTheReportAttached) {
  const Message message = message_of(report_event(), "https://slamon.example.net");
  ReportMailParts parts;
  parts.attachment =
      MailAttachment{"sla-report-monthly-sla-report-2026-11-01.pdf", "application/pdf", kPdfBytes};
  parts.chart = InlineImage{"daily-compliance.png", kPngBytes};
  parts.note = "The report is attached as sla-report-monthly-sla-report-2026-11-01.pdf.";
  const std::string mail =
      smtp_mail(message, smtp_notifier_config("mail:25").smtp, test_now(), parts);

  for (std::size_t at = mail.find('\n'); at != std::string::npos; at = mail.find('\n', at + 1)) {
    ASSERT_EQ(mail[at - 1], '\r') << "bare LF at " << at;
  }
  std::size_t line_start = 0;
  for (std::size_t at = mail.find("\r\n"); at != std::string::npos;
       line_start = at + 2, at = mail.find("\r\n", line_start)) {
    EXPECT_LE(at - line_start, 78u) << mail.substr(line_start, at - line_start);
  }

  const std::string token = message.event_id;
  const std::string mixed = "=_slamon_mixed_" + token;
  const std::string related = "=_slamon_related_" + token;
  const std::string alternative = "=_slamon_alt_" + token;
  EXPECT_NE(
      mail.find("\r\nContent-Type: multipart/mixed;\r\n boundary=\"" + mixed +
                "\"\r\n\r\n"
                "This is a multi-part message in MIME format.\r\n--" +
                mixed + "\r\nContent-Type: multipart/related;\r\n boundary=\"" + related +
                "\";\r\n type=\"multipart/alternative\"\r\n\r\n--" + related +
                "\r\nContent-Type: multipart/alternative;\r\n boundary=\"" + alternative +
                "\"\r\n\r\n--" + alternative + "\r\nContent-Type: text/plain; charset=utf-8\r\n"),
      std::string::npos)
      << mail;
  // The order of the parts: text, html, image, attachment; every multipart closed.
  const auto html = mail.find("Content-Type: text/html; charset=utf-8");
  const auto image = mail.find("--" + related + "\r\nContent-Type: image/png\r\n");
  const auto attachment = mail.find("--" + mixed + "\r\nContent-Type: application/pdf\r\n");
  ASSERT_NE(html, std::string::npos);
  ASSERT_NE(image, std::string::npos);
  ASSERT_NE(attachment, std::string::npos);
  EXPECT_LT(html, image);
  EXPECT_LT(image, attachment);
  EXPECT_NE(mail.find("--" + alternative + "--\r\n--" + related + "\r\n"), std::string::npos);
  EXPECT_NE(mail.find("--" + related + "--\r\n--" + mixed + "\r\n"), std::string::npos);
  EXPECT_TRUE(mail.ends_with("--" + mixed + "--\r\n"));

  const std::string content_id = "chart-" + kReportId + "@example.net";
  EXPECT_NE(mail.find("Content-ID: <" + content_id +
                      ">\r\nContent-Disposition: inline; "
                      "filename=\"daily-compliance.png\"\r\nContent-Transfer-Encoding: base64"),
            std::string::npos);
  EXPECT_NE(mail.find("Content-Disposition: attachment;\r\n filename=\"sla-report-monthly-sla-"
                      "report-2026-11-01.pdf\"\r\nContent-Transfer-Encoding: base64\r\n"),
            std::string::npos);
  EXPECT_EQ(base64_part_after(mail, "Content-Type: application/pdf"), base64(kPdfBytes));
  EXPECT_EQ(base64_part_after(mail, "Content-Type: image/png"), base64(kPngBytes));

  // Quoted-printable soft breaks removed, the HTML shows the chart by its Content-ID.
  std::string unfolded = mail;
  for (auto at = unfolded.find("=\r\n"); at != std::string::npos; at = unfolded.find("=\r\n", at)) {
    unfolded.erase(at, 3);
  }
  EXPECT_NE(unfolded.find("<img src=3D\"cid:" + content_id + "\""), std::string::npos) << unfolded;
  EXPECT_NE(unfolded.find("<a href=3D\"" + kDownloadUrl + "\">Download the report</a>"),
            std::string::npos);
  EXPECT_NE(unfolded.find("\r\nThe report is attached as sla-report-monthly-sla-report-2026-11-01"
                          ".pdf.\r\n"),
            std::string::npos);
  EXPECT_NE(unfolded.find("\r\nX-Slamon-Event-Type: sla.report.ready\r\n"), std::string::npos);
}

TEST(ReportSmtp, WithoutFilesTheMailIsJustTextAndHtml) {
  const Message message = message_of(report_event("pdf", ""));
  const std::string mail = smtp_mail(message, smtp_notifier_config("mail:25").smtp, test_now(), {});
  EXPECT_NE(mail.find("\r\nContent-Type: multipart/alternative;\r\n boundary=\"=_slamon_alt_"),
            std::string::npos)
      << mail;
  EXPECT_EQ(mail.find("multipart/mixed"), std::string::npos);
  EXPECT_EQ(mail.find("multipart/related"), std::string::npos);
  EXPECT_EQ(mail.find("cid:"), std::string::npos);
  EXPECT_NE(mail.find("The report is in slamon under the id " + kReportId), std::string::npos);
}

class ReportSmtpNotifierTest : public ::testing::Test {
 protected:
  DeliveryResult send(const json& event) {
    SmtpNotifier notifier(smtp_notifier_config(stub_.smarthost()), "", dir_.path());
    return notifier.send(notification_of(event), test_now());
  }

  TempDir dir_;
  testing::SmtpStub stub_;
};

TEST_F(ReportSmtpNotifierTest, DeliversTheReportAttached) {
  dir_.write(kReportId + ".pdf", kPdfBytes);
  const DeliveryResult result = send(report_event());
  ASSERT_EQ(result.outcome, DeliveryOutcome::delivered) << result.detail;
  const auto sessions = stub_.sessions();
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_NE(sessions[0].data.find("Content-Type: multipart/mixed"), std::string::npos);
  EXPECT_NE(sessions[0].data.find("filename=\"sla-report-monthly-sla-report-2026-11-01.pdf\""),
            std::string::npos);
  EXPECT_EQ(sessions[0].data.find("multipart/related"), std::string::npos) << "no chart file";
}

TEST_F(ReportSmtpNotifierTest, AMissingReportFileIsDeadAndNothingIsSent) {
  const DeliveryResult result = send(report_event());
  EXPECT_EQ(result.outcome, DeliveryOutcome::dead);
  EXPECT_EQ(result.detail, "the report file no longer exists");
  EXPECT_TRUE(stub_.sessions().empty());
}

TEST_F(ReportSmtpNotifierTest, AnIdThatIsNotAPlainTokenIsDead) {
  json event = report_event();
  event["report"]["id"] = "../../etc/passwd";
  const DeliveryResult result = send(event);
  EXPECT_EQ(result.outcome, DeliveryOutcome::dead);
  EXPECT_TRUE(stub_.sessions().empty());
}

}  // namespace
}  // namespace slamon::notify
