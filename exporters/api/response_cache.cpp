#include "api/response_cache.h"

#include <utility>

namespace slamon::api {

namespace {

// Separators that cannot occur in the parts they separate unescaped: query values are decoded,
// so each part is written with its length first.
void append_part(std::string& key, std::string_view part) {
  key += std::to_string(part.size());
  key += ':';
  key += part;
}

}  // namespace

ResponseCache::ResponseCache(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

std::string ResponseCache::key_of(const Principal& principal, const http::HttpRequest& request) {
  std::string key;
  key.reserve(128);
  append_part(key, principal.org);
  append_part(key, to_string(principal.role));
  if (principal.sites) {
    key += "S";
    key += std::to_string(principal.sites->size());
    for (const std::string& site : *principal.sites) append_part(key, site);
  } else {
    key += "*";
  }
  append_part(key, request.path);
  // A multimap keeps names sorted and repeated names in the order sent, which matters only
  // when a handler reads the first of several values: that order is part of the key too.
  for (const auto& [name, value] : request.query_params) {
    append_part(key, name);
    append_part(key, value);
  }
  return key;
}

std::optional<http::HttpResponse> ResponseCache::find(const std::string& key, const Config* config,
                                                      std::uint64_t generation) {
  std::lock_guard lock(mutex_);
  auto found = entries_.find(key);
  if (found == entries_.end()) return std::nullopt;
  Entry& entry = found->second;
  if (entry.config.get() != config || entry.generation != generation) {
    recency_.erase(entry.recency);
    entries_.erase(found);
    return std::nullopt;
  }
  recency_.splice(recency_.begin(), recency_, entry.recency);
  return entry.response;
}

void ResponseCache::remember(const std::string& key, ConfigPtr config, std::uint64_t generation,
                             const http::HttpResponse& response) {
  std::lock_guard lock(mutex_);
  if (auto found = entries_.find(key); found != entries_.end()) {
    recency_.erase(found->second.recency);
    entries_.erase(found);
  }
  while (entries_.size() >= capacity_) {
    entries_.erase(recency_.back());
    recency_.pop_back();
  }
  recency_.push_front(key);
  entries_.emplace(key, Entry{std::move(config), generation, response, recency_.begin()});
}

std::size_t ResponseCache::size() {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace slamon::api
