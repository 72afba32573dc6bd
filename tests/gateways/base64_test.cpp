#include "gateways/base64.hpp"

#include <gtest/gtest.h>

#include <string>

namespace eventbed {
namespace {

TEST(Base64, Rfc4648TestVectors) {
  const std::pair<std::string, std::string> vectors[] = {
      {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"}};
  for (const auto& [bytes, text] : vectors) {
    EXPECT_EQ(base64_encode(bytes), text);
    EXPECT_EQ(base64_decode(text), bytes);
  }
}

TEST(Base64, EveryByteValueRoundTrips) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
  for (size_t n = 0; n <= bytes.size(); n += 37) {
    const std::string part = bytes.substr(0, n) + bytes.substr(256 - n);
    EXPECT_EQ(base64_decode(base64_encode(part)), part) << n;
  }
}

TEST(Base64, AnythingElseIsRejected) {
  for (const char* text : {"Zg", "Zg=", "Zm9", "Z===", "====", "Zg==Zg==", "Zm9v\n", "Zm 9", "Zm9-", "Zm9_",
                           "Z=g="}) {
    EXPECT_FALSE(base64_decode(text)) << text;
  }
}

TEST(Base64, NonZeroPadBitsAreIgnored) {
  EXPECT_EQ(base64_decode("Zh=="), "f");
  EXPECT_EQ(base64_encode("f"), "Zg==");
}

}  // namespace
}  // namespace eventbed
