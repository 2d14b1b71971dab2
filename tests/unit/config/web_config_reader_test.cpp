// The reader of --web.config.file: every key, the defaults, and every problem with its
// position (certificates made with the openssl command line at run time).
#include "config/web_config_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "http/tls_credentials.h"
#include "support/temp_dir.h"
#include "test_pki.h"

namespace slamon {
namespace {

using http::ClientAuthType;
using http::TlsServerConfig;
using http::TlsVersion;

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

// A tls_server_config with the test certificate and its key (lines 1-3), for cases that add
// keys to it from line 4.
const std::string kServerTls =
    "tls_server_config:\n  cert_file: ../server.pem\n  key_file: ../server.key\n";

class WebConfigTest : public ::testing::Test {
 protected:
  // One CA and its certificates for the whole suite: openssl takes a moment per key.
  static void SetUpTestSuite() {
    pki_dir_ = new slamon::testing::TempDir();
    pki_ = new slamon::testing::TestPki(pki_dir_->path(), "ca");
    server_ = new slamon::testing::IssuedCertificate(pki_->issue_server("server"));
    other_ = new slamon::testing::IssuedCertificate(pki_->issue_server("other"));
    hash_ = new std::string(slamon::testing::bcrypt_hash("secret"));
  }
  static void TearDownTestSuite() {
    delete hash_;
    delete other_;
    delete server_;
    delete pki_;
    delete pki_dir_;
  }

  void SetUp() override {
    // Copies beside the web config, so relative paths can be tested.
    std::filesystem::copy_file(server_->certificate, dir_.path() / "server.pem");
    std::filesystem::copy_file(server_->key, dir_.path() / "server.key");
    std::filesystem::copy_file(other_->key, dir_.path() / "other.key");
    std::filesystem::copy_file(pki_->ca_certificate(), dir_.path() / "ca.pem");
    std::filesystem::create_directories(dir_.path() / "conf");
  }

  std::string write(const std::string& content) { return dir_.write("conf/web.yml", content); }

  // The error message of loading `content`; fails the test when it loads.
  std::string error_of(const std::string& content) {
    auto loaded = load_web_config(write(content));
    EXPECT_FALSE(loaded) << "loaded without error:\n" << content;
    return loaded ? std::string() : loaded.error().message;
  }

  std::string at(int line, int column) const {
    return (dir_.path() / "conf/web.yml").string() + ":" + std::to_string(line) + ":" +
           std::to_string(column) + ": ";
  }

  slamon::testing::TempDir dir_;
  static inline slamon::testing::TempDir* pki_dir_ = nullptr;
  static inline slamon::testing::TestPki* pki_ = nullptr;
  static inline slamon::testing::IssuedCertificate* server_ = nullptr;
  static inline slamon::testing::IssuedCertificate* other_ = nullptr;
  static inline std::string* hash_ = nullptr;
};

TEST_F(WebConfigTest, ReadsEveryKeyAndResolvesPathsAgainstTheFile) {
  const std::string file = write(R"(tls_server_config:
  cert_file: ../server.pem
  key_file: ../server.key
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: ../ca.pem
  min_version: TLS13
  max_version: TLS13
basic_auth_users:
  alice: ")" + *hash_ + R"("
  bob: )" + *hash_ + "\n");
  auto loaded = load_web_config(file);
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->file, file);
  ASSERT_TRUE(loaded->tls.has_value());
  const TlsServerConfig& tls = *loaded->tls;
  EXPECT_EQ(tls.cert_file, (dir_.path() / "server.pem").string());
  EXPECT_EQ(tls.key_file, (dir_.path() / "server.key").string());
  EXPECT_EQ(tls.client_ca_file, (dir_.path() / "ca.pem").string());
  EXPECT_EQ(tls.client_auth_type, ClientAuthType::require_and_verify_client_cert);
  EXPECT_EQ(tls.min_version, TlsVersion::tls13);
  EXPECT_EQ(tls.max_version, TlsVersion::tls13);
  ASSERT_NE(tls.credentials, nullptr);
  EXPECT_THAT(tls.credentials->subject(), HasSubstr("CN=server"));
  EXPECT_EQ(tls.credentials->policy().client_auth_type,
            ClientAuthType::require_and_verify_client_cert);
  ASSERT_EQ(loaded->basic_auth_users.size(), 2u);
  EXPECT_EQ(loaded->basic_auth_users.at("alice"), *hash_);
  EXPECT_EQ(loaded->basic_auth_users.at("bob"), *hash_);
}

TEST_F(WebConfigTest, DefaultsMatchExporterToolkit) {
  // An absolute path stays as it is.
  auto loaded = load_web_config(
      write("tls_server_config:\n  cert_file: " + (dir_.path() / "server.pem").string() +
            "\n  key_file: ../server.key\n"));
  ASSERT_TRUE(loaded) << loaded.error().message;
  ASSERT_TRUE(loaded->tls.has_value());
  EXPECT_EQ(loaded->tls->client_auth_type, ClientAuthType::no_client_cert);
  EXPECT_EQ(loaded->tls->min_version, TlsVersion::tls12);
  EXPECT_EQ(loaded->tls->max_version, TlsVersion::tls13);
  EXPECT_TRUE(loaded->tls->client_ca_file.empty());
  EXPECT_TRUE(loaded->basic_auth_users.empty());
}

TEST_F(WebConfigTest, EmptyFileAndEmptySectionsMeanPlainHttpWithoutAuth) {
  for (const std::string content :
       {"", "# nothing\n", "tls_server_config: {}\nbasic_auth_users: {}\n",
        "tls_server_config:\nbasic_auth_users:\n"}) {
    auto loaded = load_web_config(write(content));
    ASSERT_TRUE(loaded) << content << ": " << loaded.error().message;
    EXPECT_FALSE(loaded->tls.has_value()) << content;
    EXPECT_TRUE(loaded->basic_auth_users.empty()) << content;
  }
}

TEST_F(WebConfigTest, UnknownKeysAreErrorsWithTheirPosition) {
  EXPECT_THAT(error_of("basic_auth_users: {}\nbogus: 1\n"),
              AllOf(HasSubstr(at(2, 1) + "bogus: unknown key `bogus`"),
                    HasSubstr("tls_server_config or basic_auth_users")));
  EXPECT_THAT(error_of(kServerTls + "  cert_fiel: x\n"),
              AllOf(HasSubstr(at(4, 3) + "tls_server_config.cert_fiel: unknown key `cert_fiel`"),
                    HasSubstr("cert_file, key_file, client_auth_type")));
}

TEST_F(WebConfigTest, ExporterToolkitKeysSlamonDoesNotImplementAreRefusedByName) {
  const std::string message =
      error_of("http_server_config:\n  http2: true\n" + kServerTls +
               "  cipher_suites: [TLS_AES_128_GCM_SHA256]\n  client_allowed_sans: [a]\n"
               "rate_limit: {}\n");
  EXPECT_THAT(message, HasSubstr(at(1, 1) + "http_server_config: `http_server_config` is not "
                                            "supported by slamon"));
  EXPECT_THAT(message, HasSubstr(at(6, 3) +
                                 "tls_server_config.cipher_suites: `cipher_suites` is not "
                                 "supported by slamon; OpenSSL's default cipher suites are used"));
  EXPECT_THAT(message, HasSubstr(at(7, 3) + "tls_server_config.client_allowed_sans: "));
  EXPECT_THAT(message, HasSubstr(at(8, 1) + "rate_limit: `rate_limit` is not supported"));
}

TEST_F(WebConfigTest, ClientAuthTypeAndVersionsMustBeKnownSpellings) {
  EXPECT_THAT(error_of(kServerTls + "  client_auth_type: RequireClientCertPlease\n"),
              AllOf(HasSubstr(at(4, 21) + "tls_server_config.client_auth_type: must be one of "
                                          "NoClientCert, RequestClientCert, RequireAnyClientCert, "
                                          "VerifyClientCertIfGiven or RequireAndVerifyClientCert"),
                    HasSubstr("RequireClientCertPlease")));
  EXPECT_THAT(error_of(kServerTls + "  min_version: TLS1.2\n"),
              HasSubstr(at(4, 16) + "tls_server_config.min_version: must be one of TLS10, TLS11, "
                                    "TLS12 or TLS13"));
  EXPECT_THAT(error_of(kServerTls + "  min_version: TLS13\n  max_version: TLS12\n"),
              HasSubstr(at(4, 16) + "tls_server_config.min_version: min_version TLS13 is above "
                                    "max_version TLS12"));
}

TEST_F(WebConfigTest, ClientCaAndClientAuthTypeMustAgree) {
  EXPECT_THAT(error_of(kServerTls + "  client_auth_type: VerifyClientCertIfGiven\n"),
              HasSubstr(at(4, 21) + "tls_server_config.client_auth_type: VerifyClientCertIfGiven "
                                    "verifies client certificates and needs client_ca_file"));
  EXPECT_THAT(error_of(kServerTls + "  client_ca_file: ../ca.pem\n"),
              HasSubstr(at(4, 3) + "tls_server_config.client_ca_file: client CAs are given but "
                                   "client_auth_type is NoClientCert"));
}

TEST_F(WebConfigTest, CertificateAndKeyAreRequiredTogether) {
  EXPECT_THAT(error_of("tls_server_config:\n  cert_file: ../server.pem\n"),
              HasSubstr(at(2, 3) + "tls_server_config.key_file: missing required key `key_file`"));
  EXPECT_THAT(error_of("tls_server_config:\n  min_version: TLS13\n"),
              AllOf(HasSubstr("missing required key `cert_file`"),
                    HasSubstr("missing required key `key_file`")));
}

TEST_F(WebConfigTest, MissingAndBrokenFilesAreErrorsAtLoad) {
  EXPECT_THAT(error_of("tls_server_config:\n  cert_file: ../nope.pem\n  key_file: ../server.key\n"),
              AllOf(HasSubstr(at(2, 14) +
                              "tls_server_config.cert_file: cannot read the "
                              "certificate file \"" +
                              (dir_.path() / "nope.pem").string() + "\""),
                    HasSubstr("No such file or directory")));
  dir_.write("garbage.pem", "not a certificate\n");
  EXPECT_THAT(
      error_of("tls_server_config:\n  cert_file: ../garbage.pem\n  key_file: ../server.key\n"),
      HasSubstr(at(2, 14) + "tls_server_config.cert_file: \"" +
                (dir_.path() / "garbage.pem").string() + "\" holds no PEM certificate"));
  EXPECT_THAT(
      error_of("tls_server_config:\n  cert_file: ../server.pem\n  key_file: ../server.pem\n"),
      AllOf(HasSubstr(at(3, 13) + "tls_server_config.key_file: \""),
            HasSubstr("cannot read a PEM private key")));
  EXPECT_THAT(
      error_of("tls_server_config:\n  cert_file: ../server.pem\n  key_file: ../other.key\n"),
      HasSubstr(at(3, 13) + "tls_server_config.key_file: \"" +
                (dir_.path() / "other.key").string() +
                "\" does not match the certificate of cert_file"));
  EXPECT_THAT(
      error_of(kServerTls +
               "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ../none.pem\n"),
      HasSubstr(at(5, 19) + "tls_server_config.client_ca_file: cannot read the client CA file"));
  EXPECT_THAT(
      error_of(
          kServerTls +
          "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ../garbage.pem\n"),
      HasSubstr(at(5, 19) + "tls_server_config.client_ca_file: \"" +
                (dir_.path() / "garbage.pem").string() + "\" holds no PEM certificate"));
}

TEST_F(WebConfigTest, EncryptedKeysAreRefused) {
  slamon::testing::run_command("openssl pkey -in '" + (dir_.path() / "server.key").string() +
                               "' -aes256 -passout pass:pw -out '" +
                               (dir_.path() / "locked.key").string() + "'");
  EXPECT_THAT(
      error_of("tls_server_config:\n  cert_file: ../server.pem\n  key_file: ../locked.key\n"),
      AllOf(HasSubstr(at(3, 13)), HasSubstr("encrypted keys are not supported")));
}

TEST_F(WebConfigTest, UsersNeedBcryptHashesAndTheValueIsNotEchoed) {
  const std::string message =
      error_of("basic_auth_users:\n  alice: hunter2\n  bob: $1$abc$defghijklmnopqrstuvwxy\n");
  EXPECT_THAT(message, HasSubstr(at(2, 10) + "basic_auth_users.alice: expected a bcrypt hash"));
  EXPECT_THAT(message, HasSubstr(at(3, 8) + "basic_auth_users.bob: expected a bcrypt hash"));
  EXPECT_THAT(message, Not(HasSubstr("hunter2")));
  EXPECT_THAT(error_of("basic_auth_users:\n  \"a:b\": " + *hash_ + "\n"),
              HasSubstr(at(2, 3) + "basic_auth_users.a:b: user names must be non-empty"));
  EXPECT_THAT(error_of("basic_auth_users:\n  alice: " + *hash_ + "\n  alice: " + *hash_ + "\n"),
              HasSubstr(at(3, 3) + "basic_auth_users.alice: duplicate key `alice`"));
  EXPECT_THAT(error_of("basic_auth_users: [alice]\n"),
              HasSubstr(at(1, 19) + "basic_auth_users: expected a map, got a list"));
}

TEST_F(WebConfigTest, EveryProblemIsReportedAtOnce) {
  const std::string message = error_of(
      "tls_server_config:\n  cert_file: ../nope.pem\n  key_file: ../server.key\n"
      "  client_auth_type: Sometimes\nbasic_auth_users:\n  alice: plain\nextra: 1\n");
  EXPECT_THAT(message, HasSubstr(at(2, 14)));
  EXPECT_THAT(message, HasSubstr(at(4, 21)));
  EXPECT_THAT(message, HasSubstr(at(6, 10)));
  EXPECT_THAT(message, HasSubstr(at(7, 1)));
}

TEST_F(WebConfigTest, YamlSyntaxErrorsAndUnreadableFilesHavePositions) {
  EXPECT_THAT(error_of("tls_server_config: [\n"), HasSubstr("YAML syntax error"));
  EXPECT_THAT(error_of("tls_server_config: [\n"), HasSubstr("conf/web.yml:2:1: "));
  auto missing = load_web_config((dir_.path() / "absent.yml").string());
  ASSERT_FALSE(missing);
  EXPECT_THAT(missing.error().message,
              AllOf(HasSubstr("absent.yml: cannot read file"), HasSubstr("No such file")));
}

}  // namespace
}  // namespace slamon
