// gateways/openapi.json against the code that serves it: the document served
// is the repository's file byte for byte, and its operations are exactly the
// routes the two ports register, so a route added without its description (or
// a description left behind by a removed route) fails here. What each route
// answers is checked against the description by the live conformance test,
// tests/gateways/openapi/conformance.mjs.
#include <gtest/gtest.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/send.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <utility>

#include "gateways/admin_api.hpp"
#include "gateways/http_server.hpp"
#include "gateways/openapi.hpp"
#include "gateways/public_api.hpp"

using namespace eventbed;
using json = nlohmann::json;

namespace {

using route_set = std::set<std::pair<std::string, std::string>>;  // (METHOD, path)

std::string repository_file() {
  auto path = std::filesystem::path(__FILE__).parent_path() / "../../gateways/openapi.json";
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

json description() { return json::parse(openapi_document()); }

// The operations tagged `tag` (the port they are on): their paths are the
// server's routes, templates included ("/events/{id}").
route_set documented(const json& doc, const std::string& tag) {
  static const std::set<std::string> methods = {"get",     "put",  "post",  "delete",
                                                "options", "head", "patch", "trace"};
  route_set out;
  for (const auto& [path, item] : doc.at("paths").items()) {
    for (const auto& [key, op] : item.items()) {
      if (!methods.count(key) || op.at("tags") != json::array({tag}))
        continue;
      std::string method = key;
      std::transform(method.begin(), method.end(), method.begin(),
                     [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
      out.emplace(method, path);
    }
  }
  return out;
}

route_set registered(const http_server& server) {
  auto routes = server.routes();
  return route_set(routes.begin(), routes.end());
}

}  // namespace

TEST(OpenApiDocument, ServedBytesAreTheRepositoryFile) {
  std::string file = repository_file();
  ASSERT_FALSE(file.empty()) << "cannot read gateways/openapi.json";
  EXPECT_TRUE(openapi_document() == file)
      << "the binary serves another gateways/openapi.json than the repository's: rebuild";
  EXPECT_EQ(description().at("openapi"), "3.1.0");
}

TEST(OpenApiDocument, EveryOperationIsOnOnePort) {
  auto doc = description();
  for (const auto& [path, item] : doc.at("paths").items()) {
    for (const auto& [key, op] : item.items()) {
      if (key == "servers")
        continue;
      auto tags = op.at("tags");
      EXPECT_TRUE(tags == json::array({"public"}) || tags == json::array({"admin"}))
          << key << " " << path << ": tagged " << tags.dump() << ", not one of public, admin";
      // Public paths are on the document's server, the public port; admin paths
      // name the admin port as their own.
      EXPECT_EQ(item.contains("servers"), tags == json::array({"admin"})) << path;
    }
  }
}

TEST(OpenApiDocument, PublicOperationsAreThePublicRoutes) {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  http_server server(http_server::options{});
  public_api_settings settings;  // every role: every route is registered
  settings.ingest = ingest_pool({ingest_actor{}});
  settings.queries.push_back(query_actor{});
  auto gateway = add_public_routes(server, sys, std::move(settings));
  EXPECT_EQ(registered(server), documented(description(), "public"));
  caf::anon_send_exit(gateway, caf::exit_reason::user_shutdown);
}

TEST(OpenApiDocument, AdminOperationsAreTheAdminRoutes) {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  http_server server(http_server::options{});
  auto gateway = add_admin_routes(server, sys, admin_api_settings{});
  EXPECT_EQ(registered(server), documented(description(), "admin"));
  caf::anon_send_exit(gateway, caf::exit_reason::user_shutdown);
}
