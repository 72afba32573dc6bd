// `eventbed serve`: runs the roles of one process until SIGTERM or SIGINT.
//
// Shutdown is what makes a rolling update free of downtime:
//   1. readiness turns false at once (the pod leaves the Service's endpoints);
//   2. the public port keeps serving for drain_delay while load balancers catch up;
//   3. new requests are refused with 503, requests in flight are answered;
//   4. processors and the projector finish and acknowledge their current batch;
//   5. the process exits 0. A second signal skips the rest of the drain delay.
#pragma once

#include "app/config.hpp"

namespace eventbed {

// Returns the process exit code. Must be called before any other thread starts,
// because it blocks SIGTERM and SIGINT for the whole process to wait for them.
int run_serve(const serve_config& cfg);

}  // namespace eventbed
