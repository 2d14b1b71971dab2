#include "notify/smtp.h"

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <memory>
#include <utility>
#include <vector>

#include "common/strings.h"
#include "httpclient/http_client.h"
#include "notify/classify.h"
#include "notify/http_post.h"
#include "notify/text.h"

namespace slamon::notify {
namespace {

constexpr std::size_t kFoldColumn = 78;
// An encoded-word may have 75 characters; ours have at most 68 ("=?UTF-8?B?" + the 56 base64
// characters of 42 bytes + "?="), so that "Subject: " and one word fit in 78 columns.
constexpr std::size_t kEncodedWordBytes = 42;
constexpr std::size_t kQuotedPrintableLine = 76;
constexpr std::size_t kBase64Line = 76;
constexpr std::string_view kCrlf = "\r\n";

CURLcode ensure_curl_initialised() {
  // Never undone, like the HTTP client's: cleanup at exit could race with a running attempt.
  static const CURLcode code = curl_global_init(CURL_GLOBAL_DEFAULT);
  return code;
}

struct EasyDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

struct Upload {
  std::string_view data;
  std::size_t offset = 0;
};

std::size_t on_read(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const std::size_t room = size * count;
  const std::size_t bytes = std::min(room, upload->data.size() - upload->offset);
  std::copy_n(upload->data.data() + upload->offset, bytes, buffer);
  upload->offset += bytes;
  return bytes;
}

template <typename T>
bool set(CURL* handle, CURLoption option, T value) {
  return curl_easy_setopt(handle, option, value) == CURLE_OK;
}

bool is_printable_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](unsigned char c) { return c >= 0x20 && c < 0x7F; });
}

// Folds `words` (separated by single spaces) so that lines stay under kFoldColumn where a
// word allows it; the first line already holds `used` characters.
std::string fold_words(const std::vector<std::string_view>& words, std::size_t used) {
  std::string out;
  std::size_t column = used;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) {
      if (column + 1 + words[i].size() > kFoldColumn) {
        out += kCrlf;
        column = 0;
      }
      out += ' ';
      ++column;
    }
    out += words[i];
    column += words[i].size();
  }
  return out;
}

std::string domain_of(std::string_view address) {
  const auto at = address.rfind('@');
  std::string domain;
  if (at != std::string_view::npos) {
    for (const char c : address.substr(at + 1)) {
      if (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-') domain += c;
    }
  }
  return domain.empty() ? "slamon.localdomain" : domain;
}

std::string id_token(std::string_view id) {
  std::string token;
  for (const char c : id) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-') token += c;
  }
  return token.empty() ? "event" : token;
}

// `extra_html` (a report's chart and attachment note) goes between the facts and the links.
std::string html_body(const Message& message, std::string_view extra_html = {}) {
  std::string html = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" +
                     html_escape(message.title) +
                     "</title></head>\n<body style=\"font-family: sans-serif\">\n"
                     "<div style=\"border-left: 6px solid " +
                     std::string(colour_hex(message.tone)) + "; padding-left: 12px\">\n<h2>" +
                     html_escape(message.title) + "</h2>\n<table cellpadding=\"4\">\n";
  for (const Fact& fact : message.facts()) {
    html += "<tr><th align=\"left\">" + html_escape(fact.label) + "</th><td>" +
            html_escape(fact.value) + "</td></tr>\n";
  }
  html += "</table>\n";
  if (message.is_incident()) {
    html += "<h3>Breaches</h3>\n<ul>\n";
    // The text part's limit, so both parts say the same.
    constexpr std::size_t kMaxLines = 200;
    const std::size_t shown = std::min(message.breaches.size(), kMaxLines);
    for (std::size_t i = 0; i < shown; ++i) {
      html += "<li>" + html_escape(message.breaches[i].summary()) + "</li>\n";
    }
    const std::size_t more = message.breaches.size() - shown + message.unreadable_breaches;
    if (more > 0) html += "<li>and " + std::to_string(more) + " more</li>\n";
    html += "</ul>\n";
  }
  html += extra_html;
  if (const std::vector<Link> links = message.links(); !links.empty()) {
    html += "<p>";
    for (std::size_t i = 0; i < links.size(); ++i) {
      if (i > 0) html += " &middot; ";
      html +=
          "<a href=\"" + html_escape(links[i].url) + "\">" + html_escape(links[i].label) + "</a>";
    }
    html += "</p>\n";
  }
  html += "</div>\n</body></html>\n";
  return html;
}

struct Host {
  std::string host;  // as written, with brackets for IPv6
  std::string port;
};

Result<Host> parse_smarthost(std::string_view smarthost) {
  Host parsed;
  std::string_view rest = smarthost;
  if (rest.starts_with('[')) {
    const auto close = rest.find(']');
    if (close == std::string_view::npos) return fail("smarthost has an unclosed '['");
    parsed.host = std::string(rest.substr(0, close + 1));
    rest.remove_prefix(close + 1);
    if (!rest.empty()) {
      if (!rest.starts_with(':')) return fail("smarthost is not host:port");
      parsed.port = std::string(rest.substr(1));
    }
  } else if (const auto colon = rest.rfind(':'); colon != std::string_view::npos) {
    parsed.host = std::string(rest.substr(0, colon));
    parsed.port = std::string(rest.substr(colon + 1));
  } else {
    parsed.host = std::string(rest);
  }
  if (parsed.port.empty()) parsed.port = "25";
  const bool numeric = std::all_of(parsed.port.begin(), parsed.port.end(),
                                   [](unsigned char c) { return std::isdigit(c); });
  if (parsed.host.empty() || !numeric || parsed.port.size() > 5 || std::stoi(parsed.port) == 0 ||
      std::stoi(parsed.port) > 65535) {
    return fail("smarthost is not host:port");
  }
  const bool host_ok = std::all_of(parsed.host.begin(), parsed.host.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '.' || c == '-' || c == '_' || c == ':' || c == '[' || c == ']';
  });
  if (!host_ok) return fail("smarthost has characters a host name cannot have");
  return parsed;
}

std::string encoded_words(std::string_view line) {
  std::string out;
  for (std::size_t at = 0; at < line.size();) {
    std::size_t end = std::min(line.size(), at + kEncodedWordBytes);
    // Never split a UTF-8 sequence across two encoded-words (RFC 2047 §5).
    while (end < line.size() && end > at &&
           (static_cast<unsigned char>(line[end]) & 0xC0) == 0x80) {
      --end;
    }
    if (!out.empty()) out += ' ';
    out += "=?UTF-8?B?" + base64(line.substr(at, end - at)) + "?=";
    at = end;
  }
  return out;
}

// "Display Name <user@host>" for a header: the name quoted, or encoded when it is not
// ASCII; the address itself is never encoded.
std::string format_mailbox(std::string_view mailbox) {
  const std::string address = single_line(mail_address(mailbox));
  std::string display;
  if (const auto open = mailbox.rfind('<'); open != std::string_view::npos) {
    display = single_line(mailbox.substr(0, open));
  }
  if (display.size() >= 2 && display.front() == '"' && display.back() == '"') {
    display = display.substr(1, display.size() - 2);
  }
  if (display.empty()) return address;
  if (!is_printable_ascii(display)) return encoded_words(display) + " <" + address + '>';
  std::string quoted = "\"";
  for (const char c : display) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "\" <" + address + '>';
}

bool has_line_break(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

// A MIME entity: its header lines (each ending in CRLF) and its body.
struct Entity {
  std::string headers;
  std::string body;
};

std::string serialise(const Entity& entity) {
  return entity.headers + "\r\n" + entity.body;
}

Entity text_entity(std::string_view subtype, std::string_view text) {
  return Entity{"Content-Type: text/" + std::string(subtype) +
                    "; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n",
                quoted_printable(text)};
}

// The boundary and `parameters` (e.g. `type="multipart/alternative"`) go on folded lines, so
// the header stays within 78 columns.
Entity multipart(std::string_view subtype, const std::string& boundary,
                 const std::vector<Entity>& parts, std::string_view parameters = {}) {
  Entity entity;
  entity.headers =
      "Content-Type: multipart/" + std::string(subtype) + ";\r\n boundary=\"" + boundary + '"' +
      (parameters.empty() ? std::string() : ";\r\n " + std::string(parameters)) + "\r\n";
  for (const Entity& part : parts) entity.body += "--" + boundary + "\r\n" + serialise(part);
  entity.body += "--" + boundary + "--\r\n";
  return entity;
}

Entity base64_entity(std::string headers, std::string_view bytes) {
  Entity entity{std::move(headers) + "Content-Transfer-Encoding: base64\r\n", {}};
  entity.body = base64_lines(bytes);
  return entity;
}

// A report mail (SPEC §10): multipart/mixed of the message and the report file attached; the
// message is multipart/related when the chart is shown inline (its Content-ID referenced by
// the HTML), else the bare multipart/alternative of text and HTML. Levels a mail does not
// need are left out. Boundaries differ in a word before the id, so none is a prefix of
// another, and "=_" never occurs in quoted-printable or base64.
std::string report_body(const Message& message, const ReportMailParts& parts,
                        const std::string& event_token, const std::string& domain) {
  std::string extra_html;
  std::string text = message.text();
  std::string content_id;
  if (parts.chart) {
    content_id = "chart-" + id_token(message.report.report_id) + '@' + domain;
    extra_html += "<p><img src=\"cid:" + html_escape(content_id) +
                  "\" alt=\"Daily compliance against the target\" style=\"max-width: 100%\"></p>\n";
  }
  if (!parts.note.empty()) {
    extra_html += "<p>" + html_escape(parts.note) + "</p>\n";
    text += '\n' + parts.note + '\n';
  }
  Entity body =
      multipart("alternative", "=_slamon_alt_" + event_token,
                {text_entity("plain", text), text_entity("html", html_body(message, extra_html))});
  if (parts.chart) {
    Entity image = base64_entity("Content-Type: image/png\r\nContent-ID: <" + content_id +
                                     ">\r\nContent-Disposition: inline; filename=\"" +
                                     parts.chart->file_name + "\"\r\n",
                                 parts.chart->bytes);
    body = multipart("related", "=_slamon_related_" + event_token,
                     {std::move(body), std::move(image)}, "type=\"multipart/alternative\"");
  }
  if (parts.attachment) {
    const MailAttachment& file = *parts.attachment;
    Entity attachment = base64_entity("Content-Type: " + file.content_type +
                                          "\r\nContent-Disposition: attachment;\r\n filename=\"" +
                                          file.file_name + "\"\r\n",
                                      file.bytes);
    body = multipart("mixed", "=_slamon_mixed_" + event_token,
                     {std::move(body), std::move(attachment)});
  }
  // The outermost entity's body opens with the preamble.
  return body.headers + "\r\nThis is a multi-part message in MIME format.\r\n" + body.body;
}

}  // namespace

Result<std::string> smtp_url(const SmtpConfig& config) {
  auto host = parse_smarthost(config.smarthost);
  if (!host) return std::unexpected(host.error());
  std::string url = (host->port == "465" ? "smtps://" : "smtp://") + host->host + ':' + host->port;
  if (!config.hello.empty()) url += '/' + url_encode_component(config.hello);
  return url;
}

std::string mail_address(std::string_view mailbox) {
  const auto open = mailbox.rfind('<');
  const auto close = mailbox.rfind('>');
  if (open != std::string_view::npos && close != std::string_view::npos && close > open) {
    mailbox = mailbox.substr(open + 1, close - open - 1);
  }
  return std::string(trim(mailbox));
}

std::string encode_header_value(std::string_view text, std::size_t name_length) {
  const std::string line = single_line(text);
  const std::size_t used = name_length + 2;  // "<name>: "
  if (is_printable_ascii(line)) return fold_words(split_words(line, " "), used);
  return fold_words(split_words(encoded_words(line), " "), used);
}

std::string quoted_printable(std::string_view text) {
  static constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    const bool last = end == std::string_view::npos;
    if (last) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (last && line.empty()) break;  // text ending in a line break adds no empty line

    std::size_t column = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
      const auto c = static_cast<unsigned char>(line[i]);
      const bool at_end = i + 1 == line.size();
      std::string token;
      if ((c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !at_end)) {
        token = static_cast<char>(c);
      } else {
        token = {'=', kHex[c >> 4], kHex[c & 0x0F]};
      }
      // A soft break ("=" at the end of the line) keeps every line within 76 characters.
      if (column + token.size() > kQuotedPrintableLine - 1) {
        out += "=\r\n";
        column = 0;
      }
      out += token;
      column += token.size();
    }
    out += kCrlf;
    if (last) break;
    start = end + 1;
  }
  return out;
}

std::string base64_lines(std::string_view bytes) {
  // 57 bytes are exactly 76 base64 characters.
  constexpr std::size_t kBytesPerLine = kBase64Line / 4 * 3;
  std::string out;
  out.reserve((bytes.size() + kBytesPerLine - 1) / kBytesPerLine * (kBase64Line + 2));
  for (std::size_t at = 0; at < bytes.size(); at += kBytesPerLine) {
    out += base64(bytes.substr(at, kBytesPerLine));
    out += kCrlf;
  }
  return out;
}

std::string rfc5322_date(WallTime time) {
  static constexpr std::array<std::string_view, 7> kDays = {"Sun", "Mon", "Tue", "Wed",
                                                            "Thu", "Fri", "Sat"};
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t seconds =
      std::chrono::system_clock::to_time_t(std::chrono::floor<std::chrono::seconds>(time));
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  std::array<char, 64> buffer{};
  const int written =
      std::snprintf(buffer.data(), buffer.size(), "%s, %02d %s %04d %02d:%02d:%02d +0000",
                    kDays[static_cast<std::size_t>(tm.tm_wday)].data(), tm.tm_mday,
                    kMonths[static_cast<std::size_t>(tm.tm_mon)].data(), tm.tm_year + 1900,
                    tm.tm_hour, tm.tm_min, tm.tm_sec);
  return std::string(buffer.data(), static_cast<std::size_t>(std::max(written, 0)));
}

std::string smtp_mail(const Message& message, const SmtpConfig& config, WallTime now,
                      const ReportMailParts& report_parts) {
  std::string to;
  for (const std::string& recipient : config.to) {
    if (!to.empty()) to += ", ";
    to += format_mailbox(recipient);
  }
  const std::string boundary = "=_slamon_" + id_token(message.event_id);
  const auto header = [](std::string_view name, std::string_view value) {
    return std::string(name) + ": " + encode_header_value(value, name.size()) + "\r\n";
  };
  // Mailboxes are encoded already; they are only folded.
  const auto address_header = [](std::string_view name, std::string_view value) {
    return std::string(name) + ": " + fold_words(split_words(value, " "), name.size() + 2) + "\r\n";
  };
  std::string mail;
  mail += address_header("From", format_mailbox(config.from));
  mail += address_header("To", to);
  mail += header("Subject", message.title);
  mail += "Date: " + rfc5322_date(now) + "\r\n";
  mail += "Message-ID: <" + id_token(message.event_id) + '@' +
          domain_of(mail_address(config.from)) + ">\r\n";
  mail += "MIME-Version: 1.0\r\n";
  mail += "Auto-Submitted: auto-generated\r\n";
  if (!message.type.empty()) mail += header("X-Slamon-Event-Type", message.type);
  if (message.is_report()) {
    return mail + report_body(message, report_parts, id_token(message.event_id),
                              domain_of(mail_address(config.from)));
  }
  mail += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n";
  mail += "\r\n";
  mail += "This is a multi-part message in MIME format.\r\n";
  mail += "--" + boundary + "\r\n";
  mail += "Content-Type: text/plain; charset=utf-8\r\n";
  mail += "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
  mail += quoted_printable(message.text());
  mail += "--" + boundary + "\r\n";
  mail += "Content-Type: text/html; charset=utf-8\r\n";
  mail += "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
  mail += quoted_printable(html_body(message));
  mail += "--" + boundary + "--\r\n";
  return mail;
}

SmtpNotifier::SmtpNotifier(NotifierConfig config, std::string external_url,
                           std::filesystem::path reports_dir)
    : MessageNotifier(std::move(config), std::move(external_url)),
      reports_dir_(std::move(reports_dir)) {}

DeliveryResult SmtpNotifier::deliver(Message message, const Notification& notification,
                                     WallTime now) const {
  const SmtpConfig& smtp = config().smtp;
  if (message.event_id.empty()) message.event_id = notification.event_id;

  const auto url = smtp_url(smtp);
  if (!url) return dead(url.error().message);
  const std::string from = mail_address(smtp.from);
  if (from.empty() || has_line_break(from)) return dead("the from address is empty or invalid");
  if (smtp.to.empty()) return dead("no recipients (to) configured");
  if (ensure_curl_initialised() != CURLE_OK) return retry("libcurl could not be initialised");

  std::unique_ptr<curl_slist, SlistDeleter> recipients;
  for (const std::string& to : smtp.to) {
    const std::string address = mail_address(to);
    if (address.empty() || has_line_break(address)) return dead("a recipient address is invalid");
    curl_slist* grown = curl_slist_append(recipients.get(), ('<' + address + '>').c_str());
    if (grown == nullptr) return retry("out of memory");
    static_cast<void>(recipients.release());
    recipients.reset(grown);
  }

  ReportMailParts report_parts;
  if (message.is_report()) {
    auto parts = read_report_mail_parts(message.report, reports_dir_);
    if (!parts) {
      return parts.error().permanent ? dead(parts.error().detail) : retry(parts.error().detail);
    }
    report_parts = std::move(*parts);
  }
  const std::string mail = smtp_mail(message, smtp, now, report_parts);
  Upload upload{mail, 0};
  std::unique_ptr<CURL, EasyDeleter> handle(curl_easy_init());
  if (!handle) return retry("libcurl could not create a handle");
  CURL* h = handle.get();
  std::array<char, CURL_ERROR_SIZE> error_buffer{};
  const long timeout_ms = std::max<long>(1, static_cast<long>(config().timeout.count()));
  const std::string mail_from = '<' + from + '>';

  bool configured = set(h, CURLOPT_URL, url->c_str()) &&
#if LIBCURL_VERSION_NUM >= 0x075500  // 7.85.0 replaced the bitmask option
                    set(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps") &&
#else
                    set(h, CURLOPT_PROTOCOLS,
                        static_cast<long>(CURLPROTO_SMTP | CURLPROTO_SMTPS)) &&
#endif
                    set(h, CURLOPT_NOSIGNAL, 1L) && set(h, CURLOPT_TIMEOUT_MS, timeout_ms) &&
                    set(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms) && set(h, CURLOPT_PROXY, "") &&
                    set(h, CURLOPT_ERRORBUFFER, error_buffer.data()) &&
                    set(h, CURLOPT_MAIL_FROM, mail_from.c_str()) &&
                    set(h, CURLOPT_MAIL_RCPT, recipients.get()) && set(h, CURLOPT_UPLOAD, 1L) &&
                    set(h, CURLOPT_READFUNCTION, on_read) && set(h, CURLOPT_READDATA, &upload) &&
                    set(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(mail.size())) &&
                    set(h, CURLOPT_USE_SSL,
                        static_cast<long>(smtp.require_tls ? CURLUSESSL_ALL : CURLUSESSL_NONE));
  if (configured && !smtp.auth_username.empty()) {
    configured = set(h, CURLOPT_USERNAME, smtp.auth_username.c_str()) &&
                 set(h, CURLOPT_PASSWORD, smtp.auth_password.c_str());
  }
  if (configured && config().tls) {
    const TlsConfig& tls = *config().tls;
    if (!tls.ca_file.empty())
      configured = configured && set(h, CURLOPT_CAINFO, tls.ca_file.c_str());
    if (!tls.cert_file.empty()) {
      configured = configured && set(h, CURLOPT_SSLCERT, tls.cert_file.c_str());
    }
    if (!tls.key_file.empty())
      configured = configured && set(h, CURLOPT_SSLKEY, tls.key_file.c_str());
    if (tls.insecure_skip_verify) {
      configured =
          configured && set(h, CURLOPT_SSL_VERIFYPEER, 0L) && set(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
  }
  if (!configured) return dead("libcurl rejected an SMTP option");

  const CURLcode code = curl_easy_perform(h);
  if (code == CURLE_OK) return delivered();

  long reply = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply);
  const std::vector<std::string> secrets = notifier_secrets(config());
  std::string what = error_buffer[0] != '\0' ? std::string(error_buffer.data())
                                             : std::string(curl_easy_strerror(code));
  what = single_line(redact(std::move(what), secrets));
  if (code == CURLE_OPERATION_TIMEDOUT) {
    return retry("timed out after " + format_seconds(config().timeout) + " s");
  }
  if (reply >= 500 && reply <= 599) return dead("SMTP " + std::to_string(reply) + ": " + what);
  if (reply >= 400 && reply <= 499) return retry("SMTP " + std::to_string(reply) + ": " + what);
  return retry(what);
}

}  // namespace slamon::notify
