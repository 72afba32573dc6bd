// Moves every connection to a new primary as soon as the Sentinels announce
// it, instead of on the first error.
//
// Through Sentinel, a connection asks for the primary when it connects and
// again only when a call fails. A failover that leaves the old primary
// reachable (stopped and resumed, or a manual SENTINEL FAILOVER) would let
// connections keep writing to it until it is demoted, and writes it takes in
// that time are lost when it resyncs from the new primary. A primary_watch
// subscribes to `+switch-master` on the endpoint's Sentinels (the first that
// answers, the next when that one goes) on a thread of its own, and counts
// the switches of the endpoint's service. Every redis_connection given an
// endpoint that carries the count (switches()) drops its context before its
// next call once the count has moved, and so asks the Sentinels again.
//
// A switch announced while the watch had no Sentinel is caught when it
// subscribes again: it compares the primary then named with the one it knew.
// Nothing here is needed for correctness: without the watch, READONLY and
// failed calls still lead every connection to the new primary.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "storage/redis_endpoint.hpp"
#include "storage/wakeup.hpp"

namespace eventbed {

class primary_watch {
 public:
  // Starts watching when the endpoint goes through Sentinel; otherwise it
  // does nothing and switches() stays 0.
  explicit primary_watch(const redis_endpoint& endpoint);
  ~primary_watch();  // stops the thread (at once: the wait is woken)
  primary_watch(const primary_watch&) = delete;
  primary_watch& operator=(const primary_watch&) = delete;

  // The count to put into each endpoint (redis_endpoint::primary_switches).
  std::shared_ptr<const std::atomic<std::uint64_t>> switches() const { return switches_; }

 private:
  void run();
  // One subscription on one Sentinel, until it fails or stop; false if the
  // Sentinel could not be reached or subscribed to.
  bool listen(const redis_address& sentinel);
  void moved_to(const std::string& primary);  // counts the switch and logs it

  redis_endpoint endpoint_;
  std::shared_ptr<std::atomic<std::uint64_t>> switches_ = std::make_shared<std::atomic<std::uint64_t>>(0);
  std::string primary_;  // "host:port" last named (by a Sentinel or an announcement)
  std::atomic<bool> stop_{false};
  wakeup wake_;
  std::thread thread_;
};

}  // namespace eventbed
