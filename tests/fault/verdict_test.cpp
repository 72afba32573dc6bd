// The verdict step alone, on made-up measurements: each failure it must catch.
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/fault/cases.hpp"
#include "tests/fault/measurement.hpp"
#include "tests/fault/verdict.hpp"

namespace eventbed::fault {
namespace {

const fault_case& named(const std::string& name) {
  for (const auto* c : all_cases())
    if (c->name == name)
      return *c;
  throw std::runtime_error("no case " + name);
}

// A measurement every check accepts.
measurement clean() {
  measurement m;
  m.sim_exit = 0;
  m.has_report = true;
  m.accepted = 2800;
  m.processed = 2800;
  m.requests["ingest"]["ok"] = 2800;
  m.requests["query"]["ok"] = 5000;
  m.probe["202"] = 70;
  m.logged_events = 2870;
  m.projected = 2870;
  m.drained = true;
  m.exit_codes = {{"ingest-g1", 0}, {"query-g1", 0}};
  return m;
}

std::vector<std::string> failed(const verdict& v) {
  std::vector<std::string> out;
  for (const auto& c : v.checks)
    if (!c.ok)
      out.push_back(c.name);
  return out;
}

using names = std::vector<std::string>;

TEST(FaultVerdict, ACleanMeasurementPassesEveryCase) {
  for (const auto* c : all_cases())
    EXPECT_TRUE(judge(*c, clean()).ok()) << c->name;
}

TEST(FaultVerdict, LostByTheSimulatorOrTheProbeFails) {
  auto m = clean();
  m.lost = 1;
  EXPECT_EQ(failed(judge(named("redis-restart"), m)), names{"no accepted event lost"});
  m = clean();
  m.probe_lost = {"probe-x-3"};
  EXPECT_EQ(failed(judge(named("redis-restart"), m)), names{"no accepted event lost"});
}

TEST(FaultVerdict, A503WithoutRetryAfterFailsEvenWhereThe503IsExplained) {
  auto m = clean();
  m.probe["503 redis_unavailable"] = 4;
  EXPECT_TRUE(judge(named("redis-restart"), m).ok());
  m.probe["503 redis_unavailable NO-RETRY-AFTER"] = 1;
  EXPECT_EQ(failed(judge(named("redis-restart"), m)), names{"every 503 carries Retry-After"});
}

TEST(FaultVerdict, OnlyTheFailuresTheFaultExplainsPass) {
  auto m = clean();
  m.requests["ingest"]["timeout"] = 3;
  m.probe["timeout"] = 1;
  EXPECT_TRUE(judge(named("ingest-sigstop"), m).ok());
  EXPECT_EQ(failed(judge(named("redis-sigstop"), m)),
            (names{"clients saw only the failures the fault explains",
                   "the probe saw only the failures the fault explains"}));
  m = clean();
  m.requests["query"]["connect"] = 3;
  EXPECT_TRUE(judge(named("query-sigkill"), m).ok());
  EXPECT_FALSE(judge(named("query-sigstop"), m).ok());
  m = clean();
  m.probe["empty_reply"] = 1;  // "transport" in the simulator's words
  EXPECT_TRUE(judge(named("ingest-sigkill"), m).ok());
  EXPECT_FALSE(judge(named("processor-sigkill"), m).ok());
}

TEST(FaultVerdict, TheLogTheProjectionAndTheGroupMustAgree) {
  auto m = clean();
  m.projected = 2869;
  EXPECT_EQ(failed(judge(named("projection-rebuild"), m)), names{"the projection holds every logged event once"});
  m = clean();
  m.log_duplicate_ids = 1;
  EXPECT_EQ(failed(judge(named("ingest-sigkill"), m)), names{"each event is logged once"});
  m = clean();
  m.drained = false;
  EXPECT_EQ(failed(judge(named("slow-consumer"), m)), names{"the consumer group drained (lag and pending 0)"});
}

// After a failover the projection may hold events the log lost with the old
// primary; with --ack-replicas only events never answered 202 can be those.
TEST(FaultVerdict, AfterAFailoverTheProjectionMayHoldOnlyUnansweredEventsTheLogLost) {
  const auto& acked = named("redis-failover");
  auto m = clean();
  m.rejected = 8;
  m.probe["503 redis_unavailable"] = 2;
  m.projected = m.logged_events + 10;
  EXPECT_TRUE(judge(acked, m).ok());
  m.projected = m.logged_events + 11;
  EXPECT_EQ(failed(judge(acked, m)), names{"the projection holds every logged event once"});
  EXPECT_TRUE(judge(named("redis-failover-ack0"), m).ok()) << "reported, not judged";
  m.projected = m.logged_events - 1;
  EXPECT_EQ(failed(judge(acked, m)), names{"the projection holds every logged event once"});
  EXPECT_EQ(failed(judge(named("redis-failover-ack0"), m)), names{"the projection holds every logged event once"});
}

TEST(FaultVerdict, ProcessesAndTheSimulatorMustEndCleanly) {
  auto m = clean();
  m.exit_codes["process-1-g2"] = 134;
  EXPECT_EQ(failed(judge(named("processor-sigkill"), m)), names{"every process exits 0 on SIGTERM"});
  m = clean();
  m.sim_exit = 2;
  EXPECT_EQ(failed(judge(named("query-sigkill"), m)), names{"the simulator ran to its verdict"});
}

TEST(FaultVerdict, AProcessorVictimsEntriesMustBeTakenOverByCounter) {
  auto m = clean();
  m.fault.victim_prefix = "process-1-g1-";
  m.fault.held_at_fault = 3;
  m.victim_pending_end = 0;
  m.taken_over = 3;
  EXPECT_TRUE(judge(named("processor-sigkill"), m).ok());
  m.taken_over = 2;
  EXPECT_EQ(failed(judge(named("processor-sigkill"), m)), names{"the victim's entries were taken over"});
  m.taken_over = 3;
  m.victim_pending_end = 1;
  EXPECT_EQ(failed(judge(named("processor-sigstop"), m)), names{"no entry left at the victim"});
}

TEST(FaultVerdict, TheFloodMustBeRefusedWith503AndRetryAfter) {
  auto m = clean();
  m.fault.flood = flood_result{};
  m.fault.flood->requests = 100;
  m.fault.flood->accepted = 100;
  EXPECT_EQ(failed(judge(named("ingest-overload"), m)), names{"the flood was refused with 503"});
  m.fault.flood->rejected_503 = 50;
  m.fault.flood->without_retry_after = 1;
  EXPECT_EQ(failed(judge(named("ingest-overload"), m)), names{"every flood 503 carries Retry-After"});
}

}  // namespace
}  // namespace eventbed::fault
