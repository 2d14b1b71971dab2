#include "http/tls_credentials.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <climits>
#include <string>
#include <utility>
#include <vector>

namespace slamon::http {

namespace {

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Free {
  void operator()(X509* certificate) const { X509_free(certificate); }
};
struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct ChainFree {
  void operator()(STACK_OF(X509) * chain) const { sk_X509_pop_free(chain, X509_free); }
};
struct StoreFree {
  void operator()(X509_STORE* store) const { X509_STORE_free(store); }
};
struct NamesFree {
  void operator()(STACK_OF(X509_NAME) * names) const {
    sk_X509_NAME_pop_free(names, X509_NAME_free);
  }
};
struct CtxFree {
  void operator()(SSL_CTX* context) const { SSL_CTX_free(context); }
};
struct SslFree {
  void operator()(SSL* connection) const { SSL_free(connection); }
};

using BioPtr = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyFree>;
using ChainPtr = std::unique_ptr<STACK_OF(X509), ChainFree>;
using StorePtr = std::unique_ptr<X509_STORE, StoreFree>;
using NamesPtr = std::unique_ptr<STACK_OF(X509_NAME), NamesFree>;

// The reason of OpenSSL's most recent error (its queue is cleared for the next caller).
std::string openssl_reason(std::string_view fallback) {
  const unsigned long code = ERR_peek_last_error();
  ERR_clear_error();
  if (code == 0) return std::string(fallback);
  const char* reason = ERR_reason_error_string(code);
  return reason != nullptr ? std::string(reason) : std::string(fallback);
}

// Keys must not be encrypted: a daemon restarting unattended has nobody to type a passphrase.
int refuse_passphrase(char* /*buffer*/, int /*size*/, int /*rwflag*/, void* /*user_data*/) {
  return -1;
}

BioPtr memory_bio(std::string_view pem) {
  if (pem.size() > static_cast<std::size_t>(INT_MAX)) return nullptr;
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

// Every PEM certificate in `pem`, in order. An empty list when there is none; an error for
// a certificate block OpenSSL cannot parse.
std::expected<std::vector<X509Ptr>, std::string> read_certificates(std::string_view pem) {
  BioPtr bio = memory_bio(pem);
  if (!bio) return std::unexpected("out of memory");
  std::vector<X509Ptr> certificates;
  ERR_clear_error();
  while (true) {
    X509Ptr certificate(PEM_read_bio_X509(bio.get(), nullptr, refuse_passphrase, nullptr));
    if (!certificate) {
      const unsigned long code = ERR_peek_last_error();
      if (ERR_GET_LIB(code) == ERR_LIB_PEM && ERR_GET_REASON(code) == PEM_R_NO_START_LINE) {
        ERR_clear_error();  // the end of the file
        return certificates;
      }
      return std::unexpected(openssl_reason("malformed certificate"));
    }
    certificates.push_back(std::move(certificate));
  }
}

std::string subject_of(X509* certificate) {
  BioPtr out(BIO_new(BIO_s_mem()));
  if (!out) return {};
  X509_NAME_print_ex(out.get(), X509_get_subject_name(certificate), 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  const long size = BIO_get_mem_data(out.get(), &data);
  return size > 0 ? std::string(data, static_cast<std::size_t>(size)) : std::string();
}

std::string not_after_of(X509* certificate) {
  BioPtr out(BIO_new(BIO_s_mem()));
  if (!out) return {};
  ASN1_TIME_print(out.get(), X509_get0_notAfter(certificate));
  char* data = nullptr;
  const long size = BIO_get_mem_data(out.get(), &data);
  return size > 0 ? std::string(data, static_cast<std::size_t>(size)) : std::string();
}

int protocol_version(TlsVersion version) {
  switch (version) {
    case TlsVersion::tls10:
      return TLS1_VERSION;
    case TlsVersion::tls11:
      return TLS1_1_VERSION;
    case TlsVersion::tls12:
      return TLS1_2_VERSION;
    case TlsVersion::tls13:
      return TLS1_3_VERSION;
  }
  return TLS1_2_VERSION;
}

// RequestClientCert and RequireAnyClientCert take whatever certificate the client offers.
int accept_any_certificate(int /*preverified*/, X509_STORE_CTX* /*context*/) {
  return 1;
}

}  // namespace

struct TlsCredentials::OpenSsl {
  X509Ptr certificate;
  ChainPtr chain;  // intermediates after the server certificate; may be empty
  KeyPtr key;
  StorePtr client_ca_store;  // null without client_ca_file
  NamesPtr client_ca_names;  // subjects of the client CAs, sent in the certificate request
};

TlsCredentials::TlsCredentials(std::unique_ptr<OpenSsl> objects, Policy policy)
    : objects_(std::move(objects)), policy_(policy) {
  subject_ = subject_of(objects_->certificate.get());
  not_after_ = not_after_of(objects_->certificate.get());
}

TlsCredentials::~TlsCredentials() = default;

std::expected<std::shared_ptr<const TlsCredentials>, TlsCredentials::LoadError>
TlsCredentials::load(std::string_view certificate_pem, std::string_view key_pem,
                     std::string_view client_ca_pem, Policy policy) {
  auto error = [](Part part, std::string message) {
    return std::unexpected(LoadError{part, std::move(message)});
  };
  auto objects = std::make_unique<OpenSsl>();

  auto certificates = read_certificates(certificate_pem);
  if (!certificates) return error(Part::certificate, "cannot parse: " + certificates.error());
  if (certificates->empty()) return error(Part::certificate, "holds no PEM certificate");
  objects->certificate = std::move(certificates->front());
  objects->chain.reset(sk_X509_new_null());
  if (!objects->chain) return error(Part::certificate, "out of memory");
  for (std::size_t i = 1; i < certificates->size(); ++i) {
    if (sk_X509_push(objects->chain.get(), (*certificates)[i].get()) == 0) {
      return error(Part::certificate, "out of memory");
    }
    (void)(*certificates)[i].release();  // now owned by the chain
  }

  {
    BioPtr bio = memory_bio(key_pem);
    if (!bio) return error(Part::key, "out of memory");
    ERR_clear_error();
    objects->key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, refuse_passphrase, nullptr));
    if (!objects->key) {
      return error(Part::key, "cannot read a PEM private key (" + openssl_reason("no key found") +
                                  "); encrypted keys are not supported");
    }
  }
  if (X509_check_private_key(objects->certificate.get(), objects->key.get()) != 1) {
    ERR_clear_error();
    return error(Part::key, "does not match the certificate of cert_file");
  }

  if (!client_ca_pem.empty()) {
    auto authorities = read_certificates(client_ca_pem);
    if (!authorities) return error(Part::client_ca, "cannot parse: " + authorities.error());
    if (authorities->empty()) return error(Part::client_ca, "holds no PEM certificate");
    objects->client_ca_store.reset(X509_STORE_new());
    objects->client_ca_names.reset(sk_X509_NAME_new_null());
    if (!objects->client_ca_store || !objects->client_ca_names) {
      return error(Part::client_ca, "out of memory");
    }
    for (const X509Ptr& authority : *authorities) {
      if (X509_STORE_add_cert(objects->client_ca_store.get(), authority.get()) != 1) {
        return error(Part::client_ca, "cannot use a certificate: " + openssl_reason("rejected"));
      }
      X509_NAME* name = X509_NAME_dup(X509_get_subject_name(authority.get()));
      if (name == nullptr || sk_X509_NAME_push(objects->client_ca_names.get(), name) == 0) {
        X509_NAME_free(name);
        return error(Part::client_ca, "out of memory");
      }
    }
  }

  std::shared_ptr<const TlsCredentials> credentials(new TlsCredentials(std::move(objects), policy));

  // A trial connection: OpenSSL's own checks (key size under the system's security level, a
  // certificate unusable for TLS) fail here rather than at every handshake.
  std::unique_ptr<SSL_CTX, CtxFree> context(SSL_CTX_new(TLS_server_method()));
  if (!context) return error(Part::certificate, "cannot create a TLS context: out of memory");
  std::unique_ptr<SSL, SslFree> trial(SSL_new(context.get()));
  if (!trial) return error(Part::certificate, "cannot create a TLS connection: out of memory");
  ERR_clear_error();
  if (!credentials->configure(trial.get())) {
    return error(Part::certificate, "OpenSSL refuses it: " + openssl_reason("unusable"));
  }
  return credentials;
}

bool TlsCredentials::configure(ssl_st* connection) const {
  if (SSL_set_min_proto_version(connection, protocol_version(policy_.min_version)) != 1 ||
      SSL_set_max_proto_version(connection, protocol_version(policy_.max_version)) != 1) {
    return false;
  }
  if (SSL_use_cert_and_key(connection, objects_->certificate.get(), objects_->key.get(),
                           objects_->chain.get(), 1) != 1) {
    return false;
  }
  switch (policy_.client_auth_type) {
    case ClientAuthType::no_client_cert:
      SSL_set_verify(connection, SSL_VERIFY_NONE, nullptr);
      break;
    case ClientAuthType::request_client_cert:
      SSL_set_verify(connection, SSL_VERIFY_PEER, accept_any_certificate);
      break;
    case ClientAuthType::require_any_client_cert:
      SSL_set_verify(connection, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                     accept_any_certificate);
      break;
    case ClientAuthType::verify_client_cert_if_given:
      SSL_set_verify(connection, SSL_VERIFY_PEER, nullptr);
      break;
    case ClientAuthType::require_and_verify_client_cert:
      SSL_set_verify(connection, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
      break;
  }
  if (objects_->client_ca_store) {
    if (SSL_set1_verify_cert_store(connection, objects_->client_ca_store.get()) != 1) return false;
    STACK_OF(X509_NAME)* names = SSL_dup_CA_list(objects_->client_ca_names.get());
    if (names == nullptr) return false;
    SSL_set_client_CA_list(connection, names);  // takes ownership
  }
  return true;
}

}  // namespace slamon::http
