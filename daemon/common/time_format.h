// Reading RFC 3339 date-times: the one parser of the timestamps slamon writes (format_rfc3339
// in common/clock.h), accepts from its API and CLI, and reads back from stored JSON. Pure
// functions; thread-safe.
#pragma once

#include <optional>
#include <string_view>

#include "common/clock.h"

namespace slamon {

struct Rfc3339Syntax {
  // RFC 3339 §5.6 lets applications take a space for the `T` between date and time; readers
  // of hand-typed times (the backtest's --from/--to) do.
  bool space_separator = false;
};

// An RFC 3339 date-time with a UTC offset: "2026-12-01T02:00:00Z", "2026-12-01T03:00:00+01:00",
// `t` and `z` in lower case, a fraction of any length (kept to the clock's resolution). Nullopt
// for anything else: a missing offset, "+0100", an impossible date or hour, second 60 (a leap
// second has no place on the clock), trailing text.
std::optional<WallTime> parse_rfc3339(std::string_view text, Rfc3339Syntax syntax = {});

}  // namespace slamon
