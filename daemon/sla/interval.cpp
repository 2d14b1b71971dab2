#include "sla/interval.h"

#include <algorithm>

namespace slamon::sla {

Duration Interval::length() const {
  if (empty()) return Duration{0};
  return std::chrono::duration_cast<Duration>(end - start);
}

Interval intersect(const Interval& a, const Interval& b) {
  return Interval{std::max(a.start, b.start), std::min(a.end, b.end)};
}

IntervalSet::IntervalSet(Interval one) {
  if (!one.empty()) intervals_.push_back(one);
}

IntervalSet IntervalSet::from(std::span<const Interval> any_intervals) {
  IntervalSet result;
  result.intervals_.reserve(any_intervals.size());
  for (const Interval& interval : any_intervals) {
    if (!interval.empty()) result.intervals_.push_back(interval);
  }
  std::sort(result.intervals_.begin(), result.intervals_.end(),
            [](const Interval& a, const Interval& b) { return a.start < b.start; });
  // Merge overlapping and adjacent intervals in place.
  std::size_t out = 0;
  for (std::size_t i = 0; i < result.intervals_.size(); ++i) {
    if (out > 0 && result.intervals_[i].start <= result.intervals_[out - 1].end) {
      result.intervals_[out - 1].end =
          std::max(result.intervals_[out - 1].end, result.intervals_[i].end);
    } else {
      result.intervals_[out++] = result.intervals_[i];
    }
  }
  result.intervals_.resize(out);
  return result;
}

void IntervalSet::add(Interval interval) {
  if (interval.empty()) return;
  // First interval that could touch `interval` (its end >= interval.start).
  auto first = std::lower_bound(
      intervals_.begin(), intervals_.end(), interval.start,
      [](const Interval& existing, WallTime start) { return existing.end < start; });
  // One past the last interval that touches it (its start <= interval.end).
  auto last = first;
  while (last != intervals_.end() && last->start <= interval.end) {
    interval.start = std::min(interval.start, last->start);
    interval.end = std::max(interval.end, last->end);
    ++last;
  }
  if (first == last) {
    intervals_.insert(first, interval);
  } else {
    *first = interval;
    intervals_.erase(first + 1, last);
  }
}

IntervalSet IntervalSet::intersected(const IntervalSet& other) const {
  IntervalSet result;
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < intervals_.size() && j < other.intervals_.size()) {
    const Interval piece = intersect(intervals_[i], other.intervals_[j]);
    // Pieces of two normalized sets are disjoint and non-adjacent, so push_back keeps order.
    if (!piece.empty()) result.intervals_.push_back(piece);
    if (intervals_[i].end < other.intervals_[j].end) {
      ++i;
    } else {
      ++j;
    }
  }
  return result;
}

IntervalSet IntervalSet::intersected(const Interval& range) const {
  IntervalSet result;
  if (range.empty()) return result;
  auto it = std::upper_bound(
      intervals_.begin(), intervals_.end(), range.start,
      [](WallTime start, const Interval& existing) { return start < existing.end; });
  for (; it != intervals_.end() && it->start < range.end; ++it) {
    const Interval piece = intersect(*it, range);
    if (!piece.empty()) result.intervals_.push_back(piece);
  }
  return result;
}

IntervalSet IntervalSet::minus(const IntervalSet& other) const {
  IntervalSet result;
  std::size_t j = 0;
  for (const Interval& interval : intervals_) {
    WallTime cursor = interval.start;
    while (j < other.intervals_.size() && other.intervals_[j].end <= cursor) ++j;
    std::size_t k = j;
    while (k < other.intervals_.size() && other.intervals_[k].start < interval.end) {
      if (other.intervals_[k].start > cursor) {
        result.intervals_.push_back(Interval{cursor, other.intervals_[k].start});
      }
      cursor = std::max(cursor, other.intervals_[k].end);
      if (cursor >= interval.end) break;
      ++k;
    }
    if (cursor < interval.end) result.intervals_.push_back(Interval{cursor, interval.end});
  }
  return result;
}

IntervalSet IntervalSet::united(const IntervalSet& other) const {
  std::vector<Interval> all;
  all.reserve(intervals_.size() + other.intervals_.size());
  std::merge(intervals_.begin(), intervals_.end(), other.intervals_.begin(), other.intervals_.end(),
             std::back_inserter(all),
             [](const Interval& a, const Interval& b) { return a.start < b.start; });
  return from(all);
}

Duration IntervalSet::total() const {
  Duration sum{0};
  for (const Interval& interval : intervals_) sum += interval.length();
  return sum;
}

Duration IntervalSet::overlap(const Interval& range) const {
  if (range.empty()) return Duration{0};
  Duration sum{0};
  auto it = std::upper_bound(
      intervals_.begin(), intervals_.end(), range.start,
      [](WallTime start, const Interval& existing) { return start < existing.end; });
  for (; it != intervals_.end() && it->start < range.end; ++it) {
    sum += intersect(*it, range).length();
  }
  return sum;
}

bool IntervalSet::contains(WallTime t) const {
  auto it = std::upper_bound(
      intervals_.begin(), intervals_.end(), t,
      [](WallTime instant, const Interval& existing) { return instant < existing.end; });
  return it != intervals_.end() && it->contains(t);
}

}  // namespace slamon::sla
