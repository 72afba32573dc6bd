#include "storage/projection_reader.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <thread>
#include <vector>

#include "storage/projection.hpp"
#include "storage/storage_error.hpp"
#include "tests/storage/projection_fixture.hpp"

namespace eventbed {
namespace {

using test::exec_sql;
using test::make_event;
using test::make_outcome;
using test::query_sql;

class ProjectionReaderTest : public test::projection_fixture {};

using status_counts = std::map<std::string, long long>;

TEST_F(ProjectionReaderTest, OpeningAMissingFileThrows) {
  EXPECT_THROW(projection_reader r(path("missing.db")), storage_error);
}

TEST_F(ProjectionReaderTest, OpeningAFileWithoutTheSchemaThrows) {
  exec_sql(path(), "PRAGMA user_version = 0");  // creates an empty database file
  EXPECT_THROW(projection_reader r(path()), storage_error);
}

TEST_F(ProjectionReaderTest, UnknownIdIsNotFound) {
  projection p(path());
  p.apply({make_event("a", "t", 1000)}, {}, {"1000-0", "0-0"});
  projection_reader r(path());
  EXPECT_FALSE(r.find("nope"));
  EXPECT_FALSE(r.find(""));
  EXPECT_TRUE(r.find("a"));
}

TEST_F(ProjectionReaderTest, SeesEachCommitOfTheWriter) {
  projection p(path());
  projection_reader r(path());  // opened before anything was written
  EXPECT_FALSE(r.find("a"));
  EXPECT_EQ(r.read_checkpoint().events, "0-0");

  p.apply({make_event("a", "t", 1000)}, {}, {"1000-0", "0-0"});
  EXPECT_EQ(r.find("a")->status, "accepted");
  EXPECT_EQ(r.read_checkpoint().events, "1000-0");
  EXPECT_EQ(r.stats().total, 1);

  p.apply({}, {make_outcome("a", outcome_status::processed, 2000)}, {"1000-0", "2000-0"});
  EXPECT_EQ(r.find("a")->status, "processed");
  EXPECT_EQ(r.read_checkpoint().outcomes, "2000-0");
  EXPECT_EQ(r.stats().by_status.at("processed"), 1);
}

// WAL lets a reader run while the writer commits, and it sees whole batches:
// once the first event of a batch is visible, so is its last.
TEST_F(ProjectionReaderTest, ReadsDuringWritesSeeWholeBatchesOnly) {
  constexpr int batches = 50, per_batch = 200;
  auto id = [](int batch, int i) { return std::to_string(batch) + "-" + std::to_string(i); };
  projection p(path());
  projection_reader r(path());
  std::thread writer([&] {
    for (int b = 0; b < batches; ++b) {
      std::vector<logged_event> events;
      for (int i = 0; i < per_batch; ++i) events.push_back(make_event(id(b, i), "t", 1000 + b));
      p.apply(events, {}, {events.back().stream_id, "0-0"});
    }
  });
  int watched = 0;
  bool whole = true;
  while (whole && watched < batches) {
    if (!r.find(id(watched, 0))) continue;
    whole = r.find(id(watched, per_batch - 1)).has_value();
    EXPECT_TRUE(whole) << "batch " << watched << " was visible in part";
    ++watched;
  }
  writer.join();
  EXPECT_EQ(r.stats().total, batches * per_batch);
}

// The query role may start while no projector has the file open (its WAL files are gone).
TEST_F(ProjectionReaderTest, ReadsAProjectionWhoseWriterHasClosed) {
  { projection(path()).apply({make_event("a", "t", 1000)}, {}, {"1000-0", "0-0"}); }
  projection_reader r(path());
  EXPECT_TRUE(r.find("a"));
  EXPECT_EQ(r.read_checkpoint().events, "1000-0");
}

TEST_F(ProjectionReaderTest, StatsCountEventsByStatusAndType) {
  projection p(path());
  projection_reader r(path());
  auto empty = r.stats();
  EXPECT_EQ(empty.total, 0);
  EXPECT_EQ(empty.by_status, (status_counts{{"accepted", 0}, {"processed", 0}, {"failed", 0}}));
  EXPECT_TRUE(empty.by_type.empty());

  p.apply({make_event("a1", "A", 1000), make_event("a2", "A", 1001), make_event("a3", "A", 1002),
           make_event("b1", "B", 1003), make_event("b2", "B", 1004)},
          {make_outcome("a1", outcome_status::processed, 2000), make_outcome("b1", outcome_status::failed, 2001),
           make_outcome("b2", outcome_status::processed, 2002),
           make_outcome("a1", outcome_status::failed, 2003),          // duplicate: not counted again
           make_outcome("x", outcome_status::processed, 2004)},       // event not seen yet: not counted
          {"1004-0", "2004-0"});

  auto s = r.stats();
  EXPECT_EQ(s.total, 5);
  EXPECT_EQ(s.by_status, (status_counts{{"accepted", 2}, {"processed", 2}, {"failed", 1}}));
  EXPECT_EQ(s.by_type.at("A"), (status_counts{{"accepted", 2}, {"processed", 1}, {"failed", 0}}));
  EXPECT_EQ(s.by_type.at("B"), (status_counts{{"accepted", 0}, {"processed", 1}, {"failed", 1}}));
  EXPECT_EQ(s.by_type.size(), 2u);

  // The late event of "x" is counted with the status its outcome already gave it.
  p.apply({make_event("x", "C", 1005)}, {}, {"1005-0", "2004-0"});
  s = r.stats();
  EXPECT_EQ(s.total, 6);
  EXPECT_EQ(s.by_type.at("C"), (status_counts{{"accepted", 0}, {"processed", 1}, {"failed", 0}}));
  EXPECT_EQ(s.by_status.at("processed"), 3);
}

// The counters must always equal a full count of the table, whatever order entries came in.
TEST_F(ProjectionReaderTest, StatsEqualAFullCountOfTheTable) {
  projection p(path());
  const char* types[] = {"t0", "t1", "t2", "t3"};
  for (int batch = 0; batch < 20; ++batch) {
    std::vector<logged_event> events;
    std::vector<logged_outcome> outcomes;
    for (int i = 0; i < 10; ++i) {
      int n = batch * 10 + i;
      events.push_back(make_event("e" + std::to_string(n), types[n % 4], 1000 + n));
      // Outcomes for ids from 30 back to 30 ahead of the events: late, early and duplicated.
      int target = n + (n % 3 == 0 ? 30 : -30);
      auto status = n % 5 == 0 ? outcome_status::failed : outcome_status::processed;
      if (target >= 0) outcomes.push_back(make_outcome("e" + std::to_string(target), status, 5000 + n));
      if (n % 7 == 0) outcomes.push_back(make_outcome("e" + std::to_string(n / 2), status, 5000 + n));
    }
    p.apply(events, outcomes, {events.back().stream_id, outcomes.back().stream_id});
  }

  const status_counts zero{{"accepted", 0}, {"processed", 0}, {"failed", 0}};
  std::map<std::string, status_counts> expected;
  status_counts expected_by_status = zero;
  long long expected_total = 0;
  for (const auto& row : query_sql(path(), "SELECT type, status, count(*) FROM events "
                                           "WHERE stream_id IS NOT NULL GROUP BY type, status")) {
    auto first = row.find('|'), second = row.rfind('|');
    std::string type = row.substr(0, first), status = row.substr(first + 1, second - first - 1);
    long long n = std::stoll(row.substr(second + 1));
    expected.try_emplace(type, zero).first->second[status] = n;
    expected_by_status[status] += n;
    expected_total += n;
  }

  auto s = projection_reader(path()).stats();
  EXPECT_EQ(s.total, 200);
  EXPECT_EQ(s.total, expected_total);
  EXPECT_EQ(s.by_status, expected_by_status);
  EXPECT_EQ(s.by_type, expected);
  EXPECT_GT(s.by_status.at("failed"), 0);
  EXPECT_GT(s.by_status.at("accepted"), 0);
}

}  // namespace
}  // namespace eventbed
