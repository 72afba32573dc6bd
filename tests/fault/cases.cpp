#include "tests/fault/cases.hpp"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/support/deadline.hpp"
#include "tests/support/http_client.hpp"

namespace eventbed::fault {

namespace {

using namespace std::chrono_literals;
using seconds_d = std::chrono::duration<double>;

// A fault lasts a fixed, known time: that is part of the experiment, not a wait
// for something to happen (those are deadline polls).
void hold(double seconds) { std::this_thread::sleep_for(seconds_d(seconds)); }

fault_record paused(std::function<void()> stop, std::function<void()> resume, double seconds) {
  fault_record f;
  f.start = wall_now();
  stop();
  hold(seconds);
  resume();
  f.end = wall_now();
  return f;
}

fault_record killed_and_restarted(fault_stack& stack, role& victim, double down_seconds) {
  stack.sample_counters(victim);
  fault_record f;
  f.start = wall_now();
  stack.kill(victim);
  hold(down_seconds);  // how long the replacement takes to be scheduled
  stack.start(victim);
  f.end = wall_now();
  f.recovered_by = &victim;
  return f;
}

// Killing or stopping a processor between two batches would test nothing:
// wait (bounded) until it holds entries, delivered and not yet acknowledged.
void wait_until_holding(fault_stack& stack, const std::string& prefix, fault_record& f) {
  if (!eventually([&] { return stack.pending_at(prefix) > 0; }, 10s, 5ms))
    f.notes.push_back(prefix + "* held no entry within 10 s; fault injected anyway");
}

struct processor_kill : fault_case {
  processor_kill() {
    name = "processor-sigkill";
    what = "SIGKILL one of two processor processes mid-batch (5 ms per event), restart it after 2 s";
    // 5 ms per event keeps each processor busy ~25% of the time at 200 ev/s, so the kill
    // lands with entries delivered and unacknowledged: they must be taken over.
    flags.process = {"--process-latency-ms", "5"};
  }
  fault_record inject(fault_stack& stack, const simulator_run&) const override {
    auto& victim = stack.processor(0);
    auto prefix = victim.instance() + "-";
    stack.sample_counters(victim);  // what it took over itself, before the kill
    fault_record pre;
    wait_until_holding(stack, prefix, pre);
    fault_record f;
    f.start = wall_now();
    stack.kill(victim);
    // Dead and reaped: whatever it wrote is already queued in Redis ahead of this read.
    f.held_at_fault = stack.pending_at(prefix);
    hold(2.0);
    stack.start(victim);  // a new instance name: its old entries are not its own any more
    f.end = wall_now();
    f.recovered_by = &victim;
    f.victim_prefix = prefix;
    f.notes = pre.notes;
    return f;
  }
};

struct query_kill : fault_case {
  query_kill() {
    name = "query-sigkill";
    what = "SIGKILL the query role, restart it after 2 s on its projection";
    allowed.query = {"connect", "transport", "timeout", "http_503"};
  }
  fault_record inject(fault_stack& stack, const simulator_run&) const override {
    return killed_and_restarted(stack, stack.query(), 2.0);
  }
};

struct ingest_kill : fault_case {
  ingest_kill() {
    name = "ingest-sigkill";
    what = "SIGKILL the ingest role under load, restart it after 2 s";
    allowed.ingest = {"connect", "transport"};
  }
  fault_record inject(fault_stack& stack, const simulator_run&) const override {
    return killed_and_restarted(stack, stack.ingest(), 2.0);
  }
};

struct ingest_pause : fault_case {
  ingest_pause() {
    // Longer than the clients' 4 s timeout, so the stall shows as timeouts, not only as latency.
    name = "ingest-sigstop";
    what = "SIGSTOP the ingest role for 6 s, then SIGCONT";
    allowed.ingest = {"timeout"};
  }
  fault_record inject(fault_stack& stack, const simulator_run&) const override {
    auto& p = *stack.ingest().proc;
    auto f = paused([&] { p.pause(); }, [&] { p.resume(); }, 6.0);
    f.recovered_by = &stack.ingest();
    return f;
  }
};

struct processor_pause : fault_case {
  processor_pause() {
    name = "processor-sigstop";
    what = "SIGSTOP one processor process for 4 s (past --claim-idle-ms 2 s) and until the other has taken over "
           "its entries, then SIGCONT";
  }
  fault_record inject(fault_stack& stack, const simulator_run&) const override {
    auto& victim = stack.processor(0);
    auto prefix = victim.instance() + "-";
    fault_record f;
    f.start = wall_now();
    victim.proc->pause();
    // Every thread stopped: nothing it was writing can still change what it holds.
    if (!victim.proc->wait_stopped(5s))
      throw std::runtime_error("process-1 not stopped 5 s after SIGSTOP");
    // What it holds can still grow once: a read it had blocked in is answered by
    // Redis with the next entries, which the stopped process never sees. So its
    // entries are followed for the whole stop and the most it held is kept (an
    // entry stays at least --claim-idle-ms, far longer than a poll).
    long holds = 0;
    auto look = [&] {
      holds = stack.pending_at(prefix);
      f.held_at_fault = std::max(f.held_at_fault, holds);
    };
    f.held_at_fault = 0;
    const auto until = std::chrono::steady_clock::now() + 4s;
    while (std::chrono::steady_clock::now() < until) {
      look();
      std::this_thread::sleep_for(50ms);
    }
    // A stopped consumer's entries can only leave it by a takeover: stay stopped until
    // they have (bounded), so the takeover is observed, whatever the machine's speed.
    if (!eventually([&] { look(); return holds == 0; }, 30s, 50ms))
      f.notes.push_back("its entries were not taken over within 34 s of SIGSTOP");
    victim.proc->resume();
    f.end = wall_now();
    f.recovered_by = &victim;
    f.victim_prefix = prefix;
    return f;
  }
};

struct query_pause : fault_case {
  query_pause() {
    name = "query-sigstop";
    what = "SIGSTOP the query role for 6 s, then SIGCONT";
    allowed.query = {"timeout"};
  }
  fault_record inject(fault_stack& stack, const simulator_run&) const override {
    auto& p = *stack.query().proc;
    auto f = paused([&] { p.pause(); }, [&] { p.resume(); }, 6.0);
    f.recovered_by = &stack.query();
    return f;
  }
};

struct redis_restart : fault_case {
  redis_restart() {
    name = "redis-restart";
    what = "SIGKILL redis-server, restart it from its AOF after 1 s";
    // Redis down: ingest must answer 503 (with Retry-After); the query role serves its projection.
    allowed.ingest = {"http_503"};
  }
  fault_record inject(fault_stack& stack, const simulator_run&) const override {
    fault_record f;
    f.start = wall_now();
    stack.redis().kill();
    hold(1.0);
    stack.redis().start();  // same port, same directory: replays the AOF
    f.end = wall_now();
    f.recovered_by = &stack.ingest();
    return f;
  }
};

struct redis_pause : fault_case {
  redis_pause() {
    name = "redis-sigstop";
    what = "SIGSTOP redis-server for 5 s (unreachable: connections hang), then SIGCONT";
    allowed.ingest = {"http_503"};
  }
  fault_record inject(fault_stack& stack, const simulator_run&) const override {
    auto& r = stack.redis();
    auto f = paused([&] { r.pause(); }, [&] { r.resume(); }, 5.0);
    f.recovered_by = &stack.ingest();
    return f;
  }
};

long rss_kb(pid_t pid, const std::string& field) {  // VmRSS / VmHWM of a live process
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field + ":", 0) == 0)
      return std::stol(line.substr(field.size() + 1));
  return 0;
}

struct ingest_overload : fault_case {
  static constexpr int flood_clients = 16;
  ingest_overload() {
    name = "ingest-overload";
    what = "SIGSTOP redis-server 6 s while 16 extra clients post 1000-event batches as fast as they are answered, "
           "--ingest-queue-limit 4000: the queue fills and ingest answers 503 at once, RSS bounded";
    allowed.ingest = {"http_503", "timeout"};
    flags.ingest = {"--ingest-queue-limit", "4000"};
  }
  fault_record inject(fault_stack& stack, const simulator_run&) const override {
    nlohmann::json batch = nlohmann::json::array();
    for (int i = 0; i < 1000; ++i)
      batch.push_back({{"type", "fault.overload"}, {"data", {{"i", i}, {"pad", std::string(150, 'x')}}}});
    const std::string body = batch.dump();
    const auto url = stack.ingest().proc->url("/ingest");
    std::atomic<bool> stop{false};
    std::mutex mu;
    std::vector<double> seconds_503;
    flood_result flood;
    auto client_loop = [&] {
      http_client client(static_cast<long>(client_timeout_s * 1000));
      for (int n = 0; n < 100000 && !stop; ++n) {  // bounded even if stop never came
        auto t0 = std::chrono::steady_clock::now();
        auto res = client.post(url, body);
        double took = seconds_d(std::chrono::steady_clock::now() - t0).count();
        {
          std::lock_guard<std::mutex> lock(mu);
          ++flood.requests;
          if (res.status == 202) {
            ++flood.accepted;
          } else if (res.status == 503) {
            seconds_503.push_back(took);
            if (res.header("Retry-After").empty())
              ++flood.without_retry_after;
          } else {
            ++flood.other;
          }
        }
        if (res.status != 202 && res.status != 503)
          std::this_thread::sleep_for(50ms);  // refused or timed out: do not spin
      }
    };
    const pid_t ingest_pid = stack.ingest().proc->pid();
    flood.rss_before_kb = rss_kb(ingest_pid, "VmRSS");
    std::vector<std::thread> clients;
    for (int i = 0; i < flood_clients; ++i)
      clients.emplace_back(client_loop);
    auto& r = stack.redis();
    auto f = paused([&] { r.pause(); }, [&] { r.resume(); }, 6.0);
    hold(1.0);  // the queue drains into the resumed Redis while the flood keeps pushing
    stop = true;
    for (auto& t : clients)
      t.join();
    flood.rss_peak_kb = rss_kb(ingest_pid, "VmHWM");
    flood.rejected_503 = seconds_503.size();
    if (!seconds_503.empty()) {
      std::sort(seconds_503.begin(), seconds_503.end());
      flood.median_503_ms = seconds_503[seconds_503.size() / 2] * 1000;
    }
    char detail[256];
    std::snprintf(detail, sizeof detail,
                  "flood: %zu requests, %zu x 202, %zu x 503 (median %.1f ms); ingest RSS %.1f MB before, "
                  "peak %.1f MB",
                  flood.requests, flood.accepted, flood.rejected_503, flood.median_503_ms,
                  flood.rss_before_kb / 1024.0, flood.rss_peak_kb / 1024.0);
    f.detail = detail;
    f.flood = flood;
    f.recovered_by = &stack.ingest();
    return f;
  }
};

struct slow_consumer : fault_case {
  slow_consumer() {
    name = "slow-consumer";
    what = "processors at --process-latency-ms 25 (2 x 40 ev/s) under 150 ev/s: lag grows, then drains";
    load.rate = 150;
    flags.process = {"--processors", "1", "--process-latency-ms", "25"};
  }
  fault_record inject(fault_stack&, const simulator_run& sim) const override {
    // The fault is the whole load: capacity below the arrival rate from the start.
    // Recovery is the drain after the load ends, measured with the other measurements.
    fault_record f;
    f.start = sim.started();
    f.end = sim.started() + load.seconds;
    hold(std::max(0.0, f.end - wall_now()));
    f.lasts_the_load = true;
    return f;
  }
};

struct projection_rebuild : fault_case {
  static constexpr int preload = 20000;
  projection_rebuild() {
    name = "projection-rebuild";
    what = "stop the query role, delete its projection, restart it: rebuilt from 20k+ logged events";
    allowed.query = {"connect", "transport", "timeout", "http_503"};
  }
  void prepare(fault_stack& stack) const override {
    // A log worth rebuilding: 20 batches of 1000 events before the load starts.
    nlohmann::json batch = nlohmann::json::array();
    for (int i = 0; i < 1000; ++i)
      batch.push_back({{"type", "fault.preload"}, {"data", {{"i", i}}}});
    http_client client(30000);
    for (int n = 0; n < preload / 1000; ++n) {
      auto res = client.post(stack.ingest().proc->url("/ingest"), batch.dump());
      if (res.status != 202)
        throw std::runtime_error("preload failed: " + std::to_string(res.status) + " " + res.body.substr(0, 200));
    }
    if (!eventually([&] { return stack.projected() >= preload; }, 300s, 200ms))
      throw std::runtime_error("preload not projected within 300 s");
  }
  fault_record inject(fault_stack& stack, const simulator_run&) const override {
    auto& q = stack.query();
    fault_record f;
    f.start = wall_now();
    int code = stack.stop(q);
    char detail[96];
    std::snprintf(detail, sizeof detail, "stop (SIGTERM to exit) took %.1f s", wall_now() - f.start);
    f.detail = detail;
    f.stop_exit_codes[q.instance()] = code;
    // The projection is everything in its data dir but the process's own log.
    for (const auto& entry : std::filesystem::directory_iterator(q.proc->data_dir()))
      if (entry.path().filename() != "eventbed.log")
        std::filesystem::remove_all(entry.path());
    stack.start(q);
    f.end = wall_now();
    f.recovered_by = &q;
    return f;
  }
};

}  // namespace

const std::vector<const fault_case*>& all_cases() {
  static const processor_kill c1;
  static const query_kill c2;
  static const ingest_kill c3;
  static const ingest_pause c4;
  static const processor_pause c5;
  static const query_pause c6;
  static const redis_restart c7;
  static const redis_pause c8;
  static const ingest_overload c9;
  static const slow_consumer c10;
  static const projection_rebuild c11;
  static const std::vector<const fault_case*> cases = [&] {
    std::vector<const fault_case*> all = {&c1, &c2, &c3, &c4, &c5, &c6, &c7, &c8, &c9, &c10, &c11};
    for (const auto* c : failover_cases())
      all.push_back(c);
    return all;
  }();
  return cases;
}

}  // namespace eventbed::fault
