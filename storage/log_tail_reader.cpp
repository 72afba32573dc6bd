#include "storage/log_tail_reader.hpp"

#include <utility>

namespace eventbed {

log_tail_reader::log_tail_reader(redis_endpoint endpoint, size_t batch, log_names names)
    : conn_(std::make_unique<redis_connection>(std::move(endpoint))),
      log_(std::make_unique<event_log>(*conn_, std::move(names))),
      batch_(batch) {}

log_tail_reader::~log_tail_reader() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();  // after the read in flight, if any
}

void log_tail_reader::start(const checkpoint& from, std::chrono::milliseconds block) {
  // One thread for the reader's lifetime, started on first use: one thread
  // per read would also get a malloc arena per read, and the replies it
  // allocates, freed on the projector's thread, leave those arenas holding
  // tens of MB (bench/README.md, "What each design choice is worth").
  if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
  pending_ = true;
  std::lock_guard<std::mutex> lock(mu_);
  from_ = from;
  block_ = block;
  state_ = state::requested;
  wake_.notify_all();
}

event_log::tail_batch log_tail_reader::take() {
  std::unique_lock<std::mutex> lock(mu_);
  done_.wait(lock, [this] { return state_ == state::done; });
  state_ = state::idle;
  pending_ = false;
  if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
  return std::move(result_);
}

void log_tail_reader::run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || state_ == state::requested; });
    if (state_ != state::requested) return;  // stopping, nothing asked
    auto from = from_;
    auto block = block_;
    lock.unlock();
    event_log::tail_batch batch;
    std::exception_ptr error;
    try {
      batch = log_->read_tail(from.events, from.outcomes, batch_, block);
    } catch (...) {
      error = std::current_exception();
    }
    lock.lock();
    result_ = std::move(batch);
    error_ = error;
    state_ = state::done;
    done_.notify_all();
    if (stopping_) return;
  }
}

}  // namespace eventbed
