/* Built as a shared library whose file and SONAME are "libssl.so", which slamon links and loads
 * at start.
 *
 * Why: Debian bookworm's civetweb 1.15 was built against the OpenSSL 1.1 API. It dlopen()s
 * "libssl.so" and dlsym()s every function it uses, among them SSL_get_peer_certificate, which
 * OpenSSL 3 no longer exports (it became a macro for SSL_get1_peer_certificate). That one
 * missing symbol makes civetweb's TLS fail to initialise. glibc's dlopen() first looks among
 * the objects already loaded for one whose SONAME matches, so civetweb gets this library;
 * dlsym() then searches it and its dependency, the real libssl.so.3, and finds everything.
 *
 * Thread-safe: stateless forwarding. */
#include <openssl/ssl.h>

#undef SSL_get_peer_certificate

__attribute__((visibility("default"))) X509* SSL_get_peer_certificate(const SSL* ssl);
__attribute__((visibility("default"))) int slamon_civetweb_libssl_shim(void);

/* OpenSSL 1.1's SSL_get_peer_certificate returned a new reference, as get1 does; civetweb
 * frees it with X509_free. */
X509* SSL_get_peer_certificate(const SSL* ssl) {
  return SSL_get1_peer_certificate(ssl);
}

/* Called by slamon so that the linker keeps this library as a dependency. */
int slamon_civetweb_libssl_shim(void) {
  return 1;
}
