// The projector and query actors against a real redis-server and SQLite file.
#include <gtest/gtest.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <filesystem>

#include <sqlite3.h>

#include "actors/pipeline/health.hpp"
#include "common/metrics.hpp"
#include "actors/pipeline/projector.hpp"
#include "actors/pipeline/query.hpp"
#include "storage/event_log.hpp"
#include "storage/projection.hpp"
#include "storage/projection_reader.hpp"
#include "storage/redis_connection.hpp"
#include "tests/support/client_events.hpp"
#include "tests/support/deadline.hpp"
#include "tests/support/redis_server.hpp"

using namespace eventbed;

namespace {

class ProjectorTest : public ::testing::Test {
 protected:
  // Waits for the projectors to end, so none still has the SQLite file (and
  // its -wal, which closing deletes) open when the destructor removes `dir`.
  void TearDown() override {
    caf::scoped_actor self{sys};
    for (auto& a : spawned) {
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
      self->wait_for(a);
    }
  }

  void spawn_projector_actor() {
    projector_settings s;
    s.redis = parse_redis_endpoint(redis.endpoint());
    s.db_path = db;
    s.batch = 100;
    spawned.push_back(caf::actor_cast<caf::actor>(spawn_projector(sys, s, spawn_health(sys, {}))));
  }

  long long blocked_clients() {
    auto info = conn.command({"INFO", "clients"}).str;
    return std::stoll(info.substr(info.find("blocked_clients:") + 16));
  }

  std::optional<event_record> find(const std::string& id) {
    return projection_reader(db).find(id);
  }

  redis_server redis{false};
  redis_connection conn{parse_redis_endpoint(redis.endpoint())};
  event_log log{conn};
  std::string dir = [] {
    char tmpl[] = "/tmp/eventbed-projector-XXXXXX";
    return std::string(mkdtemp(tmpl));
  }();
  std::string db = dir + "/projection.db";
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  std::vector<caf::actor> spawned;

  ~ProjectorTest() override { std::filesystem::remove_all(dir); }
};

TEST_F(ProjectorTest, TailsEventsAndOutcomesIntoSqlite) {
  log.ensure_group();
  log.append({with_client_id(event{"a", "t", "src", "{\"x\":1}", ""}), with_client_id(event{"b", "t", "", "null", ""})});
  auto read = log.read_group("c", 10, std::chrono::milliseconds(10));
  outcome out;
  out.event_id = "a";
  out.detail = "{\"ok\":true}";
  out.processed_at_ms = 1234;
  log.complete({out}, {read[0].stream_id});
  spawn_projector_actor();
  ASSERT_TRUE(eventually(
      [&] {
        auto rec = std::filesystem::exists(db) ? find("a") : std::nullopt;
        return rec && rec->status == "processed";
      },
      std::chrono::seconds(10)));
  EXPECT_EQ(find("a")->source, "src");
  EXPECT_EQ(find("b")->status, "accepted");
}

TEST_F(ProjectorTest, AnIdleProjectorAppliesANewEventWhileItsReadBlocks) {
  spawn_projector_actor();
  // Caught up with the empty log: its XREAD waits on the server for new entries.
  ASSERT_TRUE(eventually([&] { return blocked_clients() == 1; }, std::chrono::seconds(10)));
  log.append({with_client_id(event{"late", "t", "", "null", ""})});
  ASSERT_TRUE(eventually([&] { return find("late").has_value(); }, std::chrono::seconds(5)));
}

TEST_F(ProjectorTest, ResumesFromItsCheckpointAfterARestart) {
  log.append({with_client_id(event{"first", "t", "", "null", ""})});
  spawn_projector_actor();
  ASSERT_TRUE(eventually([&] { return find("first").has_value(); }, std::chrono::seconds(10)));
  caf::anon_send_exit(spawned.back(), caf::exit_reason::user_shutdown);
  caf::scoped_actor self{sys};
  self->wait_for(spawned.back());
  spawned.pop_back();
  log.append({with_client_id(event{"second", "t", "", "null", ""})});
  spawn_projector_actor();
  ASSERT_TRUE(eventually([&] { return find("second").has_value(); }, std::chrono::seconds(10)));
  EXPECT_EQ(projection_reader(db).read_checkpoint().events,
            conn.command({"XREVRANGE", "eventbed:events", "+", "-", "COUNT", "1"})
                .elements[0].elements[0].str);
}

// During a replay the next batch is read while the current one is applied.
// When that apply fails (here: a trigger planted in the file aborts the insert
// of one event), the batch read ahead must be dropped and the failed batch
// read again: applying the read-ahead one would skip a whole batch.
TEST_F(ProjectorTest, AFailedApplyDuringAReplayRereadsItsBatch) {
  projection{db};  // the schema, so the trigger can be planted before the projector starts
  sqlite3* admin = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &admin), SQLITE_OK);
  sqlite3_busy_timeout(admin, 10000);
  ASSERT_EQ(sqlite3_exec(admin,
                         "CREATE TRIGGER fail_e50 BEFORE INSERT ON events WHEN NEW.id = 'e50' "
                         "BEGIN SELECT RAISE(ABORT, 'injected'); END",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  std::vector<event> events;
  for (int i = 0; i < 1000; ++i) events.push_back(event{"e" + std::to_string(i), "t", "", "null", ""});
  log.append(with_client_ids(events));

  // The series the projector resolves (common/actor_metrics.hpp).
  auto& failures = metrics::global().add_counter("eventbed_actor_failures_total", "",
                                                  {{"actor", "projector"}});
  auto failures_before = failures.value();
  spawn_projector_actor();  // batch 100: the first batch (e0..e99) fails with the second read ahead
  bool failed = eventually([&] { return failures.value() > failures_before; }, std::chrono::seconds(10));
  sqlite3_exec(admin, "DROP TRIGGER fail_e50", nullptr, nullptr, nullptr);
  sqlite3_close(admin);
  ASSERT_TRUE(failed) << "the planted trigger never failed an apply";

  ASSERT_TRUE(eventually([&] { return projection_reader(db).stats().total == 1000; }, std::chrono::seconds(10)))
      << projection_reader(db).stats().total;
  for (int i = 0; i < 1000; i += 50) EXPECT_TRUE(find("e" + std::to_string(i)).has_value()) << i;
}

TEST_F(ProjectorTest, QueryActorFindsRowsAndAnswersNotFound) {
  log.append({with_client_id(event{"q1", "kind", "", "[1,2]", ""})});
  spawn_projector_actor();
  ASSERT_TRUE(eventually([&] { return find("q1").has_value(); }, std::chrono::seconds(10)));
  auto query = spawn_query(sys, db);
  spawned.push_back(caf::actor_cast<caf::actor>(query));
  caf::scoped_actor self{sys};
  self->request(query, std::chrono::seconds(5), find_atom::value, std::string("q1"))
      .receive([](event_record& rec) { EXPECT_EQ(rec.data, "[1,2]"); },
               [&](caf::error& e) { ADD_FAILURE() << sys.render(e); });
  self->request(query, std::chrono::seconds(5), find_atom::value, std::string("nope"))
      .receive([](event_record&) { ADD_FAILURE() << "found a missing id"; },
               [](caf::error& e) {
                 EXPECT_EQ(e.code(), static_cast<uint8_t>(errc::not_found));
               });
  self->request(query, std::chrono::seconds(5), stats_atom::value)
      .receive([](projection_stats& st) { EXPECT_EQ(st.total, 1); },
               [&](caf::error& e) { ADD_FAILURE() << sys.render(e); });
}

TEST_F(ProjectorTest, RebuildsAProjectionWrittenWithAnotherSchemaVersion) {
  {
    sqlite3* old = nullptr;
    ASSERT_EQ(sqlite3_open(db.c_str(), &old), SQLITE_OK);
    sqlite3_exec(old, "CREATE TABLE events(id TEXT); PRAGMA user_version = 1;", nullptr, nullptr,
                 nullptr);
    sqlite3_close(old);
  }
  log.append({with_client_id(event{"kept", "t", "", "null", ""})});
  spawn_projector_actor();
  ASSERT_TRUE(eventually([&] { return find("kept").has_value(); }, std::chrono::seconds(10)));
  EXPECT_EQ(stored_projection_schema(db), projection_schema_version);
}

}  // namespace
