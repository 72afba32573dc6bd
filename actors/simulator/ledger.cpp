#include "actors/simulator/ledger.hpp"

#include <algorithm>

namespace eventbed {

ledger::ledger(ledger_options opts) : opts_(opts) {}

ledger::entry* ledger::find(uint64_t seq) {
  return seq < entries_.size() ? &entries_[seq] : nullptr;
}

void ledger::scheduled(uint64_t seq, double at) {
  if (seq >= entries_.size())
    entries_.resize(seq + 1);
  entries_[seq].scheduled_at = at;
  ++counts_.scheduled;
}

void ledger::sent(uint64_t seq) {
  if (auto* e = find(seq); e && e->st == state::scheduled) {
    e->st = state::sending;
    ++counts_.sent;
  }
}

void ledger::dropped(uint64_t seq) {
  if (auto* e = find(seq); e && e->st == state::scheduled) {
    e->st = state::dropped;
    ++counts_.dropped;
  }
}

void ledger::rejected(uint64_t seq) {
  if (auto* e = find(seq); e && e->st == state::sending) {
    e->st = state::rejected;
    ++counts_.rejected;
  }
}

void ledger::accepted(uint64_t seq, double at) {
  auto* e = find(seq);
  if (!e || (e->st != state::sending && e->st != state::scheduled))
    return;
  if (e->st == state::scheduled)
    ++counts_.sent;
  e->st = state::accepted;
  e->accepted_at = at;
  ++counts_.accepted;
  ++pending_;
  last_accepted_ = std::max(last_accepted_, at);
  polls_.push({at + opts_.first_poll, seq});
}

void ledger::duplicated(uint64_t seq) {
  if (auto* e = find(seq); e && !e->duplicated) {
    e->duplicated = true;
    ++counts_.duplicated;
  }
}

void ledger::duplicate_claims(uint64_t n) {
  counts_.duplicated += n;
}

void ledger::mismatched(uint64_t seq) {
  if (auto* e = find(seq); e && !e->mismatched) {
    e->mismatched = true;
    ++counts_.mismatched;
  }
}

std::vector<uint64_t> ledger::due(double now, size_t max) {
  std::vector<uint64_t> out;
  while (!polls_.empty() && out.size() < max && polls_.top().at <= now) {
    uint64_t seq = polls_.top().seq;
    polls_.pop();
    if (entries_[seq].st == state::accepted)
      out.push_back(seq);
  }
  return out;
}

void ledger::schedule_next(uint64_t seq, double issued, double completed) {
  const auto& e = entries_[seq];
  double age = issued - e.accepted_at;
  double gap = std::clamp(age / 4, opts_.first_poll, opts_.max_interval);
  double next = std::max(completed, issued + gap);
  double deadline_at = e.accepted_at + opts_.deadline;
  if (!e.deadline_checked && next > deadline_at)
    next = std::max(deadline_at, completed);
  polls_.push({next, seq});
}

poll_verdict ledger::polled(uint64_t seq, double issued, double completed, const poll_answer& answer) {
  poll_verdict v;
  v.query_ok = answer.what != poll_answer::kind::error;
  auto* e = find(seq);
  if (!e || e->st != state::accepted)
    return v;
  if (!v.query_ok) {
    schedule_next(seq, issued, completed);
    return v;
  }
  if (answer.what != poll_answer::kind::not_found) {
    e->found = true;
    if (!answer.content_ok)
      mismatched(seq);
  }
  double deadline_at = e->accepted_at + opts_.deadline;
  if (issued >= deadline_at)
    e->deadline_checked = true;
  if (answer.what == poll_answer::kind::processed || answer.what == poll_answer::kind::failed) {
    bool ok = answer.what == poll_answer::kind::processed;
    e->st = ok ? state::processed : state::failed;
    ++(ok ? counts_.processed : counts_.failed);
    --pending_;
    v.terminal = true;
    v.visible_latency = completed - e->accepted_at;
    if (!e->late) {
      v.process = poll_verdict::processing::visible;
      v.process_at = completed;
    }
    return v;
  }
  if (issued >= deadline_at && !e->late) {
    e->late = true;
    ++counts_.late;
    v.process = poll_verdict::processing::late;
    v.process_at = e->accepted_at;
  }
  schedule_next(seq, issued, completed);
  return v;
}

size_t ledger::pending() const {
  return pending_;
}

double ledger::last_accepted() const {
  return last_accepted_;
}

void ledger::finish() {
  for (uint64_t seq = 0; seq < entries_.size(); ++seq) {
    auto& e = entries_[seq];
    switch (e.st) {
      case state::scheduled:
        dropped(seq);
        break;
      case state::sending:
        rejected(seq);
        break;
      case state::accepted:
        e.st = state::lost;
        ++counts_.lost;
        ++(e.found ? counts_.lost_stuck : counts_.lost_never_found);
        break;
      default:
        break;
    }
  }
  pending_ = 0;
}

namespace {

template <class Entries, class Pred>
std::vector<uint64_t> select(const Entries& entries, size_t limit, Pred pred) {
  std::vector<uint64_t> out;
  for (uint64_t seq = 0; seq < entries.size() && out.size() < limit; ++seq)
    if (pred(entries[seq]))
      out.push_back(seq);
  return out;
}

}  // namespace

std::vector<uint64_t> ledger::lost_seqs(size_t limit) const {
  return select(entries_, limit, [](const entry& e) { return e.st == state::lost; });
}

std::vector<uint64_t> ledger::mismatched_seqs(size_t limit) const {
  return select(entries_, limit, [](const entry& e) { return e.mismatched; });
}

std::vector<uint64_t> ledger::duplicated_seqs(size_t limit) const {
  return select(entries_, limit, [](const entry& e) { return e.duplicated; });
}

}  // namespace eventbed
