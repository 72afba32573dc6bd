// Retention of the two streams: trimming that never removes what someone needs.
//
// The log is the source of truth, so it may only shrink below the point that
// every reader has passed:
//   events    below the oldest entry the "processors" group still has pending
//             (or has not delivered yet), and below every live projection's
//             events checkpoint;
//   outcomes  below every live projection's outcomes checkpoint;
// and, of what is left, only entries older than the retention period, which
// is what lets a new projection replica rebuild from the log.
//
// Projections announce their checkpoints with a heartbeat into one hash
// (log_names::projections). A projection silent for longer than `stale_after`
// no longer holds trimming back: a replica gone for good must not make the
// log grow forever. If it comes back, gap() tells it what it missed.
#pragma once

#include <chrono>
#include <string>

#include "storage/event_log.hpp"
#include "storage/redis_connection.hpp"

namespace eventbed {

class log_retention {
 public:
  log_retention(redis_connection& conn, log_names names = {},
                std::chrono::milliseconds stale_after = std::chrono::minutes(10));

  // Records that projection `name` has applied everything up to these ids.
  void heartbeat(const std::string& name, const std::string& events_id,
                 const std::string& outcomes_id);

  struct trim_result {
    std::string events_below = "0-0";    // MINID used ("0-0": nothing trimmed)
    std::string outcomes_below = "0-0";
    long long events_trimmed = 0;
    long long outcomes_trimmed = 0;
  };
  // Trims both streams as far as is safe and older than `retain` (0: no time
  // limit). Outcomes are only trimmed below a live projection's checkpoint or
  // the retention period, never with neither. Throws storage_error.
  trim_result trim(std::chrono::milliseconds retain);

  // The newest entry id ever trimmed from `stream` (recorded by trim() in
  // log_names::trimmed_prefix + stream) if it is newer than `applied_up_to`: the reader
  // missed entries. Else "". A reader at "0-0" on a trimmed log gets the mark
  // too: it can only know the retained part of the history.
  std::string gap(const std::string& stream, const std::string& applied_up_to);

  const log_names& names() const { return names_; }

 private:
  std::string group_safe_point();
  void projections_safe_points(std::string* events, std::string* outcomes);

  redis_connection& conn_;
  log_names names_;
  std::chrono::milliseconds stale_after_;
};

}  // namespace eventbed
