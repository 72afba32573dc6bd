// Reads the log's tail one batch ahead of the projector.
//
// A replay is a loop of "read a batch from Redis, apply it to SQLite". Done in
// turn on one thread, Redis (serving XREAD) and the reply parsing wait while
// SQLite works and the other way round. This reader runs the reads on a
// thread and Redis connection of its own, so the projector can ask for batch k+1 before
// it applies batch k and find it parsed when it is done: a replay then takes
// about as long as the slower half instead of the sum of both (measured in
// bench/README.md, case 5).
//
// The projector uses it only after a full batch, when more is certainly
// waiting; caught up, it reads on its own thread. The reader's
// thread starts with the first read ahead and lives as long as the reader.
//
// One request at a time: start() when nothing is pending, then take(). Not
// thread-safe itself; the projector is its only user.
#pragma once

#include <chrono>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>

#include "storage/event_log.hpp"
#include "storage/projection.hpp"
#include "storage/redis_connection.hpp"

namespace eventbed {

class log_tail_reader {
 public:
  // Does not connect: the first read does (and reconnects after an error).
  log_tail_reader(redis_endpoint endpoint, size_t batch, log_names names = {});
  // Waits for a read in flight (at most its block time plus Redis's I/O
  // timeout) and stops the thread.
  ~log_tail_reader();
  log_tail_reader(const log_tail_reader&) = delete;
  log_tail_reader& operator=(const log_tail_reader&) = delete;

  // Starts reading up to `batch` entries of each stream after `from`, waiting
  // up to `block` when there are none. Precondition: !pending().
  void start(const checkpoint& from, std::chrono::milliseconds block);

  bool pending() const { return pending_; }
  // Where the pending read starts: a caller whose position moved since (an
  // apply that failed) takes the batch and drops it.
  const checkpoint& pending_from() const { return from_; }

  // Waits for the pending read. Throws what the read threw (storage_error on
  // a Redis failure). Precondition: pending().
  event_log::tail_batch take();

 private:
  enum class state { idle, requested, done };
  void run();  // the reader thread

  std::unique_ptr<redis_connection> conn_;  // used by the reader thread only
  std::unique_ptr<event_log> log_;
  size_t batch_;
  bool pending_ = false;  // the caller's view, touched by the caller's thread only

  std::mutex mu_;  // guards everything below but thread_, except as noted
  std::condition_variable wake_, done_;
  state state_ = state::idle;
  bool stopping_ = false;
  // Written only by the caller (in start(), under mu_), so the caller also
  // reads it without the lock (pending_from()).
  checkpoint from_;
  std::chrono::milliseconds block_{0};
  event_log::tail_batch result_;
  std::exception_ptr error_;
  std::thread thread_;  // started by the first start()
};

}  // namespace eventbed
