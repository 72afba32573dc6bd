// The load a case runs under, and the clients that record what it got:
//
//   simulator  the real `eventbed simulate` as a child: open-loop load on ingest,
//              every accepted event followed on query until processed; its JSON
//              report is the ledger (accepted, lost, duplicated, mismatched, every
//              request result, downtime windows).
//   probe      5 POSTs/s to ingest with its own ids, recording exactly what came
//              back, Retry-After included (the report counts 503s, not their headers).
//   watcher    the consumer group's lag as the processors publish it, 4 times a second.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/fault/fault_stack.hpp"
#include "tests/support/child_process.hpp"

namespace eventbed::fault {

constexpr double client_timeout_s = 4.0;  // the simulator's and the flood's per-request timeout
constexpr int deadline_s = 5;             // the simulator's "late" threshold

// Seconds since the epoch: what the report's ISO times are compared with.
double wall_now();

struct load_shape {
  int rate = 200;   // events/s
  int seconds = 14;
};

class simulator_run {
 public:
  // Starts at once; the report and the simulator's output go to `dir`.
  simulator_run(fault_stack& stack, const load_shape& shape, const std::string& run_id, const std::string& dir);
  // Waits for it to end by itself (load, then verification); past `limit` it is
  // asked to stop (SIGINT: stop the load, verify, write the report), then killed.
  // Its exit code: 0 SLOs met, 1 violated, other values a failure to run.
  int finish(std::chrono::seconds limit, std::vector<std::string>& notes);
  bool running() { return child_.running(); }
  nlohmann::json report() const;  // null if it wrote none
  double started() const { return started_; }

 private:
  child_process child_;
  std::string report_path_;
  double started_ = 0;
};

// What the probe saw: outcome -> count. Outcomes: "202", "<status> <error code>"
// (" NO-RETRY-AFTER" appended to a 503 without the header), or a failure word
// ("timeout", "connect", "empty_reply", "transport").
class probe_client {
 public:
  probe_client(std::string url, std::string prefix);
  ~probe_client() { stop(); }
  void stop();
  std::map<std::string, size_t> outcomes();
  std::vector<std::string> accepted();  // ids answered 202, in order
  double slowest_seconds();

 private:
  void run();
  std::string url_, prefix_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::map<std::string, size_t> outcomes_;
  std::vector<std::string> accepted_;
  double slowest_ = 0;
  std::thread thread_;
};

class lag_watcher {
 public:
  explicit lag_watcher(fault_stack& stack);
  ~lag_watcher() { stop(); }
  void stop();
  double max_lag() const { return max_lag_; }

 private:
  std::vector<const eventbed_process*> procs_;
  std::atomic<bool> stop_{false};
  std::atomic<double> max_lag_{0};
  std::thread thread_;
};

}  // namespace eventbed::fault
