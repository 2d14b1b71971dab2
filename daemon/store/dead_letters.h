// Dead letters: deliveries of outbox events that ran out of attempts (SPEC §9.3), as readers
// outside the delivery worker see them. The rows live in the store's database (store/schema.cpp);
// the delivery worker implements DeadLetterQueue, and the API reads and retries through it, so
// the API includes no part of the notification pipeline. Implementations must be thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/result.h"
#include "store/store.h"

namespace slamon {

struct DeadLetter {
  std::string id;  // the delivery id: random, safe to show
  std::string event_id;
  std::string event_type;
  std::string notifier;
  int attempts = 0;
  std::string last_error;
  WallTime occurred_at{};  // the event's
  WallTime failed_at{};
  nlohmann::json event;  // the stored event JSON
};

struct DeadLetterPage {
  std::vector<DeadLetter> items;
  long long total = 0;
};

class DeadLetterQueue {
 public:
  virtual ~DeadLetterQueue() = default;
  // `org`'s dead letters, newest first.
  virtual Result<DeadLetterPage> dead_letters(const std::string& org, int limit, int offset) = 0;
  // One dead letter of `org` by id; nullopt when there is none (or it is another org's).
  virtual Result<std::optional<DeadLetter>> dead_letter(const std::string& org,
                                                        const std::string& id) = 0;
  // Back to pending, due at `now`. not_found: no such dead letter in `org` (another org's
  // answers the same); conflict: its notifier is no longer configured.
  virtual WriteResult<DeadLetter> retry_dead_letter(const std::string& org, const std::string& id,
                                                    WallTime now) = 0;
};

}  // namespace slamon
