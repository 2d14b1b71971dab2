// SmtpNotifier: mails a notification through a smarthost with libcurl's SMTP (SPEC §9.2): a
// multipart/alternative message (text/plain and text/html, the same content) with STARTTLS
// required by default (implicit TLS on port 465), optional AUTH, and the event id in the
// Message-ID so a retried mail can be recognised. A report event (sla.report.ready, SPEC §10)
// becomes a multipart/mixed mail with the report file attached and its chart inline in the HTML
// (notify/report_files.h reads them). A 4xx reply or a transport failure is worth another
// attempt; a 5xx reply is a permanent refusal. Stateless after construction; thread-safe (one
// curl handle per attempt).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "common/result.h"
#include "config/config.h"
#include "notify/message.h"
#include "notify/message_notifier.h"
#include "notify/report_files.h"

namespace slamon::notify {

// smtp://host:port[/<hello>], or smtps:// when the port is 465 (25 when none is given).
Result<std::string> smtp_url(const SmtpConfig& config);

// The bare address of "Name <user@host>" or "user@host".
std::string mail_address(std::string_view mailbox);

// A header's value ready to follow "<name>: ": printable ASCII as is, folded at spaces before
// 78 columns; anything else as RFC 2047 UTF-8 base64 encoded-words on folded lines. Line
// breaks in `text` become spaces, so a value can never start another header.
std::string encode_header_value(std::string_view text, std::size_t name_length);

// RFC 2045 quoted-printable of UTF-8 text with CRLF line breaks (LF or CRLF in `text`).
std::string quoted_printable(std::string_view text);

// RFC 2045 base64 in lines of 76 characters, each ending in CRLF.
std::string base64_lines(std::string_view bytes);

// RFC 5322 date: "Sat, 21 Nov 2026 10:00:00 +0000".
std::string rfc5322_date(WallTime time);

// The whole mail (headers and body, CRLF line endings) for `message`. For a report message,
// `report_parts` are the attachment, the inline chart and the note about them (all optional).
std::string smtp_mail(const Message& message, const SmtpConfig& config, WallTime now,
                      const ReportMailParts& report_parts = {});

class SmtpNotifier final : public MessageNotifier {
 public:
  // `reports_dir` is where report files are read for report events (--reports.dir); empty:
  // report mails carry the link only.
  SmtpNotifier(NotifierConfig config, std::string external_url,
               std::filesystem::path reports_dir = {});

 private:
  DeliveryResult deliver(Message message, const Notification& notification,
                         WallTime now) const override;

  std::filesystem::path reports_dir_;
};

}  // namespace slamon::notify
