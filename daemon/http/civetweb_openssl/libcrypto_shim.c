/* Built as a shared library whose file and SONAME are "libcrypto.so", which slamon links and
 * loads at start, with the real libcrypto.so.3 as its dependency.
 *
 * Why: Debian's civetweb 1.15 dlopen()s "libcrypto.so" by that unversioned name, which only
 * the libssl-dev package provides. glibc's dlopen() first looks among the objects already
 * loaded for one whose SONAME matches, so civetweb gets this library, and dlsym() finds every
 * function in its dependency: slamon's TLS then needs no development package at run time.
 * See libssl_shim.c for the other half.
 *
 * Thread-safe: stateless. */
#include <openssl/crypto.h>

__attribute__((visibility("default"))) int slamon_civetweb_libcrypto_shim(void);

/* Called by slamon so that the linker keeps this library as a dependency; the reference to
 * libcrypto keeps libcrypto.so.3 one of ours. */
int slamon_civetweb_libcrypto_shim(void) {
  return OpenSSL_version_num() != 0;
}
