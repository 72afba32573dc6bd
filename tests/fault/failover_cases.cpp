// The Redis failover cases: a replicated stack (primary, two replicas, three
// Sentinels) and eventbed connected through the Sentinels. What they show:
// with --ack-replicas 1 a failover loses no event answered 202; with 0 it may
// (the trade-off, reported); a stopped primary's comeback acknowledges
// nothing (no split brain); and losing a Sentinel costs clients nothing.
#include <stdexcept>
#include <thread>

#include "tests/fault/cases.hpp"
#include "tests/support/deadline.hpp"

namespace eventbed::fault {

namespace {

using namespace std::chrono_literals;

void hold(double seconds) { std::this_thread::sleep_for(std::chrono::duration<double>(seconds)); }

redis_server& current_primary(fault_stack& stack) {
  auto* p = stack.primary();
  if (p == nullptr)
    throw std::runtime_error("no Sentinel names a primary");
  return *p;
}

// Waits (bounded) until the Sentinels name a primary other than `old_port`;
// its port, or 0 if none within 30 s.
int wait_for_promotion(fault_stack& stack, int old_port) {
  int port = 0;
  eventually(
      [&] {
        auto* p = stack.primary();
        port = p != nullptr && p->port() != old_port ? p->port() : 0;
        return port != 0;
      },
      30s, 20ms);
  return port;
}

std::string promoted(double after, int port) {
  char detail[96];
  std::snprintf(detail, sizeof detail, "replica :%d promoted %.1f s after the fault", port, after);
  return detail;
}

// SIGKILL the primary; once a replica is promoted, the old one restarts from
// its AOF (as its pod would) and the Sentinels make it a replica.
struct primary_kill : fault_case {
  explicit primary_kill(int ack) {
    name = ack > 0 ? "redis-failover" : "redis-failover-ack0";
    what = "SIGKILL the Redis primary (2 replicas, 3 Sentinels, eventbed --ack-replicas " + std::to_string(ack) +
           "): Sentinel promotes a replica; the old primary restarts as a replica";
    replicated = true;
    loss_judged = ack > 0;
    flags.ingest = {"--ack-replicas", std::to_string(ack)};
    allowed.ingest = {"http_503"};
  }
  fault_record inject(fault_stack& stack, const simulator_run&) const override {
    auto& old = current_primary(stack);
    fault_record f;
    f.start = wall_now();
    old.kill();
    int port = wait_for_promotion(stack, old.port());
    f.end = wall_now();
    if (port == 0)
      throw std::runtime_error("no replica promoted within 30 s of the primary's SIGKILL");
    f.detail = promoted(f.end - f.start, port);
    old.start();
    f.recovered_by = &stack.ingest();
    return f;
  }
};

// SIGSTOP the primary past the failover: a replica is promoted while the old
// primary still believes it is one; on SIGCONT it is demoted. eventbed must
// not have acknowledged a write that only the old primary took.
struct primary_pause : fault_case {
  primary_pause() {
    name = "redis-primary-sigstop";
    what = "SIGSTOP the Redis primary for 6 s, past the Sentinels' failover (--ack-replicas 1), then SIGCONT: "
           "it comes back as a replica";
    replicated = true;
    flags.ingest = {"--ack-replicas", "1"};
    allowed.ingest = {"http_503"};
  }
  fault_record inject(fault_stack& stack, const simulator_run&) const override {
    auto& old = current_primary(stack);
    fault_record f;
    f.start = wall_now();
    old.pause();
    int port = wait_for_promotion(stack, old.port());
    hold(std::max(0.0, f.start + 6.0 - wall_now()));
    old.resume();
    f.end = wall_now();
    if (port == 0)
      throw std::runtime_error("no replica promoted while the primary was stopped");
    char detail[96];
    std::snprintf(detail, sizeof detail, "replica :%d promoted while the old primary was stopped", port);
    f.detail = detail;
    f.recovered_by = &stack.ingest();
    return f;
  }
};

// SIGKILL the Sentinel every connection asks first, and drop every client
// connection on the primary so that each owner asks again at once: they must
// find the primary through the other two. The Sentinel restarts after 2 s.
struct sentinel_kill : fault_case {
  sentinel_kill() {
    name = "sentinel-sigkill";
    what = "SIGKILL the first Sentinel and drop every eventbed connection to Redis (they ask the Sentinels "
           "again), restart it after 2 s";
    replicated = true;
    flags.ingest = {"--ack-replicas", "1"};
    allowed.ingest = {"http_503"};
  }
  fault_record inject(fault_stack& stack, const simulator_run&) const override {
    auto& victim = *stack.sentinels().front();
    fault_record f;
    f.start = wall_now();
    victim.kill();
    auto conn = stack.connect();
    auto killed = conn.command({"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"});
    f.detail = std::to_string(killed.integer) + " connections dropped";
    hold(2.0);
    victim.start();
    f.end = wall_now();
    f.recovered_by = &stack.ingest();
    return f;
  }
};

}  // namespace

std::vector<const fault_case*> failover_cases() {
  static const primary_kill acked(1);
  static const primary_kill unacked(0);
  static const primary_pause paused;
  static const sentinel_kill sentinel;
  return {&acked, &unacked, &paused, &sentinel};
}

}  // namespace eventbed::fault
