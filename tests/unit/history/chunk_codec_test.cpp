// The history's chunk encodings: exact round trips of awkward doubles and irregular times, the
// size of typical days, the day totals of hourly chunks (and chunks of the older format without
// them), and damaged chunks (every truncation, random bytes) read as errors.
#include "history/chunk_codec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <random>

namespace slamon::history::codec {
namespace {

constexpr std::int64_t kDayStart = 20'718 * kSecondsPerDay;

std::vector<RawPoint> steady_day(double (*value)(int)) {
  std::vector<RawPoint> points;
  for (int i = 0; i < 288; ++i) points.push_back({kDayStart + i * 300, value(i)});
  return points;
}

void expect_same(const std::vector<RawPoint>& a, const std::vector<RawPoint>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].at, b[i].at) << i;
    EXPECT_EQ(std::bit_cast<std::uint64_t>(a[i].value), std::bit_cast<std::uint64_t>(b[i].value))
        << i;
  }
}

TEST(ChunkCodec, RawRoundTripIsExact) {
  const std::vector<RawPoint> points = {
      {kDayStart, 0.1 + 0.2},
      {kDayStart + 1, 99.95},
      {kDayStart + 301, 99.95},
      {kDayStart + 3'600, -0.0},
      {kDayStart + 3'605, std::numeric_limits<double>::denorm_min()},
      {kDayStart + 40'000, std::numeric_limits<double>::max()},
      {kDayStart + 40'001, -std::numeric_limits<double>::max()},
      {kDayStart + 86'399, 1e-300},
  };
  std::vector<RawPoint> decoded;
  ASSERT_TRUE(decode_raw(encode_raw(kDayStart, points), kDayStart, decoded));
  expect_same(points, decoded);
}

TEST(ChunkCodec, RandomDaysRoundTrip) {
  std::mt19937_64 random(7);
  for (int round = 0; round < 200; ++round) {
    std::vector<RawPoint> points;
    std::int64_t at = kDayStart + static_cast<std::int64_t>(random() % 600);
    while (at < kDayStart + kSecondsPerDay) {
      const double value = round % 3 == 0 ? std::bit_cast<double>(random() >> 2)
                           : round % 3 == 1
                               ? static_cast<double>(random() % 5)
                               : 50 + std::ldexp(static_cast<double>(random() % 100000), -10);
      points.push_back({at, value});
      at += 1 + static_cast<std::int64_t>(random() % (round % 2 ? 7'000 : 400));
    }
    std::vector<RawPoint> decoded;
    ASSERT_TRUE(decode_raw(encode_raw(kDayStart, points), kDayStart, decoded)) << round;
    expect_same(points, decoded);
  }
}

TEST(ChunkCodec, SteadyDaysAreSmall) {
  // Constant values: a bit per time and a bit per value.
  EXPECT_LT(encode_raw(kDayStart, steady_day([](int) { return 100.0; })).size(), 90u);
  // Full-precision noise (a mean of probes) stays within about 8 bytes a point.
  auto noisy = steady_day([](int i) { return 20.0 + std::sin(i * 0.7) * 3.3333333; });
  EXPECT_LT(encode_raw(kDayStart, noisy).size(), 288u * 8 + 100);
}

TEST(ChunkCodec, HourlyAggregatesAndRoundTrip) {
  std::vector<RawPoint> points;
  for (int hour : {0, 1, 5, 23}) {
    for (int i = 0; i < 12; ++i) {
      points.push_back({kDayStart + hour * kSecondsPerHour + i * 300, hour * 10.0 + i});
    }
  }
  points.push_back({kDayStart + 6 * kSecondsPerHour, 0.1});  // an hour of one point
  std::sort(points.begin(), points.end(), [](auto& a, auto& b) { return a.at < b.at; });
  const auto hours = aggregate_hours(kDayStart, points);
  ASSERT_EQ(hours.size(), 5u);
  EXPECT_EQ(hours[2].hour, 5);
  EXPECT_EQ(hours[2].count, 12);
  EXPECT_EQ(hours[2].min, 50.0);
  EXPECT_EQ(hours[2].max, 61.0);
  EXPECT_DOUBLE_EQ(hours[2].mean, 55.5);
  EXPECT_EQ(hours[3].hour, 6);
  EXPECT_EQ(hours[3].count, 1);
  EXPECT_EQ(hours[3].mean, 0.1);

  std::vector<HourAggregate> decoded;
  ASSERT_TRUE(decode_hourly(encode_hourly(hours), decoded));
  ASSERT_EQ(decoded.size(), hours.size());
  for (std::size_t i = 0; i < hours.size(); ++i) {
    EXPECT_EQ(decoded[i].hour, hours[i].hour);
    EXPECT_EQ(decoded[i].count, hours[i].count);
    EXPECT_EQ(decoded[i].min, hours[i].min);
    EXPECT_EQ(decoded[i].mean, hours[i].mean);
    EXPECT_EQ(decoded[i].max, hours[i].max);
  }
}

TEST(ChunkCodec, HourlyChunkCarriesTheDayTotals) {
  auto day = steady_day([](int i) { return 20.0 + std::sin(i * 0.7) * 3.3333333; });
  day.erase(day.begin(), day.begin() + 30);  // a day that starts late
  const auto hours = aggregate_hours(kDayStart, day);
  const std::string chunk = encode_hourly(hours);
  DayTotals totals;
  ASSERT_TRUE(decode_hourly_totals(chunk, totals));
  EXPECT_EQ(totals.count, static_cast<long long>(day.size()));
  double min = day[0].value, max = day[0].value, sum = 0;
  for (const RawPoint& p : day) {
    min = std::min(min, p.value);
    max = std::max(max, p.value);
  }
  for (const HourAggregate& h : hours) sum += h.mean * h.count;
  EXPECT_EQ(totals.min, min);
  EXPECT_EQ(totals.max, max);
  EXPECT_EQ(totals.sum, sum);  // the same sum a reader of the hours computes

  // A version-1 chunk (no totals: the version byte, the hour count, the bit stream) still
  // reads, its totals computed from the hours.
  std::string v1 = chunk.substr(0, 2);
  v1[0] = 1;
  std::size_t totals_end = 2;
  while (static_cast<unsigned char>(chunk[totals_end]) & 0x80) ++totals_end;
  v1 += chunk.substr(totals_end + 1 + 24);
  std::vector<HourAggregate> decoded;
  ASSERT_TRUE(decode_hourly(v1, decoded));
  ASSERT_EQ(decoded.size(), hours.size());
  EXPECT_EQ(decoded.back().mean, hours.back().mean);
  DayTotals from_v1;
  ASSERT_TRUE(decode_hourly_totals(v1, from_v1));
  EXPECT_EQ(from_v1.count, totals.count);
  EXPECT_EQ(from_v1.min, totals.min);
  EXPECT_EQ(from_v1.max, totals.max);
  EXPECT_EQ(from_v1.sum, totals.sum);

  // Damaged totals are an error.
  for (std::size_t size = 0; size < totals_end + 1 + 24; ++size) {
    EXPECT_FALSE(decode_hourly_totals(std::string_view(chunk).substr(0, size), totals)) << size;
  }
  std::string swapped = chunk;  // min and max exchanged: min > max
  std::swap_ranges(swapped.begin() + static_cast<std::ptrdiff_t>(totals_end + 1),
                   swapped.begin() + static_cast<std::ptrdiff_t>(totals_end + 9),
                   swapped.begin() + static_cast<std::ptrdiff_t>(totals_end + 9));
  EXPECT_FALSE(decode_hourly_totals(swapped, totals));
}

TEST(ChunkCodec, EveryTruncationIsAnError) {
  auto noisy = steady_day([](int i) { return 20.0 + std::sin(i * 0.7) * 3.3333333; });
  const std::string raw = encode_raw(kDayStart, noisy);
  for (std::size_t size = 0; size + 1 < raw.size(); ++size) {
    std::vector<RawPoint> decoded;
    EXPECT_FALSE(decode_raw(std::string_view(raw).substr(0, size), kDayStart, decoded)) << size;
  }
  const std::string hourly = encode_hourly(aggregate_hours(kDayStart, noisy));
  for (std::size_t size = 0; size + 1 < hourly.size(); ++size) {
    std::vector<HourAggregate> decoded;
    EXPECT_FALSE(decode_hourly(std::string_view(hourly).substr(0, size), decoded)) << size;
  }
}

TEST(ChunkCodec, RandomBytesNeverCrash) {
  std::mt19937_64 random(11);
  for (int round = 0; round < 2'000; ++round) {
    std::string bytes(1 + random() % 300, '\0');
    for (char& c : bytes) c = static_cast<char>(random());
    bytes[0] = static_cast<char>(round % 3 == 0 ? 1 : round % 3 == 1 ? 2 : random());
    std::vector<RawPoint> raw;
    if (decode_raw(bytes, kDayStart, raw)) {
      for (std::size_t i = 0; i < raw.size(); ++i) {
        ASSERT_GE(raw[i].at, kDayStart);
        ASSERT_LT(raw[i].at, kDayStart + kSecondsPerDay);
        ASSERT_TRUE(std::isfinite(raw[i].value));
        if (i > 0) {
          ASSERT_GT(raw[i].at, raw[i - 1].at);
        }
      }
    }
    std::vector<HourAggregate> hours;
    (void)decode_hourly(bytes, hours);
    DayTotals totals;
    if (decode_hourly_totals(bytes, totals)) {
      ASSERT_LE(totals.min, totals.max);
      ASSERT_GT(totals.count, 0);
    }
  }
}

}  // namespace
}  // namespace slamon::history::codec
