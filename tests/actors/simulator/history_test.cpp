// The synthetic history: the shape on the calendar, as a counter.
#include <gtest/gtest.h>

#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "actors/simulator/history.hpp"

using namespace eventbed;

namespace {

struct sample {
  std::string series;
  double value = 0, time = 0;
};

std::vector<sample> samples_of(const std::string& text) {
  std::vector<sample> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#')
      continue;
    std::istringstream fields(line);
    sample s;
    fields >> s.series >> s.value >> s.time;
    out.push_back(s);
  }
  return out;
}

// 2026-11-30 00:00 UTC is a Monday.
constexpr double monday = 1795996800;

history_options weekly() {
  history_options o;
  o.load.shape = load_shape::weekly;
  o.load.rate = 100;
  o.length = 7 * 86400;
  o.step = 60;
  o.end = monday + 7 * 86400;
  return o;
}

// Events per second between the samples at t and t + 1 h.
double rate_at(const std::vector<sample>& s, double t) {
  for (size_t i = 0; i + 60 < s.size(); ++i)
    if (s[i].time == t)
      return (s[i + 60].value - s[i].value) / 3600;
  ADD_FAILURE() << "no sample at " << t;
  return 0;
}

TEST(HistoryTest, AWeekOfTheWeeklyShapeOnTheCalendar) {
  std::ostringstream out;
  write_history(weekly(), out);
  auto text = out.str();
  EXPECT_EQ(text.rfind("# TYPE eventbed_events_ingested counter\n", 0), 0u);
  EXPECT_EQ(text.substr(text.size() - 6), "# EOF\n");
  auto s = samples_of(text);
  ASSERT_EQ(s.size(), 7u * 1440 + 1);
  EXPECT_EQ(s.front().series, "eventbed_events_ingested_total");
  EXPECT_EQ(s.front().time, monday);
  EXPECT_EQ(s.front().value, 0);
  for (size_t i = 1; i < s.size(); ++i)
    ASSERT_GE(s[i].value, s[i - 1].value) << "a counter never goes down";
  // The week averages --rate.
  EXPECT_NEAR(s.back().value / (7 * 86400), 100, 0.01);
  // Weekdays: 7·100/(5 + 2·0.5) = 116.7/s mean, busiest around noon; weekends half.
  double tuesday_noon = rate_at(s, monday + 86400 + 11.5 * 3600);
  double tuesday_night = rate_at(s, monday + 86400 + 1 * 3600);
  double saturday_noon = rate_at(s, monday + 5 * 86400 + 11.5 * 3600);
  EXPECT_NEAR(tuesday_noon, 116.7 * 1.8, 10);
  EXPECT_LT(tuesday_night, 50);
  EXPECT_NEAR(saturday_noon / tuesday_noon, 0.5, 0.02);
}

TEST(HistoryTest, TheWeekIsLaidOnMondaysWhereverTheHistoryStarts) {
  auto o = weekly();
  o.end = monday + 7 * 86400 + 3 * 86400;  // ends on a Thursday: starts on one too
  std::ostringstream out;
  write_history(o, out);
  auto s = samples_of(out.str());
  double saturday_noon = rate_at(s, monday + 5 * 86400 + 11.5 * 3600);
  double next_tuesday_noon = rate_at(s, monday + 8 * 86400 + 11.5 * 3600);
  EXPECT_NEAR(saturday_noon / next_tuesday_noon, 0.5, 0.02);
}

TEST(HistoryTest, LabelsGoOnEverySampleEscaped) {
  auto o = weekly();
  o.length = 3600;
  std::pair<std::string, std::string> job, odd;
  ASSERT_EQ(parse_history_label("job=eventbed", &job), "");
  ASSERT_EQ(parse_history_label("note=a \"b\"", &odd), "");
  o.labels = {job, odd};
  std::ostringstream out;
  write_history(o, out);
  EXPECT_NE(out.str().find("eventbed_events_ingested_total{job=\"eventbed\",note=\"a \\\"b\\\"\"} "),
            std::string::npos)
      << out.str().substr(0, 300);
  std::pair<std::string, std::string> bad;
  EXPECT_NE(parse_history_label("__name__=x", &bad), "");
  EXPECT_NE(parse_history_label("no-dash=x", &bad), "");
  EXPECT_NE(parse_history_label("novalue", &bad), "");
}

TEST(HistoryTest, OutOfRangeOptionsAreRefused) {
  auto o = weekly();
  std::ostringstream out;
  o.step = 0;
  EXPECT_THROW(write_history(o, out), std::invalid_argument);
  o = weekly();
  o.length = 0;
  EXPECT_THROW(write_history(o, out), std::invalid_argument);
  o = weekly();
  o.load.rate = 0;
  EXPECT_THROW(write_history(o, out), std::invalid_argument);
}

}  // namespace
