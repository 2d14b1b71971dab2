// TestPki: a throwaway certificate authority for the TLS tests, made with the `openssl` command
// line in a private directory: it issues server and client certificates (EC P-256, valid for
// two days) and writes web config files. Also bcrypt hashes for basic_auth_users.
// Not thread-safe (one test owns it).
#pragma once

#include <filesystem>
#include <string>

namespace slamon::testing {

struct IssuedCertificate {
  std::string certificate;  // PEM file path
  std::string key;          // PEM file path (unencrypted)
};

class TestPki {
 public:
  // Creates the CA "<name>" in `directory` (which must exist).
  TestPki(std::filesystem::path directory, std::string name);

  const std::string& ca_certificate() const { return ca_certificate_; }
  // A server certificate for 127.0.0.1 and localhost with the given common name.
  IssuedCertificate issue_server(const std::string& common_name) const;
  // A client certificate (extendedKeyUsage clientAuth).
  IssuedCertificate issue_client(const std::string& common_name) const;

 private:
  IssuedCertificate issue(const std::string& common_name, const std::string& extensions) const;

  std::filesystem::path directory_;
  std::string name_;
  std::string ca_certificate_;
  std::string ca_key_;
};

// Runs a shell command; throws std::runtime_error with its output when it fails.
void run_command(const std::string& command);

// A bcrypt hash of `password` at the lowest cost (fast tests).
std::string bcrypt_hash(const std::string& password);

}  // namespace slamon::testing
