// The batching span exporter: spans are queued by the threads that end them
// and sent as OTLP/HTTP protobuf by a thread of its own.
//
// push() takes a lock for a few instructions and never waits on the network:
// past `max_queue` spans the new one is dropped and counted. The thread sends
// a batch when `max_batch` spans are waiting or `delay` has passed since the
// last send, with the blocking libcurl client (common/http_client.hpp), one
// POST at a time and `timeout` each. A batch the collector does not take (no
// answer, or not 2xx) is dropped and counted too: no retries, so a slow or
// absent collector costs eventbed at most one thread blocked on it and a
// bounded queue.
//
// Metrics (common/metrics.hpp, the process registry):
//   eventbed_trace_spans_exported_total            taken by the collector
//   eventbed_trace_spans_dropped_total{reason}     queue_full, export_failed
//   eventbed_trace_export_seconds                  each POST, answered or not
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/metrics.hpp"
#include "common/otlp_encoding.hpp"
#include "common/span_data.hpp"

namespace eventbed {
class sim_http_client;
}

namespace eventbed::tracing {

struct exporter_settings {
  std::string url;                   // the traces endpoint, e.g. http://collector:4318/v1/traces
  std::vector<std::string> headers;  // "Name: value", sent with every POST (never logged)
  std::chrono::milliseconds timeout{10000};
  std::chrono::milliseconds delay{5000};
  size_t max_queue = 2048;
  size_t max_batch = 512;
  resource_info resource;
};

class span_exporter {
 public:
  // Starts the thread.
  explicit span_exporter(exporter_settings settings, metrics::registry& registry = metrics::global());
  // Sends what is queued (each POST still bounded by the timeout; nothing
  // more once one fails, the rest is counted as dropped), then stops the thread.
  ~span_exporter();
  span_exporter(const span_exporter&) = delete;
  span_exporter& operator=(const span_exporter&) = delete;

  void push(span_data&& span);

 private:
  void run();
  void send(sim_http_client& client, std::vector<span_data>& batch);

  exporter_settings settings_;
  metrics::counter& exported_;
  metrics::counter& dropped_full_;
  metrics::counter& dropped_failed_;
  metrics::histogram& export_seconds_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::vector<span_data> queue_;
  bool stopping_ = false;
  bool failing_ = false;  // the exporter thread's own: the last POST failed
  std::thread thread_;
};

}  // namespace eventbed::tracing
