#include "common/console_table.h"

#include <gtest/gtest.h>

namespace slamon {
namespace {

TEST(ConsoleTableTest, ColumnsAreAsWideAsTheirWidestCellWithNothingAfterTheLast) {
  EXPECT_EQ(render_console_table({"NAME", "N", "NOTE"}, {{"alpha", "1", "x"}, {"b", "1000", ""}}),
            "NAME   N     NOTE\n"
            "alpha  1     x\n"
            "b      1000  \n");
}

TEST(ConsoleTableTest, AHeaderAloneIsOneLine) {
  EXPECT_EQ(render_console_table({"A", "B"}, {}), "A  B\n");
}

}  // namespace
}  // namespace slamon
