#include "actors/simulator/load_driver.hpp"

namespace eventbed {

load_driver::load_driver(load_schedule requests, uint32_t batch, uint64_t max_backlog)
    : schedule_(std::move(requests)), batch_(batch), max_backlog_(max_backlog) {}

ingest_job load_driver::make_job(uint64_t request) const {
  ingest_job job;
  job.request = request;
  job.first = request * batch_;
  job.count = batch_;
  job.scheduled = schedule_.arrival(request);
  job.not_before = job.scheduled;
  return job;
}

std::vector<ingest_job> load_driver::arrive(double now) {
  std::vector<ingest_job> dropped;
  uint64_t total = schedule_.total();
  while (next_ < total) {
    auto job = make_job(next_);
    if (job.scheduled > now)
      break;
    ++next_;
    if (backlog_.size() >= max_backlog_)
      dropped.push_back(job);
    else
      backlog_.push_back(job);
  }
  return dropped;
}

std::vector<ingest_job> load_driver::take(double now, size_t slots) {
  std::vector<ingest_job> out;
  while (out.size() < slots && !retries_.empty() && retries_.top().not_before <= now) {
    out.push_back(retries_.top());
    retries_.pop();
  }
  while (out.size() < slots && !backlog_.empty()) {
    out.push_back(backlog_.front());
    backlog_.pop_front();
    if (marked_ > 0)
      --marked_;
  }
  // Whatever is left is due but found no free connection.
  overflow_ += backlog_.size() - marked_;
  marked_ = backlog_.size();
  return out;
}

void load_driver::retry(ingest_job job, double not_before) {
  ++job.attempt;
  job.not_before = not_before;
  retries_.push(job);
}

void load_driver::stop(double now) {
  if (now < schedule_.duration())
    schedule_ = schedule_.truncated(now);
  // An arrival exactly at the cut may already be out; it still counts.
  if (next_ > schedule_.total())
    next_ = schedule_.total();
}

std::vector<ingest_job> load_driver::abandon() {
  std::vector<ingest_job> out(backlog_.begin(), backlog_.end());
  backlog_.clear();
  marked_ = 0;
  while (!retries_.empty()) {
    out.push_back(retries_.top());
    retries_.pop();
  }
  return out;
}

bool load_driver::exhausted() const {
  return next_ >= schedule_.total();
}

bool load_driver::idle() const {
  return backlog_.empty() && retries_.empty();
}

size_t load_driver::queued() const {
  return backlog_.size() + retries_.size();
}

}  // namespace eventbed
