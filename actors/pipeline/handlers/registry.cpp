#include "actors/pipeline/handlers/registry.hpp"

#include <exception>

namespace eventbed {

void handler_registry::add(const std::string& type, event_handler fn) {
  handlers_[type] = std::move(fn);
}

void handler_registry::set_fallback(event_handler fn) {
  fallback_ = std::move(fn);
}

void handler_registry::wrap(const std::function<event_handler(event_handler)>& decorate) {
  for (auto& [type, fn] : handlers_)
    fn = decorate(std::move(fn));
  if (fallback_)
    fallback_ = decorate(std::move(fallback_));
}

handler_result handler_registry::handle(const event& ev, std::string_view traceparent) const {
  auto it = handlers_.find(ev.type);
  const event_handler& fn = it != handlers_.end() ? it->second : fallback_;
  if (!fn)
    return handler_result::fail("no handler for type '" + ev.type + "'");
  try {
    return fn(ev, traceparent);
  } catch (const std::exception& e) {
    return handler_result::again(std::string("handler threw: ") + e.what());
  } catch (...) {
    return handler_result::again("handler threw a non-standard exception");
  }
}

}  // namespace eventbed
