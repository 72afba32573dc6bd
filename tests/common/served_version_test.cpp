// The served version every answer names, and which release labels may join it.
#include "common/served_version.hpp"

#include <gtest/gtest.h>

using namespace eventbed;

namespace {

TEST(ServedVersion, IsTheVersionPlusTheLabelAsBuildMetadata) {
  EXPECT_EQ(served_version("0.1.0", ""), "0.1.0");
  EXPECT_EQ(served_version("0.1.0", "canary"), "0.1.0+canary");
}

TEST(ServedVersion, LabelsAreSemverBuildIdentifiers) {
  for (const char* ok : {"", "blue", "green", "canary", "rc-2", "B1"})
    EXPECT_TRUE(valid_release_label(ok)) << ok;
  for (const char* bad : {"a b", "x+y", "v1.2", "la\"bel", "a\nb", "0123456789012345678901234567890123"})
    EXPECT_FALSE(valid_release_label(bad)) << bad;
}

}  // namespace
