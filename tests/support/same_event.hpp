// Comparing events in tests: every member the log and the projection carry.
#pragma once

#include <gtest/gtest.h>

#include "storage/event.hpp"

namespace eventbed {

// Expects `got` to equal `want` in every durable member (client_id is not stored).
inline void expect_same_event(const event& got, const event& want) {
  EXPECT_EQ(got.id, want.id);
  EXPECT_EQ(got.type, want.type);
  EXPECT_EQ(got.source, want.source);
  EXPECT_EQ(got.data, want.data);
  EXPECT_EQ(got.traceparent, want.traceparent);
  EXPECT_EQ(got.datacontenttype, want.datacontenttype);
  EXPECT_EQ(got.attributes, want.attributes);
  EXPECT_EQ(got.binary_data, want.binary_data);
}

}  // namespace eventbed
