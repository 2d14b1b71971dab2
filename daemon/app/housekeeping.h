// Housekeeping after an evaluation cycle, off the cycle's thread: the history's retention and
// downsampling, then the daily rollup of the status timelines. A failure is logged and counted
// (DegradedCounters) and retried after the next cycle; nothing else depends on it at once.
// A free function: thread-safe as far as History and Store are (both are).
#pragma once

#include "app/degraded_counters.h"
#include "common/clock.h"

namespace slamon {

class Store;
namespace history {
class History;
}

// Runs bounded retention passes (each a small transaction, so appends never wait long) until
// none is left to do, then sums the status timeline days that end before
// `timeline_final_before` (cycles only write after it, so those days are final).
void run_housekeeping(history::History& history, Store& store, WallTime timeline_final_before,
                      DegradedCounters& counters);

}  // namespace slamon
