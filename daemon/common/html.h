// Escaping untrusted text for HTML (status pages, notification mail) and for the markup
// languages that borrow HTML's entities (Slack's mrkdwn). Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace slamon {

// Which characters become entities: &, < and > always; " and ' too for HTML, where text may
// sit inside an attribute value.
enum class EscapeQuotes { yes, no };

// Appends `text` to `out` with &, <, > (and, unless `quotes` is no, " and ') as entities.
void append_html_escaped(std::string& out, std::string_view text,
                         EscapeQuotes quotes = EscapeQuotes::yes);

// &, <, >, " and ' as HTML entities.
std::string html_escape(std::string_view text);

}  // namespace slamon
