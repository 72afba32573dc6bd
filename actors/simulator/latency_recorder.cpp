#include "actors/simulator/latency_recorder.hpp"

#include <algorithm>

namespace eventbed {

latency_summary summarize(const log_histogram& h) {
  latency_summary s;
  s.count = h.count();
  s.min = h.min();
  s.p50 = h.percentile(50);
  s.p90 = h.percentile(90);
  s.p95 = h.percentile(95);
  s.p99 = h.percentile(99);
  s.p999 = h.percentile(99.9);
  s.max = h.max();
  s.mean = h.mean();
  return s;
}

latency_recorder::latency_recorder(std::vector<double> bucket_bounds)
    : bounds_(std::move(bucket_bounds)), counts_(bounds_.size() + 1, 0) {}

std::vector<double> latency_recorder::default_bounds() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
}

double latency_recorder::relative_error() {
  return log_histogram().relative_error();
}

void latency_recorder::add(double seconds) {
  histogram_.record(seconds);
  auto it = std::lower_bound(bounds_.begin(), bounds_.end(), seconds);
  ++counts_[std::distance(bounds_.begin(), it)];
}

}  // namespace eventbed
