#include "support/curl_capture.h"

#include <stdexcept>
#include <string_view>

namespace slamon::testing {
namespace {

size_t on_body(char* data, size_t size, size_t count, void* out) {
  static_cast<CurlReceived*>(out)->body.append(data, size * count);
  return size * count;
}

size_t on_header(char* data, size_t size, size_t count, void* out) {
  const std::string_view line(data, size * count);
  const auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.remove_suffix(1);
    static_cast<CurlReceived*>(out)->headers.emplace_back(std::string(line.substr(0, colon)),
                                                          std::string(value));
  }
  return size * count;
}

}  // namespace

CurlEasy make_curl_easy() {
  CurlEasy curl(curl_easy_init());
  if (!curl) throw std::runtime_error("curl_easy_init failed");
  return curl;
}

void append_header(CurlHeaderList& list, const std::string& line) {
  list.reset(curl_slist_append(list.release(), line.c_str()));
}

void receive_into(CURL* curl, CurlReceived& into) {
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &into);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &into);
}

}  // namespace slamon::testing
