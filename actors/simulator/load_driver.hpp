// Turns the arrival schedule into ingest requests, with bounded concurrency.
//
// Request k carries events [k·batch, (k+1)·batch) and is due at arrival k of the
// request schedule. Due requests wait in a FIFO backlog until a connection is
// free; latency is still measured from the scheduled time, so waiting here is
// charged to the target that kept the connections busy. A request that ever had
// to wait is counted as overflow. When the backlog is full, new arrivals are
// dropped and handed back to the caller to be counted, never silently lost.
// Retries (after a 503 or a failed connection) go to a separate queue and are
// sent first once their Retry-After has passed, because they are the oldest.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <queue>
#include <vector>

#include "actors/simulator/load_schedule.hpp"

namespace eventbed {

struct ingest_job {
  uint64_t request = 0;    // index in the request schedule
  uint64_t first = 0;      // first event seq
  uint32_t count = 1;      // events in the request
  double scheduled = 0;    // seconds since the run started
  uint32_t attempt = 1;
  double not_before = 0;   // retries wait until then
};

class load_driver {
 public:
  load_driver(load_schedule requests, uint32_t batch, uint64_t max_backlog);

  // Adds every request due by `now` to the backlog; returns those that did not fit.
  std::vector<ingest_job> arrive(double now);

  // Up to `slots` requests to send now: due retries first, then the backlog in
  // order. Requests still waiting afterwards are marked as overflow.
  std::vector<ingest_job> take(double now, size_t slots);

  void retry(ingest_job job, double not_before);

  // No more arrivals after `now` (a stop request): the schedule is cut there.
  void stop(double now);
  // Everything still queued, removed (the run is out of time).
  std::vector<ingest_job> abandon();

  bool exhausted() const;  // every arrival of the schedule has been generated
  bool idle() const;       // nothing queued: no backlog, no retry
  size_t queued() const;
  uint64_t overflow() const { return overflow_; }
  uint64_t requests_total() const { return schedule_.total(); }
  const load_schedule& schedule() const { return schedule_; }

 private:
  struct later {
    bool operator()(const ingest_job& a, const ingest_job& b) const { return a.not_before > b.not_before; }
  };

  ingest_job make_job(uint64_t request) const;

  load_schedule schedule_;
  uint32_t batch_;
  uint64_t max_backlog_;
  uint64_t next_ = 0;            // next request index to arrive
  std::deque<ingest_job> backlog_;
  size_t marked_ = 0;            // backlog_[0, marked_) are already counted as overflow
  std::priority_queue<ingest_job, std::vector<ingest_job>, later> retries_;
  uint64_t overflow_ = 0;
};

}  // namespace eventbed
