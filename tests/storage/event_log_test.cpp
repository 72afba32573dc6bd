#include "storage/event_log.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "storage/storage_error.hpp"
#include "tests/support/client_events.hpp"
#include "tests/support/deadline.hpp"
#include "tests/support/redis_server.hpp"

namespace eventbed {
namespace {

using namespace std::chrono_literals;
using kind = redis_reply::kind;
using field_map = std::map<std::string, std::string>;

const log_names kNames;

event make_event(const std::string& id, const std::string& type = "order.created") {
  return {id, type, "tests", R"({"n":1})", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"};
}

outcome make_outcome(const std::string& event_id, outcome_status status, const std::string& detail) {
  return {event_id, status, detail, 2, 1700000000123, "00-trace-span-01"};
}

class EventLogTest : public ::testing::Test {
 protected:
  redis_endpoint endpoint() const { return parse_redis_endpoint(server.endpoint()); }

  long long integer(const std::vector<std::string>& argv) {
    auto r = admin.command(argv);
    EXPECT_EQ(r.type, kind::integer) << r.str;
    return r.integer;
  }
  long long xlen(const std::string& stream) { return integer({"XLEN", stream}); }
  long long pending() {
    auto r = admin.command({"XPENDING", kNames.events, kNames.group});
    return r.type == kind::array ? r.elements[0].integer : -1;
  }
  // Every entry of a stream as id -> fields, to check the durable format.
  std::vector<std::pair<std::string, field_map>> entries(const std::string& stream) {
    std::vector<std::pair<std::string, field_map>> out;
    for (auto& e : admin.command({"XRANGE", stream, "-", "+"}).elements) {
      field_map f;
      for (size_t i = 0; i + 1 < e.elements[1].elements.size(); i += 2) {
        f[e.elements[1].elements[i].str] = e.elements[1].elements[i + 1].str;
      }
      out.emplace_back(e.elements[0].str, f);
    }
    return out;
  }

  // The events stream's entries as events, whatever their format.
  std::vector<event> stored_events() {
    std::vector<event> out;
    for (auto& e : admin.command({"XRANGE", kNames.events, "-", "+"}).elements)
      out.push_back(decode_event_entry(e.elements[1].elements));
    return out;
  }
  // Pins the log's format setting, as an operator does.
  void set_format(const std::string& setting) { admin.command({"SET", kNames.format, setting}); }

  redis_server server{false};
  redis_connection admin{endpoint()};
  redis_connection conn{endpoint()};
  event_log log{conn};
};

TEST_F(EventLogTest, FormatOneStoresAFieldPerMember) {
  set_format("1");
  std::vector<event> batch{make_event("p-1"), make_event("p-2", "order.paid"), make_event("p-3")};
  auto results = log.append(batch);
  ASSERT_EQ(results.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(results[i].id, batch[i].id);
    EXPECT_FALSE(results[i].duplicate);
  }
  auto stored = entries(kNames.events);
  ASSERT_EQ(stored.size(), 3u);
  EXPECT_EQ(stored[1].second, (field_map{{"id", "p-2"}, {"type", "order.paid"}, {"source", "tests"},
                                         {"data", R"({"n":1})"}, {"tp", batch[1].traceparent}}));
  EXPECT_EQ(integer({"EXISTS", kNames.dedupe_prefix + "p-1"}), 0);  // plain ids skip the dedupe path
  EXPECT_TRUE(log.append({}).empty());
  EXPECT_THROW(log.append({make_event("")}), std::invalid_argument);
}

// A CloudEvent whose payload is not JSON: bytes that are not UTF-8, with a NUL.
event cloud_event(const std::string& id) {
  event ev = make_event(id, "com.example.upload");
  ev.data = std::string("\x00\xff\xfe raw\r\n", 9);
  ev.binary_data = true;
  ev.datacontenttype = "application/octet-stream";
  ev.attributes = R"({"sequence":5,"subject":"a b","time":"2024-01-02T03:04:05Z"})";
  return ev;
}

TEST_F(EventLogTest, FormatOneStoresCloudEventsFieldsOnlyWhenTheEventHasThem) {
  set_format("1");
  // Both ways in: a plain XADD and, for a client id, the dedupe script.
  log.append({cloud_event("ce-plain"), with_client_id(cloud_event("ce-client")), make_event("json")});
  auto stored = entries(kNames.events);
  ASSERT_EQ(stored.size(), 3u);
  for (size_t i : {0, 1}) {
    const event expected = cloud_event(stored[i].second["id"]);
    EXPECT_EQ(stored[i].second, (field_map{{"id", expected.id}, {"type", "com.example.upload"}, {"source", "tests"},
                                           {"data", expected.data}, {"tp", expected.traceparent},
                                           {"ct", "application/octet-stream"}, {"attrs", expected.attributes},
                                           {"bin", "1"}}));
  }
  EXPECT_EQ(stored[2].second.size(), 5u) << "a plain event keeps the five fields";

  log.ensure_group();
  auto got = log.read_group("c1", 10, 100ms);
  ASSERT_EQ(got.size(), 3u);
  for (size_t i : {0, 1}) {
    const event expected = cloud_event(got[i].ev.id);
    EXPECT_EQ(got[i].ev.data, expected.data);
    EXPECT_TRUE(got[i].ev.binary_data);
    EXPECT_EQ(got[i].ev.datacontenttype, expected.datacontenttype);
    EXPECT_EQ(got[i].ev.attributes, expected.attributes);
  }
  EXPECT_FALSE(got[2].ev.binary_data);
  EXPECT_EQ(got[2].ev.datacontenttype, "");
  EXPECT_EQ(got[2].ev.attributes, "");
}

TEST_F(EventLogTest, AFreshLogIsWrittenInFormatTwoAndSaysSo) {
  log.append({make_event("p-1"), with_client_id(cloud_event("ce-1"))});
  EXPECT_EQ(admin.command({"GET", kNames.format}).str, "2");
  auto stored = entries(kNames.events);
  ASSERT_EQ(stored.size(), 2u);
  const std::string tp = make_event("x").traceparent;
  EXPECT_EQ(stored[0].second, (field_map{{"e", "2|3:p-1,13:order.created,5:tests,7:{\"n\":1}," +
                                                   std::to_string(tp.size()) + ":" + tp + ","}}));
  EXPECT_EQ(stored[1].second.size(), 1u) << "the dedupe script writes the packed entry too";

  log.ensure_group();
  auto got = log.read_group("c1", 10, 100ms);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].ev.id, "p-1");
  EXPECT_EQ(got[0].ev.type, "order.created");
  EXPECT_EQ(got[0].ev.data, R"({"n":1})");
  EXPECT_EQ(got[0].ev.traceparent, tp);
  EXPECT_FALSE(got[0].ev.binary_data);
  const event expected = cloud_event("ce-1");
  EXPECT_EQ(got[1].ev.data, expected.data);
  EXPECT_TRUE(got[1].ev.binary_data);
  EXPECT_EQ(got[1].ev.datacontenttype, expected.datacontenttype);
  EXPECT_EQ(got[1].ev.attributes, expected.attributes);
}

TEST_F(EventLogTest, AStreamTheConsumerGroupCreatedIsStillFresh) {
  log.ensure_group();  // XGROUP CREATE ... MKSTREAM: a stream, but no entry ever added
  log.append({make_event("p-1")});
  EXPECT_EQ(admin.command({"GET", kNames.format}).str, "2");
  EXPECT_EQ(entries(kNames.events)[0].second.count("e"), 1u);
}

TEST_F(EventLogTest, AnOlderLogStaysOnFormatOneUntilAnOperatorSetsTwo) {
  // An entry an earlier build wrote; trimmed away, it still makes the log older.
  admin.command({"XADD", kNames.events, "*", "id", "old-1", "type", "t", "source", "", "data", "1", "tp", ""});
  admin.command({"XTRIM", kNames.events, "MAXLEN", "0"});
  log.append({make_event("a-1")});
  EXPECT_EQ(entries(kNames.events)[0].second.size(), 5u);
  EXPECT_EQ(admin.command({"GET", kNames.format}).type, kind::nil) << "deciding for an older log is the operator's";

  set_format("2");
  int appended = 0;
  ASSERT_TRUE(eventually(
      [&] {
        log.append({make_event("b-" + std::to_string(appended++))});
        return entries(kNames.events).back().second.count("e") == 1;
      },
      5s, 50ms))
      << "the setting was not picked up";
  auto stored = entries(kNames.events);

  // Both formats in one log read back alike.
  log.ensure_group();
  admin.command({"XGROUP", "SETID", kNames.events, kNames.group, "0"});
  auto got = log.read_group("c1", 1000, 100ms);
  ASSERT_EQ(got.size(), stored.size());
  EXPECT_EQ(got.front().ev.id, "a-1");
  EXPECT_EQ(got.back().ev.id, "b-" + std::to_string(appended - 1));
  for (const auto& e : got) {
    EXPECT_EQ(e.ev.data, R"({"n":1})");
    EXPECT_EQ(e.ev.traceparent, make_event("x").traceparent);
  }
}

TEST_F(EventLogTest, AnEntryOfANewerFormatIsNotGuessedAt) {
  admin.command({"XADD", kNames.events, "*", "e", "3|3:n-1,"});
  log.ensure_group();
  admin.command({"XGROUP", "SETID", kNames.events, kNames.group, "0"});
  EXPECT_THROW(log.read_group("c1", 10, 100ms), storage_error);
}

TEST_F(EventLogTest, EntriesInTheFormatBeforeCloudEventsFieldsAreRead) {
  // Written as every entry was before ct, attrs and bin existed.
  const std::string tp = make_event("x").traceparent;
  admin.command({"XADD", kNames.events, "*", "id", "old-1", "type", "order.created", "source", "tests", "data",
                 R"({"n":1})", "tp", tp});
  admin.command({"XADD", kNames.events, "*", "id", "old-2", "type", "t", "source", "", "data", R"("aGk=")", "tp", tp});
  log.ensure_group();
  auto got = log.read_group("c1", 10, 100ms);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].ev.id, "old-1");
  EXPECT_EQ(got[0].ev.data, R"({"n":1})");
  EXPECT_EQ(got[1].ev.data, R"("aGk=")");
  for (const auto& e : got) {
    EXPECT_EQ(e.ev.traceparent, tp);
    EXPECT_FALSE(e.ev.binary_data);
    EXPECT_EQ(e.ev.datacontenttype, "");
    EXPECT_EQ(e.ev.attributes, "");
  }
  auto tail = log.read_tail("0-0", "0-0", 10, 0ms);
  ASSERT_EQ(tail.events.size(), 2u);
  EXPECT_EQ(tail.events[1].ev.id, "old-2");
  EXPECT_FALSE(tail.events[1].ev.binary_data);
}

TEST_F(EventLogTest, RepeatedClientIdIsADuplicateWithTheSameId) {
  auto first = log.append({with_client_id(make_event("client-1"))});
  ASSERT_EQ(first.size(), 1u);
  EXPECT_FALSE(first[0].duplicate);
  auto again = log.append({with_client_id(make_event("client-1", "something.else"))});
  ASSERT_EQ(again.size(), 1u);
  EXPECT_TRUE(again[0].duplicate);
  EXPECT_EQ(again[0].id, "client-1");
  EXPECT_EQ(xlen(kNames.events), 1);
  EXPECT_EQ(stored_events()[0].type, "order.created");
  long long ttl = integer({"TTL", kNames.dedupe_prefix + "client-1"});
  EXPECT_GT(ttl, 86000);
  EXPECT_LE(ttl, 86400);
}

TEST_F(EventLogTest, DedupeTtlIsConfigurable) {
  event_log short_memory(conn, kNames, std::chrono::seconds(120));
  short_memory.append({with_client_id(make_event("client-ttl"))});
  long long ttl = integer({"TTL", kNames.dedupe_prefix + "client-ttl"});
  EXPECT_GT(ttl, 0);
  EXPECT_LE(ttl, 120);
  EXPECT_THROW(event_log(conn, kNames, std::chrono::seconds(0)), std::invalid_argument);
}

TEST_F(EventLogTest, DuplicateInsideOneBatchIsWrittenOnce) {
  auto results = log.append({with_client_id(make_event("c-1")), with_client_id(make_event("c-1")), make_event("plain")});
  ASSERT_EQ(results.size(), 3u);
  EXPECT_FALSE(results[0].duplicate);
  EXPECT_TRUE(results[1].duplicate);
  EXPECT_FALSE(results[2].duplicate);
  EXPECT_EQ(xlen(kNames.events), 2);
}

TEST_F(EventLogTest, RecoversWhenRedisForgetsTheScript) {
  log.append({with_client_id(make_event("c-1"))});
  ASSERT_EQ(admin.command({"SCRIPT", "FLUSH"}).str, "OK");
  auto results = log.append({with_client_id(make_event("c-2")), make_event("plain"), with_client_id(make_event("c-1"))});
  ASSERT_EQ(results.size(), 3u);
  EXPECT_FALSE(results[0].duplicate);
  EXPECT_FALSE(results[1].duplicate);
  EXPECT_TRUE(results[2].duplicate);
  EXPECT_EQ(xlen(kNames.events), 3);  // the plain XADD was not repeated by the retry
  std::vector<std::string> ids;
  for (const auto& ev : stored_events()) ids.push_back(ev.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"c-1", "plain", "c-2"}));
}

TEST_F(EventLogTest, ErrorReplyForAnEntryThrowsAndRemembersNothing) {
  admin.command({"SET", kNames.events, "not a stream"});
  EXPECT_THROW(log.append({make_event("plain")}), storage_error);
  EXPECT_THROW(log.append({with_client_id(make_event("c-1"))}), storage_error);
  EXPECT_EQ(integer({"EXISTS", kNames.dedupe_prefix + "c-1"}), 0);  // a retry must not look like a duplicate
  admin.command({"DEL", kNames.events});
  EXPECT_FALSE(log.append({with_client_id(make_event("c-1"))})[0].duplicate);
}

TEST_F(EventLogTest, AppendThrowsWhileServerIsDownAndRecoversAfterRestart) {
  log.append({with_client_id(make_event("c-1"))});
  server.stop();
  EXPECT_THROW(log.append({with_client_id(make_event("c-2"))}), storage_error);
  server.start();  // no AOF: the stream and the script cache are gone
  auto results = log.append({with_client_id(make_event("c-2")), make_event("p-1")});
  EXPECT_FALSE(results[0].duplicate);
  EXPECT_EQ(xlen(kNames.events), 2);
}

TEST_F(EventLogTest, ReadGroupThenCompleteWritesOutcomesAndAcks) {
  log.ensure_group();
  log.ensure_group();  // BUSYGROUP is fine
  log.append({make_event("e-1"), make_event("e-2"), make_event("e-3")});
  auto got = log.read_group("c1", 10, 100ms);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].ev.id, "e-1");
  EXPECT_EQ(got[2].ev.type, "order.created");
  EXPECT_EQ(got[1].ev.data, R"({"n":1})");
  EXPECT_EQ(got[1].ev.traceparent, make_event("x").traceparent);
  EXPECT_EQ(got[0].deliveries, 1u);
  EXPECT_EQ(pending(), 3);

  log.complete({make_outcome("e-1", outcome_status::processed, R"({"ok":true})"),
                make_outcome("e-2", outcome_status::failed, "boom"),
                make_outcome("e-3", outcome_status::processed, "{}")},
               {got[0].stream_id, got[1].stream_id, got[2].stream_id});
  EXPECT_EQ(pending(), 0);
  auto outs = entries(kNames.outcomes);
  ASSERT_EQ(outs.size(), 3u);
  EXPECT_EQ(outs[1].second, (field_map{{"id", "e-2"}, {"status", "failed"}, {"detail", "boom"}, {"attempts", "2"},
                                       {"at", "1700000000123"}, {"tp", "00-trace-span-01"}}));
  EXPECT_EQ(outs[0].second["status"], "processed");
  EXPECT_TRUE(log.read_group("c1", 10, 0ms).empty());
}

TEST_F(EventLogTest, CompleteReportsAFailedTransaction) {
  log.ensure_group();
  admin.command({"SET", kNames.outcomes, "not a stream"});
  EXPECT_THROW(log.complete({make_outcome("e-1", outcome_status::processed, "{}")}, {}), storage_error);
  EXPECT_THROW(log.complete({}, {"not-an-id"}), storage_error);
}

TEST_F(EventLogTest, ReadGroupWaitsAboutBlockWhenEmpty) {
  log.ensure_group();
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(log.read_group("c1", 10, 150ms).empty());
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, 140ms);
  EXPECT_LT(waited, 1500ms);
  EXPECT_TRUE(conn.connected());
}

TEST(ClampBlock, KeepsABlockingReadWellInsideTheIoTimeout) {
  EXPECT_EQ(clamp_block(60s, 2s), 1500ms);
  EXPECT_EQ(clamp_block(100ms, 2s), 100ms);
  EXPECT_EQ(clamp_block(0ms, 2s), 0ms);
  EXPECT_EQ(clamp_block(-5ms, 2s), 0ms);
  EXPECT_EQ(clamp_block(60s, 0ms), 60s) << "io_timeout 0 disables the bound";
}

// A read that asks to block far longer than the socket timeout comes back
// empty on a connection that is still up. 4 s leaves 1 s between Redis's
// answer after the clamped 3 s and the socket timeout, room for a loaded machine.
TEST_F(EventLogTest, ALongBlockingReadKeepsTheConnection) {
  auto ep = endpoint();
  ep.io_timeout = 4s;
  redis_connection patient_conn(ep);
  event_log patient_log(patient_conn);
  patient_log.ensure_group();
  EXPECT_TRUE(patient_log.read_group("c1", 10, 60s).empty());
  EXPECT_TRUE(patient_conn.connected()) << "a BLOCK past io_timeout would have dropped it";
}

TEST_F(EventLogTest, ReadGroupRecreatesAMissingGroup) {
  EXPECT_TRUE(log.read_group("c1", 10, 0ms).empty());
  log.append({make_event("e-1")});
  auto got = log.read_group("c1", 10, 0ms);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].ev.id, "e-1");
}

TEST_F(EventLogTest, ClaimStaleTakesOverEntriesPendingAtAnotherConsumer) {
  log.ensure_group();
  log.append({make_event("e-1"), make_event("e-2")});
  ASSERT_EQ(log.read_group("dead", 10, 0ms).size(), 2u);
  std::string cursor = "0-0";
  EXPECT_TRUE(log.claim_stale("alive", 1h, 10, &cursor).empty());  // not idle long enough

  std::vector<logged_event> claimed;
  ASSERT_TRUE(eventually(
      [&] {
        claimed = log.claim_stale("alive", 20ms, 10, &cursor);
        return !claimed.empty();
      },
      5s));
  ASSERT_EQ(claimed.size(), 2u);
  EXPECT_EQ(cursor, "0-0");  // the pass covered the whole pending list
  EXPECT_EQ(claimed[0].ev.id, "e-1");
  EXPECT_EQ(claimed[1].ev.source, "tests");
  EXPECT_EQ(claimed[0].deliveries, 2u);
  EXPECT_EQ(claimed[1].deliveries, 2u);
  auto owners = admin.command({"XPENDING", kNames.events, kNames.group, "-", "+", "10"});
  ASSERT_EQ(owners.elements.size(), 2u);
  EXPECT_EQ(owners.elements[0].elements[1].str, "alive");
  EXPECT_EQ(owners.elements[1].elements[1].str, "alive");
}

TEST_F(EventLogTest, ClaimStaleAcksEntriesDeletedFromTheStream) {
  log.ensure_group();
  log.append({make_event("e-1"), make_event("e-2"), make_event("e-3")});
  auto got = log.read_group("dead", 10, 0ms);
  ASSERT_EQ(got.size(), 3u);
  ASSERT_EQ(integer({"XDEL", kNames.events, got[1].stream_id}), 1);
  std::string cursor = "0-0";
  std::vector<logged_event> claimed;
  ASSERT_TRUE(eventually(
      [&] {
        claimed = log.claim_stale("alive", 20ms, 10, &cursor);
        return !claimed.empty();
      },
      5s));
  ASSERT_EQ(claimed.size(), 2u);
  EXPECT_EQ(claimed[0].ev.id, "e-1");
  EXPECT_EQ(claimed[1].ev.id, "e-3");
  EXPECT_EQ(pending(), 2);
  // Redis 7.0 already drops deleted ids from the pending list itself, so
  // only the command statistics show that the log acknowledged them too.
  auto stats = admin.command({"INFO", "commandstats"}).str;
  EXPECT_NE(stats.find("cmdstat_xack:calls=1,"), std::string::npos) << stats;
}

TEST_F(EventLogTest, ReadOwnPendingReadsBackThisConsumersEntriesInPagesAndCountsTheDelivery) {
  log.ensure_group();
  log.append({make_event("e-1"), make_event("e-2"), make_event("e-3"), make_event("e-4"), make_event("e-5")});
  auto mine = log.read_group("me", 4, 0ms);
  ASSERT_EQ(mine.size(), 4u);
  ASSERT_EQ(log.read_group("other", 10, 0ms).size(), 1u);  // e-5
  log.complete({make_outcome("e-2", outcome_status::processed, "{}")}, {mine[1].stream_id});

  std::string after = "0-0";
  auto page = log.read_own_pending("me", 2, &after);
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].ev.id, "e-1");
  EXPECT_EQ(page[1].ev.id, "e-3");
  EXPECT_EQ(page[1].ev.type, "order.created");
  EXPECT_EQ(page[0].deliveries, 2u);  // Redis counts the read-back as a delivery
  EXPECT_EQ(after, mine[2].stream_id);
  page = log.read_own_pending("me", 2, &after);
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0].ev.id, "e-4");
  EXPECT_EQ(page[0].deliveries, 2u);
  EXPECT_EQ(after, "");  // a short page ends the pass
  EXPECT_TRUE(log.read_own_pending("me", 2, &after).empty());

  after = "0-0";  // a second pass is another delivery, read back from the pending list
  page = log.read_own_pending("me", 10, &after);
  ASSERT_EQ(page.size(), 3u);
  EXPECT_EQ(page[2].deliveries, 3u);
  EXPECT_EQ(after, "");
  auto e5 = admin.command({"XPENDING", kNames.events, kNames.group, "-", "+", "10", "other"});
  ASSERT_EQ(e5.elements.size(), 1u);
  EXPECT_EQ(e5.elements[0].elements[3].integer, 1);  // another consumer's entry is not touched
}

TEST_F(EventLogTest, ReadOwnPendingAcksEntriesDeletedFromTheStream) {
  log.ensure_group();
  log.append({make_event("e-1"), make_event("e-2"), make_event("e-3")});
  auto got = log.read_group("me", 10, 0ms);
  ASSERT_EQ(got.size(), 3u);
  ASSERT_EQ(integer({"XDEL", kNames.events, got[1].stream_id}), 1);
  std::string after = "0-0";
  auto page = log.read_own_pending("me", 3, &after);
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].ev.id, "e-1");
  EXPECT_EQ(page[1].ev.id, "e-3");
  EXPECT_EQ(after, got[2].stream_id);  // a full page, the deleted entry included
  EXPECT_EQ(pending(), 2);
  EXPECT_TRUE(log.read_own_pending("me", 3, &after).empty());
  EXPECT_EQ(after, "");
}

TEST_F(EventLogTest, ReadOwnPendingRecreatesAMissingGroupAndEndsThePass) {
  std::string after = "0-0";
  EXPECT_TRUE(log.read_own_pending("me", 10, &after).empty());
  EXPECT_EQ(after, "");
  EXPECT_EQ(admin.command({"XINFO", "GROUPS", kNames.events}).elements.size(), 1u);
}

TEST_F(EventLogTest, RefreshClaimsResetsTheIdleTimeOfOwnEntriesOnly) {
  log.ensure_group();
  log.append({make_event("e-1"), make_event("e-2"), make_event("e-3"), make_event("e-4"), make_event("e-5")});
  auto mine = log.read_group("me", 4, 0ms);
  ASSERT_EQ(mine.size(), 4u);
  auto theirs = log.read_group("other", 10, 0ms);
  ASSERT_EQ(theirs.size(), 1u);
  log.complete({make_outcome("e-3", outcome_status::processed, "{}")}, {mine[2].stream_id});
  ASSERT_EQ(integer({"XDEL", kNames.events, mine[3].stream_id}), 1);
  // Pending entries as id -> (owner, idle ms, deliveries).
  auto pel = [&] {
    std::map<std::string, std::tuple<std::string, long long, long long>> out;
    for (auto& e : admin.command({"XPENDING", kNames.events, kNames.group, "-", "+", "10"}).elements) {
      out[e.elements[0].str] = {e.elements[1].str, e.elements[2].integer, e.elements[3].integer};
    }
    return out;
  };
  ASSERT_TRUE(eventually([&] { return std::get<1>(pel()[theirs[0].stream_id]) >= 300; }, 5s));  // read last
  auto before = pel();

  std::vector<std::string> ids{mine[0].stream_id, mine[1].stream_id, mine[2].stream_id, mine[3].stream_id,
                               theirs[0].stream_id};
  auto kept = log.refresh_claims("me", ids);
  EXPECT_EQ(kept, (std::vector<std::string>{mine[0].stream_id, mine[1].stream_id}));
  auto after = pel();
  ASSERT_EQ(after.size(), 3u);  // the acknowledged and the deleted entry stay out
  for (const auto& id : {mine[0].stream_id, mine[1].stream_id}) {
    EXPECT_EQ(std::get<0>(after[id]), "me");
    EXPECT_LT(std::get<1>(after[id]), std::get<1>(before[id])) << "idle time not reset";
    EXPECT_EQ(std::get<2>(after[id]), 1) << "a refresh is not a delivery";
  }
  EXPECT_EQ(std::get<0>(after[theirs[0].stream_id]), "other");  // never taken from its owner
  // What the refresh is for: a takeover leaves refreshed entries alone but not the other's.
  std::string cursor = "0-0";
  auto stolen = log.claim_stale("thief", 300ms, 10, &cursor);
  ASSERT_EQ(stolen.size(), 1u);
  EXPECT_EQ(stolen[0].ev.id, "e-5");
  EXPECT_TRUE(log.refresh_claims("me", {}).empty());
}

TEST_F(EventLogTest, ReadTailReturnsBothStreamsAfterCheckpoints) {
  log.ensure_group();
  log.append({make_event("e-1"), make_event("e-2")});
  auto got = log.read_group("c1", 10, 0ms);
  log.complete({make_outcome("e-1", outcome_status::processed, R"({"ok":1})")}, {got[0].stream_id});

  auto all = log.read_tail("0-0", "0-0", 100, 0ms);
  ASSERT_EQ(all.events.size(), 2u);
  ASSERT_EQ(all.outcomes.size(), 1u);
  EXPECT_EQ(all.events[1].ev.id, "e-2");
  EXPECT_EQ(all.events[1].stream_id, got[1].stream_id);
  const outcome& o = all.outcomes[0].out;
  EXPECT_EQ(o.event_id, "e-1");
  EXPECT_EQ(o.status, outcome_status::processed);
  EXPECT_EQ(o.detail, R"({"ok":1})");
  EXPECT_EQ(o.attempts, 2u);
  EXPECT_EQ(o.processed_at_ms, 1700000000123);
  EXPECT_EQ(o.traceparent, "00-trace-span-01");

  std::string ev_cp = all.events.back().stream_id, out_cp = all.outcomes.back().stream_id;
  EXPECT_EQ(log.read_tail(ev_cp, "0-0", 1, 0ms).outcomes.size(), 1u);  // COUNT is per stream
  auto none = log.read_tail(ev_cp, out_cp, 100, 50ms);
  EXPECT_TRUE(none.events.empty());
  EXPECT_TRUE(none.outcomes.empty());
  log.append({make_event("e-3")});
  auto next = log.read_tail(ev_cp, out_cp, 100, 0ms);
  ASSERT_EQ(next.events.size(), 1u);
  EXPECT_EQ(next.events[0].ev.id, "e-3");
  EXPECT_TRUE(next.outcomes.empty());
}

TEST_F(EventLogTest, ParsesEntriesInAnyFieldOrderWithMissingFields) {
  admin.command({"XADD", kNames.events, "*", "data", "{}", "unknown", "x", "id", "e-9"});
  admin.command({"XADD", kNames.outcomes, "*", "tp", "t", "attempts", "3", "status", "weird", "id", "e-9"});
  auto tail = log.read_tail("0-0", "0-0", 10, 0ms);
  ASSERT_EQ(tail.events.size(), 1u);
  EXPECT_EQ(tail.events[0].ev.id, "e-9");
  EXPECT_EQ(tail.events[0].ev.data, "{}");
  EXPECT_EQ(tail.events[0].ev.type, "");
  EXPECT_EQ(tail.events[0].ev.traceparent, "");
  ASSERT_EQ(tail.outcomes.size(), 1u);
  EXPECT_EQ(tail.outcomes[0].out.event_id, "e-9");
  EXPECT_EQ(tail.outcomes[0].out.status, outcome_status::failed);
  EXPECT_EQ(tail.outcomes[0].out.attempts, 3u);
  EXPECT_EQ(tail.outcomes[0].out.detail, "");
  EXPECT_EQ(tail.outcomes[0].out.processed_at_ms, 0);
}

TEST_F(EventLogTest, PositionReportsLastIdsAndPending) {
  auto empty = log.position();
  EXPECT_EQ(empty.events_last_id, "0-0");
  EXPECT_EQ(empty.outcomes_last_id, "0-0");
  EXPECT_EQ(empty.pending, 0);

  log.ensure_group();
  log.append({make_event("e-1"), make_event("e-2")});
  auto got = log.read_group("c1", 10, 0ms);
  ASSERT_EQ(got.size(), 2u);
  auto pos = log.position();
  EXPECT_EQ(pos.events_last_id, got[1].stream_id);
  EXPECT_EQ(pos.outcomes_last_id, "0-0");
  EXPECT_EQ(pos.pending, 2);

  log.complete({make_outcome("e-1", outcome_status::processed, "{}")}, {got[0].stream_id});
  pos = log.position();
  EXPECT_EQ(pos.outcomes_last_id, entries(kNames.outcomes).back().first);
  EXPECT_EQ(pos.pending, 1);
}

}  // namespace
}  // namespace eventbed
