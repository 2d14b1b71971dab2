// Scheduling arithmetic for evaluation cycles (SPEC §6.1): when the next cycle is due after one
// that ran from `due` to `finished`, and how many due times were skipped because it was still
// running. Pure; thread-safe.
#pragma once

#include "common/clock.h"

namespace slamon {

struct NextCycle {
  WallTime due;
  long long skipped = 0;
};

// Cycles stay aligned to `first_due + k × interval`; a cycle that overran k due times skips
// them (counted) instead of running them back to back.
NextCycle next_cycle(WallTime due, Duration interval, WallTime finished);

}  // namespace slamon
