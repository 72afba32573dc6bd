// The read side of the SQLite projection: what GET /events/{id}, GET /stats
// and GET /summary answer from.
//
// Each query thread opens its own reader: a read-only connection that, in WAL
// mode, reads the last committed state without ever blocking the projector or
// being blocked by it. Every method is one SQL statement, so each answer is a
// consistent snapshot of one committed apply().
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "storage/projection.hpp"
#include "storage/widget_summary.hpp"

namespace eventbed {

struct event_record {
  std::string id, type, source, data, traceparent;
  std::string datacontenttype, attributes;  // as in `event`
  bool binary_data = false;                 // `data` is bytes, not JSON text
  std::string status;  // "accepted" | "processed" | "failed"
  int64_t accepted_at_ms = 0;
  int64_t processed_at_ms = 0;  // 0 while accepted
  uint32_t attempts = 0;        // 0 while accepted
  std::string detail;           // the result JSON if processed, the reason if failed
};

// Counts of the events the projection has seen. by_status always holds all
// three statuses and each by_type entry does too, zeros included, so a
// dashboard never has to guess whether a key is missing or zero.
struct projection_stats {
  std::map<std::string, long long> by_status;
  std::map<std::string, std::map<std::string, long long>> by_type;  // type -> status -> n
  long long total = 0;
};

class projection_reader {
 public:
  // Throws storage_error if `path` does not exist or holds no projection of
  // this schema version yet: the projector creates it, and the caller retries
  // later rather than reading an empty file that would answer 404 for everything.
  explicit projection_reader(const std::string& path);
  ~projection_reader();
  projection_reader(projection_reader&&) noexcept;
  projection_reader& operator=(projection_reader&&) noexcept;

  // nullopt for an unknown id, and also for an id the projection only knows
  // an outcome of: its event is further along the events stream than the
  // projector has read, so it has not been seen yet and will be shortly.
  // Answering it would return an event without type or data.
  std::optional<event_record> find(const std::string& id);

  // O(number of types), not O(rows): counters maintained in apply()'s transaction.
  projection_stats stats();

  // GET /summary: the months `q` matches, with the summary's coverage.
  widget_summary summary(const summary_query& q);

  checkpoint read_checkpoint();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace eventbed
