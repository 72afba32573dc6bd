// A week of history end to end with the real tools: `eventbed simulate
// --history-out`, `promtool tsdb create-blocks-from openmetrics`, and a real
// Prometheus started on the blocks and queried over its HTTP API.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/support/child_process.hpp"
#include "tests/support/command.hpp"
#include "tests/support/deadline.hpp"
#include "tests/support/free_port.hpp"
#include "tests/support/http_client.hpp"

namespace eventbed {
namespace {

namespace fs = std::filesystem;

struct temp_dir {
  fs::path path;
  temp_dir() {
    char tmpl[] = "/tmp/eventbed-history-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// The instant query's single value, or NaN when there is none.
double query(http_client& client, const std::string& base, const std::string& promql, double at) {
  std::string encoded;
  for (unsigned char c : promql) {
    if (std::isalnum(c) || c == '_' || c == '.' || c == '-')
      encoded += static_cast<char>(c);
    else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      encoded += hex;
    }
  }
  auto res = client.get(base + "/api/v1/query?query=" + encoded + "&time=" + std::to_string(static_cast<long long>(at)));
  auto body = nlohmann::json::parse(res.body, nullptr, false);
  if (res.status != 200 || body.is_discarded() || body["data"]["result"].empty())
    return std::nan("");
  return std::stod(body["data"]["result"][0]["value"][1].get<std::string>());
}

TEST(HistoryBackfill, PrometheusServesTheWeekWithWeekdayAndWeekendLevels) {
  temp_dir dir;
  auto file = (dir.path / "history.om").string();
  auto blocks = (dir.path / "data").string();
  auto gen = run_command({EVENTBED_BINARY, "simulate", "--shape", "weekly", "--rate", "100", "--history", "7d",
                          "--history-out", file, "--history-label", "job=eventbed"});
  ASSERT_EQ(gen.exit_code, 0) << gen.output;
  auto made = run_command({"/usr/bin/promtool", "tsdb", "create-blocks-from", "openmetrics", file, blocks},
                          std::chrono::seconds(240));
  ASSERT_EQ(made.exit_code, 0) << made.output;

  int port = pick_free_port();
  std::ofstream(dir.path / "prometheus.yml") << "global: {}\n";
  child_process prom;
  prom.start({"/usr/bin/prometheus", "--config.file=" + (dir.path / "prometheus.yml").string(),
              "--storage.tsdb.path=" + blocks, "--storage.tsdb.retention.time=30d",
              "--web.listen-address=127.0.0.1:" + std::to_string(port), "--log.level=warn"},
             (dir.path / "prometheus.log").string());
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  http_client client(2000);
  ASSERT_TRUE(eventually([&] { return client.get(base + "/-/ready").status == 200; }, std::chrono::seconds(60),
                         std::chrono::milliseconds(100)))
      << "prometheus did not become ready";

  // Noon UTC of each of the last six whole days, weekdays apart from weekends.
  const double today = std::floor(static_cast<double>(std::time(nullptr)) / 86400) * 86400;
  std::vector<double> weekday, weekend;
  const std::string rate = "sum(rate(eventbed_events_ingested_total{job=\"eventbed\"}[30m]))";
  for (int back = 1; back <= 6; ++back) {
    double noon = today - back * 86400 + 12 * 3600;
    int dow = (static_cast<long long>(noon / 86400) + 3) % 7;  // 0 = Monday (1970-01-01 was a Thursday)
    double r = query(client, base, rate, noon);
    ASSERT_FALSE(std::isnan(r)) << "no data at " << noon;
    (dow < 5 ? weekday : weekend).push_back(r);
  }
  ASSERT_FALSE(weekday.empty());
  ASSERT_FALSE(weekend.empty());
  // Weekday noon: 7·100/(5 + 2·0.5) · (1 + 0.8) = 210/s; weekend noon half of it.
  for (double r : weekday)
    EXPECT_NEAR(r, 210, 10);
  for (double r : weekend)
    EXPECT_NEAR(r, 105, 5);
  double night = query(client, base, rate, today - 86400 + 3600);
  EXPECT_LT(night, 60) << "quiet at night";
  double week = query(client, base, "sum(increase(eventbed_events_ingested_total[7d]))", today);
  EXPECT_GT(week, 0);
}

}  // namespace
}  // namespace eventbed
