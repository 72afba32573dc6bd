// Prometheus metrics that are cheap enough for the hot path.
//
// A metric is registered once, with its full label set, and then updated
// through a plain reference: a relaxed atomic add per call, no lock, no map
// lookup, no allocation. Only rendering (a scrape) walks the registry.
// Registration returns references that live as long as the registry, which
// never forgets a series (a dashboard would see a counter reset otherwise).
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/prometheus_text.hpp"

namespace eventbed::metrics {

class counter {
 public:
  void inc(uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class gauge {
 public:
  void set(double v) noexcept { value_.store(v, std::memory_order_relaxed); }
  void add(double v) noexcept;
  double value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class histogram {
 public:
  explicit histogram(std::vector<double> upper_bounds);
  void observe(double v) noexcept;

  struct snapshot {
    std::vector<double> bounds;
    std::vector<uint64_t> cumulative;  // one per bound, then +Inf (== count)
    double sum = 0;
  };
  snapshot read() const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_.size() + 1, non-cumulative
  std::atomic<double> sum_{0};
};

// OpenTelemetry's advised buckets for http.server.request.duration, in seconds.
const std::vector<double>& http_duration_buckets();
// For work measured in seconds from microseconds to seconds (actors, Redis, SQLite).
const std::vector<double>& latency_buckets();
// For batch sizes, 1 to 10k.
const std::vector<double>& size_buckets();

class registry {
 public:
  counter& add_counter(const std::string& name, const std::string& help, labels l = {});
  gauge& add_gauge(const std::string& name, const std::string& help, labels l = {});
  histogram& add_histogram(const std::string& name, const std::string& help,
                           const std::vector<double>& bounds, labels l = {});

  // Computed at scrape time (process RSS, lag...): `fn` appends complete
  // exposition lines (with HELP and TYPE) to the text.
  void add_collector(std::function<void(std::string&)> fn);

  // Text exposition format 0.0.4, families in registration order.
  std::string render() const;

 private:
  struct series {
    labels label_set;
    counter* c = nullptr;
    gauge* g = nullptr;
    histogram* h = nullptr;
  };
  struct family {
    std::string name, help;
    kind type;
    std::vector<series> members;
  };
  family& family_for(const std::string& name, const std::string& help, kind type);

  mutable std::mutex mu_;  // registration and rendering only
  std::deque<family> families_;
  std::deque<counter> counters_;
  std::deque<gauge> gauges_;
  std::deque<histogram> histograms_;
  std::vector<std::function<void(std::string&)>> collectors_;
};

// The process-wide registry that /metrics renders.
registry& global();

}  // namespace eventbed::metrics
