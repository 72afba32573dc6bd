#include "gateways/schema_api.hpp"

#include <string>

namespace eventbed {

void add_schema_routes(http_server& server, std::shared_ptr<const schema_registry> registry) {
  server.route("GET", "/schemas", [registry](http_request&, http_reply reply) {
    reply.send(200, registry->list_json());
  });
  server.route_template("GET", "/schemas/{type}", [registry](http_request& req, http_reply reply) {
    const std::string& type = req.param;
    if (auto doc = registry->document(type))
      return reply.send(200, std::string(*doc), {}, "application/schema+json");
    reply.send_error(404, "not_found", "no schema for type '" + type + "'");
  });
}

}  // namespace eventbed
