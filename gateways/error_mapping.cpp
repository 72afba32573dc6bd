#include "gateways/error_mapping.hpp"

#include <caf/error.hpp>
#include <caf/sec.hpp>

#include "actors/pipeline/messages.hpp"

namespace eventbed {

namespace {

// Long enough for a Redis restart or a rollout step, short enough that clients come back soon.
constexpr int retry_after_s = 1;

}  // namespace

void send_actor_error(http_reply& reply, const caf::error& err) {
  auto detail = error_detail(err);
  if (err.category() == error_category) {
    switch (static_cast<errc>(err.code())) {
      case errc::not_found:
        return reply.send_error(404, "not_found", detail);
      case errc::overloaded:
        return reply.send_error(503, "overloaded", detail, retry_after_s);
      case errc::redis_unavailable:
        return reply.send_error(503, "redis_unavailable", detail, retry_after_s);
      case errc::storage_failure:
        return reply.send_error(500, "storage_failure", detail);
    }
  }
  if (err == caf::sec::request_timeout)
    return reply.send_error(503, "timeout", "the pipeline did not answer in time", retry_after_s);
  reply.send_error(500, "internal", detail);
}

}  // namespace eventbed
