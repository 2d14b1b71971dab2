#include "common/uuid.h"

#include <gtest/gtest.h>

#include <set>

namespace slamon {
namespace {

TEST(UuidTest, V4IsWellFormedAndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = uuid_v4();
    ASSERT_TRUE(is_uuid(id)) << id;
    EXPECT_EQ(id[14], '4');
    EXPECT_TRUE(id[19] == '8' || id[19] == '9' || id[19] == 'a' || id[19] == 'b');
    EXPECT_TRUE(seen.insert(id).second);
  }
}

TEST(UuidTest, V5MatchesRfc4122Example) {
  // The DNS namespace example from RFC 4122 errata / Python's uuid.uuid5(NAMESPACE_DNS,
  // "python.org").
  EXPECT_EQ(uuid_v5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "python.org"),
            "886313e1-3b8a-5372-9b90-0c9aee199e5d");
}

TEST(UuidTest, V5IsStable) {
  EXPECT_EQ(uuid_v5(kPolicyIdNamespace, "org/Core"), uuid_v5(kPolicyIdNamespace, "org/Core"));
  EXPECT_NE(uuid_v5(kPolicyIdNamespace, "org/Core"), uuid_v5(kPolicyIdNamespace, "org/Edge"));
}

TEST(UuidTest, Validation) {
  EXPECT_TRUE(is_uuid("3f7c1a52-0d4e-4b8e-9c11-2f3a4b5c6d7e"));
  EXPECT_TRUE(is_uuid("3F7C1A52-0D4E-4B8E-9C11-2F3A4B5C6D7E"));
  EXPECT_FALSE(is_uuid("3f7c1a52-0d4e-4b8e-9c11-2f3a4b5c6d7"));
  EXPECT_FALSE(is_uuid("3f7c1a52x0d4e-4b8e-9c11-2f3a4b5c6d7e"));
  EXPECT_FALSE(is_uuid("gf7c1a52-0d4e-4b8e-9c11-2f3a4b5c6d7e"));
  EXPECT_FALSE(is_uuid(""));
}

}  // namespace
}  // namespace slamon
