#include "storage/redis_commands.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>

namespace eventbed {

namespace {

// "<prefix><n>\r\n", the header of an array or a bulk string, at `out`;
// returns the end. At most header_max bytes.
constexpr size_t header_max = 1 + 20 + 2;
char* header(char* out, char prefix, size_t n) {
  *out++ = prefix;
  out = std::to_chars(out, out + 20, n).ptr;
  *out++ = '\r';
  *out++ = '\n';
  return out;
}

}  // namespace

char* redis_commands::extend(size_t n) {
  if (capacity_ - used_ < n) {  // grows geometrically: appends stay amortised O(1)
    size_t capacity = std::max<size_t>({2 * capacity_, used_ + n, 4096});
    std::unique_ptr<char[]> grown(new char[capacity]);  // not make_unique: it zeroes
    if (used_ > 0)
      std::memcpy(grown.get(), buf_.get(), used_);
    buf_ = std::move(grown);
    capacity_ = capacity;
  }
  char* out = buf_.get() + used_;
  used_ += n;
  return out;
}

void redis_commands::begin(size_t argc) {
  char head[header_max];
  size_t head_size = static_cast<size_t>(header(head, '*', argc) - head);
  std::memcpy(extend(head_size), head, head_size);
  ++count_;
}

void redis_commands::arg(std::string_view value) {
  char head[header_max];
  size_t head_size = static_cast<size_t>(header(head, '$', value.size()) - head);
  char* out = extend(head_size + value.size() + 2);
  std::memcpy(out, head, head_size);
  if (!value.empty())  // an empty view's data() may be null, which memcpy must not get
    std::memcpy(out + head_size, value.data(), value.size());
  out[head_size + value.size()] = '\r';
  out[head_size + value.size() + 1] = '\n';
}

void redis_commands::add(std::initializer_list<std::string_view> argv) {
  begin(argv.size());
  for (auto a : argv)
    arg(a);
}

}  // namespace eventbed
