// The verification ledger: what happened to every event the simulator sent.
//
// Each event is followed from its scheduled time through ingest (accepted or
// rejected) and then polled through the query API until it is seen `processed`
// or `failed`. The ledger decides *when* to poll and what each answer means; the
// caller does the HTTP and the content comparison. Times are seconds since the
// run started.
//
// Verdicts:
//   accepted    ingest answered 202 for it
//   rejected    every attempt failed (no 202), so nothing is owed
//   dropped     never sent: the send backlog was full, or the run ended first
//   processed / failed   seen in that final state through GET
//   lost        accepted but never seen processed or failed: by the end of the
//               run (its deadline past), or, when lose_after is set, that long
//               after its 202; split into never found at all (404 only) and
//               found but stuck
//   unverified  accepted, not seen final, and its deadline had not yet passed
//               when the run ended (a stop cut verification short): not lost
//   duplicated  the API reported as already stored an event on its first attempt
//               (not counted when libcurl may have resent that attempt itself)
//               (it cannot have been stored before), or named an id twice
//   mismatched  a record read back differs from what was sent, or a 202 named
//               a different id
//   late        not visible within the deadline: a poll issued at or after
//               accepted_at + deadline found it neither processed nor failed
//
// Poll cadence: first at accepted + first_poll, then each gap a quarter of the
// event's age (so the visible latency is overstated by at most ~25%), never
// longer than max_interval, plus one poll exactly at the deadline.
//
// Memory: an entry is kept only while something is owed on it (being sent, or
// accepted and not yet seen final) and retired as soon as its verdict is in;
// what remains are counters and up to `samples` ids of each kind of problem.
// So the ledger's size follows the events in flight, not the run's length.
#pragma once

#include <cstddef>
#include <cstdint>
#include <queue>
#include <unordered_map>
#include <utility>
#include <vector>

namespace eventbed {

struct ledger_options {
  double deadline = 5;       // seconds from 202 to visible as processed/failed
  double first_poll = 0.01;  // seconds after the 202
  double max_interval = 1;   // longest gap between two polls of one event
  double lose_after = -1;    // seconds from 202: not final by then is lost at once; < 0: only at finish()
  size_t samples = 100;      // seqs kept of each problem kind, for the report
};

// What one GET /events/{id} said, as far as the ledger cares.
struct poll_answer {
  enum class kind { error, not_found, accepted, processed, failed };
  kind what = kind::error;
  bool content_ok = true;  // the record matched what was sent (when found)
};

// What the answer means for downtime and latency.
struct poll_verdict {
  enum class processing { unknown, visible, late };
  bool query_ok = false;                      // the GET worked: 200 or 404
  processing process = processing::unknown;
  double process_at = 0;    // visible: the poll's completion; late: when the event was accepted
  bool terminal = false;    // first sight of processed/failed
  double visible_latency = 0;  // when terminal: completion - accepted
};

struct ledger_counts {
  uint64_t scheduled = 0, sent = 0, accepted = 0, rejected = 0, dropped = 0;
  uint64_t processed = 0, failed = 0, lost = 0, lost_never_found = 0, lost_stuck = 0, unverified = 0;
  uint64_t duplicated = 0, mismatched = 0, late = 0;
};

// The counts by the names the report, its lines and the SLO expressions use
// (lost_detail aside), in the report's order.
std::vector<std::pair<const char*, uint64_t>> named_counts(const ledger_counts& c);
// Counts of an interval: the later totals minus the earlier.
ledger_counts operator-(const ledger_counts& later, const ledger_counts& earlier);

class ledger {
 public:
  explicit ledger(ledger_options opts);

  // Events are numbered 0, 1, 2, ... in schedule order; scheduled(seq) comes first.
  void scheduled(uint64_t seq, double at);
  void sent(uint64_t seq);  // an attempt starts; only the first one counts
  void dropped(uint64_t seq);
  void rejected(uint64_t seq);
  void accepted(uint64_t seq, double at);
  void duplicated(uint64_t seq);  // API reported the event as already stored
  void duplicate_claims(uint64_t n);  // same, for a batch reply that only gives a count
  void mismatched(uint64_t seq);

  // Events whose next poll is due at `now`, earliest first, at most `max`. Each
  // is in flight until polled() is called for it.
  std::vector<uint64_t> due(double now, size_t max);
  poll_verdict polled(uint64_t seq, double issued, double completed, const poll_answer& answer);

  size_t pending() const;          // accepted and not yet processed/failed
  double last_accepted() const;    // time of the newest 202, 0 if none

  // The run is over at `now`: pending events become lost (deadline passed) or unverified.
  void finish(double now);

  const ledger_counts& counts() const { return counts_; }
  size_t entries() const { return entries_.size(); }  // events something is still owed on
  // Up to opts.samples seqs of each kind, the first found, for the report.
  const std::vector<uint64_t>& lost_seqs() const { return lost_seqs_; }
  const std::vector<uint64_t>& mismatched_seqs() const { return mismatched_seqs_; }
  const std::vector<uint64_t>& duplicated_seqs() const { return duplicated_seqs_; }

 private:
  enum class state : uint8_t { scheduled, sending, accepted };
  struct entry {
    double scheduled_at = 0;
    double accepted_at = 0;
    state st = state::scheduled;
    bool found = false;
    bool late = false;
    bool deadline_checked = false;
    bool duplicated = false;
    bool mismatched = false;
  };
  struct due_poll {
    double at;
    uint64_t seq;
    bool operator>(const due_poll& o) const { return at > o.at; }
  };

  entry* find(uint64_t seq);
  void schedule_next(uint64_t seq, const entry& e, double issued, double completed);
  void lose(uint64_t seq, const entry& e);
  void sample(std::vector<uint64_t>& into, uint64_t seq) const;

  ledger_options opts_;
  std::unordered_map<uint64_t, entry> entries_;  // only events something is still owed on
  std::vector<uint64_t> lost_seqs_, mismatched_seqs_, duplicated_seqs_;
  std::priority_queue<due_poll, std::vector<due_poll>, std::greater<>> polls_;
  ledger_counts counts_;
  double last_accepted_ = 0;
};

}  // namespace eventbed
