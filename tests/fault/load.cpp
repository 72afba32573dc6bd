#include "tests/fault/load.hpp"

#include <signal.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>

#include "tests/support/http_client.hpp"
#include "tests/support/iso_time.hpp"

namespace eventbed::fault {

using namespace std::chrono_literals;

double wall_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}


simulator_run::simulator_run(fault_stack& stack, const load_shape& shape, const std::string& run_id,
                             const std::string& dir)
    : report_path_(dir + "/report.json") {
  char timeout[32];
  std::snprintf(timeout, sizeof timeout, "%gs", client_timeout_s);
  std::vector<std::string> args = {EVENTBED_BINARY, "simulate",
                                   "--ingest", stack.ingest().proc->url(""),
                                   "--query", stack.query().proc->url(""),
                                   "--probe", "ingest=" + stack.ingest().proc->admin_url("/readyz"),
                                   "--probe", "process=" + stack.processor(0).proc->admin_url("/readyz"),
                                   "--probe", "query=" + stack.query().proc->admin_url("/readyz"),
                                   "--rate", std::to_string(shape.rate),
                                   "--duration", std::to_string(shape.seconds) + "s",
                                   "--timeout", timeout,
                                   "--retries", "2",
                                   "--concurrency", "16",
                                   "--deadline", std::to_string(deadline_s) + "s",
                                   "--grace", "40s",
                                   "--run-id", run_id,
                                   "--admin-port", "0",
                                   "--progress", "never",
                                   "--report", report_path_};
  std::remove(report_path_.c_str());
  started_ = wall_now();
  child_.start(args, dir + "/simulate.log");
}

int simulator_run::finish(std::chrono::seconds limit, std::vector<std::string>& notes) {
  int rc = child_.wait_exit(limit);
  if (rc >= 0)
    return rc;
  notes.push_back("simulator overran; stopped by SIGINT");
  child_.signal(SIGINT);  // the first signal: stop the load, verify, write the report
  rc = child_.wait_exit(30s);
  if (rc >= 0)
    return rc;
  child_.kill();
  return child_.exit_code();
}

nlohmann::json simulator_run::report() const {
  std::ifstream in(report_path_);
  if (!in)
    return nullptr;
  auto r = nlohmann::json::parse(in, nullptr, false);
  return r.is_discarded() ? nlohmann::json(nullptr) : r;
}

probe_client::probe_client(std::string url, std::string prefix)
    : url_(std::move(url)), prefix_(std::move(prefix)), thread_([this] { run(); }) {}

void probe_client::stop() {
  stop_ = true;
  if (thread_.joinable())
    thread_.join();
}

void probe_client::run() {
  constexpr auto period = 200ms;
  // A probe waits a second longer than the simulator: a timeout here is eventbed hanging.
  http_client client(static_cast<long>(client_timeout_s * 1000) + 1000);
  // Bounded even if stop() never comes: 400 s at 5/s.
  for (int n = 1; n <= 2000 && !stop_; ++n) {
    auto id = prefix_ + "-" + std::to_string(n);
    auto t0 = std::chrono::steady_clock::now();
    auto res = client.post(url_, R"({"id":")" + id + R"(","type":"fault.probe","data":{"n":)" +
                                     std::to_string(n) + "}}");
    double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::string outcome;
    if (res.status == 202) {
      outcome = "202";
    } else if (res.status != 0) {
      auto body = nlohmann::json::parse(res.body, nullptr, false);
      outcome = std::to_string(res.status) + " " + (body.is_object() ? body.value("error", "?") : "not-json");
      if (res.status == 503 && res.header("Retry-After").empty())
        outcome += " NO-RETRY-AFTER";
    } else {
      outcome = res.failure();
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++outcomes_[outcome];
      if (res.status == 202)
        accepted_.push_back(id);
      slowest_ = std::max(slowest_, took);
    }
    // The next one a period after this one started, waking early on stop().
    auto next = t0 + period;
    while (!stop_ && std::chrono::steady_clock::now() < next)
      std::this_thread::sleep_for(10ms);
  }
}

std::map<std::string, size_t> probe_client::outcomes() {
  std::lock_guard<std::mutex> lock(mu_);
  return outcomes_;
}

std::vector<std::string> probe_client::accepted() {
  std::lock_guard<std::mutex> lock(mu_);
  return accepted_;
}

double probe_client::slowest_seconds() {
  std::lock_guard<std::mutex> lock(mu_);
  return slowest_;
}

lag_watcher::lag_watcher(fault_stack& stack) {
  for (auto* p : stack.processors())
    procs_.push_back(p->proc.get());
  thread_ = std::thread([this] {
    while (!stop_) {
      for (const auto* p : procs_) {
        // Only the admin port is used here: the test thread owns the processes.
        double v = p->metric("eventbed_consumer_group_lag");
        if (v > max_lag_)
          max_lag_ = v;
      }
      for (int i = 0; i < 25 && !stop_; ++i)
        std::this_thread::sleep_for(10ms);
    }
  });
}

void lag_watcher::stop() {
  stop_ = true;
  if (thread_.joinable())
    thread_.join();
}

}  // namespace eventbed::fault
