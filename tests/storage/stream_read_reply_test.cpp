#include "storage/stream_read_reply.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "storage/event_entry.hpp"
#include "storage/redis_commands.hpp"
#include "storage/storage_error.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/same_event.hpp"

namespace eventbed {
namespace {

using kind = redis_reply::kind;

const std::string kEvents = "ev", kOutcomes = "out", kOther = "other";

redis_commands one(const std::vector<std::string>& argv) {
  redis_commands cmd;
  cmd.begin(argv.size());
  for (const auto& a : argv) cmd.arg(a);
  return cmd;
}

// Larger than hiredis's 16 KiB reads, so that an entry's names and values
// arrive in several reads and the reader's buffer grows (and moves) between
// a field's name and its value.
std::string big(char c) { return std::string(40000, c); }

std::vector<event> every_kind_of_event() {
  std::vector<event> evs;
  evs.push_back({"e-1", "order.created", "tests", R"({"n":1})", "00-tp-01"});
  evs.push_back({"e-2", "t", "", big('x'), "00-tp-02"});
  event ce{"e-3", "blob", "/s", std::string("a:b,c\0d", 7), "00-tp-03"};
  ce.datacontenttype = "application/octet-stream";
  ce.attributes = R"({"subject":"1:2,"})";
  ce.binary_data = true;
  evs.push_back(ce);
  evs.push_back({"e-4", big('y'), "s", "null", ""});
  return evs;
}

class StreamReadReplyTest : public ::testing::Test {
 protected:
  redis_endpoint endpoint() const { return parse_redis_endpoint(server.endpoint()); }

  std::string xadd(const std::string& stream, const std::vector<std::string>& fields) {
    std::vector<std::string> argv{"XADD", stream, "*"};
    argv.insert(argv.end(), fields.begin(), fields.end());
    auto r = admin.command(argv);
    EXPECT_EQ(r.type, kind::string) << r.str;
    return r.str;
  }
  std::string xadd(const std::string& stream, const event& ev, log_format format) {
    event_entry entry(ev, format);
    std::vector<std::string> fields;
    for (size_t i = 0; i < entry.size(); ++i) fields.emplace_back(entry[i]);
    return xadd(stream, fields);
  }

  redis_server server{false};
  redis_connection admin{endpoint()};
  redis_connection conn{endpoint()};
};

TEST_F(StreamReadReplyTest, DecodesBothFormatsAndOutcomesAsTheReplyTreeDoes) {
  std::vector<event> written;
  std::vector<std::string> ids;
  for (auto format : {log_format::fields, log_format::packed}) {
    for (const auto& ev : every_kind_of_event()) {
      ids.push_back(xadd(kEvents, ev, format));
      written.push_back(ev);
    }
  }
  // Entries of a format before ct, attrs and bin, in another field order, with
  // fields this build does not know, one named longer than any it knows.
  ids.push_back(xadd(kEvents, {"data", "{}", "unknown", "x", "data-but-a-longer-name", "y", "id", "old-1", "tp", "t"}));
  written.push_back({"old-1", "", "", "{}", "t"});
  const std::string out_id = xadd(kOutcomes, {"id", "e-1", "status", "processed", "detail", big('d'), "attempts", "3",
                                              "at", "1700000000123", "tp", "00-tp-01"});
  xadd(kOutcomes, {"tp", "t", "status", "weird", "id", "e-2"});
  xadd(kOther, {"id", "not-read"});

  const std::vector<std::string> argv{"XREAD", "COUNT", "100", "STREAMS", kOther, kEvents, kOutcomes, "0", "0", "0"};
  std::vector<logged_event> events;
  std::vector<logged_outcome> outcomes;
  stream_read_reply entries(kEvents, &events, kOutcomes, &outcomes);
  auto reply = conn.command(one(argv), entries);
  EXPECT_EQ(reply.type, kind::array);
  EXPECT_TRUE(reply.elements.empty());

  ASSERT_EQ(events.size(), written.size());
  auto tree = conn.command(argv);  // the same reply as a tree
  const auto& tree_entries = tree.elements[1].elements[1].elements;
  ASSERT_EQ(tree_entries.size(), written.size());
  for (size_t i = 0; i < written.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(events[i].stream_id, ids[i]);
    EXPECT_EQ(events[i].deliveries, 1u);
    expect_same_event(events[i].ev, written[i]);
    expect_same_event(events[i].ev, decode_event_entry(tree_entries[i].elements[1].elements));
  }

  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(outcomes[0].stream_id, out_id);
  const outcome& o = outcomes[0].out;
  EXPECT_EQ(o.event_id, "e-1");
  EXPECT_EQ(o.status, outcome_status::processed);
  EXPECT_EQ(o.detail, big('d'));
  EXPECT_EQ(o.attempts, 3u);
  EXPECT_EQ(o.processed_at_ms, 1700000000123);
  EXPECT_EQ(o.traceparent, "00-tp-01");
  const outcome& odd = outcomes[1].out;  // an unknown status reads as failed, missing fields as defaults
  EXPECT_EQ(odd.event_id, "e-2");
  EXPECT_EQ(odd.status, outcome_status::failed);
  EXPECT_EQ(odd.detail, "");
  EXPECT_EQ(odd.attempts, 1u);
  EXPECT_EQ(odd.processed_at_ms, 0);
}

TEST_F(StreamReadReplyTest, AnEntryDeletedFromTheStreamIsSkipped) {
  admin.command({"XGROUP", "CREATE", kEvents, "g", "0", "MKSTREAM"});
  const event kept{"k-1", "t", "s", "null", "tp"};
  const std::string gone = xadd(kEvents, {"id", "gone"});
  const std::string id = xadd(kEvents, kept, log_format::packed);
  admin.command({"XREADGROUP", "GROUP", "g", "c", "STREAMS", kEvents, ">"});
  admin.command({"XDEL", kEvents, gone});

  // The pending list still holds the deleted entry: Redis returns its fields as nil.
  const std::vector<std::string> argv{"XREADGROUP", "GROUP", "g", "c", "STREAMS", kEvents, "0"};
  auto tree = conn.command(argv);
  ASSERT_EQ(tree.elements[0].elements[1].elements.size(), 2u);
  ASSERT_EQ(tree.elements[0].elements[1].elements[0].elements[1].type, kind::nil);

  std::vector<logged_event> events;
  stream_read_reply entries(kEvents, &events);
  conn.command(one(argv), entries);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].stream_id, id);
  expect_same_event(events[0].ev, kept);
}

TEST_F(StreamReadReplyTest, AnUnreadableEntryThrowsOnceTheWholeReplyIsRead) {
  const event before{"b-1", "t", "s", "null", "tp"};
  xadd(kEvents, before, log_format::packed);
  xadd(kEvents, {"e", "3|3:n-1,"});  // a later build's format
  const event after{"a-1", "t", "s", big('z'), "tp"};
  xadd(kEvents, after, log_format::packed);

  const auto cmd = one({"XREAD", "COUNT", "10", "STREAMS", kEvents, "0"});
  std::vector<logged_event> events;
  stream_read_reply entries(kEvents, &events);
  EXPECT_THROW(conn.command(cmd, entries), storage_error);
  // The rest of the reply was read: the connection is in step and kept.
  long long id = conn.command({"CLIENT", "ID"}).integer;
  auto ping = conn.command({"PING"});
  EXPECT_EQ(ping.type, kind::status);
  EXPECT_EQ(ping.str, "PONG");
  EXPECT_EQ(conn.command({"CLIENT", "ID"}).integer, id);
}

TEST_F(StreamReadReplyTest, ANilOrAnErrorReplyComesBackWholeAndDecodesNothing) {
  std::vector<logged_event> events;
  stream_read_reply entries(kEvents, &events);
  auto nil = conn.command(one({"XREAD", "STREAMS", kEvents, "$"}), entries);
  EXPECT_EQ(nil.type, kind::nil);
  auto error = conn.command(one({"XREADGROUP", "GROUP", "missing", "c", "STREAMS", kEvents, ">"}), entries);
  EXPECT_EQ(error.type, kind::error);
  EXPECT_EQ(error.str.rfind("NOGROUP", 0), 0u) << error.str;
  EXPECT_TRUE(events.empty());
}

}  // namespace
}  // namespace eventbed
