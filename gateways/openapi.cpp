#include "gateways/openapi.hpp"

#include <string>

namespace eventbed {

void add_openapi_route(http_server& server) {
  server.route("GET", "/openapi.json", [](http_request&, http_reply reply) {
    reply.send(200, std::string(openapi_document()));
  });
}

}  // namespace eventbed
