// `status_pages:` of slamon.yml (SPEC §14): accepted pages with their defaults, and every
// refusal with its exact FILE:LINE:COL.
#include <gtest/gtest.h>

#include <algorithm>

#include "config_fixture.h"

namespace slamon {
namespace {

using testing::ConfigFixture;

// The standard configuration with "status_pages:..." appended (load_main_with).
class StatusPagesConfig : public ConfigFixture {};

TEST_F(StatusPagesConfig, AcceptsTheSpecExampleAndDefaults) {
  const LoadResult result = load_main_with(R"(status_pages:
  - slug: northwind
    org: $ORG_A
    title: Northwind network status
    public: true
    policies: {labels: {tier: gold}}
  - slug: internal-2
    org: $ORG_B
    title: "Contoso <internal>"
)");
  ASSERT_TRUE(result.ok()) << testing::dump(result.diagnostics);
  const auto& pages = result.config->status_pages;
  ASSERT_EQ(pages.size(), 2u);
  EXPECT_EQ(pages[0].slug, "northwind");
  EXPECT_EQ(pages[0].org, testing::kOrgA);
  EXPECT_EQ(pages[0].title, "Northwind network status");
  EXPECT_TRUE(pages[0].public_page);
  EXPECT_EQ(pages[0].policy_labels, (std::map<std::string, std::string>{{"tier", "gold"}}));
  EXPECT_EQ(pages[1].slug, "internal-2");
  EXPECT_EQ(pages[1].title, "Contoso <internal>");
  EXPECT_FALSE(pages[1].public_page);  // private unless `public: true`
  EXPECT_TRUE(pages[1].policy_labels.empty());
}

TEST_F(StatusPagesConfig, OrgIsCanonicalizedAndAnEmptySelectionMeansAll) {
  std::string upper(testing::kOrgA);
  std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
  const LoadResult result = load_main_with("status_pages:\n  - {slug: a, org: " + upper +
                                           ", title: T, public: false, policies: {}}\n");
  ASSERT_TRUE(result.ok()) << testing::dump(result.diagnostics);
  EXPECT_EQ(result.config->status_pages.at(0).org, testing::kOrgA);
  EXPECT_TRUE(result.config->status_pages.at(0).policy_labels.empty());
}

TEST_F(StatusPagesConfig, NoSectionMeansNoPages) {
  const LoadResult result = load_main_with("");
  ASSERT_TRUE(result.ok()) << testing::dump(result.diagnostics);
  EXPECT_TRUE(result.config->status_pages.empty());
}

using PageCase = testing::AppendedSectionCase;  // section: starts with "status_pages:"

class StatusPageRule : public StatusPagesConfig, public ::testing::WithParamInterface<PageCase> {};

TEST_P(StatusPageRule, ReportsExactPositionAndMessage) {
  EXPECT_TRUE(rejects(GetParam()));
}

INSTANTIATE_TEST_SUITE_P(
    Refusals, StatusPageRule,
    ::testing::Values(
        PageCase{"not_a_list", "status_pages: {slug: a}\n", 1, "{slug",
                 "expected a list, got a map"},
        PageCase{"empty_item", "status_pages:\n  -\n  - {slug: a, org: $ORG_A, title: T}\n", 2, "-",
                 "expected a status page (a map), got nothing"},
        PageCase{"unknown_key",
                 "status_pages:\n  - {slug: a, org: $ORG_A, title: T, theme: dark}\n", 2, "theme",
                 "unknown key `theme`; allowed keys: slug, org, title, public, policies"},
        PageCase{"slug_missing", "status_pages:\n  - {org: $ORG_A, title: T}\n", 2, "{org",
                 "missing required key `slug`"},
        PageCase{"slug_upper_case", "status_pages:\n  - {slug: North, org: $ORG_A, title: T}\n", 2,
                 "North", "must be 1 to 64 characters from a-z, 0-9 and -"},
        PageCase{"slug_underscore", "status_pages:\n  - {slug: a_b, org: $ORG_A, title: T}\n", 2,
                 "a_b", "got \"a_b\""},
        PageCase{"slug_slash", "status_pages:\n  - {slug: \"a/b\", org: $ORG_A, title: T}\n", 2,
                 "\"a/b\"", "must be 1 to 64 characters"},
        PageCase{"slug_too_long",
                 "status_pages:\n  - {slug: " + std::string(65, 'a') + ", org: $ORG_A, title: T}\n",
                 2, std::string(65, 'a'), "must be 1 to 64 characters"},
        PageCase{"slug_duplicate",
                 "status_pages:\n  - {slug: a, org: $ORG_A, title: T}\n  - {slug: a, org: $ORG_B, "
                 "title: U}\n",
                 3, "a,", "duplicate status page slug `a` (already used on line "},
        PageCase{"org_missing", "status_pages:\n  - {slug: a, title: T}\n", 2, "{slug",
                 "missing required key `org`"},
        PageCase{"org_not_uuid", "status_pages:\n  - {slug: a, org: northwind, title: T}\n", 2,
                 "northwind", "must be the UUID of an organization"},
        PageCase{"org_unknown",
                 "status_pages:\n  - {slug: a, org: 00000000-0000-4000-8000-000000000000, title: "
                 "T}\n",
                 2, "00000000", "unknown organization"},
        PageCase{"title_missing", "status_pages:\n  - {slug: a, org: $ORG_A}\n", 2, "{slug",
                 "missing required key `title`"},
        PageCase{"title_empty", "status_pages:\n  - {slug: a, org: $ORG_A, title: \"\"}\n", 2,
                 "\"\"", "must not be empty"},
        PageCase{
            "title_too_long",
            "status_pages:\n  - {slug: a, org: $ORG_A, title: " + std::string(201, 't') + "}\n", 2,
            std::string(201, 't'), "must be at most 200 characters, got 201"},
        PageCase{"public_not_bool",
                 "status_pages:\n  - {slug: a, org: $ORG_A, title: T, public: yes}\n", 2, "yes",
                 "expected true or false"},
        PageCase{"policies_unknown_key",
                 "status_pages:\n  - {slug: a, org: $ORG_A, title: T, policies: {ids: [x]}}\n", 2,
                 "ids", "unknown key `ids`; allowed keys: labels"},
        PageCase{"policies_not_a_map",
                 "status_pages:\n  - {slug: a, org: $ORG_A, title: T, policies: [x]}\n", 2, "[x]",
                 "expected a map, got a list"},
        PageCase{"label_name_invalid",
                 "status_pages:\n  - {slug: a, org: $ORG_A, title: T, policies: {labels: "
                 "{9tier: gold}}}\n",
                 2, "9tier", "invalid label name `9tier`"},
        PageCase{"label_value_empty",
                 "status_pages:\n  - {slug: a, org: $ORG_A, title: T, policies: {labels: {tier: "
                 "\"\"}}}\n",
                 2, "\"\"}", "must not be empty"}),
    testing::kCaseName);

}  // namespace
}  // namespace slamon
