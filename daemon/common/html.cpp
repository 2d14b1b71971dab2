#include "common/html.h"

namespace slamon {

void append_html_escaped(std::string& out, std::string_view text, EscapeQuotes quotes) {
  const bool escape_quotes = quotes == EscapeQuotes::yes;
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += escape_quotes ? "&quot;" : "\"";
        break;
      case '\'':
        out += escape_quotes ? "&#39;" : "'";
        break;
      default:
        out += c;
    }
  }
}

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  append_html_escaped(out, text);
  return out;
}

}  // namespace slamon
