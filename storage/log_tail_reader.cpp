#include "storage/log_tail_reader.hpp"

#include <utility>

namespace eventbed {

log_tail_reader::log_tail_reader(redis_endpoint endpoint, size_t batch)
    : conn_(std::make_unique<redis_connection>(std::move(endpoint))),
      log_(std::make_unique<event_log>(*conn_)),
      batch_(batch) {}

log_tail_reader::~log_tail_reader() {
  if (result_.valid()) result_.wait();
}

void log_tail_reader::start(const checkpoint& from, std::chrono::milliseconds block) {
  from_ = from;
  // A thread per read: a replay reads batches of thousands of entries and a
  // caught-up projector one batch per block time, so thread start-up (tens of
  // microseconds) never shows, and no thread lingers between reads.
  result_ = std::async(std::launch::async, [this, from, block] {
    return log_->read_tail(from.events, from.outcomes, batch_, block);
  });
}

event_log::tail_batch log_tail_reader::take() { return result_.get(); }

}  // namespace eventbed
