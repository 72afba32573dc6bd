// Process metrics read from /proc at scrape time: resident memory, CPU
// seconds, open file descriptors, threads and start time, under the names the
// Prometheus client libraries use, so standard dashboards work unchanged.
#pragma once

#include "common/metrics.hpp"

namespace eventbed::metrics {

void register_process_collector(registry& r);

}  // namespace eventbed::metrics
