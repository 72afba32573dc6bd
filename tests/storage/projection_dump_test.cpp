#include "storage/projection_dump.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "storage/projection.hpp"
#include "storage/storage_error.hpp"
#include "tests/storage/projection_fixture.hpp"

namespace eventbed {
namespace {

using test::exec_sql;
using test::make_event;
using test::make_outcome;

class ProjectionDumpTest : public test::projection_fixture {};

// Values that compare equal as text but are not the same stored value must dump differently,
// and no value may break a line.
TEST_F(ProjectionDumpTest, ValuesAreTypedAndEscaped) {
  exec_sql(path(), "CREATE TABLE t(k INTEGER, v);"
                   "INSERT INTO t VALUES (1, NULL), (2, ''), (3, 'NULL'), (4, 7), (5, '7'), (6, 0.5),"
                   " (7, x'00ff'), (8, 'a\"b\\c' || char(10) || char(9) || 'd');"
                   "PRAGMA user_version = 3;");
  std::vector<std::string> expected = {
      "pragma\tuser_version=3",
      "t\tk=1\tv=NULL",
      "t\tk=2\tv=\"\"",
      "t\tk=3\tv=\"NULL\"",
      "t\tk=4\tv=7",
      "t\tk=5\tv=\"7\"",
      "t\tk=6\tv=0.5",
      "t\tk=7\tv=x'00ff'",
      "t\tk=8\tv=\"a\\\"b\\\\c\\x0a\\x09d\"",
  };
  EXPECT_EQ(dump_projection(path()), expected);
}

TEST_F(ProjectionDumpTest, CoversEveryTableInSortedOrder) {
  projection p(path());
  p.apply({make_event("b", "t", 1001), make_event("a", "t", 1000)},
          {make_outcome("a", outcome_status::processed, 2000)}, {"1001-0", "2000-0"});
  auto lines = dump_projection(path());
  EXPECT_TRUE(std::is_sorted(lines.begin(), lines.end()));
  auto rows_of = [&](const std::string& table) {
    return std::count_if(lines.begin(), lines.end(),
                         [&](const std::string& line) { return line.rfind(table + "\t", 0) == 0; });
  };
  EXPECT_EQ(rows_of("events"), 2);
  EXPECT_EQ(rows_of("checkpoints"), 2);
  EXPECT_EQ(rows_of("type_counts"), 1);
  EXPECT_EQ(rows_of("projection_meta"), 1);
  EXPECT_EQ(rows_of("pragma"), 1);
  EXPECT_EQ(lines.size(), 7u);
}

TEST_F(ProjectionDumpTest, OneDifferentValueMakesDumpsDiffer) {
  auto build = [&](const std::string& file, const std::string& detail) {
    projection p(path(file));
    p.apply({make_event("a", "t", 1000)}, {make_outcome("a", outcome_status::processed, 2000, 1, detail)},
            {"1000-0", "2000-0"});
  };
  build("x.db", R"({"n":1})");
  build("y.db", R"({"n":1})");
  build("z.db", R"({"n":2})");
  EXPECT_EQ(dump_projection(path("x.db")), dump_projection(path("y.db")));
  EXPECT_NE(dump_projection(path("x.db")), dump_projection(path("z.db")));
}

TEST_F(ProjectionDumpTest, MissingFileThrows) {
  EXPECT_THROW(dump_projection(path("missing.db")), storage_error);
}

}  // namespace
}  // namespace eventbed
