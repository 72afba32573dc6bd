#include "actors/simulator/ledger.hpp"

#include <gtest/gtest.h>


namespace eventbed {
namespace {

using kind = poll_answer::kind;

poll_answer answer(kind k, bool content_ok = true) {
  return poll_answer{k, content_ok};
}

// Schedules, sends and accepts `n` events at `at`.
ledger accepted_ledger(uint64_t n, double at, double deadline = 5) {
  ledger_options o;
  o.deadline = deadline;
  ledger l(o);
  for (uint64_t seq = 0; seq < n; ++seq) {
    l.scheduled(seq, at);
    l.sent(seq);
    l.accepted(seq, at);
  }
  return l;
}

TEST(Ledger, ProcessedEventIsVisibleWithItsLatency) {
  auto l = accepted_ledger(1, 1.0);
  EXPECT_TRUE(l.due(1.005, 10).empty());  // first poll 10 ms after the 202
  auto due = l.due(1.01, 10);
  ASSERT_EQ(due, std::vector<uint64_t>{0});
  EXPECT_TRUE(l.due(2, 10).empty());  // in flight: not handed out twice
  auto v = l.polled(0, 1.01, 1.012, answer(kind::processed));
  EXPECT_TRUE(v.query_ok);
  EXPECT_TRUE(v.terminal);
  EXPECT_EQ(v.process, poll_verdict::processing::visible);
  EXPECT_DOUBLE_EQ(v.process_at, 1.012);
  EXPECT_NEAR(v.visible_latency, 0.012, 1e-12);
  EXPECT_EQ(l.pending(), 0u);
  l.finish(100);
  auto c = l.counts();
  EXPECT_EQ(c.accepted, 1u);
  EXPECT_EQ(c.processed, 1u);
  EXPECT_EQ(c.lost, 0u);
  EXPECT_EQ(c.mismatched, 0u);
  EXPECT_TRUE(l.due(100, 10).empty());  // no more polls once final
}

TEST(Ledger, FailedIsFinalToo) {
  auto l = accepted_ledger(1, 0);
  l.due(1, 1);
  auto v = l.polled(0, 1, 1.001, answer(kind::failed));
  EXPECT_TRUE(v.terminal);
  l.finish(100);
  EXPECT_EQ(l.counts().failed, 1u);
  EXPECT_EQ(l.counts().lost, 0u);
}

TEST(Ledger, NeverFoundIsLost) {
  auto l = accepted_ledger(2, 0);
  l.due(1, 10);
  l.polled(0, 1, 1.001, answer(kind::not_found));
  l.polled(1, 1, 1.001, answer(kind::accepted));  // in the log, never processed
  l.finish(100);
  auto c = l.counts();
  EXPECT_EQ(c.lost, 2u);
  EXPECT_EQ(c.lost_never_found, 1u);
  EXPECT_EQ(c.lost_stuck, 1u);
  EXPECT_EQ(l.lost_seqs(), (std::vector<uint64_t>{0, 1}));
}

TEST(Ledger, ContentMismatchCountsOncePerEvent) {
  auto l = accepted_ledger(1, 0);
  l.due(1, 1);
  l.polled(0, 1, 1.001, answer(kind::accepted, false));
  l.due(2, 1);
  l.polled(0, 2, 2.001, answer(kind::processed, false));
  l.finish(100);
  EXPECT_EQ(l.counts().mismatched, 1u);
  EXPECT_EQ(l.counts().processed, 1u);  // mismatched, but not lost
  EXPECT_EQ(l.mismatched_seqs(), std::vector<uint64_t>{0});
}

TEST(Ledger, DuplicatesCountOncePerEventPlusBatchClaims) {
  auto l = accepted_ledger(3, 0);
  l.duplicated(1);
  l.duplicated(1);
  l.duplicate_claims(2);
  EXPECT_EQ(l.counts().duplicated, 3u);
  EXPECT_EQ(l.duplicated_seqs(), std::vector<uint64_t>{1});
}

TEST(Ledger, QueryErrorsSayNothingAboutProcessing) {
  auto l = accepted_ledger(1, 0);
  l.due(1, 1);
  auto v = l.polled(0, 1, 3, answer(kind::error));
  EXPECT_FALSE(v.query_ok);
  EXPECT_EQ(v.process, poll_verdict::processing::unknown);
  EXPECT_EQ(l.pending(), 1u);
  EXPECT_FALSE(l.due(10, 1).empty());  // polled again
}

TEST(Ledger, NotVisibleAtTheDeadlineIsLateOnce) {
  auto l = accepted_ledger(1, 10, 5);
  // Answer "accepted" to every poll until well past the deadline.
  std::vector<double> issued;
  int late_verdicts = 0;
  double late_at = -1;
  for (int ms = 10000; ms < 16500; ++ms) {
    double now = ms / 1000.0;
    for (auto seq : l.due(now, 1)) {
      issued.push_back(now);
      auto v = l.polled(seq, now, now + 0.0005, answer(kind::accepted));
      if (v.process == poll_verdict::processing::late) {
        ++late_verdicts;
        late_at = now;
      } else {
        EXPECT_EQ(v.process, poll_verdict::processing::unknown) << now;
      }
    }
  }
  EXPECT_EQ(late_verdicts, 1);
  EXPECT_NEAR(late_at, 15, 0.0015);  // the poll at exactly accepted + deadline
  EXPECT_EQ(l.counts().late, 1u);
  // Gaps grow with age, and none exceeds a second.
  for (size_t i = 1; i < issued.size(); ++i)
    EXPECT_LE(issued[i] - issued[i - 1], 1.0015);
  EXPECT_LT(issued.size(), 40u);  // a stalled pipeline costs tens of polls per event, not thousands
}

TEST(Ledger, LateVerdictCarriesTheAcceptTime) {
  auto l = accepted_ledger(1, 2, 5);
  l.due(100, 1);
  auto v = l.polled(0, 7.5, 7.6, answer(kind::not_found));
  EXPECT_EQ(v.process, poll_verdict::processing::late);
  EXPECT_DOUBLE_EQ(v.process_at, 2);  // the downtime began when the event was accepted
  l.due(100, 1);
  v = l.polled(0, 9, 9.1, answer(kind::processed));
  EXPECT_TRUE(v.terminal);
  EXPECT_EQ(v.process, poll_verdict::processing::unknown);  // a late event is no evidence of health
  EXPECT_NEAR(v.visible_latency, 7.1, 1e-12);
}

TEST(Ledger, SendOutcomesAddUp) {
  ledger l(ledger_options{});
  for (uint64_t seq = 0; seq < 6; ++seq)
    l.scheduled(seq, 0);
  l.sent(0);
  l.sent(0);  // a retry is not a second send
  l.accepted(0, 1);
  l.sent(1);
  l.rejected(1);
  l.dropped(2);
  l.sent(3);  // still in flight when the run ends: rejected
  l.finish(100);  // 4 and 5 never went out: dropped
  auto c = l.counts();
  EXPECT_EQ(c.scheduled, 6u);
  EXPECT_EQ(c.sent, 3u);
  EXPECT_EQ(c.accepted, 1u);
  EXPECT_EQ(c.rejected, 2u);
  EXPECT_EQ(c.dropped, 3u);
  EXPECT_EQ(c.lost, 1u);  // accepted, never polled
  EXPECT_EQ(c.accepted + c.rejected + c.dropped, c.scheduled);
}

TEST(Ledger, DueIsEarliestFirstAndBounded) {
  ledger l(ledger_options{});
  for (uint64_t seq = 0; seq < 5; ++seq) {
    l.scheduled(seq, 0);
    l.sent(seq);
    l.accepted(seq, 1.0 - 0.1 * double(seq));
  }
  EXPECT_EQ(l.due(2, 2), (std::vector<uint64_t>{4, 3}));
  EXPECT_EQ(l.due(2, 10), (std::vector<uint64_t>{2, 1, 0}));
  EXPECT_DOUBLE_EQ(l.last_accepted(), 1.0);
}

TEST(Ledger, VerifiedEventsAreRetiredSoMemoryFollowsWhatIsOwed) {
  // A long run's worth of events, each verified soon after its 202: the ledger
  // keeps counters, not entries, for the ones it is done with.
  ledger l(ledger_options{});
  constexpr uint64_t n = 200000;
  for (uint64_t seq = 0; seq < n; ++seq) {
    double t = double(seq) / 2000;
    l.scheduled(seq, t);
    l.sent(seq);
    if (seq % 1000 == 999) {  // one in a thousand is refused
      l.rejected(seq);
      continue;
    }
    l.accepted(seq, t + 0.001);
    for (auto due : l.due(t + 0.011, 100))
      l.polled(due, t + 0.011, t + 0.012, answer(kind::processed));
    EXPECT_LE(l.entries(), 2u);
  }
  for (auto due : l.due(200, 100))
    l.polled(due, 200, 200.001, answer(kind::processed));
  l.finish(1000);
  auto c = l.counts();
  EXPECT_EQ(c.processed, n - n / 1000);
  EXPECT_EQ(c.rejected, n / 1000);
  EXPECT_EQ(c.lost, 0u);
  EXPECT_EQ(l.entries(), 0u);
}

TEST(Ledger, LoseAfterDeclaresAnEventLostWithoutEndingTheRun) {
  ledger_options o;
  o.deadline = 5;
  o.lose_after = 15;  // deadline + grace, as a continuous run sets it
  ledger l(o);
  l.scheduled(0, 0);
  l.sent(0);
  l.accepted(0, 0);
  double t = 0;
  while (t < 14.9) {  // polled at its pace, never found
    for (auto seq : l.due(t, 10))
      l.polled(seq, t, t + 0.001, answer(kind::not_found));
    t += 0.05;
  }
  EXPECT_EQ(l.counts().lost, 0u);
  EXPECT_EQ(l.pending(), 1u);
  while (t < 16.5) {
    for (auto seq : l.due(t, 10))
      l.polled(seq, t, t + 0.001, answer(kind::not_found));
    t += 0.05;
  }
  EXPECT_EQ(l.counts().lost, 1u);
  EXPECT_EQ(l.counts().lost_never_found, 1u);
  EXPECT_EQ(l.pending(), 0u);
  EXPECT_EQ(l.entries(), 0u);
  EXPECT_EQ(l.lost_seqs(), std::vector<uint64_t>{0});
}

TEST(Ledger, AnEventStillWithinItsDeadlineAtTheEndIsUnverifiedNotLost) {
  auto l = accepted_ledger(2, 0);
  l.scheduled(2, 3);
  l.sent(2);
  l.accepted(2, 3);
  l.finish(6);  // 0 and 1 had until 5: lost; 2 had until 8
  EXPECT_EQ(l.counts().lost, 2u);
  EXPECT_EQ(l.counts().unverified, 1u);
  EXPECT_EQ(l.lost_seqs(), (std::vector<uint64_t>{0, 1}));
}

TEST(Ledger, SamplesAreBounded) {
  ledger_options o;
  o.samples = 3;
  ledger l(o);
  for (uint64_t seq = 0; seq < 10; ++seq) {
    l.scheduled(seq, 0);
    l.sent(seq);
    l.accepted(seq, 0);
    l.mismatched(seq);
  }
  EXPECT_EQ(l.counts().mismatched, 10u);
  EXPECT_EQ(l.mismatched_seqs(), (std::vector<uint64_t>{0, 1, 2}));
}

}  // namespace
}  // namespace eventbed
