// GET /api/v1/openapi.json (SPEC §11): served without a token, valid JSON, and describing
// exactly the routes install_routes registers — so a new endpoint cannot be added without
// documenting it — with every $ref resolvable and the error answers of every operation.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <utility>

#include "api/api.h"
#include "api_client.h"
#include "api_fixture.h"

namespace slamon::api::testing {
namespace {

using nlohmann::json;
using RouteSet = std::set<std::pair<std::string, std::string>>;

json document() {
  return json::parse(openapi_document());
}

std::string upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

RouteSet documented_routes(const json& doc) {
  static const std::set<std::string> kMethods = {"get",   "put",     "post", "delete",
                                                 "patch", "options", "head", "trace"};
  RouteSet routes;
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [method, operation] : item.items()) {
      if (kMethods.contains(method)) routes.emplace(upper(method), path);
    }
  }
  return routes;
}

// Follows a local "#/a/b" reference.
const json* resolve(const json& doc, const std::string& ref) {
  if (!ref.starts_with("#/")) return nullptr;
  const json* node = &doc;
  std::stringstream parts(ref.substr(2));
  for (std::string part; std::getline(parts, part, '/');) {
    if (!node->is_object() || !node->contains(part)) return nullptr;
    node = &(*node)[part];
  }
  return node;
}

void collect_refs(const json& node, std::vector<std::string>& refs) {
  if (node.is_object()) {
    for (const auto& [key, value] : node.items()) {
      if (key == "$ref" && value.is_string()) refs.push_back(value.get<std::string>());
      collect_refs(value, refs);
    }
  } else if (node.is_array()) {
    for (const auto& value : node) collect_refs(value, refs);
  }
}

TEST(OpenApiDocument, IsTheFileInTheSourceTree) {
  std::ifstream file(std::string(SLAMON_SOURCE_DIR) + "/exporters/api/openapi.json");
  ASSERT_TRUE(file) << "exporters/api/openapi.json";
  std::stringstream text;
  text << file.rdbuf();
  EXPECT_EQ(text.str(), openapi_document()) << "rebuild: the embedded document is stale";
}

TEST(OpenApiDocument, IsOpenApi3WithABearerScheme) {
  const json doc = document();
  EXPECT_TRUE(doc.value("openapi", "").starts_with("3.0.")) << doc.value("openapi", "");
  EXPECT_TRUE(doc["info"].contains("title"));
  EXPECT_TRUE(doc["info"].contains("version"));
  EXPECT_EQ(doc["components"]["securitySchemes"]["bearer"]["type"], "http");
  EXPECT_EQ(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
  EXPECT_EQ(doc["security"], json::parse(R"([{"bearer": []}])"));
}

TEST(OpenApiDocument, EveryReferenceResolves) {
  const json doc = document();
  std::vector<std::string> refs;
  collect_refs(doc, refs);
  EXPECT_GT(refs.size(), 20u);
  for (const std::string& ref : refs) EXPECT_NE(resolve(doc, ref), nullptr) << ref;
}

TEST(OpenApiDocument, DescribesExactlyTheRegisteredRoutes) {
  ApiWorld world;
  RouteSet registered;
  for (const auto& route : world.registered_routes()) registered.insert(route);
  EXPECT_EQ(registered.size(), world.registered_routes().size()) << "a route registered twice";
  EXPECT_EQ(documented_routes(document()), registered);
}

TEST(OpenApiDocument, EveryOperationDocumentsItsAnswers) {
  const json doc = document();
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [method, operation] : item.items()) {
      if (method == "parameters") continue;
      SCOPED_TRACE(upper(method) + " " + path);
      const json& responses = operation["responses"];
      EXPECT_TRUE(operation.contains("operationId"));
      EXPECT_TRUE(responses.contains("200") || responses.contains("201") ||
                  responses.contains("202") || responses.contains("204"));
      if (path == "/api/v1/openapi.json") {
        EXPECT_EQ(operation["security"], json::array()) << "the document needs no token";
        continue;
      }
      EXPECT_TRUE(responses.contains("401"));
      EXPECT_TRUE(responses.contains("500"));
      const bool write = operation.value("x-permission", "") == "config:write";
      // Generating a report only reads (SPEC §8: config:read may generate reports).
      const bool reading_post = path == "/api/v1/sla/reports/generate";
      EXPECT_EQ(write, method != "get" && !reading_post);
      if (write) {
        EXPECT_TRUE(responses.contains("403"));
        EXPECT_TRUE(responses.contains("413"));
      }
      if (operation.contains("requestBody")) {
        for (const char* status : {"400", "415", "422"}) EXPECT_TRUE(responses.contains(status));
      }
      if (path.find('{') != std::string::npos) {
        EXPECT_TRUE(responses.contains("404"));
      }
      if (operation.contains("parameters")) {
        EXPECT_TRUE(responses.contains("422"));
      }
    }
  }
}

TEST(OpenApiDocument, IsServedWithoutAToken) {
  ApiWorld world;
  ApiClient client(world.port());
  const Reply reply = client.get("/api/v1/openapi.json", "");
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(reply.header("content-type"), "application/json; charset=utf-8");
  EXPECT_EQ(reply.json(), document());
}

// The router answers every registered route (401 without a token, the document itself for
// openapi.json), and any other method on those paths is the server's 405.
TEST(OpenApiDocument, TheServerServesExactlyTheDocumentedMethods) {
  ApiWorld world;
  ApiClient client(world.port());
  const RouteSet documented = documented_routes(document());
  std::set<std::string> paths;
  for (const auto& [method, path] : documented) paths.insert(path);
  for (const std::string& pattern : paths) {
    std::string path = pattern;
    for (const char* name : {"{policy_id}", "{breach_id}"}) {
      if (auto at = path.find(name); at != std::string::npos)
        path.replace(at, std::strlen(name), "x");
    }
    for (const char* method : {"GET", "POST", "PUT", "PATCH", "DELETE"}) {
      SCOPED_TRACE(std::string(method) + " " + path);
      const Reply reply = client.send({method, path, std::nullopt, std::nullopt, std::nullopt});
      if (documented.contains({method, pattern})) {
        EXPECT_EQ(reply.status, pattern == "/api/v1/openapi.json" ? 200 : 401);
      } else {
        EXPECT_TRUE(is_api_error(reply, 405, "method_not_allowed"));
      }
    }
  }
}

}  // namespace
}  // namespace slamon::api::testing
