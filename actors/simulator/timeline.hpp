// Per-interval counters over the run, for the report's timeline and the plot.
//
// Each count lands in the bin of the time it happened (an attempt when it was
// sent, an acceptance when the 202 arrived), so a stall shows as a gap in
// `accepted` exactly where it was. Bins grow as the run goes.
#pragma once

#include <cstdint>
#include <vector>

namespace eventbed {

class sim_timeline {
 public:
  enum class series { sent, accepted, errors };
  struct bin {
    uint64_t sent = 0;      // events sent (first attempts)
    uint64_t accepted = 0;  // events answered 202
    uint64_t errors = 0;    // requests of any kind (ingest, query, probe) that failed
  };

  explicit sim_timeline(double width);

  void add(series s, double at, uint64_t n = 1);
  double width() const { return width_; }
  const std::vector<bin>& bins() const { return bins_; }

 private:
  double width_;
  std::vector<bin> bins_;
};

}  // namespace eventbed
