#include "history/chunk_codec.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

namespace slamon::history::codec {
namespace {

constexpr unsigned char kRawVersion = 1;
// Version 1 had no day totals; it is still read.
constexpr unsigned char kHourlyVersionWithoutTotals = 1;
constexpr unsigned char kHourlyVersion = 2;
constexpr std::size_t kTotalsDoublesBytes = 3 * 8;
constexpr int kFirstOffsetBits = 17;  // a day has 86,400 seconds < 2^17
constexpr int kCountBits = 17;        // an hour of one-second cycles is 3,600 points

class BitWriter {
 public:
  explicit BitWriter(std::string& out) : out_(out) {}

  // Writes the low `bits` bits of `value` (which has no higher bits set), most significant first.
  void write(std::uint64_t value, int bits) {
    if (bits == 0) return;
    if (bits > 32) {
      write(value >> 32, bits - 32);
      write(value & 0xFFFF'FFFFu, 32);
      return;
    }
    pending_ = (pending_ << bits) | value;  // fewer than 32 + 32 bits are pending
    pending_bits_ += bits;
    if (pending_bits_ >= 32) {
      // Four bytes at a time: a steady series writes mostly single bits.
      pending_bits_ -= 32;
      const auto word = static_cast<std::uint32_t>(pending_ >> pending_bits_);
      const char bytes[4] = {static_cast<char>(word >> 24), static_cast<char>(word >> 16),
                             static_cast<char>(word >> 8), static_cast<char>(word)};
      out_.append(bytes, 4);
      pending_ &= (std::uint64_t{1} << pending_bits_) - 1;
    }
  }

  void finish() {
    while (pending_bits_ >= 8) {
      pending_bits_ -= 8;
      out_.push_back(static_cast<char>((pending_ >> pending_bits_) & 0xFF));
    }
    if (pending_bits_ > 0)
      out_.push_back(static_cast<char>((pending_ << (8 - pending_bits_)) & 0xFF));
    pending_ = 0;
    pending_bits_ = 0;
  }

 private:
  std::string& out_;
  std::uint64_t pending_ = 0;
  int pending_bits_ = 0;
};

// Reads past the end yield zero bits and set overrun(), checked once per value by the callers.
class BitReader {
 public:
  explicit BitReader(std::string_view data) : data_(data) {}

  std::uint64_t read(int bits) {
    if (bits == 0) return 0;
    const std::uint64_t value = peek64() >> (64 - bits);
    position_ += static_cast<std::size_t>(bits);
    return value;
  }
  bool overrun() const { return position_ > data_.size() * 8; }

 private:
  // The 64 bits starting at position_, zero beyond the end.
  std::uint64_t peek64() const {
    const std::size_t byte = position_ >> 3;
    const int offset = static_cast<int>(position_ & 7);
    std::uint64_t word = 0;
    if (byte + 9 <= data_.size()) {
      std::memcpy(&word, data_.data() + byte, 8);
      if constexpr (std::endian::native == std::endian::little) word = std::byteswap(word);
      if (offset > 0) {
        word = (word << offset) | (static_cast<unsigned char>(data_[byte + 8]) >> (8 - offset));
      }
      return word;
    }
    for (int i = 0; i < 9; ++i) {
      const std::size_t at = byte + static_cast<std::size_t>(i);
      const std::uint64_t b = at < data_.size() ? static_cast<unsigned char>(data_[at]) : 0;
      const int shift = 56 - 8 * i + offset;
      word |= shift >= 0 ? (shift < 64 ? b << shift : 0) : b >> -shift;
    }
    return word;
  }

  std::string_view data_;
  std::size_t position_ = 0;
};

void put_varint(std::string& out, std::uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

// Reads a varint at `position`, advancing it; false when truncated or too long.
bool get_varint(std::string_view data, std::size_t& position, std::uint64_t& value) {
  value = 0;
  for (int shift = 0; shift < 64 && position < data.size(); shift += 7) {
    const auto byte = static_cast<unsigned char>(data[position++]);
    value |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

std::uint64_t zigzag(std::int64_t v) {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
std::int64_t unzigzag(std::uint64_t v) {
  return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}

// Delta-of-delta buckets (Gorilla, with widths for seconds within one day): a steady cycle
// costs one bit per point, a skipped cycle or jitter a few bits.
void put_delta_of_delta(BitWriter& w, std::int64_t dod) {
  if (dod == 0) {
    w.write(0b0, 1);
    return;
  }
  const std::uint64_t z = zigzag(dod);
  if (z < (1u << 7)) {
    w.write(0b10, 2);
    w.write(z, 7);
  } else if (z < (1u << 12)) {
    w.write(0b110, 3);
    w.write(z, 12);
  } else if (z < (1u << 20)) {
    w.write(0b1110, 4);
    w.write(z, 20);
  } else {
    w.write(0b1111, 4);
    w.write(z & 0xFFFF'FFFFu, 32);
  }
}

std::int64_t get_delta_of_delta(BitReader& r) {
  if (r.read(1) == 0) return 0;
  if (r.read(1) == 0) return unzigzag(r.read(7));
  if (r.read(1) == 0) return unzigzag(r.read(12));
  if (r.read(1) == 0) return unzigzag(r.read(20));
  return unzigzag(r.read(32));
}

// Gorilla XOR encoding of doubles: an unchanged value is one bit; otherwise the changed bits,
// reusing the previous leading/trailing-zero window when they fit in it.
class XorEncoder {
 public:
  void put(BitWriter& w, double value) {
    const auto bits = std::bit_cast<std::uint64_t>(value);
    const std::uint64_t x = bits ^ previous_;
    previous_ = bits;
    if (x == 0) {
      w.write(0b0, 1);
      return;
    }
    const int leading = std::min(std::countl_zero(x), 31);
    const int trailing = std::countr_zero(x);
    if (leading_ >= 0 && leading >= leading_ && trailing >= trailing_) {
      w.write(0b10, 2);
      w.write(x >> trailing_, 64 - leading_ - trailing_);
      return;
    }
    leading_ = leading;
    trailing_ = trailing;
    const int significant = 64 - leading - trailing;
    w.write(0b11, 2);
    w.write(static_cast<std::uint64_t>(leading), 5);
    w.write(static_cast<std::uint64_t>(significant - 1), 6);
    w.write(x >> trailing, significant);
  }

 private:
  std::uint64_t previous_ = 0;
  int leading_ = -1;
  int trailing_ = 0;
};

class XorDecoder {
 public:
  // False when the bits cannot be a value this encoder wrote (or it is not finite).
  bool get(BitReader& r, double& value) {
    if (r.read(1) != 0) {
      if (r.read(1) == 0) {
        if (leading_ < 0) return false;
      } else {
        leading_ = static_cast<int>(r.read(5));
        const int significant = static_cast<int>(r.read(6)) + 1;
        if (leading_ + significant > 64) return false;
        trailing_ = 64 - leading_ - significant;
      }
      previous_ ^= r.read(64 - leading_ - trailing_) << trailing_;
    }
    value = std::bit_cast<double>(previous_);
    return std::isfinite(value) && !r.overrun();
  }

 private:
  std::uint64_t previous_ = 0;
  int leading_ = -1;
  int trailing_ = 0;
};

std::unexpected<Error> corrupt(std::string_view what, std::string_view why) {
  return fail("corrupt history " + std::string(what) + " chunk: " + std::string(why));
}

// Doubles in the day totals: 8 bytes, little-endian.
void put_double(std::string& out, double value) {
  auto bits = std::bit_cast<std::uint64_t>(value);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((bits >> (8 * i)) & 0xFF));
}
double get_double(std::string_view data, std::size_t position) {
  std::uint64_t bits = 0;
  for (int i = 0; i < 8; ++i) {
    bits |= std::uint64_t{static_cast<unsigned char>(data[position + static_cast<std::size_t>(i)])}
            << (8 * i);
  }
  return std::bit_cast<double>(bits);
}

DayTotals totals_of(std::span<const HourAggregate> hours) {
  DayTotals totals;
  for (const HourAggregate& h : hours) {
    totals.min = totals.count == 0 ? h.min : std::min(totals.min, h.min);
    totals.max = totals.count == 0 ? h.max : std::max(totals.max, h.max);
    totals.count += h.count;
    totals.sum += h.mean * h.count;
  }
  return totals;
}

// The header of an hourly chunk: the hour count, then (version 2) the day totals; `position`
// ends past it. `totals` is left untouched for version 1.
Status read_hourly_header(std::string_view chunk, std::size_t& position, std::uint64_t& hours,
                          DayTotals& totals, bool& has_totals) {
  const auto version = chunk.empty() ? 0 : static_cast<unsigned char>(chunk[0]);
  if (version != kHourlyVersion && version != kHourlyVersionWithoutTotals) {
    return corrupt("hourly", "unknown format");
  }
  position = 1;
  if (!get_varint(chunk, position, hours) || hours == 0 || hours > 24) {
    return corrupt("hourly", "bad hour count");
  }
  has_totals = version == kHourlyVersion;
  if (!has_totals) return {};
  std::uint64_t count = 0;
  if (!get_varint(chunk, position, count) || count == 0 || count > 24 * kSecondsPerHour ||
      chunk.size() - position < kTotalsDoublesBytes) {
    return corrupt("hourly", "bad day totals");
  }
  totals.count = static_cast<long long>(count);
  totals.min = get_double(chunk, position);
  totals.max = get_double(chunk, position + 8);
  totals.sum = get_double(chunk, position + 16);
  position += kTotalsDoublesBytes;
  // The sum of huge values may overflow to infinity; it is never NaN.
  if (!std::isfinite(totals.min) || !std::isfinite(totals.max) || std::isnan(totals.sum) ||
      totals.min > totals.max) {
    return corrupt("hourly", "bad day totals");
  }
  return {};
}

}  // namespace

std::string encode_raw(std::int64_t day_start, std::span<const RawPoint> points) {
  std::string out;
  out.reserve(16 + points.size() * 4);
  out.push_back(static_cast<char>(kRawVersion));
  put_varint(out, points.size());
  BitWriter w(out);
  std::int64_t previous = 0, previous_delta = 0;
  for (std::size_t i = 0; i < points.size(); ++i) {
    const std::int64_t offset = points[i].at - day_start;
    if (i == 0) {
      w.write(static_cast<std::uint64_t>(offset), kFirstOffsetBits);
    } else {
      const std::int64_t delta = offset - previous;
      put_delta_of_delta(w, delta - previous_delta);
      previous_delta = delta;
    }
    previous = offset;
  }
  XorEncoder values;
  for (const RawPoint& point : points) values.put(w, point.value);
  w.finish();
  return out;
}

Status decode_raw(std::string_view chunk, std::int64_t day_start, std::vector<RawPoint>& out) {
  if (chunk.empty() || static_cast<unsigned char>(chunk[0]) != kRawVersion) {
    return corrupt("raw", "unknown format");
  }
  std::size_t position = 1;
  std::uint64_t count = 0;
  if (!get_varint(chunk, position, count) || count == 0 ||
      count > static_cast<std::uint64_t>(kSecondsPerDay)) {
    return corrupt("raw", "bad point count");
  }
  BitReader r(chunk.substr(position));
  const std::size_t first = out.size();
  out.resize(first + count);
  std::int64_t previous = 0, previous_delta = 0;
  for (std::size_t i = 0; i < count; ++i) {
    std::int64_t offset = 0;
    if (i == 0) {
      offset = static_cast<std::int64_t>(r.read(kFirstOffsetBits));
    } else {
      previous_delta += get_delta_of_delta(r);
      offset = previous + previous_delta;
      if (previous_delta <= 0) return corrupt("raw", "times out of order");
    }
    if (offset < 0 || offset >= kSecondsPerDay || r.overrun()) {
      return corrupt("raw", "time outside its day");
    }
    out[first + i].at = day_start + offset;
    previous = offset;
  }
  XorDecoder values;
  for (std::size_t i = 0; i < count; ++i) {
    if (!values.get(r, out[first + i].value)) return corrupt("raw", "bad value");
  }
  return {};
}

std::vector<HourAggregate> aggregate_hours(std::int64_t day_start,
                                           std::span<const RawPoint> points) {
  std::vector<HourAggregate> hours;
  double sum = 0;
  for (const RawPoint& point : points) {
    const int hour = static_cast<int>((point.at - day_start) / kSecondsPerHour);
    if (hours.empty() || hours.back().hour != hour) {
      if (!hours.empty()) hours.back().mean = sum / hours.back().count;
      hours.push_back({hour, 0, point.value, 0, point.value});
      sum = 0;
    }
    HourAggregate& h = hours.back();
    ++h.count;
    sum += point.value;
    h.min = std::min(h.min, point.value);
    h.max = std::max(h.max, point.value);
  }
  if (!hours.empty()) hours.back().mean = sum / hours.back().count;
  // Rounding may put the mean of equal values one ulp outside them.
  for (HourAggregate& h : hours) h.mean = std::clamp(h.mean, h.min, h.max);
  return hours;
}

std::string encode_hourly(std::span<const HourAggregate> hours) {
  std::string out;
  out.reserve(40 + hours.size() * 16);
  out.push_back(static_cast<char>(kHourlyVersion));
  put_varint(out, hours.size());
  const DayTotals totals = totals_of(hours);
  put_varint(out, static_cast<std::uint64_t>(totals.count));
  put_double(out, totals.min);
  put_double(out, totals.max);
  put_double(out, totals.sum);
  BitWriter w(out);
  int previous_hour = -1, previous_count = 0;
  XorEncoder mins, means, maxes;
  for (const HourAggregate& h : hours) {
    if (h.hour == previous_hour + 1) {
      w.write(0b0, 1);
    } else {
      w.write(0b1, 1);
      w.write(static_cast<std::uint64_t>(h.hour), 5);
    }
    if (h.count == previous_count) {
      w.write(0b0, 1);
    } else {
      w.write(0b1, 1);
      w.write(static_cast<std::uint64_t>(h.count), kCountBits);
    }
    previous_hour = h.hour;
    previous_count = h.count;
    mins.put(w, h.min);
    means.put(w, h.mean);
    maxes.put(w, h.max);
  }
  w.finish();
  return out;
}

Status decode_hourly(std::string_view chunk, std::vector<HourAggregate>& out) {
  std::size_t position = 0;
  std::uint64_t count = 0;
  DayTotals totals;
  bool has_totals = false;
  if (auto header = read_hourly_header(chunk, position, count, totals, has_totals); !header) {
    return header;
  }
  BitReader r(chunk.substr(position));
  int previous_hour = -1, previous_count = 0;
  XorDecoder mins, means, maxes;
  for (std::uint64_t i = 0; i < count; ++i) {
    HourAggregate h;
    h.hour = r.read(1) == 0 ? previous_hour + 1 : static_cast<int>(r.read(5));
    h.count = r.read(1) == 0 ? previous_count : static_cast<int>(r.read(kCountBits));
    if (h.hour <= previous_hour || h.hour >= 24 || h.count <= 0 || r.overrun()) {
      return corrupt("hourly", "bad hour");
    }
    if (!mins.get(r, h.min) || !means.get(r, h.mean) || !maxes.get(r, h.max)) {
      return corrupt("hourly", "bad value");
    }
    previous_hour = h.hour;
    previous_count = h.count;
    out.push_back(h);
  }
  return {};
}

Status decode_hourly_totals(std::string_view chunk, DayTotals& out) {
  std::size_t position = 0;
  std::uint64_t count = 0;
  bool has_totals = false;
  DayTotals totals;
  if (auto header = read_hourly_header(chunk, position, count, totals, has_totals); !header) {
    return header;
  }
  if (!has_totals) {
    std::vector<HourAggregate> hours;
    if (auto decoded = decode_hourly(chunk, hours); !decoded) return decoded;
    totals = totals_of(hours);
  }
  out = totals;
  return {};
}

}  // namespace slamon::history::codec
