#include "actors/simulator/downtime_tracker.hpp"

#include <algorithm>

namespace eventbed {

namespace {

// Successes closer together than this are one observation: the tracker only
// needs "the first success after t", and a millisecond does not change a window.
constexpr double success_resolution = 0.001;

}  // namespace

const char* to_string(downtime_reason reason) {
  switch (reason) {
    case downtime_reason::health: return "health";
    case downtime_reason::functional: return "functional";
    case downtime_reason::summary: return "summary";
  }
  return "functional";
}

downtime_tracker::downtime_tracker(double horizon) : horizon_(horizon) {}

void downtime_tracker::track(const std::string& target, downtime_reason reason) {
  series_[{target, reason}];
}

void downtime_tracker::failure(const std::string& target, downtime_reason reason, double at,
                               const std::string& cause) {
  key k{target, reason};
  auto& s = series_[k];
  if (s.open && at >= s.open->start) {
    ++s.open->failures;
    return;
  }
  auto next = std::upper_bound(s.successes.begin(), s.successes.end(), at);
  if (next != s.successes.end()) {
    close_in_past(s, k, at, *next, cause);
    return;
  }
  if (s.open) {
    // Reported late but dated earlier, with no success in between: the outage began sooner.
    s.open->start = at;
    s.open->cause = cause;
    ++s.open->failures;
    return;
  }
  for (auto& w : s.closed) {
    // Its closing success has left the horizon, but the window still covers it.
    if (at >= w.start && at <= w.end) {
      ++w.failures;
      return;
    }
  }
  s.open = window{at, at, cause, 1, false};
}

void downtime_tracker::closed(const key& k, const window& w) {
  newly_closed_.push_back({k.first, k.second, w.cause, w.start, w.end, w.open_at_end, w.failures});
}

std::vector<downtime_window> downtime_tracker::take_closed() {
  std::vector<downtime_window> out;
  out.swap(newly_closed_);
  return out;
}

void downtime_tracker::close_in_past(series& s, const key& k, double at, double closing_success,
                                     const std::string& cause) {
  for (auto& w : s.closed) {
    if (w.end == closing_success) {
      if (at < w.start) {
        w.start = at;
        w.cause = cause;
      }
      ++w.failures;
      return;
    }
    if (at >= w.start && at <= w.end) {
      ++w.failures;
      return;
    }
  }
  window w{at, closing_success, cause, 1, false};
  closed(k, w);
  auto pos = std::upper_bound(s.closed.begin(), s.closed.end(), w,
                              [](const window& a, const window& b) { return a.start < b.start; });
  s.closed.insert(pos, std::move(w));
}

void downtime_tracker::success(const std::string& target, downtime_reason reason, double at) {
  key k{target, reason};
  auto& s = series_[k];
  if (s.successes.empty() || at >= s.successes.back() + success_resolution) {
    s.successes.push_back(at);
  } else if (at < s.successes.back()) {
    s.successes.insert(std::upper_bound(s.successes.begin(), s.successes.end(), at), at);
  }
  while (!s.successes.empty() && s.successes.front() < s.successes.back() - horizon_)
    s.successes.pop_front();
  if (s.open && at >= s.open->start) {
    s.open->end = at;
    closed(k, *s.open);
    s.closed.push_back(std::move(*s.open));
    s.open.reset();
  }
}

void downtime_tracker::close_all(double at) {
  for (auto& [k, s] : series_) {
    if (!s.open)
      continue;
    s.open->end = std::max(at, s.open->start);
    s.open->open_at_end = true;
    closed(k, *s.open);
    s.closed.push_back(std::move(*s.open));
    s.open.reset();
  }
}

std::vector<downtime_window> downtime_tracker::windows(double now) const {
  std::vector<downtime_window> out;
  for (const auto& [k, s] : series_) {
    for (const auto& w : s.closed)
      out.push_back({k.first, k.second, w.cause, w.start, w.end, w.open_at_end, w.failures});
    if (s.open)
      out.push_back({k.first, k.second, s.open->cause, s.open->start, std::max(now, s.open->start), true,
                     s.open->failures});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.start < b.start; });
  return out;
}

std::vector<downtime_total> downtime_tracker::totals(double now) const {
  std::vector<downtime_total> out;
  for (const auto& [k, s] : series_) {
    downtime_total t{k.first, k.second, 0, 0, false};
    for (const auto& w : s.closed) {
      t.seconds += w.end - w.start;
      ++t.windows;
      t.open = t.open || w.open_at_end;
    }
    if (s.open) {
      t.seconds += std::max(0.0, now - s.open->start);
      ++t.windows;
      t.open = true;
    }
    out.push_back(std::move(t));
  }
  return out;
}

double downtime_tracker::union_seconds(downtime_reason reason, double now) const {
  std::vector<std::pair<double, double>> spans;
  for (const auto& w : windows(now))
    if (w.reason == reason)
      spans.emplace_back(w.start, w.end);
  std::sort(spans.begin(), spans.end());
  double total = 0, start = 0, end = -1;
  for (const auto& [a, b] : spans) {
    if (a > end) {
      total += std::max(0.0, end - start);
      start = a;
      end = b;
    } else {
      end = std::max(end, b);
    }
  }
  return total + std::max(0.0, end - start);
}

}  // namespace eventbed
