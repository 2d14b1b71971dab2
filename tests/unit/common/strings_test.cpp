#include "common/strings.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/html.h"

namespace slamon {
namespace {

using ::testing::ElementsAre;

TEST(StringsTest, TrimTakesWhiteSpaceOrTheCharactersGiven) {
  EXPECT_EQ(trim(" \t a b \r\n"), "a b");
  EXPECT_EQ(trim("   "), "");
  EXPECT_EQ(trim(""), "");
  EXPECT_EQ(trim("\ta b ", " "), "\ta b");
  EXPECT_EQ(trim("xxaxx", "x"), "a");
}

TEST(StringsTest, SplitKeepsEmptyPartsSplitWordsDoesNot) {
  EXPECT_THAT(split("a,,b", ','), ElementsAre("a", "", "b"));
  EXPECT_THAT(split("", ','), ElementsAre(""));
  EXPECT_THAT(split(",", ','), ElementsAre("", ""));
  EXPECT_THAT(split_words(" a \t b\n"), ElementsAre("a", "b"));
  EXPECT_THAT(split_words("a\tb  c", " "), ElementsAre("a\tb", "c"));
  EXPECT_TRUE(split_words("  ").empty());
  EXPECT_TRUE(split_words("").empty());
}

TEST(StringsTest, CaseIsAsciiOnly) {
  EXPECT_EQ(to_lower_ascii("MiXeD 1-Z"), "mixed 1-z");
  EXPECT_EQ(to_upper_ascii("MiXeD 1-z"), "MIXED 1-Z");
  EXPECT_EQ(to_lower_ascii("\xC3\x84"), "\xC3\x84");  // Ä: bytes untouched
  EXPECT_TRUE(iequals_ascii("Basic", "bASIC"));
  EXPECT_FALSE(iequals_ascii("Basic", "Basi"));
  EXPECT_FALSE(iequals_ascii("Basic", "Basik"));
}

TEST(HtmlTest, EscapesTheFiveCharactersOrOnlyThreeWithoutQuotes) {
  EXPECT_EQ(html_escape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
  std::string out = "keep:";
  append_html_escaped(out, "<\"'&>", EscapeQuotes::no);
  EXPECT_EQ(out, "keep:&lt;\"'&amp;&gt;");
}

}  // namespace
}  // namespace slamon
