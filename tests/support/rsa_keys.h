// RSA key pairs as PEM for the tests that sign and verify tokens (auth, API). Generating one
// takes a noticeable moment, so each pair is made once per test program. Header-only; the
// test links OpenSSL::Crypto. Thread-safe (function-local statics).
#pragma once

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace slamon::testing {

struct RsaKeyPair {
  std::string private_pem;
  std::string public_pem;
};

namespace rsa_detail {

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct KeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};

inline std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(size));
}

}  // namespace rsa_detail

// A fresh 2048-bit pair; throws when OpenSSL fails.
inline RsaKeyPair generate_rsa_key_pair() {
  using namespace rsa_detail;
  const std::unique_ptr<EVP_PKEY, KeyDeleter> key(EVP_RSA_gen(2048));
  if (key == nullptr) throw std::runtime_error("RSA key generation failed");
  const std::unique_ptr<BIO, BioDeleter> private_bio(BIO_new(BIO_s_mem()));
  const std::unique_ptr<BIO, BioDeleter> public_bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PrivateKey(private_bio.get(), key.get(), nullptr, nullptr, 0, nullptr,
                               nullptr) != 1 ||
      PEM_write_bio_PUBKEY(public_bio.get(), key.get()) != 1) {
    throw std::runtime_error("writing an RSA key as PEM failed");
  }
  return {bio_text(private_bio.get()), bio_text(public_bio.get())};
}

// The pair a test configures, and a stranger's pair whose signatures must not verify.
inline const RsaKeyPair& rsa_keys() {
  static const RsaKeyPair keys = generate_rsa_key_pair();
  return keys;
}
inline const RsaKeyPair& other_rsa_keys() {
  static const RsaKeyPair keys = generate_rsa_key_pair();
  return keys;
}

}  // namespace slamon::testing
