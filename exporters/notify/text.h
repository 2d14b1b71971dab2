// Text helpers the notifiers share to render untrusted strings (policy names, labels, receiver
// answers) safely into JSON cards, mail and log-safe details: UTF-8-aware truncation, one-line
// sanitising, HTML and Slack escaping, URL component encoding. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/html.h"

namespace slamon::notify {

// `text` cut to at most `max_bytes` bytes without splitting a UTF-8 sequence; "…" (or "..."
// when `ascii_ellipsis`) marks a cut and counts towards the limit.
std::string truncate_utf8(std::string_view text, std::size_t max_bytes,
                          bool ascii_ellipsis = false);

// Invalid UTF-8 bytes replaced by U+FFFD, so a JSON serialiser never throws on them.
std::string valid_utf8(std::string_view text);

// Control characters (CR, LF, tab, ...) replaced by spaces and the ends trimmed: safe for a
// mail header, a log field or a one-line detail. Also makes the text valid UTF-8.
std::string single_line(std::string_view text);

// &, <, >, " and ' as HTML entities (common/html.h).
using slamon::html_escape;

// &, < and > as Slack's mrkdwn expects them.
std::string slack_escape(std::string_view text);

// RFC 4648 base64 with padding, on one line.
std::string base64(std::string_view bytes);

// RFC 3986 percent-encoding of everything but unreserved characters.
std::string url_encode_component(std::string_view text);

// A measured number as people read it: 99.95, 250, 0.0012 (no exponent below 1e6).
std::string format_number(double value);

}  // namespace slamon::notify
