// Opening a slamon database file in a test: through the Store (which creates and migrates it,
// as the daemon does before anything else opens the file) or as a raw SQLite connection, to
// look under the API or to damage the file. A failure to open is a test failure (and answers
// null or a moved-from connection). Header-only, stateless; thread-safe.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "store/sqlite.h"
#include "store/store.h"

namespace slamon::testing {

inline std::unique_ptr<Store> open_store(const std::string& path) {
  auto store = Store::open(path);
  EXPECT_TRUE(store.has_value()) << store.error().message;
  return store ? std::move(*store) : nullptr;
}

inline sqlite::Connection raw_connection(const std::string& path) {
  auto connection = sqlite::Connection::open(path);
  EXPECT_TRUE(connection.has_value()) << connection.error().message;
  return std::move(*connection);
}

}  // namespace slamon::testing
