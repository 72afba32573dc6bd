#include "actors/pipeline/messages.hpp"

#include <caf/make_message.hpp>
#include <caf/message.hpp>

namespace eventbed {

caf::error make_error(errc code, std::string detail) {
  return caf::error{static_cast<uint8_t>(code), error_category,
                    caf::make_message(std::move(detail))};
}

std::string error_detail(const caf::error& err) {
  const auto& ctx = err.context();
  if (err.category() == error_category && ctx.size() == 1 && ctx.match_element<std::string>(0))
    return ctx.get_as<std::string>(0);
  return caf::to_string(err);
}

}  // namespace eventbed
