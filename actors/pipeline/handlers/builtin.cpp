#include "actors/pipeline/handlers/builtin.hpp"

#include <cstdint>
#include <cstdio>
#include <string>

namespace eventbed {

std::string payload_digest(std::string_view data) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : data) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

handler_registry builtin_handlers() {
  handler_registry reg;
  // Formatted by hand: it runs for every event, and both values are plain
  // numbers and hex digits. Same text as nlohmann would write (keys sorted).
  reg.set_fallback([](const event& ev, std::string_view) {
    return handler_result::ok(R"({"bytes":)" + std::to_string(ev.data.size()) + R"(,"digest":")" +
                              payload_digest(ev.data) + "\"}");
  });
  reg.add("eventbed.poison", [](const event&, std::string_view) {
    return handler_result::again("poison event: processing always fails");
  });
  reg.add("eventbed.reject", [](const event&, std::string_view) {
    return handler_result::fail("rejected: eventbed.reject events are refused by design");
  });
  return reg;
}

}  // namespace eventbed
