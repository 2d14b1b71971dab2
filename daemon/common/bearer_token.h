// Bearer tokens as slamon stores and checks them: their SHA-256 digest (the only form ever
// kept) and the RFC 6750 syntax a token must have. Shared by the config loader (token_file)
// and the authenticator. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace slamon {

// Lower-case hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);
// RFC 6750 b64token: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
bool is_b64token(std::string_view token);

}  // namespace slamon
