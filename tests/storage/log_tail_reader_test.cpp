#include "storage/log_tail_reader.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "storage/storage_error.hpp"
#include "tests/support/redis_server.hpp"

namespace eventbed {
namespace {

using namespace std::chrono_literals;

event make_event(const std::string& id) {
  return {id, "order.created", "tests", R"({"n":1})", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"};
}

class LogTailReaderTest : public ::testing::Test {
 protected:
  redis_endpoint endpoint() const { return parse_redis_endpoint(server.endpoint()); }

  // Appends `n` events with ids <prefix>0.. and returns their stream entry ids.
  std::vector<std::string> append(const std::string& prefix, int n) {
    std::vector<event> batch;
    for (int i = 0; i < n; ++i) batch.push_back(make_event(prefix + std::to_string(i)));
    writer_log.append(batch);
    auto entries = writer.command({"XRANGE", log_names{}.events, "-", "+"}).elements;
    std::vector<std::string> ids;
    for (size_t i = entries.size() - static_cast<size_t>(n); i < entries.size(); ++i)
      ids.push_back(entries[i].elements[0].str);
    return ids;
  }

  redis_server server{false};
  redis_connection writer{endpoint()};
  event_log writer_log{writer};
};

TEST_F(LogTailReaderTest, ReadsBatchesInOrderFromWhereItIsStarted) {
  auto ids = append("e", 5);
  log_tail_reader reader(endpoint(), 2);
  EXPECT_FALSE(reader.pending());

  reader.start(checkpoint{}, 0ms);
  ASSERT_TRUE(reader.pending());
  EXPECT_EQ(reader.pending_from().events, "0-0");
  auto first = reader.take();
  EXPECT_FALSE(reader.pending());
  ASSERT_EQ(first.events.size(), 2u);
  EXPECT_EQ(first.events[0].ev.id, "e0");
  EXPECT_EQ(first.events[1].stream_id, ids[1]);

  // The next read runs while the caller does something else, from where it is told.
  reader.start(checkpoint{ids[1], "0-0"}, 0ms);
  EXPECT_EQ(reader.pending_from().events, ids[1]);
  auto second = reader.take();
  ASSERT_EQ(second.events.size(), 2u);
  EXPECT_EQ(second.events[0].ev.id, "e2");
}

TEST_F(LogTailReaderTest, ABlockingReadReturnsWhatIsAppendedMeanwhile) {
  auto ids = append("old", 1);
  log_tail_reader reader(endpoint(), 10);
  reader.start(checkpoint{ids[0], "0-0"}, 1500ms);
  append("new", 1);
  auto batch = reader.take();
  ASSERT_EQ(batch.events.size(), 1u);
  EXPECT_EQ(batch.events[0].ev.id, "new0");
}

TEST_F(LogTailReaderTest, ARedisFailureReachesTheCallerAndTheNextReadReconnects) {
  append("e", 1);
  log_tail_reader reader(endpoint(), 10);
  server.stop();
  reader.start(checkpoint{}, 0ms);
  EXPECT_THROW(reader.take(), storage_error);
  EXPECT_FALSE(reader.pending());

  server.start();
  reader.start(checkpoint{}, 0ms);
  EXPECT_TRUE(reader.take().events.empty());  // no AOF: the restarted server is empty
}

}  // namespace
}  // namespace eventbed
