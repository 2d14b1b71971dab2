// FakeSource: a MetricSource for engine tests that answers canned samples per query text,
// counts calls, can fail, and can hold a caller inside query() until released, so tests can
// overlap cycles deterministically. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "sources/metric_source.h"

namespace slamon {

using namespace std::chrono_literals;

class FakeSource final : public MetricSource {
 public:
  explicit FakeSource(std::string name) : name_(std::move(name)) {}

  const std::string& name() const override { return name_; }

  // Records and answers a PromQlQuery by its text; an SnmpQuery fails.
  Result<QueryResult> query(const MetricQuery& metric_query, WallTime at) override {
    const auto* promql = std::get_if<PromQlQuery>(&metric_query);
    if (promql == nullptr) return fail("FakeSource answers PromQL only");
    const std::string& query = promql->promql;
    std::unique_lock lock(mutex_);
    ++calls_;
    queries_.push_back(query);
    last_at_ = at;
    if (hold_) {
      inside_ = true;
      changed_.notify_all();
      changed_.wait(lock, [&] { return !hold_; });
    }
    if (failure_) return fail(*failure_);
    QueryResult result;
    if (auto it = answers_.find(query); it != answers_.end()) result.samples = it->second;
    return result;
  }

  void answer(const std::string& query, std::vector<Sample> samples) {
    std::lock_guard lock(mutex_);
    answers_[query] = std::move(samples);
  }
  void fail_with(std::optional<std::string> message) {
    std::lock_guard lock(mutex_);
    failure_ = std::move(message);
  }
  void hold() {
    std::lock_guard lock(mutex_);
    hold_ = true;
    inside_ = false;
  }
  // Waits until a caller is held inside query(); the bound only turns a broken engine into a
  // failed test instead of a hung one.
  bool wait_until_inside() {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 60s, [&] { return inside_; });
  }
  void release() {
    {
      std::lock_guard lock(mutex_);
      hold_ = false;
    }
    changed_.notify_all();
  }
  int calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  std::vector<std::string> queries() const {
    std::lock_guard lock(mutex_);
    return queries_;
  }
  WallTime last_at() const {
    std::lock_guard lock(mutex_);
    return last_at_;
  }

 private:
  const std::string name_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, std::vector<Sample>> answers_;
  std::optional<std::string> failure_;
  bool hold_ = false;
  bool inside_ = false;
  int calls_ = 0;
  std::vector<std::string> queries_;
  WallTime last_at_{};
};

}  // namespace slamon
