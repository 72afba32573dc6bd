// The metric path of one actor message (common/actor_metrics.hpp), in
// nanoseconds of CPU per message, against the paths it replaces:
//
//   lookup    per message: a global mutex, a std::map lookup by a std::string
//             built for the call, then the updates (what a handler paid when
//             it called a registry lookup per message)
//   static    per message: a function-local static reference (its guard
//             check), then the same updates
//   resolved  actor_message on handles resolved when the actor started
//   +waiting  the same with waiting() around a no-op (two more clock reads),
//             what a polling actor's message costs
//
// The updates are the same in every case: a message counter, the mailbox
// gauge, the busy histogram (two steady_clock reads), plus actor_message's
// events counter. Each case runs on 1 and on 2 threads at once (the 2-thread
// figure is per message per thread: contention on the lock or on shared
// cache lines shows there). CPU time, not wall time, so a busy machine slows
// the figures less.
//
//   build/bench/actor_metrics_bench [SECONDS-PER-CASE]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/actor_metrics.hpp"

using namespace eventbed;

namespace {

double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

struct handles {
  metrics::counter& messages;
  metrics::histogram& busy;
  metrics::gauge& mailbox;
};

handles register_handles(const std::string& actor) {
  auto& r = metrics::global();
  metrics::labels l = {{"actor", actor}};
  return {r.add_counter("bench_messages_total", "Bench.", l),
          r.add_histogram("bench_processing_seconds", "Bench.", metrics::latency_buckets(), l),
          r.add_gauge("bench_mailbox_depth", "Bench.", l)};
}

handles& lookup(const std::string& actor) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<handles>> known;
  std::lock_guard<std::mutex> lock(mu);
  auto& slot = known[actor];
  if (!slot)
    slot.reset(new handles(register_handles(actor)));
  return *slot;
}

handles& function_static() {
  static handles& h = lookup("bench");
  return h;
}

void update(handles& h, size_t depth) {
  auto start = std::chrono::steady_clock::now();
  h.messages.inc();
  h.mailbox.set(static_cast<double>(depth));
  h.busy.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}

enum class path { lookup, function_static, resolved, waiting };

// Messages per CPU-second of this thread.
double run(path p, double seconds) {
  auto resolved = actor_metrics::resolve("bench");
  size_t done = 0;
  const double start = thread_cpu_seconds();
  double elapsed = 0;
  do {
    for (size_t i = 0; i < 1000; ++i) {
      switch (p) {
        case path::lookup: update(lookup(std::string("bench")), i); break;
        case path::function_static: update(function_static(), i); break;
        case path::resolved: {
          actor_message msg(resolved, i);
          msg.events(1);
          break;
        }
        case path::waiting: {
          actor_message msg(resolved, i);
          msg.events(1);
          msg.waiting([] { return 0; });
          break;
        }
      }
    }
    done += 1000;
    elapsed = thread_cpu_seconds() - start;
  } while (elapsed < seconds);
  return static_cast<double>(done) / elapsed;
}

// Nanoseconds of CPU per message, the mean over `threads` threads running at once.
double ns_per_message(path p, int threads, double seconds) {
  std::vector<double> rates(static_cast<size_t>(threads));
  std::vector<std::thread> running;
  for (int t = 0; t < threads; ++t)
    running.emplace_back([&, t] { rates[static_cast<size_t>(t)] = run(p, seconds); });
  for (auto& t : running)
    t.join();
  double ns = 0;
  for (double r : rates)
    ns += 1e9 / r;
  return ns / threads;
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 1.0;
  const struct {
    const char* name;
    path p;
  } cases[] = {{"lookup", path::lookup},
               {"static", path::function_static},
               {"resolved", path::resolved},
               {"+waiting", path::waiting}};
  std::printf("%-9s %12s %12s\n", "path", "1 thread", "2 threads");
  for (const auto& c : cases)
    std::printf("%-9s %9.1f ns %9.1f ns\n", c.name, ns_per_message(c.p, 1, seconds),
                ns_per_message(c.p, 2, seconds));
  return 0;
}
