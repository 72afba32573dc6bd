// GET /openapi.json: the OpenAPI 3.1 description of both ports.
//
// The description is gateways/openapi.json, compiled in byte for byte at build
// time (CMakeLists.txt generates the definition of openapi_document()), so the
// served document is the repository's file and there is no second copy to
// drift. tests/gateways/openapi/ lints it and checks every answer of a live
// eventbed against it.
#pragma once

#include <string_view>

#include "gateways/http_server.hpp"

namespace eventbed {

// The bytes of gateways/openapi.json.
std::string_view openapi_document();

// Registers GET /openapi.json, answered 200 with the document as application/json.
void add_openapi_route(http_server& server);

}  // namespace eventbed
