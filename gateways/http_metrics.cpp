#include "gateways/http_metrics.hpp"

#include <array>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>

#include "common/metrics.hpp"

namespace eventbed {

namespace {

// One route+method: a histogram per status code, created on first use. The
// array makes the lookup an atomic load; only a status never seen before on
// this route takes the lock.
struct route_series {
  std::string route, method;
  std::array<std::atomic<metrics::histogram*>, 600> by_status{};
  std::mutex mu;

  metrics::histogram& for_status(int status) {
    auto& slot = by_status[static_cast<size_t>(status) % by_status.size()];
    if (auto* h = slot.load(std::memory_order_acquire))
      return *h;
    std::lock_guard<std::mutex> lock(mu);
    auto* h = &metrics::global().add_histogram(
        "http_server_request_duration_seconds", "Duration of HTTP server requests.",
        metrics::http_duration_buckets(),
        {{"http_route", route},
         {"http_request_method", method},
         {"http_response_status_code", std::to_string(status)}});
    slot.store(h, std::memory_order_release);
    return *h;
  }
};

// Every route the server has, plus "other" (unmatched paths) for the common
// methods, built before the server starts and read-only afterwards.
class request_recorder {
 public:
  explicit request_recorder(const http_server& server) {
    for (const auto& [method, path] : server.routes())
      add(method, path);
    for (const char* method : {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"})
      add(method, "other");
    add("_OTHER", "other");
  }

  void record(std::string_view route, std::string_view method, int status,
              std::chrono::nanoseconds d) {
    auto it = series_.find(key(method, route));
    if (it == series_.end())
      it = series_.find(key("_OTHER", "other"));
    it->second->for_status(status).observe(static_cast<double>(d.count()) / 1e9);
  }

 private:
  static std::string key(std::string_view method, std::string_view route) {
    return std::string(method) + " " + std::string(route);
  }

  void add(const std::string& method, const std::string& route) {
    auto& slot = series_[key(method, route)];
    if (!slot) {
      slot = std::make_unique<route_series>();
      slot->route = route;
      slot->method = method;
    }
  }

  std::map<std::string, std::unique_ptr<route_series>> series_;
};

}  // namespace

void instrument(http_server& server, const std::string& name) {
  auto recorder = std::make_shared<request_recorder>(server);
  server.observe([recorder](std::string_view route, std::string_view method, int status,
                            std::chrono::nanoseconds d) {
    recorder->record(route, method, status, d);
  });
  auto& active = metrics::global().add_gauge("http_server_active_requests",
                                             "HTTP requests in flight.", {{"server", name}});
  server.observe_in_flight([&active](size_t n) { active.set(static_cast<double>(n)); });
  auto& accepted = metrics::global().add_counter(
      "eventbed_http_connections_accepted_total",
      "TCP connections accepted by the HTTP server. Against the request counts, it shows "
      "whether clients reuse their connections.",
      {{"server", name}});
  server.observe_connections([&accepted] { accepted.inc(); });
}

}  // namespace eventbed
