// Renders a status page (SPEC §14) as one self-contained HTML document: inline CSS in a single
// <style> element and inline SVG, no script, no external asset, so it works offline and under a
// Content-Security-Policy that allows nothing but that one stylesheet (by its SHA-256 hash).
// Every text that comes from the configuration or the store is HTML-escaped. Pure functions;
// thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "status/status_page.h"

namespace slamon::status {

struct RenderedPage {
  std::string html;
  // The CSP source of the page's one <style> element: "'sha256-<base64>'".
  std::string style_source;
};

RenderedPage render_status_page(const PageView& view);

// "'sha256-<base64 of SHA-256(text)>'", the CSP hash source of an inline element's text.
std::string csp_hash_source(std::string_view text);

// The page's Content-Security-Policy: nothing but the stylesheet with `style_source`.
std::string content_security_policy(std::string_view style_source);

}  // namespace slamon::status
