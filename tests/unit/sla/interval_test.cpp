#include "sla/interval.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace slamon::sla {
namespace {

using std::chrono::minutes;

// Instants as minutes after an arbitrary origin keep the tables readable.
WallTime at(int minute) {
  return WallTime{} + minutes{minute};
}
Interval iv(int from, int to) {
  return Interval{at(from), at(to)};
}
IntervalSet set_of(std::vector<Interval> intervals) {
  return IntervalSet::from(intervals);
}

TEST(IntervalTest, LengthEmptyContains) {
  EXPECT_EQ(iv(10, 70).length(), minutes{60});
  EXPECT_TRUE(iv(10, 10).empty());
  EXPECT_TRUE(iv(10, 5).empty());
  EXPECT_EQ(iv(10, 5).length(), Duration{0});
  EXPECT_TRUE(iv(10, 20).contains(at(10)));
  EXPECT_FALSE(iv(10, 20).contains(at(20)));
  EXPECT_FALSE(iv(10, 20).contains(at(9)));
}

TEST(IntervalTest, Intersect) {
  EXPECT_EQ(intersect(iv(0, 10), iv(5, 20)), iv(5, 10));
  EXPECT_TRUE(intersect(iv(0, 10), iv(10, 20)).empty());
  EXPECT_TRUE(intersect(iv(0, 10), iv(15, 20)).empty());
  EXPECT_EQ(intersect(iv(0, 100), iv(20, 30)), iv(20, 30));
}

TEST(IntervalSetTest, FromSortsMergesAndDropsEmpty) {
  struct Case {
    std::vector<Interval> input;
    std::vector<Interval> expected;
  };
  const std::vector<Case> cases = {
      {{}, {}},
      {{iv(5, 5)}, {}},
      {{iv(20, 30), iv(0, 10)}, {iv(0, 10), iv(20, 30)}},
      {{iv(0, 10), iv(10, 20)}, {iv(0, 20)}},  // adjacent merge
      {{iv(0, 10), iv(5, 8)}, {iv(0, 10)}},
      {{iv(30, 40), iv(0, 10), iv(5, 35)}, {iv(0, 40)}},
      {{iv(0, 10), iv(12, 13), iv(20, 10)}, {iv(0, 10), iv(12, 13)}},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(IntervalSet::from(c.input).intervals(), c.expected);
  }
}

TEST(IntervalSetTest, AddMerges) {
  IntervalSet set;
  set.add(iv(10, 20));
  set.add(iv(40, 50));
  set.add(iv(0, 5));
  EXPECT_EQ(set.intervals(), (std::vector<Interval>{iv(0, 5), iv(10, 20), iv(40, 50)}));
  set.add(iv(20, 25));  // adjacent
  EXPECT_EQ(set.intervals(), (std::vector<Interval>{iv(0, 5), iv(10, 25), iv(40, 50)}));
  set.add(iv(3, 45));  // spans several
  EXPECT_EQ(set.intervals(), (std::vector<Interval>{iv(0, 50)}));
  set.add(iv(7, 7));  // empty: no-op
  EXPECT_EQ(set.intervals(), (std::vector<Interval>{iv(0, 50)}));
}

TEST(IntervalSetTest, SetOperations) {
  const IntervalSet a = set_of({iv(0, 10), iv(20, 30), iv(40, 50)});
  const IntervalSet b = set_of({iv(5, 25), iv(45, 60)});
  EXPECT_EQ(a.intersected(b).intervals(),
            (std::vector<Interval>{iv(5, 10), iv(20, 25), iv(45, 50)}));
  EXPECT_EQ(a.intersected(iv(8, 42)).intervals(),
            (std::vector<Interval>{iv(8, 10), iv(20, 30), iv(40, 42)}));
  EXPECT_EQ(a.minus(b).intervals(), (std::vector<Interval>{iv(0, 5), iv(25, 30), iv(40, 45)}));
  EXPECT_EQ(b.minus(a).intervals(), (std::vector<Interval>{iv(10, 20), iv(50, 60)}));
  EXPECT_EQ(a.united(b).intervals(), (std::vector<Interval>{iv(0, 30), iv(40, 60)}));
  EXPECT_EQ(a.total(), minutes{30});
  EXPECT_EQ(a.overlap(iv(5, 45)), minutes{5 + 10 + 5});
  EXPECT_EQ(a.overlap(iv(10, 20)), Duration{0});
  EXPECT_TRUE(a.contains(at(0)));
  EXPECT_FALSE(a.contains(at(10)));
  EXPECT_TRUE(a.contains(at(49)));
  EXPECT_FALSE(a.contains(at(-1)));
  EXPECT_TRUE(a.minus(a).empty());
  EXPECT_TRUE(IntervalSet().minus(a).empty());
  EXPECT_EQ(a.minus(IntervalSet()), a);
  EXPECT_TRUE(a.intersected(iv(30, 40)).empty());
  EXPECT_EQ(IntervalSet(iv(3, 1)).intervals().size(), 0u);
}

// Every operation agrees with a per-minute bitmap on random sets.
TEST(IntervalSetTest, MatchesBitmapModel) {
  constexpr int kDomain = 200;
  std::mt19937 random(12345);
  auto random_intervals = [&] {
    std::vector<Interval> out;
    const int count = static_cast<int>(random() % 8);
    for (int i = 0; i < count; ++i) {
      const int from = static_cast<int>(random() % kDomain);
      const int length = static_cast<int>(random() % 40);
      out.push_back(iv(from, std::min(kDomain, from + length)));
    }
    return out;
  };
  auto bitmap = [](const std::vector<Interval>& intervals) {
    std::vector<bool> bits(kDomain, false);
    for (const Interval& i : intervals) {
      for (int m = 0; m < kDomain; ++m) {
        if (i.contains(at(m))) bits[static_cast<std::size_t>(m)] = true;
      }
    }
    return bits;
  };
  auto check_normalized = [](const IntervalSet& set) {
    const auto& list = set.intervals();
    for (std::size_t i = 0; i < list.size(); ++i) {
      EXPECT_FALSE(list[i].empty());
      if (i > 0) {
        EXPECT_LT(list[i - 1].end, list[i].start);
      }
    }
  };
  for (int round = 0; round < 500; ++round) {
    const auto a_list = random_intervals();
    const auto b_list = random_intervals();
    IntervalSet a_built;
    for (const Interval& i : a_list) a_built.add(i);
    const IntervalSet& a = a_built;
    const IntervalSet b = IntervalSet::from(b_list);
    EXPECT_EQ(a, IntervalSet::from(a_list));
    const auto a_bits = bitmap(a_list);
    const auto b_bits = bitmap(b_list);
    const IntervalSet both = a.intersected(b);
    const IntervalSet difference = a.minus(b);
    const IntervalSet either = a.united(b);
    for (const IntervalSet* s : {&a, &b, &both, &difference, &either}) {
      check_normalized(*s);
    }
    long a_count = 0;
    for (int m = 0; m < kDomain; ++m) {
      const auto index = static_cast<std::size_t>(m);
      a_count += a_bits[index] ? 1 : 0;
      ASSERT_EQ(a.contains(at(m)), a_bits[index]) << "round " << round << " minute " << m;
      ASSERT_EQ(both.contains(at(m)), a_bits[index] && b_bits[index]);
      ASSERT_EQ(difference.contains(at(m)), a_bits[index] && !b_bits[index]);
      ASSERT_EQ(either.contains(at(m)), a_bits[index] || b_bits[index]);
    }
    EXPECT_EQ(a.total(), minutes{a_count});
    const Interval window =
        iv(static_cast<int>(random() % kDomain), static_cast<int>(random() % kDomain));
    EXPECT_EQ(a.overlap(window), a.intersected(window).total());
    EXPECT_EQ(a.intersected(window), a.intersected(IntervalSet(window)));
  }
}

}  // namespace
}  // namespace slamon::sla
