#include "common/metrics.hpp"

#include <algorithm>
#include <stdexcept>

namespace eventbed::metrics {

// The header's promise, "a relaxed atomic add per call, no lock", on every
// architecture the image is built for: on 32-bit armv7 the 64-bit counters
// and the double sums are lock-free through LDREXD/STREXD (8-byte aligned by
// std::atomic). A target without 64-bit atomics fails here, not in a
// libatomic lock under load.
static_assert(std::atomic<uint64_t>::is_always_lock_free, "64-bit counters need lock-free atomics");
static_assert(std::atomic<double>::is_always_lock_free, "gauges and sums need lock-free atomics");

namespace {

void atomic_add(std::atomic<double>& target, double v) noexcept {
  double cur = target.load(std::memory_order_relaxed);
  while (!target.compare_exchange_weak(cur, cur + v, std::memory_order_relaxed)) {
  }
}

}  // namespace

void gauge::add(double v) noexcept {
  atomic_add(value_, v);
}

histogram::histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)),
      buckets_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  if (!std::is_sorted(bounds_.begin(), bounds_.end()))
    throw std::invalid_argument("histogram bounds must be sorted");
  for (size_t i = 0; i <= bounds_.size(); ++i)
    buckets_[i].store(0, std::memory_order_relaxed);
}

void histogram::observe(double v) noexcept {
  auto it = std::lower_bound(bounds_.begin(), bounds_.end(), v);
  buckets_[it - bounds_.begin()].fetch_add(1, std::memory_order_relaxed);
  atomic_add(sum_, v);
}

histogram::snapshot histogram::read() const {
  snapshot s;
  s.bounds = bounds_;
  uint64_t running = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(running);
  }
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

const std::vector<double>& http_duration_buckets() {
  static const std::vector<double> b = {0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25,
                                        0.5,   0.75, 1,     2.5,  5,     7.5, 10};
  return b;
}

const std::vector<double>& latency_buckets() {
  static const std::vector<double> b = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                        0.01,    0.025,  0.05,    0.1,    0.25,  0.5,    1, 2.5};
  return b;
}

const std::vector<double>& size_buckets() {
  static const std::vector<double> b = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000};
  return b;
}

registry::family& registry::family_for(const std::string& name, const std::string& help,
                                       kind type) {
  for (auto& f : families_)
    if (f.name == name) {
      if (f.type != type)
        throw std::invalid_argument("metric " + name + " registered with two types");
      return f;
    }
  families_.push_back(family{name, help, type, {}});
  return families_.back();
}

counter& registry::add_counter(const std::string& name, const std::string& help, labels l) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& f = family_for(name, help, kind::counter);
  for (auto& s : f.members)
    if (s.label_set == l)
      return *s.c;
  counters_.emplace_back();
  f.members.push_back(series{std::move(l), &counters_.back(), nullptr, nullptr});
  return counters_.back();
}

gauge& registry::add_gauge(const std::string& name, const std::string& help, labels l) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& f = family_for(name, help, kind::gauge);
  for (auto& s : f.members)
    if (s.label_set == l)
      return *s.g;
  gauges_.emplace_back();
  f.members.push_back(series{std::move(l), nullptr, &gauges_.back(), nullptr});
  return gauges_.back();
}

histogram& registry::add_histogram(const std::string& name, const std::string& help,
                                   const std::vector<double>& bounds, labels l) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& f = family_for(name, help, kind::histogram);
  for (auto& s : f.members)
    if (s.label_set == l)
      return *s.h;
  histograms_.emplace_back(bounds);
  f.members.push_back(series{std::move(l), nullptr, nullptr, &histograms_.back()});
  return histograms_.back();
}

void registry::add_collector(std::function<void(std::string&)> fn) {
  std::lock_guard<std::mutex> lock(mu_);
  collectors_.push_back(std::move(fn));
}

std::string registry::render() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  out.reserve(16 * 1024);
  for (const auto& f : families_) {
    write_family(out, f.name, f.type, f.help);
    for (const auto& s : f.members) {
      if (s.c) {
        write_sample(out, f.name, s.label_set, double(s.c->value()));
      } else if (s.g) {
        write_sample(out, f.name, s.label_set, s.g->value());
      } else {
        auto snap = s.h->read();
        write_histogram(out, f.name, s.label_set, snap.bounds, snap.cumulative, snap.sum);
      }
    }
  }
  for (const auto& fn : collectors_)
    fn(out);
  return out;
}

registry& global() {
  static registry r;
  return r;
}

}  // namespace eventbed::metrics
