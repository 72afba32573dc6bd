// A real redis-sentinel for one test fixture, on a free 127.0.0.1 port,
// watching one primary as the service `service`.
//
// Sentinel timings are short so failovers happen within seconds: the primary
// is down after `down_after` without an answer, and a failover that stalls
// is retried after `failover_timeout`. Give a group of sentinels a quorum of
// at most their number. Each instance owns a fresh temporary directory with
// its config file (Sentinel rewrites it as it learns), so kill()/start()
// restarts it with what it knew. The log is <dir>/sentinel.log.
//
// Like redis_server, the child gets SIGKILL if the thread that started it
// exits; construct it from the test's own thread.
#pragma once

#include <chrono>
#include <string>

#include "tests/support/child_process.hpp"

namespace eventbed {

struct redis_sentinel_options {
  int primary_port = 0;  // on 127.0.0.1
  std::string service = "eventbed";
  int quorum = 1;
  std::string password;  // the primary's and replicas' (sentinel auth-pass)
  std::chrono::milliseconds down_after{1000};
  std::chrono::milliseconds failover_timeout{3000};
};

class redis_sentinel {
 public:
  // Starts it and returns once it answers and names the primary.
  // Throws std::runtime_error if it cannot start within 10 s.
  explicit redis_sentinel(redis_sentinel_options options);
  ~redis_sentinel();  // kills it and removes its directory
  redis_sentinel(const redis_sentinel&) = delete;
  redis_sentinel& operator=(const redis_sentinel&) = delete;

  int port() const { return port_; }
  std::string address() const;  // "127.0.0.1:<port>"
  const std::string& dir() const { return dir_; }  // its config and sentinel.log
  bool running() const { return child_.pid() > 0; }

  void kill();   // SIGKILL and wait; no-op if stopped
  void start();  // same port, same directory (what it learnt); throws if it fails

  // The port of the primary this Sentinel names now (0 if none or no answer).
  int primary_port();
  // Replicas of the primary this Sentinel sees with their link up (0 if no answer).
  size_t replicas_in_sync();

 private:
  bool launch();
  std::string log_tail() const;

  redis_sentinel_options options_;
  int port_ = 0;
  child_process child_;
  std::string dir_;
  std::string binary_;
};

// "redis-sentinel://127.0.0.1:P1,127.0.0.1:P2/<service>" for eventbed's --redis.
template <class... Sentinels>
std::string sentinel_url(const std::string& service, const Sentinels&... sentinels) {
  std::string hosts;
  ((hosts += (hosts.empty() ? "" : ",") + sentinels.address()), ...);
  return "redis-sentinel://" + hosts + "/" + service;
}

}  // namespace eventbed
