#include "actors/simulator/timeline.hpp"

#include <algorithm>

namespace eventbed {

namespace {

// Coarse on purpose: one histogram per bin, and the plot needs no finer p99.
constexpr int bin_latency_bits = 4;
constexpr double bin_latency_max_seconds = 60;  // slower samples share the top bucket; max stays exact

}  // namespace

sim_timeline::sim_timeline(double width, size_t max_bins)
    : width_(width > 0 ? width : 1), max_bins_(std::max<size_t>(2, max_bins)) {}

sim_timeline::bin* sim_timeline::slot(double at) {
  if (at < 0)
    return nullptr;
  auto index = static_cast<size_t>(at / width_);
  while (index >= max_bins_) {
    std::vector<bin> merged((bins_.size() + 1) / 2);
    for (size_t i = 0; i < bins_.size(); ++i) {
      auto& into = merged[i / 2];
      auto& b = bins_[i];
      into.sent += b.sent;
      into.accepted += b.accepted;
      into.errors += b.errors;
      if (b.latency && into.latency)
        into.latency->merge(*b.latency);
      else if (b.latency)
        into.latency = std::move(b.latency);
    }
    bins_ = std::move(merged);
    width_ *= 2;
    index = static_cast<size_t>(at / width_);
  }
  if (index >= bins_.size())
    bins_.resize(index + 1);
  return &bins_[index];
}

void sim_timeline::add(series s, double at, uint64_t n) {
  auto* b = slot(at);
  if (!b)
    return;
  switch (s) {
    case series::sent: b->sent += n; break;
    case series::accepted: b->accepted += n; break;
    case series::errors: b->errors += n; break;
  }
}

void sim_timeline::add_latency(double at, double seconds) {
  auto* b = slot(at);
  if (!b)
    return;
  if (!b->latency)
    b->latency = std::make_unique<log_histogram>(bin_latency_bits, bin_latency_max_seconds);
  b->latency->record(seconds);
}

}  // namespace eventbed
