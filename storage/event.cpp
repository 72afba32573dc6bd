#include "storage/event.hpp"

#include <charconv>
#include <cstdlib>
#include <utility>

namespace eventbed {

int64_t stream_id_ms(const std::string& stream_id) {
  int64_t ms = 0;
  std::from_chars(stream_id.data(), stream_id.data() + stream_id.size(), ms);  // stops at the '-'
  return ms;
}

int compare_stream_ids(const std::string& a, const std::string& b) {
  auto parts = [](const std::string& id) {
    char* end = nullptr;
    unsigned long long ms = std::strtoull(id.c_str(), &end, 10);
    unsigned long long seq = (end && *end == '-') ? std::strtoull(end + 1, nullptr, 10) : 0;
    return std::make_pair(ms, seq);
  };
  auto x = parts(a), y = parts(b);
  return x < y ? -1 : (y < x ? 1 : 0);
}

}  // namespace eventbed
