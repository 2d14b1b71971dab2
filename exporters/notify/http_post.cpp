#include "notify/http_post.h"

#include <utility>

#include "notify/text.h"

namespace slamon::notify {

std::string notifier_context(const NotifierConfig& config) {
  return "notifier \"" + single_line(config.name) + '"';
}

HttpRequest notifier_post(const NotifierConfig& config, std::string url, std::string body) {
  HttpRequest request;
  request.method = HttpMethod::post;
  request.url = std::move(url);
  request.url_is_secret = true;
  request.body = std::move(body);
  request.headers.emplace_back("Content-Type", "application/json");
  request.timeout = config.timeout;
  request.connect_timeout = config.timeout;
  request.max_response_bytes = kMaxNotifierResponseBytes;
  request.context = notifier_context(config);
  if (config.tls) {
    request.tls.ca_file = config.tls->ca_file;
    request.tls.cert_file = config.tls->cert_file;
    request.tls.key_file = config.tls->key_file;
    request.tls.insecure_skip_verify = config.tls->insecure_skip_verify;
  }
  return request;
}

std::vector<std::string> notifier_secrets(const NotifierConfig& config) {
  return {config.url, config.secret, config.smtp.auth_password};
}

}  // namespace slamon::notify
