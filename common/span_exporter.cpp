#include "common/span_exporter.hpp"

#include "common/http_client.hpp"
#include "common/logging.hpp"

namespace eventbed::tracing {

namespace {

metrics::counter& dropped(metrics::registry& r, const char* reason) {
  return r.add_counter("eventbed_trace_spans_dropped_total",
                       "Spans not delivered to the OTLP collector: the queue was full, or the collector did not "
                       "take their batch",
                       {{"reason", reason}});
}

}  // namespace

span_exporter::span_exporter(exporter_settings settings, metrics::registry& registry)
    : settings_(std::move(settings)),
      exported_(registry.add_counter("eventbed_trace_spans_exported_total",
                                     "Spans the OTLP collector accepted")),
      dropped_full_(dropped(registry, "queue_full")),
      dropped_failed_(dropped(registry, "export_failed")),
      export_seconds_(registry.add_histogram("eventbed_trace_export_seconds",
                                             "Time of each OTLP export POST, answered or not",
                                             metrics::latency_buckets())) {
  queue_.reserve(settings_.max_queue);
  thread_ = std::thread([this] { run(); });
}

span_exporter::~span_exporter() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void span_exporter::push(span_data&& span) {
  bool full_batch = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (queue_.size() >= settings_.max_queue) {
      dropped_full_.inc();
      return;
    }
    queue_.push_back(std::move(span));
    full_batch = queue_.size() == settings_.max_batch;
  }
  if (full_batch)
    wake_.notify_one();
}

void span_exporter::run() {
  // One client for the thread's life keeps its connection to the collector alive.
  sim_http_client client(settings_.headers);
  std::vector<span_data> batch;
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    wake_.wait_for(lock, settings_.delay, [&] { return stopping_ || queue_.size() >= settings_.max_batch; });
    if (stopping_ && (queue_.empty() || failing_)) {
      dropped_failed_.inc(queue_.size());  // a collector that is down would hold up the stop
      return;
    }
    while (!queue_.empty()) {
      size_t n = std::min(queue_.size(), settings_.max_batch);
      batch.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.begin() + n));
      queue_.erase(queue_.begin(), queue_.begin() + n);
      lock.unlock();
      send(client, batch);
      lock.lock();
      if (stopping_ ? failing_ : queue_.size() < settings_.max_batch)
        break;
    }
  }
}

// A failure is logged when exports start failing and when they recover, not
// per batch: a collector that is down would fill the log otherwise.
void span_exporter::send(sim_http_client& client, std::vector<span_data>& batch) {
  sim_http_request req;
  req.post = true;
  req.url = settings_.url;
  req.content_type = "application/x-protobuf";
  req.body = encode_export_request(settings_.resource, batch);
  req.timeout = std::chrono::duration<double>(settings_.timeout).count();
  auto res = client.perform(req);
  export_seconds_.observe(std::chrono::duration<double>(res.done - res.sent).count());
  if (res.failed == sim_http_response::failure::none && res.status >= 200 && res.status < 300) {
    exported_.inc(batch.size());
    if (failing_)
      log::info("tracing", "the OTLP collector takes spans again");
    failing_ = false;
  } else {
    dropped_failed_.inc(batch.size());
    if (!failing_)
      log::warn("tracing", "the OTLP collector did not take " + std::to_string(batch.size()) + " spans (" +
                               res.cause() + (res.error.empty() ? "" : ": " + res.error) +
                               "); dropping spans until it does");
    failing_ = true;
  }
  batch.clear();
}

}  // namespace eventbed::tracing
