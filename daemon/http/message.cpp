#include "http/message.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace slamon::http {

namespace {

char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool CaseInsensitiveLess::operator()(std::string_view a, std::string_view b) const {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return static_cast<unsigned char>(ascii_lower(x)) < static_cast<unsigned char>(ascii_lower(y));
  });
}

std::optional<std::string_view> HttpRequest::header(std::string_view name) const {
  auto it = headers.find(name);
  if (it == headers.end()) return std::nullopt;
  return std::string_view(it->second);
}

std::optional<std::string_view> HttpRequest::query(std::string_view name) const {
  auto it = query_params.find(name);
  if (it == query_params.end()) return std::nullopt;
  return std::string_view(it->second);
}

std::string_view HttpRequest::path_param(std::string_view name) const {
  auto it = path_params.find(name);
  if (it == path_params.end()) return {};
  return it->second;
}

HttpResponse HttpResponse::text(int status, std::string body, std::string_view content_type) {
  HttpResponse response;
  response.status = status;
  response.headers.emplace("Content-Type", std::string(content_type));
  response.body = std::move(body);
  return response;
}

HttpResponse HttpResponse::json(int status, std::string body) {
  return text(status, std::move(body), kJsonContentType);
}

HttpResponse HttpResponse::error(int status, std::string_view code, std::string_view message) {
  nlohmann::json body = {{"error", {{"code", code}, {"message", message}}}};
  // `replace` keeps a message that is not valid UTF-8 (e.g. an echoed path) from throwing.
  return json(status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

std::string url_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      int hi = hex_value(text[i + 1]);
      int lo = hex_value(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return out;
}

QueryParams parse_query_string(std::string_view query) {
  QueryParams params;
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view piece = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (piece.empty()) continue;
    std::size_t eq = piece.find('=');
    if (eq == std::string_view::npos) {
      params.emplace(url_decode(piece, true), std::string{});
    } else {
      params.emplace(url_decode(piece.substr(0, eq), true), url_decode(piece.substr(eq + 1), true));
    }
  }
  return params;
}

}  // namespace slamon::http
