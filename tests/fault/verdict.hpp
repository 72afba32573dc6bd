// The verdict step: named checks over a measurement, nothing else. No I/O, no
// waiting, no log sentences: a verdict is reproducible from the measurement.
#pragma once

#include <string>
#include <vector>

#include "tests/fault/cases.hpp"
#include "tests/fault/measurement.hpp"

namespace eventbed::fault {

struct check {
  std::string name;    // what must hold, e.g. "no accepted event lost"
  bool ok = false;
  std::string detail;  // the numbers behind it
};

struct verdict {
  std::vector<check> checks;
  bool ok() const;
  std::vector<std::string> problems() const;  // "name: detail" of every failed check
};

// Every case: lost 0 (simulator and probe), duplicated 0, mismatched 0, every
// 503 with Retry-After, only the client failures the fault explains, the
// projection equal to the log, each event once in the log, the group drained,
// the simulator ran to its verdict, every process exits 0 on SIGTERM.
// Processor faults: the victim's entries were taken over (counter) and none is
// left at it. Overload: the flood was refused with 503 + Retry-After.
verdict judge(const fault_case& c, const measurement& m);

// Simulator request results the fault does not explain: "ingest timeout x3".
std::vector<std::string> unexplained_requests(const fault_case& c, const measurement& m);
// Probe outcomes the fault does not explain.
std::vector<std::string> unexplained_probe(const fault_case& c, const measurement& m);
size_t probe_503s(const measurement& m, bool without_retry_after_only);

}  // namespace eventbed::fault
