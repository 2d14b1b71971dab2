// ResponseCache: answers repeated GET reads of the API (a NOC wall polling /summary, many
// dashboards listing the same breaches) without re-running their queries. An answer is reused
// only while nothing it was computed from can have changed: the same running configuration
// (the object itself, held by the entry) and the same store data generation (bumped by every
// write slamon makes). Keys include the caller's org and site grant, so no answer crosses a
// tenant or a grant. Thread-safe (one mutex; lookups copy the answer out).
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "auth/auth.h"
#include "config/config.h"
#include "http/message.h"

namespace slamon::api {

class ResponseCache {
 public:
  explicit ResponseCache(std::size_t capacity = 512);

  // The key of a GET `request` made by `principal`: org, role, site grant, path and the
  // decoded query parameters in a canonical order.
  static std::string key_of(const Principal& principal, const http::HttpRequest& request);

  // The cached answer for `key` computed under `config` at store generation `generation`.
  std::optional<http::HttpResponse> find(const std::string& key, const Config* config,
                                         std::uint64_t generation);
  // Remembers `response`; the least recently used entry makes room when the cache is full.
  void remember(const std::string& key, ConfigPtr config, std::uint64_t generation,
                const http::HttpResponse& response);

  std::size_t size();

 private:
  struct Entry {
    ConfigPtr config;  // held, so a reloaded-away config cannot be mistaken for a new one
    std::uint64_t generation = 0;
    http::HttpResponse response;
    std::list<std::string>::iterator recency;
  };
  std::mutex mutex_;
  std::size_t capacity_;
  std::list<std::string> recency_;  // most recently used first
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace slamon::api
