// Chunk codec: the on-disk encodings of the history (SPEC §7.1). A raw chunk holds one series'
// points of one UTC day: delta-of-delta timestamps (one bit per point at a steady cycle) and
// Gorilla XOR-encoded doubles (exact; one bit for an unchanged value), in one bit stream. An
// hourly chunk holds the same day's hourly aggregates (hour, count, min, mean, max). Decoding
// validates everything it reads, so a damaged blob is an Error, never a crash or a wrong answer
// outside the day. An hourly chunk starts with the day's totals, so a reader over whole days
// (History::summaries) need not decode the hours. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace slamon::history::codec {

inline constexpr std::int64_t kSecondsPerDay = 86'400;
inline constexpr std::int64_t kSecondsPerHour = 3'600;

// A raw point: unix seconds and a finite value.
struct RawPoint {
  std::int64_t at = 0;
  double value = 0;
};

struct HourAggregate {
  int hour = 0;  // 0..23 within the day
  int count = 0;
  double min = 0, mean = 0, max = 0;
};

// `points` must be strictly increasing and lie in [day_start, day_start + 1 day).
std::string encode_raw(std::int64_t day_start, std::span<const RawPoint> points);
// Appends the chunk's points to `out`; on error `out` may hold part of them.
Status decode_raw(std::string_view chunk, std::int64_t day_start, std::vector<RawPoint>& out);

// The hourly aggregates of one day's points (same precondition as encode_raw).
std::vector<HourAggregate> aggregate_hours(std::int64_t day_start,
                                           std::span<const RawPoint> points);
std::string encode_hourly(std::span<const HourAggregate> hours);
Status decode_hourly(std::string_view chunk, std::vector<HourAggregate>& out);

// The totals of a day's hourly aggregates: sum = Σ mean × count, in hour order.
struct DayTotals {
  long long count = 0;
  double min = 0, max = 0, sum = 0;
};
// Reads the totals at the front of an hourly chunk.
Status decode_hourly_totals(std::string_view chunk, DayTotals& out);

}  // namespace slamon::history::codec
