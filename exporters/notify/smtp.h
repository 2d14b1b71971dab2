// SmtpNotifier: mails a notification through a smarthost with libcurl's SMTP (SPEC §9.2): a
// multipart/alternative message (text/plain and text/html, the same content) with STARTTLS
// required by default (implicit TLS on port 465), optional AUTH, and the event id in the
// Message-ID so a retried mail can be recognised. A 4xx reply or a transport failure is worth
// another attempt; a 5xx reply is a permanent refusal. Stateless after construction;
// thread-safe (one curl handle per attempt).
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "config/config.h"
#include "notify/message.h"
#include "notify/message_notifier.h"

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

// RFC 5322 date: "Sat, 21 Nov 2026 10:00:00 +0000".
std::string rfc5322_date(WallTime time);

// The whole mail (headers and body, CRLF line endings) for `message`.
std::string smtp_mail(const Message& message, const SmtpConfig& config, WallTime now);

class SmtpNotifier final : public MessageNotifier {
 public:
  using MessageNotifier::MessageNotifier;

 private:
  DeliveryResult deliver(Message message, const Notification& notification,
                         WallTime now) const override;
};

}  // namespace slamon::notify
