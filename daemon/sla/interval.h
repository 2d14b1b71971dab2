// Half-open time intervals and normalized sets of them: the arithmetic SLA accounting is built
// on (business hours ∩ period − maintenance, ...). Values; thread-safe as values are.
#pragma once

#include <span>
#include <vector>

#include "common/clock.h"

namespace slamon::sla {

// [start, end); empty when end <= start.
struct Interval {
  WallTime start{};
  WallTime end{};
  bool empty() const { return end <= start; }
  Duration length() const;  // 0 when empty
  bool contains(WallTime t) const { return start <= t && t < end; }
  bool operator==(const Interval&) const = default;
};

Interval intersect(const Interval& a, const Interval& b);  // may be empty

// A set of instants kept as sorted, disjoint, non-adjacent, non-empty intervals.
class IntervalSet {
 public:
  IntervalSet() = default;
  explicit IntervalSet(Interval one);
  static IntervalSet from(std::span<const Interval> any_intervals);  // overlaps are merged

  void add(Interval interval);  // merges
  IntervalSet intersected(const IntervalSet& other) const;
  IntervalSet intersected(const Interval& range) const;
  IntervalSet minus(const IntervalSet& other) const;
  IntervalSet united(const IntervalSet& other) const;
  Duration total() const;
  // Length of the part of `range` inside this set.
  Duration overlap(const Interval& range) const;
  bool contains(WallTime t) const;
  bool empty() const { return intervals_.empty(); }
  const std::vector<Interval>& intervals() const { return intervals_; }
  bool operator==(const IntervalSet&) const = default;

 private:
  std::vector<Interval> intervals_;
};

}  // namespace slamon::sla
