// The fault cases: what each sets up and what fault it injects.
//
// A case is declarative where it can be (load shape, extra flags, the client
// failures its fault explains) and code only for its fault: inject() breaks
// something under load and returns when the fault is over, with what it did.
// The run around it (fault_suite_test.cpp) is the same for all: setup, fault,
// measurement (measurement.hpp), verdict (verdict.hpp).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tests/fault/fault_stack.hpp"
#include "tests/fault/load.hpp"

namespace eventbed::fault {

// Request results (the simulator's words: timeout, connect, transport,
// http_503, ...) that the fault explains, per kind of request. A 503 on ingest
// is the contract's visible failure and allowed everywhere, as long as it
// carries Retry-After.
struct allowed_failures {
  std::set<std::string> ingest, query;
};

// The flood of the overload case, as its clients saw it.
struct flood_result {
  size_t requests = 0, accepted = 0, rejected_503 = 0, without_retry_after = 0, other = 0;
  double median_503_ms = 0;
  long rss_before_kb = 0, rss_peak_kb = 0;
};

// What a fault step did, as it happened.
struct fault_record {
  double start = 0, end = 0;  // epoch seconds
  role* recovered_by = nullptr;  // whose readiness ends the recovery, if any
  bool lasts_the_load = false;   // recovery is then the drain of the backlog after the load
  std::string detail;            // what the case measured beyond the common columns
  std::vector<std::string> notes;
  // Processor faults: the consumer-name prefix of the victim, and the entries
  // it held once it could no longer act on them (-1: not a processor fault).
  std::string victim_prefix;
  long held_at_fault = -1;
  std::optional<flood_result> flood;
  std::map<std::string, int> stop_exit_codes;  // by instance: processes the fault stopped with SIGTERM
};

class fault_case {
 public:
  virtual ~fault_case() = default;
  std::string name;  // "processor-sigkill"
  std::string what;  // one line: the fault
  load_shape load;
  allowed_failures allowed;
  stack_flags flags;
  bool replicated = false;  // primary, two replicas, three Sentinels (fault_stack.hpp)
  // False where losing accepted events is the trade-off the case measures
  // (--ack-replicas 0 across a failover): lost events and the log they left
  // behind are reported, not judged.
  bool loss_judged = true;

  // Setup beyond the stack and the load (e.g. a log worth rebuilding).
  virtual void prepare(fault_stack&) const {}
  // The fault, once load flows end to end; returns when it is over.
  virtual fault_record inject(fault_stack& stack, const simulator_run& sim) const = 0;
};

// Every case, in the order they run.
const std::vector<const fault_case*>& all_cases();

// The Redis failover cases (failover_cases.cpp), run after the others.
std::vector<const fault_case*> failover_cases();

}  // namespace eventbed::fault
