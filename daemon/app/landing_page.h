// The landing page at `/` (SPEC §13): version and links, and no tenant data, since it is
// served without a token. Pure; thread-safe.
#pragma once

#include <string>

namespace slamon {

std::string render_landing_page(const std::string& external_url);

}  // namespace slamon
