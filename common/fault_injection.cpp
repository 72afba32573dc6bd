#include "common/fault_injection.hpp"

#include <ctime>
#include <random>
#include <stdexcept>

namespace eventbed {

namespace {

std::mt19937_64& rng() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  return gen;
}

std::chrono::microseconds parse_ms(const std::string& text, const std::string& whole) {
  try {
    size_t used = 0;
    double ms = std::stod(text, &used);
    if (used != text.size() || ms < 0)
      throw std::invalid_argument("");
    return std::chrono::microseconds(static_cast<int64_t>(ms * 1000));
  } catch (const std::exception&) {
    throw std::invalid_argument("'" + whole + "' is not N or MIN-MAX milliseconds");
  }
}

}  // namespace

std::chrono::microseconds latency_range::draw() const {
  if (max <= min)
    return max;
  std::uniform_int_distribution<int64_t> dist(min.count(), max.count());
  return std::chrono::microseconds(dist(rng()));
}

latency_range parse_latency_range(const std::string& text) {
  auto dash = text.find('-');
  if (dash == std::string::npos) {
    auto d = parse_ms(text, text);
    return {d, d};
  }
  latency_range r{parse_ms(text.substr(0, dash), text), parse_ms(text.substr(dash + 1), text)};
  if (r.max < r.min)
    throw std::invalid_argument("'" + text + "': MIN must not exceed MAX");
  return r;
}

bool fault_injection::fail_now() const {
  if (error_rate <= 0)
    return false;
  return std::uniform_real_distribution<double>(0, 1)(rng()) < error_rate;
}

// The thread's own CPU clock, so a busy machine stretches the wall time but
// not the CPU cost an event adds.
static int64_t thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

void burn_cpu(std::chrono::microseconds d) {
  auto until = thread_cpu_ns() + d.count() * 1000;
  volatile uint64_t sink = 0;
  while (thread_cpu_ns() < until)
    for (int i = 0; i < 256; ++i)
      sink = sink * 6364136223846793005ULL + 1442695040888963407ULL;
}

}  // namespace eventbed
