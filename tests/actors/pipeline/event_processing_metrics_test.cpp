// actors/pipeline/event_processing_metrics.hpp: a series per event type, up to
// a bound for the whole process, the same series for every processor.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "actors/pipeline/event_processing_metrics.hpp"

using namespace eventbed;

namespace {

TEST(EventProcessingMetricsTest, TypesPastTheBoundShareOneSeriesAndEveryProcessorAgrees) {
  event_processing_metrics a, b;
  auto& other = a.of("other");
  std::vector<std::string> types;
  for (size_t i = 0; i <= event_processing_metrics::max_types; ++i)
    types.push_back("bound-test-" + std::to_string(i));
  std::set<metrics::histogram*> named;
  size_t unnamed = 0;
  for (const auto& t : types) {
    auto* h = &a.of(t);
    if (h == &other)
      ++unnamed;
    else
      named.insert(h);
  }
  EXPECT_LE(named.size(), event_processing_metrics::max_types);
  EXPECT_GE(unnamed, 1u) << "more types than the bound all got a series";
  EXPECT_EQ(&a.of(types.front()), &a.of(types.front()));
  for (const auto& t : types)
    EXPECT_EQ(&b.of(t), &a.of(t)) << t;
  EXPECT_EQ(&b.of("bound-test-never-seen"), &other);
}

}  // namespace
