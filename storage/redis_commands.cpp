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

char* redis_commands::grow(size_t n) {
  // Geometric: appends stay amortised O(1).
  size_t capacity = std::max<size_t>({2 * capacity_, used_ + n, 4096});
  std::unique_ptr<char[]> grown(new char[capacity]);  // not make_unique: it zeroes
  if (used_ > 0)
    std::memcpy(grown.get(), buf_.get(), used_);
  buf_ = std::move(grown);
  capacity_ = capacity;
  return buf_.get() + used_;
}

void redis_commands::begin(size_t argc) {
  used_ = static_cast<size_t>(header(room(header_max), '*', argc) - buf_.get());
  ++count_;
}

// The header is written in place, into room for the longest one: no
// temporary and no second copy of it.
void redis_commands::arg(std::string_view value) {
  char* out = header(room(header_max + value.size() + 2), '$', value.size());
  if (!value.empty())  // an empty view's data() may be null, which memcpy must not get
    std::memcpy(out, value.data(), value.size());
  out += value.size();
  *out++ = '\r';
  *out++ = '\n';
  used_ = static_cast<size_t>(out - buf_.get());
}

void redis_commands::add(std::initializer_list<std::string_view> argv) {
  begin(argv.size());
  for (auto a : argv)
    arg(a);
}

}  // namespace eventbed
