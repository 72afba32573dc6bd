#include "storage/projection.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "storage/projection_dump.hpp"
#include "storage/projection_reader.hpp"
#include "storage/storage_error.hpp"
#include "tests/storage/projection_fixture.hpp"

namespace eventbed {
namespace {

using test::exec_sql;
using test::make_event;
using test::make_outcome;
using test::query_sql;

class ProjectionTest : public test::projection_fixture {};

checkpoint at(const std::string& events, const std::string& outcomes) { return checkpoint{events, outcomes}; }

TEST_F(ProjectionTest, AppliedEventsAndOutcomesCanBeFound) {
  projection p(path());
  p.apply({make_event("a", "order.created", 1000), make_event("b", "order.paid", 1001)},
          {make_outcome("a", outcome_status::processed, 2000, 2, R"({"total":3})")}, at("1001-0", "2000-0"));

  projection_reader r(path());
  auto a = r.find("a");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->id, "a");
  EXPECT_EQ(a->type, "order.created");
  EXPECT_EQ(a->source, "test/order.created");
  EXPECT_EQ(a->data, R"({"id":"a","n":1})");
  EXPECT_EQ(a->traceparent, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  EXPECT_EQ(a->status, "processed");
  EXPECT_EQ(a->accepted_at_ms, 1000);
  EXPECT_EQ(a->processed_at_ms, 2000);
  EXPECT_EQ(a->attempts, 2u);
  EXPECT_EQ(a->detail, R"({"total":3})");

  auto b = r.find("b");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->status, "accepted");
  EXPECT_EQ(b->accepted_at_ms, 1001);
  EXPECT_EQ(b->processed_at_ms, 0);
  EXPECT_EQ(b->attempts, 0u);
  EXPECT_EQ(b->detail, "");
}

// A CloudEvent with a non-JSON payload: bytes that are not UTF-8, with a NUL.
logged_event cloud_event(const std::string& id, int64_t ms) {
  logged_event e = make_event(id, "com.example.upload", ms);
  e.ev.data = std::string("\x00\xff\xfe raw\r\n", 9);
  e.ev.binary_data = true;
  e.ev.datacontenttype = "application/octet-stream";
  e.ev.attributes = R"({"sequence":5,"subject":"a b"})";
  return e;
}

TEST_F(ProjectionTest, CloudEventsAttributesAndBytesComeBackExactly) {
  projection p(path());
  // Every way a row gets its event: alone, with its outcome in one INSERT,
  // and filled into a row its outcome created first.
  p.apply({cloud_event("alone", 1000), cloud_event("with-outcome", 1001)},
          {make_outcome("with-outcome", outcome_status::processed, 2000),
           make_outcome("outcome-first", outcome_status::processed, 2001)},
          at("1001-0", "2001-0"));
  p.apply({cloud_event("outcome-first", 1002), make_event("json", "t", 1003)}, {}, at("1003-0", "2001-0"));

  projection_reader r(path());
  for (const char* id : {"alone", "with-outcome", "outcome-first"}) {
    auto got = r.find(id);
    ASSERT_TRUE(got) << id;
    const logged_event expected = cloud_event(id, 0);
    EXPECT_EQ(got->data, expected.ev.data) << id;
    EXPECT_TRUE(got->binary_data) << id;
    EXPECT_EQ(got->datacontenttype, "application/octet-stream") << id;
    EXPECT_EQ(got->attributes, expected.ev.attributes) << id;
  }
  auto json = r.find("json");
  ASSERT_TRUE(json);
  EXPECT_FALSE(json->binary_data);
  EXPECT_EQ(json->datacontenttype, "");
  EXPECT_EQ(json->attributes, "");
  EXPECT_EQ(query_sql(path(), "SELECT id, typeof(data) FROM events ORDER BY id"),
            (std::vector<std::string>{"alone|blob", "json|text", "outcome-first|blob", "with-outcome|blob"}));
}

TEST_F(ProjectionTest, CheckpointStartsAtZeroAndPersistsAcrossReopen) {
  {
    projection p(path());
    auto fresh = p.read_checkpoint();
    EXPECT_EQ(fresh.events, "0-0");
    EXPECT_EQ(fresh.outcomes, "0-0");
    p.apply({make_event("a", "t", 1000)}, {}, at("1000-0", "0-0"));
    p.apply({}, {make_outcome("a", outcome_status::processed, 2000)}, at("1000-0", "2000-0"));
  }
  projection reopened(path());
  auto c = reopened.read_checkpoint();
  EXPECT_EQ(c.events, "1000-0");
  EXPECT_EQ(c.outcomes, "2000-0");
  EXPECT_EQ(projection_reader(path()).find("a")->status, "processed");
}

// A row fails half way through the batch: the rows before it and the checkpoint must not move.
TEST_F(ProjectionTest, FailureMidBatchMovesNeitherRowsNorCheckpoint) {
  projection p(path());
  p.apply({make_event("a", "t", 1000)}, {}, at("1000-0", "0-0"));
  auto before = dump_projection(path());
  exec_sql(path(), "CREATE TRIGGER inject BEFORE INSERT ON events WHEN new.id = 'boom' "
                   "BEGIN SELECT RAISE(ABORT, 'injected failure'); END;");

  std::vector<logged_event> batch = {make_event("b", "t", 1001), make_event("boom", "t", 1002),
                                     make_event("c", "t", 1003)};
  std::vector<logged_outcome> outcomes = {make_outcome("a", outcome_status::processed, 2000)};
  try {
    p.apply(batch, outcomes, at("1003-0", "2000-0"));
    FAIL() << "apply should have thrown";
  } catch (const storage_error& e) {
    EXPECT_NE(std::string(e.what()).find("injected failure"), std::string::npos) << e.what();
  }

  exec_sql(path(), "DROP TRIGGER inject");
  EXPECT_EQ(dump_projection(path()), before);
  EXPECT_EQ(p.read_checkpoint().events, "1000-0");
  EXPECT_EQ(p.read_checkpoint().outcomes, "0-0");

  // The connection is usable again: retrying the batch applies all of it.
  p.apply(batch, outcomes, at("1003-0", "2000-0"));
  EXPECT_EQ(p.read_checkpoint().events, "1003-0");
  projection_reader r(path());
  EXPECT_TRUE(r.find("boom"));
  EXPECT_EQ(r.find("a")->status, "processed");
}

// The checkpoint write itself fails, after every row: none of the rows may stay.
TEST_F(ProjectionTest, FailureStoringCheckpointDropsTheBatchRows) {
  projection p(path());
  p.apply({make_event("a", "t", 1000)}, {}, at("1000-0", "0-0"));
  auto before = dump_projection(path());
  exec_sql(path(), "CREATE TRIGGER inject BEFORE UPDATE ON checkpoints "
                   "BEGIN SELECT RAISE(ABORT, 'injected failure'); END;");

  EXPECT_THROW(p.apply({make_event("b", "t", 1001)}, {make_outcome("a", outcome_status::failed, 2000)},
                       at("1001-0", "2000-0")),
               storage_error);

  exec_sql(path(), "DROP TRIGGER inject");
  EXPECT_EQ(dump_projection(path()), before);
  EXPECT_FALSE(projection_reader(path()).find("b"));
}

TEST_F(ProjectionTest, ReplayingABatchChangesNothing) {
  projection p(path());
  std::vector<logged_event> events = {make_event("a", "t1", 1000), make_event("b", "t2", 1001)};
  std::vector<logged_outcome> outcomes = {make_outcome("a", outcome_status::processed, 2000),
                                          make_outcome("b", outcome_status::failed, 2001, 5, "timeout"),
                                          make_outcome("z", outcome_status::processed, 2002)};
  p.apply(events, outcomes, at("1001-0", "2002-0"));
  auto first = dump_projection(path());

  p.apply(events, outcomes, at("1001-0", "2002-0"));
  EXPECT_EQ(dump_projection(path()), first);
  p.apply(events, {}, at("1001-0", "2002-0"));  // the events alone, as after a crash between reads
  EXPECT_EQ(dump_projection(path()), first);
}

TEST_F(ProjectionTest, OutcomeBeforeItsEventWaitsForTheEvent) {
  projection p(path());
  projection_reader r(path());
  p.apply({}, {make_outcome("a", outcome_status::failed, 2000, 3, "handler threw")}, at("0-0", "2000-0"));
  EXPECT_FALSE(r.find("a")) << "an outcome alone is not an event yet";
  EXPECT_EQ(r.stats().total, 0);

  p.apply({make_event("a", "t", 1000)}, {}, at("1000-0", "2000-0"));
  auto a = r.find("a");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->type, "t");
  EXPECT_EQ(a->data, R"({"id":"a","n":1})");
  EXPECT_EQ(a->accepted_at_ms, 1000);
  EXPECT_EQ(a->status, "failed") << "the late event must not reset the status to accepted";
  EXPECT_EQ(a->detail, "handler threw");
  EXPECT_EQ(a->attempts, 3u);
  EXPECT_EQ(a->processed_at_ms, 2000);
}

TEST_F(ProjectionTest, FirstOutcomeInStreamOrderWins) {
  projection p(path());
  projection_reader r(path());
  // Two outcomes for "a" in one batch, a third in a later one; two for "b" before its event.
  p.apply({make_event("a", "t", 1000)},
          {make_outcome("a", outcome_status::processed, 2000, 1, "first"),
           make_outcome("a", outcome_status::failed, 2001, 2, "second"),
           make_outcome("b", outcome_status::failed, 2002, 4, "b first"),
           make_outcome("b", outcome_status::processed, 2003, 5, "b second")},
          at("1000-0", "2003-0"));
  p.apply({make_event("b", "t", 1001)}, {make_outcome("a", outcome_status::failed, 2004, 3, "third")},
          at("1001-0", "2004-0"));

  auto a = r.find("a");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->status, "processed");
  EXPECT_EQ(a->detail, "first");
  EXPECT_EQ(a->attempts, 1u);
  EXPECT_EQ(a->processed_at_ms, 2000);
  auto b = r.find("b");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->status, "failed");
  EXPECT_EQ(b->detail, "b first");
  EXPECT_EQ(b->attempts, 4u);
}

// An event and its outcome in one batch take one INSERT (the replay fast
// path); an id whose outcome row came in an earlier batch still keeps that
// earlier outcome; counts are the same either way.
TEST_F(ProjectionTest, EventWithItsOutcomeInOneBatchIsProcessedAndCountedOnce) {
  projection p(path());
  p.apply({}, {make_outcome("b", outcome_status::failed, 1900, 3, "b early")}, at("0-0", "1900-0"));
  p.apply({make_event("a", "t", 1000), make_event("b", "t", 1001), make_event("a", "t", 1002)},
          {make_outcome("a", outcome_status::processed, 2000, 1, "a first"),
           make_outcome("b", outcome_status::processed, 2001, 1, "b late"),
           make_outcome("a", outcome_status::failed, 2002, 2, "a second")},
          at("1002-0", "2002-0"));

  projection_reader r(path());
  auto a = r.find("a");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->status, "processed");
  EXPECT_EQ(a->detail, "a first");
  EXPECT_EQ(a->accepted_at_ms, 1000);
  EXPECT_EQ(a->processed_at_ms, 2000);
  auto b = r.find("b");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->status, "failed");
  EXPECT_EQ(b->detail, "b early");
  EXPECT_EQ(b->accepted_at_ms, 1001);
  auto stats = r.stats();
  EXPECT_EQ(stats.total, 2);
  EXPECT_EQ(stats.by_status["processed"], 1);
  EXPECT_EQ(stats.by_status["failed"], 1);
  EXPECT_EQ(stats.by_status["accepted"], 0);
}

// The events stream can hold an id twice (a client retried after its dedupe
// key expired): the first entry is the event, as for outcomes.
TEST_F(ProjectionTest, FirstEventInStreamOrderWins) {
  projection p(path());
  auto again = make_event("a", "other.type", 1500);
  again.ev.data = R"({"second":"copy"})";
  p.apply({make_event("a", "t", 1000), again}, {}, at("1500-0", "0-0"));
  p.apply({again}, {}, at("1500-0", "0-0"));

  auto a = projection_reader(path()).find("a");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->type, "t");
  EXPECT_EQ(a->data, R"({"id":"a","n":1})");
  EXPECT_EQ(a->accepted_at_ms, 1000);
}

// A log with duplicate outcomes, a duplicate event entry, events that never
// got an outcome and ids in no particular order.
struct log_entries {
  std::vector<logged_event> events;
  std::vector<logged_outcome> outcomes;
};

log_entries make_log() {
  log_entries log;
  const char* types[] = {"order.created", "order.paid", "user.signup"};
  int64_t outcome_ms = 5000;
  for (int i = 0; i < 60; ++i) {
    std::string id = "ev-" + std::to_string(i * 37 % 101);
    log.events.push_back(make_event(id, types[i % 3], 1000 + i));
    if (i % 5 == 4) continue;  // still accepted
    auto status = i % 7 == 0 ? outcome_status::failed : outcome_status::processed;
    log.outcomes.push_back(make_outcome(id, status, outcome_ms++, 1, "r" + std::to_string(i)));
    if (i % 4 == 0) log.outcomes.push_back(make_outcome(id, outcome_status::failed, outcome_ms++, 2, "dup"));
  }
  log.events[20] = cloud_event(log.events[20].ev.id, 1020);  // a BLOB must replay identically too
  auto again = log.events[10];
  again.stream_id = "1100-0";
  again.ev.data = R"({"second":"copy"})";
  log.events.push_back(again);
  return log;
}

// Applies the log as a projector would, each batch taking the next
// `events_per_batch` events and `outcomes_per_batch` outcomes, so with unequal
// sizes one stream runs ahead of the other.
void rebuild(const std::string& db_path, const log_entries& log, size_t events_per_batch, size_t outcomes_per_batch) {
  projection p(db_path);
  checkpoint reached;
  size_t e = 0, o = 0;
  while (e < log.events.size() || o < log.outcomes.size()) {
    size_t e_end = std::min(log.events.size(), e + events_per_batch);
    size_t o_end = std::min(log.outcomes.size(), o + outcomes_per_batch);
    std::vector<logged_event> events(log.events.begin() + e, log.events.begin() + e_end);
    std::vector<logged_outcome> outcomes(log.outcomes.begin() + o, log.outcomes.begin() + o_end);
    if (!events.empty()) reached.events = events.back().stream_id;
    if (!outcomes.empty()) reached.outcomes = outcomes.back().stream_id;
    p.apply(events, outcomes, reached);
    e = e_end;
    o = o_end;
  }
}

TEST_F(ProjectionTest, RebuildInAnyBatchSplitIsIdentical) {
  auto log = make_log();
  rebuild(path("one_batch.db"), log, log.events.size(), log.outcomes.size());
  auto expected = dump_projection(path("one_batch.db"));
  auto event_rows = std::count_if(expected.begin(), expected.end(),
                                  [](const std::string& line) { return line.rfind("events\t", 0) == 0; });
  ASSERT_EQ(event_rows, 60);

  rebuild(path("outcomes_ahead.db"), log, 7, 11);
  rebuild(path("events_ahead.db"), log, 11, 3);
  rebuild(path("single.db"), log, 1, 1);
  EXPECT_EQ(dump_projection(path("outcomes_ahead.db")), expected);
  EXPECT_EQ(dump_projection(path("events_ahead.db")), expected);
  EXPECT_EQ(dump_projection(path("single.db")), expected);

  // Every outcome before any event: a projector whose events stream lags far behind.
  {
    projection p(path("lagging.db"));
    p.apply({}, log.outcomes, at("0-0", log.outcomes.back().stream_id));
    p.apply(log.events, {}, at(log.events.back().stream_id, log.outcomes.back().stream_id));
  }
  EXPECT_EQ(dump_projection(path("lagging.db")), expected);
}

TEST_F(ProjectionTest, RefusesAnotherSchemaVersion) {
  { projection p(path()); }
  exec_sql(path(), "PRAGMA user_version = 99");
  EXPECT_THROW(projection p(path()), storage_error);
}

TEST_F(ProjectionTest, RefusesAFileThatIsNotAProjection) {
  exec_sql(path(), "CREATE TABLE other(x)");
  EXPECT_THROW(projection p(path()), storage_error);
  EXPECT_EQ(query_sql(path(), "PRAGMA journal_mode"), std::vector<std::string>{"delete"}) << "left untouched";
}

}  // namespace
}  // namespace eventbed
