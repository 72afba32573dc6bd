#include "gateways/event_ids.hpp"

#include <array>
#include <atomic>
#include <cassert>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <random>

#include "common/trace_context.hpp"

namespace eventbed {

namespace {

constexpr char hex_digits[] = "0123456789abcdef";

// One generator per thread: no lock on the hot path, and mt19937_64 is far
// cheaper than reading std::random_device for every id. Ids and trace ids need
// uniqueness, not secrecy, so a non-cryptographic generator is enough.
std::mt19937_64& rng() {
  thread_local std::mt19937_64 generator = [] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device(),
                       device(), device(), device(), device()};
    return std::mt19937_64(seed);
  }();
  return generator;
}

// (unix_ms << 16) | counter of the last id handed out. Packing both into one
// word lets a single compare-and-swap order all threads, and a counter that
// overflows simply carries into the timestamp.
std::atomic<uint64_t> last_stamp{0};

uint64_t next_stamp() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const uint64_t ms =
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
  const uint64_t tick = (ms & 0xffffffffffffULL) << 16;
  uint64_t prev = last_stamp.load(std::memory_order_relaxed);
  uint64_t next;
  do {
    // A new millisecond starts the counter at a random value below 2^15
    // (RFC 9562 6.2, method 1 with a guard bit): ids do not reveal how many
    // were made per millisecond, and 2^15 more fit before the carry.
    next = tick > prev ? tick | (rng()() & 0x7fff) : prev + 1;
  } while (!last_stamp.compare_exchange_weak(prev, next, std::memory_order_relaxed));
  return next;
}

// "000102…feff": the two hex digits of every byte value, so that ids are
// written a byte at a time rather than a digit at a time.
constexpr std::array<char, 512> hex_pairs = [] {
  std::array<char, 512> pairs{};
  for (size_t b = 0; b < 256; ++b) {
    pairs[2 * b] = hex_digits[b >> 4];
    pairs[2 * b + 1] = hex_digits[b & 0xf];
  }
  return pairs;
}();

// The low `digits` hex digits of `value` at `out`, most significant first.
// `digits` is even: every field of a UUID is whole bytes.
void put_hex(char* out, uint64_t value, int digits) {
  assert(digits % 2 == 0);
  for (int i = digits - 2; i >= 0; i -= 2) {
    std::memcpy(out + i, &hex_pairs[2 * (value & 0xff)], 2);
    value >>= 8;
  }
}

}  // namespace

std::string make_event_id() {
  const uint64_t stamp = next_stamp();
  const uint64_t counter = stamp & 0xffff;
  const uint64_t hi = (stamp & ~0xffffULL) | 0x7000 | (counter >> 4);
  const uint64_t lo = (0b10ULL << 62) | ((counter & 0xf) << 58) | (rng()() >> 6);

  std::string id(36, '-');
  put_hex(&id[0], hi >> 32, 8);
  put_hex(&id[9], (hi >> 16) & 0xffff, 4);
  put_hex(&id[14], hi & 0xffff, 4);
  put_hex(&id[19], lo >> 48, 4);
  put_hex(&id[24], lo & 0xffffffffffffULL, 12);
  return id;
}

std::string make_traceparent() {
  return tracing::trace_context{tracing::random_trace_id(), tracing::random_span_id(), true}.traceparent();
}

bool valid_event_id(std::string_view id, size_t max_length) {
  if (id.empty() || id.size() > max_length || id == "." || id == "..") return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool valid_traceparent(std::string_view value) { return tracing::parse_traceparent(value).has_value(); }

}  // namespace eventbed
