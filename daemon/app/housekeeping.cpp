#include "app/housekeeping.h"

#include "common/log.h"
#include "history/history.h"
#include "store/store.h"

namespace slamon {

void run_housekeeping(history::History& history, Store& store, WallTime timeline_final_before,
                      DegradedCounters& counters) {
  // A bound on the passes, so a history that always reports more work cannot hold the task.
  constexpr int kMaxRetentionPasses = 10000;
  for (int pass = 0; pass < kMaxRetentionPasses; ++pass) {
    auto more = history.maintain();
    if (!more) {
      ++counters.retention_failures;
      log::warn("history retention failed", {{"err", more.error().message}});
      break;
    }
    if (!*more) break;
  }
  // The daily status rollup (SPEC §7.1 answers over months read a row per policy-day).
  if (auto rolled = store.roll_up_status_days(timeline_final_before); !rolled) {
    ++counters.rollup_failures;
    log::warn("status timeline rollup failed", {{"err", rolled.error().message}});
  }
}

}  // namespace slamon
