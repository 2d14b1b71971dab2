#include "auth/authenticator_cache.h"

namespace slamon {

std::shared_ptr<const Authenticator> AuthenticatorCache::get(const ConfigPtr& config) {
  std::lock_guard lock(mutex_);
  if (config_ != config || !authenticator_) {
    authenticator_ = std::make_shared<const Authenticator>(config->auth);
    config_ = config;
  }
  return authenticator_;
}

}  // namespace slamon
