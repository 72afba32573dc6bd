// common/actor_metrics.hpp: what each series counts, busy time without the
// waits, and the header's promise of no allocation per message (counted by
// replacing the global operator new in this binary).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <thread>

#include "common/actor_metrics.hpp"

namespace {
// Allocations made by this thread while `counting` is set.
thread_local bool counting = false;
thread_local size_t allocations = 0;
}  // namespace

void* operator new(std::size_t n) {
  if (counting)
    ++allocations;
  if (void* p = std::malloc(n == 0 ? 1 : n))
    return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
// These operators pair with the malloc above; GCC cannot see that.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

using namespace eventbed;

namespace {

const metrics::labels kind = {{"actor", "actor-metrics-test"}};

uint64_t counter_value(const char* name) {
  return metrics::global().add_counter(name, "", kind).value();
}

metrics::histogram::snapshot busy() {
  return metrics::global()
      .add_histogram("eventbed_actor_processing_seconds", "", metrics::latency_buckets(), kind)
      .read();
}

double gauge_value(const char* name, metrics::labels l) {
  return metrics::global().add_gauge(name, "", std::move(l)).value();
}

TEST(ActorMetricsTest, CountsMessagesAndTheEventsTheyCarryAndTheMailboxOfEachActor) {
  auto a = actor_metrics::resolve("actor-metrics-test");
  auto b = actor_metrics::resolve("actor-metrics-test");
  EXPECT_EQ(gauge_value("eventbed_actor_instances", kind), 2);
  auto messages = counter_value("eventbed_actor_messages_total");
  auto events = counter_value("eventbed_actor_events_total");
  {
    actor_message msg(a, 7);
    msg.events(100);  // a batch counts its events
  }
  { actor_message msg(b, 3); }  // a poll that found nothing: a message, no event
  EXPECT_EQ(counter_value("eventbed_actor_messages_total") - messages, 2u);
  EXPECT_EQ(counter_value("eventbed_actor_events_total") - events, 100u);
  EXPECT_EQ(gauge_value("eventbed_actor_mailbox_depth", {{"actor", "actor-metrics-test"}, {"index", "0"}}), 7);
  EXPECT_EQ(gauge_value("eventbed_actor_mailbox_depth", {{"actor", "actor-metrics-test"}, {"index", "1"}}), 3);
  b = actor_metrics();
  EXPECT_EQ(gauge_value("eventbed_actor_instances", kind), 1) << "an actor gone is an instance fewer";
}

TEST(ActorMetricsTest, TimeSpentWaitingForWorkIsNotBusy) {
  auto m = actor_metrics::resolve("actor-metrics-test");
  auto before = busy();
  const auto wait = std::chrono::milliseconds(200);
  {
    actor_message msg(m, 0);
    int got = msg.waiting([&] {
      std::this_thread::sleep_for(wait);  // a read blocking until work arrives
      return 42;
    });
    EXPECT_EQ(got, 42);
  }
  auto after = busy();
  EXPECT_EQ(after.cumulative.back() - before.cumulative.back(), 1u);
  EXPECT_LT(after.sum - before.sum, 0.5 * std::chrono::duration<double>(wait).count())
      << "the wait was counted as busy";
}

TEST(ActorMetricsTest, AMessageOnTheHotPathAllocatesNothing) {
  auto m = actor_metrics::resolve("actor-metrics-test");
  { actor_message warm(m, 0); }
  counting = true;
  allocations = 0;
  for (int i = 0; i < 1000; ++i) {
    actor_message msg(m, static_cast<size_t>(i));
    msg.events(3);
    msg.waiting([] { return 0; });
    m.failures().inc(0);
  }
  counting = false;
  EXPECT_EQ(allocations, 0u);
}

TEST(ActorMetricsTest, TheAllocationCounterSeesAnAllocation) {
  counting = true;
  allocations = 0;
  auto* p = new std::string(100, 'x');  // the canary: the counter works
  counting = false;
  delete p;
  EXPECT_GE(allocations, 1u);
}

}  // namespace
