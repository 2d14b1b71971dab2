// The plain TLS / basic-auth logic of http::WebConfig: bcrypt hash shapes, the Basic scheme and
// the verifier of basic_auth_users.
#include "http/web_config.h"

#include <gtest/gtest.h>

#include <string>

#include "http/basic_auth.h"
#include "test_pki.h"

namespace slamon::http {
namespace {

TEST(BcryptHashTest, RecognisesTheVariantsSlamonCanVerify) {
  const std::string tail = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.";
  EXPECT_TRUE(is_bcrypt_hash("$2y$10$" + tail));
  EXPECT_TRUE(is_bcrypt_hash("$2b$04$" + tail));
  EXPECT_TRUE(is_bcrypt_hash("$2a$31$" + tail));
  EXPECT_FALSE(is_bcrypt_hash("$2x$10$" + tail));
  EXPECT_FALSE(is_bcrypt_hash("$2y$03$" + tail));
  EXPECT_FALSE(is_bcrypt_hash("$2y$32$" + tail));
  EXPECT_FALSE(is_bcrypt_hash("$2y$10$" + tail.substr(1)));
  EXPECT_FALSE(is_bcrypt_hash("$2y$10$" + tail.substr(1) + "!"));
  EXPECT_FALSE(is_bcrypt_hash("$6$salt$hash"));
  EXPECT_FALSE(is_bcrypt_hash(""));
}

TEST(BasicAuthorizationTest, ParsesTheBasicScheme) {
  auto parsed = parse_basic_authorization("Basic YWxpY2U6czNjcjN0");  // alice:s3cr3t
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->user, "alice");
  EXPECT_EQ(parsed->password, "s3cr3t");
  parsed = parse_basic_authorization("  basic   Ym9iOmE6Yg==  ");  // bob:a:b
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->user, "bob");
  EXPECT_EQ(parsed->password, "a:b");
  parsed = parse_basic_authorization("Basic Ym9iOg==");  // "bob:" (empty password)
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->password, "");
  EXPECT_FALSE(parse_basic_authorization("Bearer YWxpY2U6czNjcjN0"));
  EXPECT_FALSE(parse_basic_authorization("Basic"));
  EXPECT_FALSE(parse_basic_authorization("Basic YWxpY2U"));   // no padding
  EXPECT_FALSE(parse_basic_authorization("Basic YWxp=2U6"));  // padding inside
  EXPECT_FALSE(parse_basic_authorization("Basic Ym9i"));      // "bob": no colon
  EXPECT_FALSE(parse_basic_authorization("Basic YWxpY2U6czNjcjN0!"));
}

TEST(BasicAuthenticatorTest, VerifiesAgainstBcryptHashesRepeatedly) {
  BasicAuthenticator users({{"alice", slamon::testing::bcrypt_hash("s3cr3t")}});
  EXPECT_EQ(users.users(), 1u);
  for (int i = 0; i < 2; ++i) {  // the second round is answered from the cache
    EXPECT_TRUE(users.verify("alice", "s3cr3t"));
    EXPECT_TRUE(users.check("Basic YWxpY2U6czNjcjN0"));
    EXPECT_FALSE(users.verify("alice", "s3cr3T"));
    EXPECT_FALSE(users.verify("alice", std::string("s3cr3t\0x", 8)));
    EXPECT_FALSE(users.verify("mallory", "s3cr3t"));
    EXPECT_FALSE(users.check("Basic bWFsbG9yeTpzM2NyM3Q="));  // mallory:s3cr3t
  }
  EXPECT_TRUE(bcrypt_matches("x", slamon::testing::bcrypt_hash("x")));
  EXPECT_FALSE(bcrypt_matches("x", "$2b$04$not-a-real-hash"));
}

}  // namespace
}  // namespace slamon::http
