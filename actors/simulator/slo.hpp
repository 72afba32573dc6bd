// The verdict of a run: did it meet the service levels it was given?
//
// The exit code of `eventbed simulate` comes from here, so a rollout experiment
// can be scripted as "roll, simulate, fail the pipeline if the SLOs broke".
#pragma once

#include <string>
#include <vector>

#include "actors/simulator/simulate_options.hpp"

namespace eventbed {

class simulation;

struct sim_verdict {
  bool ok = true;
  std::vector<std::string> violations;  // one readable line per broken limit
};

// Reads a finished simulation (after simulation::finish).
sim_verdict check_slos(const slo_limits& limits, const simulation& sim);

}  // namespace eventbed
