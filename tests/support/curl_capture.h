// The libcurl plumbing the tests' HTTP clients share: RAII owners for an easy handle and a
// request header list, and the callbacks that collect a reply's body and header fields.
// Not thread-safe: a handle and the CurlReceived it fills serve one transfer at a time.
#pragma once

#include <curl/curl.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace slamon::testing {

struct CurlEasyDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct CurlSlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using CurlEasy = std::unique_ptr<CURL, CurlEasyDeleter>;
using CurlHeaderList = std::unique_ptr<curl_slist, CurlSlistDeleter>;

// A fresh easy handle; throws std::runtime_error when libcurl cannot make one.
CurlEasy make_curl_easy();

// Appends one request header line ("Name: value") to `list`.
void append_header(CurlHeaderList& list, const std::string& line);

// What a transfer received. Header fields keep the name as sent and lose the white space
// around the value; lines without a colon (status lines, the blank end) are left out.
struct CurlReceived {
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// Points `curl`'s body and header callbacks at `into`, which must outlive the transfer.
void receive_into(CURL* curl, CurlReceived& into);

}  // namespace slamon::testing
