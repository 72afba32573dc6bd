// Per-interval counters over the run, for the report's timeline and the plot.
//
// Each count lands in the bin of the time it happened (an attempt when it was
// sent, an acceptance when the 202 arrived), so a stall shows as a gap in
// `accepted` exactly where it was; a latency sample lands in the bin of its
// request's scheduled time. Memory is bounded however long the run: once a
// time falls past `max_bins` bins, neighbouring bins are merged pairwise and
// the width doubles. A bin's p99 comes from a coarse log-linear histogram
// (relative error 1/16, allocated only for bins that have samples).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "actors/simulator/log_histogram.hpp"

namespace eventbed {

class sim_timeline {
 public:
  enum class series { sent, accepted, errors };
  struct bin {
    uint64_t sent = 0;      // events sent (first attempts)
    uint64_t accepted = 0;  // events answered 202
    uint64_t errors = 0;    // requests of any kind (ingest, query, probe) that failed
    std::unique_ptr<log_histogram> latency;  // ingest latency of requests scheduled in the bin; null if none
  };

  explicit sim_timeline(double width, size_t max_bins = 600);

  void add(series s, double at, uint64_t n = 1);
  void add_latency(double at, double seconds);
  double width() const { return width_; }
  const std::vector<bin>& bins() const { return bins_; }

 private:
  bin* slot(double at);  // null for a negative time

  double width_;
  size_t max_bins_;
  std::vector<bin> bins_;
};

}  // namespace eventbed
