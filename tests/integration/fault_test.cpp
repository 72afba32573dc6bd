// Faults under load, the fastest cases of scripts/fault-suite as ctest tests.
//
// The promise under test: an event answered 202 is never lost, and every
// failure is visible to the client as an answer it can act on (503 with
// Retry-After), never as a hang past the server's own timeout or an empty
// reply while the server is alive. Each test drives several client threads
// with their own event ids, injects one fault while they run, then checks the
// ledger: every 202 is in the Redis log and ends `processed`.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <iostream>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/deadline.hpp"
#include "tests/support/event_log.hpp"
#include "tests/support/event_polling.hpp"
#include "tests/support/eventbed_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/redis_server.hpp"

using namespace eventbed;
using json = nlohmann::json;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

namespace {

// eventbed answers within --request-timeout-ms; clients wait longer than that,
// so a client-side timeout means eventbed hung, not that the client gave up early.
constexpr int server_timeout_ms = 1000;
constexpr long client_timeout_ms = 4000;

// Client threads posting single events with their own ids, recording every answer.
class load {
 public:
  load(std::string url, std::string prefix, int threads) : url_(std::move(url)), prefix_(std::move(prefix)) {
    for (int t = 0; t < threads; ++t)
      threads_.emplace_back([this, t] { run(t); });
  }
  ~load() { stop(); }

  void stop() {
    stop_ = true;
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }

  size_t accepted_count() {
    std::lock_guard<std::mutex> lock(mu_);
    return accepted_.size();
  }
  size_t count(const std::string& outcome) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = outcomes_.find(outcome);
    return it == outcomes_.end() ? 0 : it->second;
  }
  std::set<std::string> accepted() {
    std::lock_guard<std::mutex> lock(mu_);
    return accepted_;
  }
  std::map<std::string, size_t> outcomes() {
    std::lock_guard<std::mutex> lock(mu_);
    return outcomes_;
  }
  std::vector<std::string> samples() {
    std::lock_guard<std::mutex> lock(mu_);
    return samples_;
  }

 private:
  void run(int t) {
    http_client client(client_timeout_ms);
    // Bounded even if stop() never comes: 20,000 requests per thread.
    for (int i = 0; i < 20000 && !stop_; ++i) {
      std::string id = prefix_ + "-" + std::to_string(t) + "-" + std::to_string(i);
      auto res = client.post(url_, R"({"id":")" + id + R"(","type":"fault.load","data":{"i":)" +
                                      std::to_string(i) + "}}");
      std::string outcome;
      if (res.status == 202) {
        outcome = "202";
      } else if (res.status == 503) {
        auto body = json::parse(res.body, nullptr, false);
        std::string code = body.is_object() ? body.value("error", "?") : "not-json";
        outcome = "503 " + code + (res.header("Retry-After").empty() ? " without Retry-After" : "");
      } else if (res.status == 0) {
        // curl's words: "Empty reply from server", "Connection refused", "Timeout was reached", ...
        outcome = "no answer: " + res.error.substr(0, res.error.find(" after"));
      } else {
        outcome = "status " + std::to_string(res.status);
      }
      std::lock_guard<std::mutex> lock(mu_);
      ++outcomes_[outcome];
      if (res.status == 202) {
        accepted_.insert(id);
      } else if (samples_.size() < 10) {
        samples_.push_back(id + ": " + outcome + " " + res.body.substr(0, 200));
      }
      if (res.status != 202)
        std::this_thread::sleep_for(20ms);  // a failing target is not hammered in a tight loop
    }
  }

  std::string url_;
  std::string prefix_;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::set<std::string> accepted_;
  std::map<std::string, size_t> outcomes_;
  std::vector<std::string> samples_;
};

std::string describe(const std::map<std::string, size_t>& outcomes) {
  std::string out;
  for (const auto& [k, v] : outcomes)
    out += "  " + k + ": " + std::to_string(v) + "\n";
  return out;
}

std::vector<std::string> not_logged(const std::set<std::string>& accepted, const redis_server& redis) {
  auto ids = logged_ids(redis.endpoint());
  std::set<std::string> logged(ids.begin(), ids.end());
  std::vector<std::string> missing;
  for (const auto& id : accepted)
    if (!logged.count(id)) missing.push_back(id);
  return missing;
}

std::vector<std::string> not_processed(const std::set<std::string>& accepted, const eventbed_process& proc) {
  return unfinished({accepted.begin(), accepted.end()}, proc, {"processed"}, 30s);
}

// SIGCONT on scope exit, so a failed assertion never leaves Redis stopped.
struct resume_on_exit {
  redis_server& redis;
  ~resume_on_exit() { redis.resume(); }
};

TEST(FaultTest, RedisStoppedUnderLoadAnswers503WithRetryAfterAndLosesNothing) {
  redis_server redis;
  eventbed_process proc{redis.endpoint(), {"--request-timeout-ms", std::to_string(server_timeout_ms)}};
  proc.start();
  ASSERT_TRUE(proc.wait_ready()) << proc.log();

  load clients(proc.url("/ingest"), "rs", 6);
  ASSERT_TRUE(eventually([&] { return clients.accepted_count() >= 300; }, 15s)) << describe(clients.outcomes());

  // Redis unreachable for 3 s: it holds its connections but answers nothing.
  {
    resume_on_exit guard{redis};
    redis.pause();
    auto stopped = steady::now();
    size_t accepted_at_stop = clients.accepted_count();
    // Probes have their own port and thread; a Redis outage does not fail liveness.
    http_client probe(2000);
    EXPECT_EQ(probe.get(proc.admin_url("/livez")).status, 200);
    std::this_thread::sleep_until(stopped + 3s);  // the fault itself lasts a fixed time
    // A 202 needs Redis' acknowledgement; the few in flight at the stop may still count.
    EXPECT_LE(clients.accepted_count(), accepted_at_stop + 6 * 2) << "202s while Redis was stopped";
  }
  auto resumed_at = clients.accepted_count();
  ASSERT_TRUE(eventually([&] { return clients.accepted_count() >= resumed_at + 300; }, 15s))
      << "no recovery after SIGCONT\n"
      << describe(clients.outcomes()) << proc.log();
  clients.stop();

  auto outcomes = clients.outcomes();
  std::cout << "clients saw:\n" << describe(outcomes);
  size_t with_retry_after = 0;
  for (const auto& [outcome, n] : outcomes) {
    bool ok = outcome == "202" || (outcome.rfind("503 ", 0) == 0 &&
                                   outcome.find("without Retry-After") == std::string::npos);
    EXPECT_TRUE(ok) << "clients saw `" << outcome << "` " << n << " times: not a 202, not a 503 with "
                    << "Retry-After\n"
                    << describe(outcomes);
    if (outcome.rfind("503 ", 0) == 0) with_retry_after += ok ? n : 0;
  }
  EXPECT_GT(with_retry_after, 0u) << "the outage was invisible to clients\n" << describe(outcomes);

  auto accepted = clients.accepted();
  auto missing = not_logged(accepted, redis);
  EXPECT_TRUE(missing.empty()) << missing.size() << " events answered 202 are not in the log, e.g. "
                               << missing.front();
  auto stuck = not_processed(accepted, proc);
  EXPECT_TRUE(stuck.empty()) << stuck.size() << " accepted events never processed, e.g. " << stuck.front();
  EXPECT_TRUE(proc.running());
}

TEST(FaultTest, IngestKilledUnderLoadLosesNoAcceptedEvent) {
  redis_server redis;
  eventbed_process ingest{redis.endpoint(), {"--roles", "ingest"}};
  eventbed_process rest{redis.endpoint(), {"--roles", "process,query"}};
  ingest.start();
  rest.start();
  ASSERT_TRUE(ingest.wait_ready()) << ingest.log();
  ASSERT_TRUE(rest.wait_ready()) << rest.log();

  std::set<std::string> accepted;
  std::map<std::string, size_t> outcomes;
  {
    load clients(ingest.url("/ingest"), "ik", 6);
    ASSERT_TRUE(eventually([&] { return clients.accepted_count() >= 500; }, 15s)) << describe(clients.outcomes());
    ingest.kill();  // SIGKILL mid-load: requests in flight get no answer
    // The clients now fail to connect; let each notice before stopping them.
    eventually([&] { return clients.count("no answer: Couldn't connect to server") >= 6; }, 5s);
    clients.stop();
    accepted = clients.accepted();
    outcomes = clients.outcomes();
  }
  std::cout << "clients saw:\n" << describe(outcomes);
  // Requests cut by the kill are failures the client sees (connection errors), never a 202.
  size_t failed = 0;
  for (const auto& [outcome, n] : outcomes)
    if (outcome != "202") failed += n;
  EXPECT_GT(failed, 0u) << describe(outcomes);

  auto missing = not_logged(accepted, redis);
  EXPECT_TRUE(missing.empty()) << missing.size() << " events answered 202 are not in the log, e.g. "
                               << missing.front();
  auto stuck = not_processed(accepted, rest);
  EXPECT_TRUE(stuck.empty()) << stuck.size() << " of " << accepted.size()
                             << " accepted events never processed, e.g. " << stuck.front() << "\n"
                             << rest.log();

  // A restarted ingest serves again at once.
  ingest.start();
  ASSERT_TRUE(ingest.wait_ready()) << ingest.log();
  http_client client;
  EXPECT_EQ(client.post(ingest.url("/ingest"), R"({"id":"after-restart","type":"t"})").status, 202);
}

TEST(FaultTest, RedisCrashAndAofRestartUnderLoadLosesNoAcceptedEvent) {
  redis_server redis;  // AOF with appendfsync always: an acknowledged write survives SIGKILL
  eventbed_process proc{redis.endpoint(), {"--request-timeout-ms", std::to_string(server_timeout_ms)}};
  proc.start();
  ASSERT_TRUE(proc.wait_ready()) << proc.log();

  load clients(proc.url("/ingest"), "rr", 6);
  ASSERT_TRUE(eventually([&] { return clients.accepted_count() >= 300; }, 15s)) << describe(clients.outcomes());
  redis.kill();
  // Down until clients have seen the outage, bounded.
  auto down_from = clients.count("503 redis_unavailable") + clients.count("503 timeout");
  eventually([&] { return clients.count("503 redis_unavailable") + clients.count("503 timeout") >= down_from + 6; },
             5s);
  redis.start();  // same port, replays its AOF
  auto restarted_at = clients.accepted_count();
  ASSERT_TRUE(eventually([&] { return clients.accepted_count() >= restarted_at + 300; }, 20s))
      << "no recovery after the Redis restart\n"
      << describe(clients.outcomes()) << proc.log();
  clients.stop();

  auto outcomes = clients.outcomes();
  std::cout << "clients saw:\n" << describe(outcomes);
  for (const auto& [outcome, n] : outcomes) {
    bool ok = outcome == "202" || (outcome.rfind("503 ", 0) == 0 &&
                                   outcome.find("without Retry-After") == std::string::npos);
    EXPECT_TRUE(ok) << "clients saw `" << outcome << "` " << n << " times\n" << describe(outcomes);
  }
  auto accepted = clients.accepted();
  auto missing = not_logged(accepted, redis);
  EXPECT_TRUE(missing.empty()) << missing.size() << " events answered 202 are not in the log after the "
                               << "restart, e.g. " << missing.front();
  // Entries a processor had been handed when Redis died are pending for it in the
  // AOF; it reads them back once reconnected, without waiting for --claim-idle-ms.
  auto stuck = not_processed(accepted, proc);
  EXPECT_TRUE(stuck.empty()) << stuck.size() << " accepted events never processed, e.g. " << stuck.front()
                             << "\n"
                             << proc.log();
}

}  // namespace
