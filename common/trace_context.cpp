#include "common/trace_context.hpp"

#include <cstring>
#include <random>

namespace eventbed::tracing {

namespace {

std::mt19937_64& rng() {
  thread_local std::mt19937_64 generator = [] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device()};
    return std::mt19937_64(seed);
  }();
  return generator;
}

// Ingest makes a trace id and a span id per event: whole words from the
// generator, copied in (any byte order is as random as any other).
template <size_t N>
void fill_random(std::array<uint8_t, N>& out) {
  static_assert(N % 8 == 0);
  auto& gen = rng();
  for (;;) {
    uint64_t any = 0;
    for (size_t i = 0; i < N; i += 8) {
      uint64_t word = gen();
      any |= word;
      std::memcpy(out.data() + i, &word, 8);
    }
    if (any != 0)
      return;
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

// Lowercase hex into bytes; false on any other character or an all-zero id.
template <size_t N>
bool read_hex(std::string_view text, std::array<uint8_t, N>& out) {
  uint8_t any = 0;
  for (size_t i = 0; i < N; ++i) {
    int hi = hex_value(text[2 * i]), lo = hex_value(text[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return false;
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
    any |= out[i];
  }
  return any != 0;
}

// "000102...feff": a byte's two hex digits in one copy.
constexpr std::array<char, 512> hex_pairs = [] {
  const char digits[] = "0123456789abcdef";
  std::array<char, 512> pairs{};
  for (size_t b = 0; b < 256; ++b) {
    pairs[2 * b] = digits[b >> 4];
    pairs[2 * b + 1] = digits[b & 15];
  }
  return pairs;
}();

// Lowercase hex of `bytes` at `out` (2 * N characters).
template <size_t N>
void write_hex(char* out, const std::array<uint8_t, N>& bytes) {
  for (size_t i = 0; i < N; ++i)
    std::memcpy(out + 2 * i, &hex_pairs[2 * bytes[i]], 2);
}

}  // namespace

// Written into a string of the final size: ingest makes one per event.
std::string trace_context::traceparent() const {
  std::string out = "00-................................-................-00";
  write_hex(&out[3], trace);
  write_hex(&out[36], span);
  out[54] = sampled ? '1' : '0';
  return out;
}

std::optional<trace_context> parse_traceparent(std::string_view value) {
  if (value.size() != 55 || value.substr(0, 3) != "00-" || value[35] != '-' || value[52] != '-')
    return std::nullopt;
  trace_context ctx;
  int hi = hex_value(value[53]), lo = hex_value(value[54]);
  if (!read_hex(value.substr(3, 32), ctx.trace) || !read_hex(value.substr(36, 16), ctx.span) || hi < 0 || lo < 0)
    return std::nullopt;
  ctx.sampled = (lo & 1) != 0;  // bit 0 of the flags byte
  return ctx;
}

trace_id random_trace_id() {
  trace_id id;
  fill_random(id);
  return id;
}

span_id random_span_id() {
  span_id id;
  fill_random(id);
  return id;
}

}  // namespace eventbed::tracing
