#include "storage/redis_commands.hpp"

#include <charconv>

namespace eventbed {

namespace {

// "<prefix><n>\r\n", the header of an array or a bulk string.
void header(std::string& buf, char prefix, size_t n) {
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
  buf.push_back(prefix);
  buf.append(digits, end);
  buf.append("\r\n", 2);
}

}  // namespace

void redis_commands::begin(size_t argc) {
  header(buf_, '*', argc);
  ++count_;
}

void redis_commands::arg(std::string_view value) {
  header(buf_, '$', value.size());
  buf_.append(value.data(), value.size());
  buf_.append("\r\n", 2);
}

void redis_commands::add(std::initializer_list<std::string_view> argv) {
  begin(argv.size());
  for (auto a : argv)
    arg(a);
}

}  // namespace eventbed
