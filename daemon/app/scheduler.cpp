#include "app/scheduler.h"

namespace slamon {

NextCycle next_cycle(WallTime due, Duration interval, WallTime finished) {
  if (interval <= Duration::zero()) return NextCycle{finished, 0};
  const WallTime next = due + interval;
  if (finished < next) return NextCycle{next, 0};
  const auto missed = (finished - next) / interval + 1;  // due times at or before `finished`
  return NextCycle{next + missed * interval, static_cast<long long>(missed)};
}

}  // namespace slamon
