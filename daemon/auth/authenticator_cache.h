// AuthenticatorCache: the Authenticator of the running configuration, built once per
// configuration (SPEC §8 tokens and JWT keys change on reload) and swapped when the
// configuration pointer changes. Holding the ConfigPtr keeps its address from being reused by
// a later configuration. Thread-safe: a mutex guards the cached pair.
#pragma once

#include <memory>
#include <mutex>

#include "auth/auth.h"
#include "config/config.h"

namespace slamon {

class AuthenticatorCache {
 public:
  std::shared_ptr<const Authenticator> get(const ConfigPtr& config);

 private:
  std::mutex mutex_;
  ConfigPtr config_;
  std::shared_ptr<const Authenticator> authenticator_;
};

}  // namespace slamon
