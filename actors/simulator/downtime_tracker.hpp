// Downtime windows: when a target failed, per target and reason.
//
// A window opens at the first failure and closes at the next success. Times are
// seconds since the run started, and each observation carries the time it speaks
// for, which is not the time it arrives:
//   - a failure is dated when the failing operation *started* (a request sent at
//     t that timed out says the target was not answering at t);
//   - a success is dated when the operation *completed* (the target was working
//     at least by then).
// This pessimistic pairing is what makes a stall of [T0, T1] come out as a
// window of about [T0, T1] for both dense traffic and sparse probes, whatever the
// timeouts are.
//
// Failures arrive late (after a timeout, or when a visibility deadline expires),
// so a failure may be dated before successes already seen. The tracker keeps
// recent success times (a bounded horizon) and closes such a failure at the first
// success after it, merging with a window that ended at the same success.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace eventbed {

// summary: GET /summary was incomplete or wrong for events accepted at least
// --deadline ago (the widget workload, widget_workload.hpp).
enum class downtime_reason { health, functional, summary };

const char* to_string(downtime_reason reason);

struct downtime_window {
  std::string target;
  downtime_reason reason = downtime_reason::functional;
  std::string cause;      // what the earliest failure of the window was, e.g. "timeout"
  double start = 0;
  double end = 0;         // for an open window: the `now` it was read at
  bool open = false;      // still failing when read (or when the run ended)
  uint64_t failures = 0;  // failed operations that fell into the window
};

struct downtime_total {
  std::string target;
  downtime_reason reason = downtime_reason::functional;
  double seconds = 0;
  size_t windows = 0;
  bool open = false;
};

class downtime_tracker {
 public:
  // Successes older than `horizon` seconds before the newest one are forgotten;
  // it must exceed the latest any failure can be reported (timeouts, deadline).
  explicit downtime_tracker(double horizon = 120);

  // Makes (target, reason) appear in totals with 0 s even if it never fails.
  void track(const std::string& target, downtime_reason reason);

  void failure(const std::string& target, downtime_reason reason, double at, const std::string& cause);
  void success(const std::string& target, downtime_reason reason, double at);

  // The run is over: open windows end at `at` and stay flagged open.
  void close_all(double at);

  // Windows that closed (by a success, or by close_all) since the last call,
  // each returned once, as they were when they closed.
  std::vector<downtime_window> take_closed();

  // All windows ordered by start; open ones end at `now`.
  std::vector<downtime_window> windows(double now) const;
  std::vector<downtime_total> totals(double now) const;

  // Seconds during which at least one target had a window of `reason` (overlaps counted once).
  double union_seconds(downtime_reason reason, double now) const;

 private:
  struct window {
    double start, end;
    std::string cause;
    uint64_t failures;
    bool open_at_end;  // closed by close_all, not by a success
  };
  struct series {
    std::deque<double> successes;  // ascending
    std::vector<window> closed;    // ascending by start, disjoint
    std::optional<window> open;
  };
  using key = std::pair<std::string, downtime_reason>;

  void close_in_past(series& s, const key& k, double at, double closing_success, const std::string& cause);
  void closed(const key& k, const window& w);

  double horizon_;
  std::map<key, series> series_;
  std::vector<downtime_window> newly_closed_;
};

}  // namespace eventbed
