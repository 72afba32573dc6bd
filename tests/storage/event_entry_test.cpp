#include "storage/event_entry.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "storage/storage_error.hpp"
#include "tests/support/same_event.hpp"

namespace eventbed {
namespace {

// What a reader gets back from Redis for an entry: names and values in turn.
std::vector<redis_reply> as_reply(const event_entry& entry) {
  std::vector<redis_reply> fields;
  for (size_t i = 0; i < entry.size(); ++i) {
    redis_reply r;
    r.type = redis_reply::kind::string;
    r.str = std::string(entry[i]);
    fields.push_back(std::move(r));
  }
  return fields;
}

std::vector<redis_reply> packed(const std::string& value) {
  std::vector<redis_reply> fields(2);
  fields[0].str = "e";
  fields[1].str = value;
  return fields;
}

event every_member() {
  event ev{"id-1", "t", "", std::string("a:b,c\0d", 7), "00-tp-01"};
  ev.datacontenttype = "application/octet-stream";
  ev.attributes = R"({"subject":"1:2,"})";
  ev.binary_data = true;
  return ev;
}

TEST(EventEntry, BothFormatsRoundTripEveryMember) {
  for (auto format : {log_format::fields, log_format::packed}) {
    const event ev = every_member();
    event_entry entry(ev, format);
    auto fields = as_reply(entry);
    expect_same_event(decode_event_entry(fields), ev);
  }
}

TEST(EventEntry, FormatTwoIsOneFieldOfNetstringsWithoutTrailingEmptyMembers) {
  event ev{"i", "t", "", "null", ""};
  event_entry entry(ev, log_format::packed);
  ASSERT_EQ(entry.size(), 2u);
  EXPECT_EQ(entry[0], "e");
  EXPECT_EQ(entry[1], "2|1:i,1:t,0:,4:null,");
  auto fields = as_reply(entry);
  expect_same_event(decode_event_entry(fields), ev);
}

TEST(EventEntry, FormatOneLeavesOutAbsentCloudEventsFields) {
  event ev{"i", "t", "s", "null", "tp"};
  event_entry entry(ev, log_format::fields);
  EXPECT_EQ(entry.size(), 10u);
}

TEST(EventEntry, APackedValueOfANewerFormatOrCutShortThrows) {
  for (const char* value : {"3|1:i,", "x", "2|5:ab,", "2|1:i", "2|1;i,", "2|99999999999999999999:i,"}) {
    auto fields = packed(value);
    EXPECT_THROW(decode_event_entry(fields), storage_error) << value;
  }
}

}  // namespace
}  // namespace eventbed
