// Result<T>: the expected-style return type for operations that can fail in ordinary use
// (bad input, an unreachable peer, a locked database). Value types; thread-safe as values are.
#pragma once

#include <expected>
#include <string>
#include <utility>

namespace slamon {

// A failure a caller can act on: a message safe to log and show (it never carries a secret).
struct Error {
  std::string message;
};

template <typename T>
using Result = std::expected<T, Error>;

using Status = std::expected<void, Error>;

inline std::unexpected<Error> fail(std::string message) {
  return std::unexpected<Error>(Error{std::move(message)});
}

}  // namespace slamon
