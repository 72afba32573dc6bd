#include "actors/simulator/ledger.hpp"

#include <algorithm>

namespace eventbed {

std::vector<std::pair<const char*, uint64_t>> named_counts(const ledger_counts& c) {
  return {{"scheduled", c.scheduled}, {"sent", c.sent},       {"accepted", c.accepted},
          {"rejected", c.rejected},   {"dropped", c.dropped}, {"processed", c.processed},
          {"failed", c.failed},       {"lost", c.lost},       {"unverified", c.unverified},
          {"duplicated", c.duplicated}, {"mismatched", c.mismatched}, {"late", c.late}};
}

ledger_counts operator-(const ledger_counts& a, const ledger_counts& b) {
  return {a.scheduled - b.scheduled,   a.sent - b.sent,
          a.accepted - b.accepted,     a.rejected - b.rejected,
          a.dropped - b.dropped,       a.processed - b.processed,
          a.failed - b.failed,         a.lost - b.lost,
          a.lost_never_found - b.lost_never_found, a.lost_stuck - b.lost_stuck,
          a.unverified - b.unverified, a.duplicated - b.duplicated,
          a.mismatched - b.mismatched, a.late - b.late};
}

ledger::ledger(ledger_options opts) : opts_(opts) {}

ledger::entry* ledger::find(uint64_t seq) {
  auto it = entries_.find(seq);
  return it == entries_.end() ? nullptr : &it->second;
}

void ledger::sample(std::vector<uint64_t>& into, uint64_t seq) const {
  if (into.size() < opts_.samples)
    into.push_back(seq);
}

void ledger::scheduled(uint64_t seq, double at) {
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
    entries_.erase(seq);
    ++counts_.dropped;
  }
}

void ledger::rejected(uint64_t seq) {
  if (auto* e = find(seq); e && e->st == state::sending) {
    entries_.erase(seq);
    ++counts_.rejected;
  }
}

void ledger::accepted(uint64_t seq, double at) {
  auto* e = find(seq);
  if (!e || e->st == state::accepted)
    return;
  if (e->st == state::scheduled)
    ++counts_.sent;
  e->st = state::accepted;
  e->accepted_at = at;
  ++counts_.accepted;
  last_accepted_ = std::max(last_accepted_, at);
  polls_.push({at + opts_.first_poll, seq});
}

void ledger::duplicated(uint64_t seq) {
  if (auto* e = find(seq); e && !e->duplicated) {
    e->duplicated = true;
    ++counts_.duplicated;
    sample(duplicated_seqs_, seq);
  }
}

void ledger::duplicate_claims(uint64_t n) {
  counts_.duplicated += n;
}

void ledger::mismatched(uint64_t seq) {
  if (auto* e = find(seq); e && !e->mismatched) {
    e->mismatched = true;
    ++counts_.mismatched;
    sample(mismatched_seqs_, seq);
  }
}

void ledger::lose(uint64_t seq, const entry& e) {
  ++counts_.lost;
  ++(e.found ? counts_.lost_stuck : counts_.lost_never_found);
  sample(lost_seqs_, seq);
}

std::vector<uint64_t> ledger::due(double now, size_t max) {
  std::vector<uint64_t> out;
  while (!polls_.empty() && out.size() < max && polls_.top().at <= now) {
    uint64_t seq = polls_.top().seq;
    polls_.pop();
    auto it = entries_.find(seq);
    if (it == entries_.end() || it->second.st != state::accepted)
      continue;
    if (opts_.lose_after >= 0 && now >= it->second.accepted_at + opts_.lose_after) {
      lose(seq, it->second);
      entries_.erase(it);
      continue;
    }
    out.push_back(seq);
  }
  return out;
}

void ledger::schedule_next(uint64_t seq, const entry& e, double issued, double completed) {
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
    schedule_next(seq, *e, issued, completed);
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
    ++(ok ? counts_.processed : counts_.failed);
    v.terminal = true;
    v.visible_latency = completed - e->accepted_at;
    if (!e->late) {
      v.process = poll_verdict::processing::visible;
      v.process_at = completed;
    }
    entries_.erase(seq);  // verified: nothing more is owed on it
    return v;
  }
  if (issued >= deadline_at && !e->late) {
    e->late = true;
    ++counts_.late;
    v.process = poll_verdict::processing::late;
    v.process_at = e->accepted_at;
  }
  schedule_next(seq, *e, issued, completed);
  return v;
}

size_t ledger::pending() const {
  return counts_.accepted - counts_.processed - counts_.failed - counts_.lost - counts_.unverified;
}

double ledger::last_accepted() const {
  return last_accepted_;
}

void ledger::finish(double now) {
  std::vector<uint64_t> seqs;
  for (const auto& [seq, e] : entries_)
    seqs.push_back(seq);
  std::sort(seqs.begin(), seqs.end());  // samples name the earliest events
  for (uint64_t seq : seqs) {
    const auto& e = entries_[seq];
    switch (e.st) {
      case state::scheduled:
        ++counts_.dropped;
        break;
      case state::sending:
        ++counts_.rejected;
        break;
      case state::accepted:
        if (now >= e.accepted_at + opts_.deadline)
          lose(seq, e);
        else
          ++counts_.unverified;
        break;
    }
  }
  entries_.clear();
  polls_ = {};
}

}  // namespace eventbed
