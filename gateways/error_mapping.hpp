// How actor errors become HTTP answers, the same on every route.
//
//   errc::not_found          404 not_found
//   errc::overloaded         503 overloaded        + Retry-After
//   errc::redis_unavailable  503 redis_unavailable + Retry-After
//   CAF request timeout      503 timeout           + Retry-After
//   anything else            500 internal
#pragma once

#include <caf/fwd.hpp>

#include "gateways/http_server.hpp"

namespace eventbed {

void send_actor_error(http_reply& reply, const caf::error& err);

}  // namespace eventbed
