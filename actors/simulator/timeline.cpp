#include <cstddef>
#include "actors/simulator/timeline.hpp"

namespace eventbed {

sim_timeline::sim_timeline(double width) : width_(width > 0 ? width : 1) {}

void sim_timeline::add(series s, double at, uint64_t n) {
  if (at < 0)
    return;
  auto index = static_cast<size_t>(at / width_);
  if (index >= bins_.size())
    bins_.resize(index + 1);
  auto& b = bins_[index];
  switch (s) {
    case series::sent: b.sent += n; break;
    case series::accepted: b.accepted += n; break;
    case series::errors: b.errors += n; break;
  }
}

}  // namespace eventbed
