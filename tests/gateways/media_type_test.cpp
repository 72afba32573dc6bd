#include "gateways/media_type.hpp"

#include <gtest/gtest.h>

namespace eventbed {
namespace {

TEST(MediaType, EssenceAndParameters) {
  EXPECT_EQ(media_essence(" Text/Plain ; charset=\"UTF-8\" ; q=1"), "Text/Plain");
  EXPECT_EQ(media_parameter(" Text/Plain ; charset=\"UTF-8\" ; q=1", "CHARSET"), "UTF-8");
  EXPECT_EQ(media_parameter("text/plain;charset=utf-8", "q"), std::nullopt);
  EXPECT_EQ(media_parameter("text/plain; flag; q = 0.5", "q"), "0.5");
}

TEST(MediaType, JsonAsTheCloudEventsJsonFormatDefinesIt) {
  for (const char* type : {"application/json", "text/json", "application/vnd.x+json; v=1", "APPLICATION/JSON",
                           "application/cloudevents+json"}) {
    EXPECT_TRUE(json_media_type(type)) << type;
  }
  for (const char* type : {"", "json", "text/plain", "application/json-seq", "application/jsonx",
                           "application/json+xml", "application/xjson"}) {
    EXPECT_FALSE(json_media_type(type)) << type;
  }
}

TEST(MediaType, ListedQuality) {
  EXPECT_EQ(listed_quality("text/html, application/xml;q=0.9", "application/xml"), 0.9);
  EXPECT_EQ(listed_quality("text/html", "text/html"), 1.0);
  EXPECT_EQ(listed_quality("*/*", "text/html"), 0.0);
  EXPECT_EQ(listed_quality("text/html;q=0.125", "text/html"), 0.125);
  EXPECT_EQ(listed_quality("text/html;q=1.000", "text/html"), 1.0);
  for (const char* bad : {"text/html;q=1.5", "text/html;q=1.001", "text/html;q=0.1234", "text/html;q=", "text/html;q=.5"}) {
    EXPECT_EQ(listed_quality(bad, "text/html"), 0.0) << bad;
  }
}

}  // namespace
}  // namespace eventbed
