// How the Store maps times to columns and wraps SQLite errors: shared by the files that make up
// slamon_store (internal; not part of its API). Stateless, so thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/result.h"
#include "store/store.h"

namespace slamon::store_detail {

// Stored times are milliseconds since the epoch; finer precision is not kept.
inline long long to_millis(WallTime t) {
  return std::chrono::floor<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

inline WallTime from_millis(long long ms) {
  return WallTime{std::chrono::milliseconds{ms}};
}

inline std::optional<long long> to_millis(const std::optional<WallTime>& t) {
  if (!t) return std::nullopt;
  return to_millis(*t);
}

inline std::optional<WallTime> from_millis(const std::optional<long long>& ms) {
  if (!ms) return std::nullopt;
  return from_millis(*ms);
}

inline constexpr long long kDayMs = 86'400'000;

// The start of the UTC day holding `ms` (milliseconds since the epoch).
inline long long floor_day(long long ms) {
  long long day = ms / kDayMs;
  if (ms % kDayMs != 0 && ms < 0) --day;
  return day * kDayMs;
}

// The start of the first UTC day at or after `ms`.
inline long long ceil_day(long long ms) {
  const long long floor = floor_day(ms);
  return floor == ms ? ms : floor + kDayMs;
}

inline std::unexpected<Error> in_context(std::string_view context, const Error& error) {
  return fail(std::string(context) + ": " + error.message);
}

inline std::unexpected<WriteError> refuse(WriteFailure kind, std::string message) {
  return std::unexpected(WriteError{kind, std::move(message)});
}

inline std::unexpected<WriteError> storage_failure(std::string_view context, const Error& error) {
  return refuse(WriteFailure::storage, std::string(context) + ": " + error.message);
}

}  // namespace slamon::store_detail
