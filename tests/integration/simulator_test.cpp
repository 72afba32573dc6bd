// The simulator against the real stack: real redis-server, the real eventbed
// binary (one process, or the roles split over two), real HTTP on 127.0.0.1.
//
// The simulator runs in-process through simulate_command (the exact object
// `eventbed simulate` uses, flags parsed by CLI11), on its own thread, while
// the test thread stops and resumes eventbed processes with SIGSTOP/SIGCONT at
// instants it records. Its JSON report is then compared with those instants.
#include <gtest/gtest.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <future>
#include <signal.h>
#include <sstream>
#include <string>
#include <thread>

#include "app/simulate_command.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/deadline.hpp"
#include "tests/support/eventbed_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/iso_time.hpp"
#include "tests/support/redis_server.hpp"

using namespace eventbed;
using json = nlohmann::json;
using namespace std::chrono_literals;
using wall_clock = std::chrono::system_clock;

namespace {

constexpr double probe_period = 0.2;


double epoch_seconds(wall_clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

double downtime(const json& report, const std::string& target, const std::string& reason) {
  for (const auto& d : report["downtime"])
    if (d["target"] == target && d["reason"] == reason)
      return d["seconds"].get<double>();
  ADD_FAILURE() << "no downtime entry for " << target << "/" << reason << " in " << report["downtime"].dump();
  return -1;
}

// The longest window of target/reason, or null.
json longest_window(const json& report, const std::string& target, const std::string& reason) {
  json best;
  for (const auto& w : report["windows"])
    if (w["target"] == target && w["reason"] == reason &&
        (best.is_null() || w["seconds"].get<double>() > best["seconds"].get<double>()))
      best = w;
  return best;
}

// One `eventbed simulate` run on a background thread.
class simulator_run {
 public:
  explicit simulator_run(const std::string& flags) {
    char tmpl[] = "/tmp/eventbed-sim-report-XXXXXX";
    int fd = mkstemp(tmpl);
    close(fd);
    report_path_ = tmpl;
    auto* sub = app_.add_subcommand("simulate");
    command_ = std::make_unique<simulate_command>(*sub);
    app_.parse("simulate " + flags + " --admin-port 0 --progress never --report " + report_path_);
    started_ = std::chrono::steady_clock::now();
    exit_code_ = std::async(std::launch::async, [this] { return command_->run(); });
  }
  ~simulator_run() {
    if (exit_code_.valid())
      exit_code_.wait();
    std::remove(report_path_.c_str());
  }

  double seconds_running() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  }

  // Waits for the run to end (bounded) and returns its exit code and report.
  int finish(json& report, std::chrono::seconds limit) {
    if (exit_code_.wait_for(limit) != std::future_status::ready) {
      ADD_FAILURE() << "simulator did not finish within " << limit.count() << " s";
      return -1;
    }
    int rc = exit_code_.get();
    std::ifstream in(report_path_);
    report = json::parse(in, nullptr, false);
    EXPECT_FALSE(report.is_discarded()) << "no JSON report at " << report_path_;
    return rc;
  }

 private:
  CLI::App app_;
  std::unique_ptr<simulate_command> command_;
  std::string report_path_;
  std::chrono::steady_clock::time_point started_;
  std::future<int> exit_code_;
};

// The ingest role in one process, processing and query in another, so ingest can be stopped alone.
struct split_stack {
  redis_server redis;
  eventbed_process ingest{redis.endpoint(), {"--roles", "ingest"}};
  eventbed_process rest{redis.endpoint(), {"--roles", "process,query"}};

  bool ready() {
    ingest.start();
    rest.start();
    bool ok = ingest.wait_ready() && rest.wait_ready();
    if (!ok)
      ADD_FAILURE() << ingest.log() << rest.log();
    return ok;
  }
};

// Events the query role has projected so far: a sign that load is flowing.
long long projected(http_client& client, const eventbed_process& query) {
  auto res = client.get(query.url("/stats"));
  auto body = json::parse(res.body, nullptr, false);
  return res.status == 200 && body.is_object() ? body.value("total", 0LL) : -1;
}

std::string common_flags(const std::string& ingest, const std::string& query,
                         const std::string& timeouts = "--probe-timeout 500ms --timeout 1s") {
  return "--ingest " + ingest + " --query " + query + " --rate 100 --probe-period 200ms " + timeouts +
         " --concurrency 8";
}

// A clean run must show no downtime however loaded the machine is (CI runs
// sanitized binaries two tests at a time): timeouts far above any stall a
// healthy process shows there, so only a real fault opens a window.
constexpr const char* kPatientTimeouts = "--probe-timeout 3s --timeout 5s --deadline 20s";

TEST(SimulatorTest, CleanRunReportsNoLossAndNoDowntime) {
  redis_server redis;
  eventbed_process proc{redis.endpoint()};
  proc.start();
  ASSERT_TRUE(proc.wait_ready()) << proc.log();

  simulator_run run(common_flags(proc.url(""), proc.url(""), kPatientTimeouts) + " --probe eventbed=" +
                    proc.admin_url("/readyz") +
                    " --duration 3s --batch 2 --grace 20s --max-lost 0 --max-functional-downtime 0");
  json r;
  int rc = run.finish(r, 60s);
  ASSERT_FALSE(r.is_discarded());
  EXPECT_EQ(rc, 0) << r["verdict"].dump() << proc.log();
  EXPECT_EQ(r["scheduled"], 300);
  EXPECT_EQ(r["accepted"], 300);
  EXPECT_EQ(r["processed"], 300);
  EXPECT_EQ(r["lost"], 0);
  EXPECT_EQ(r["duplicated"], 0);
  EXPECT_EQ(r["mismatched"], 0);
  EXPECT_EQ(r["late"], 0);
  EXPECT_TRUE(r["windows"].empty()) << r["windows"].dump();
  EXPECT_EQ(r["downtime"].size(), 4u) << r["downtime"].dump();  // ingest, query, process, eventbed
  for (const auto& d : r["downtime"])
    EXPECT_EQ(d["seconds"], 0.0) << d.dump();
  EXPECT_EQ(r["functional_downtime_seconds"], 0.0);
  EXPECT_EQ(r["latency"]["ingest"]["count"], 150);  // one sample per request of 2 events
  EXPECT_GT(r["latency"]["ingest"]["p99"].get<double>(), 0);
  EXPECT_EQ(r["latency"]["visible"]["count"], 300);
  EXPECT_NEAR(r["rate"]["accepted_mean"].get<double>(), 100, 1);
}

TEST(SimulatorTest, StoppedIngestIsFunctionalAndHealthDowntimeOfThatLength) {
  split_stack stack;
  ASSERT_TRUE(stack.ready());
  auto& ingest = stack.ingest;
  auto& rest = stack.rest;

  const double load = 8;
  simulator_run run(common_flags(ingest.url(""), rest.url("")) + " --probe ingest=" + ingest.admin_url("/readyz") +
                    " --probe query=" + rest.admin_url("/readyz") + " --duration 8s --grace 10s");
  http_client client(1000);
  ASSERT_TRUE(eventually([&] { return projected(client, rest) >= 100; }, 20s)) << rest.log();

  // The stop is the experiment itself, so it lasts a fixed, known time.
  const auto stall = 2500ms;
  ingest.pause();
  auto stopped = wall_clock::now();
  std::this_thread::sleep_until(stopped + stall);
  ingest.resume();
  auto resumed = wall_clock::now();
  ASSERT_LT(run.seconds_running() + 1, load) << "the stall must end while load is still running";

  json r;
  run.finish(r, 90s);
  ASSERT_FALSE(r.is_discarded());
  double interval = std::chrono::duration<double>(resumed - stopped).count();
  EXPECT_NEAR(downtime(r, "ingest", "functional"), interval, probe_period) << r["windows"].dump();
  EXPECT_NEAR(downtime(r, "ingest", "health"), interval, probe_period) << r["windows"].dump();
  // Where the windows lie, not only how long they are (50 ms for this test's own timestamps).
  for (const char* reason : {"functional", "health"}) {
    auto w = longest_window(r, "ingest", reason);
    ASSERT_FALSE(w.is_null()) << reason;
    EXPECT_NEAR(iso_seconds(w["start"]), epoch_seconds(stopped), probe_period + 0.05) << reason << w.dump();
    EXPECT_NEAR(iso_seconds(w["end"]), epoch_seconds(resumed), probe_period + 0.05) << reason << w.dump();
  }
  EXPECT_EQ(downtime(r, "query", "health"), 0.0);
  EXPECT_EQ(r["lost"], 0) << r["samples"].dump();
  EXPECT_EQ(r["mismatched"], 0);
  EXPECT_GT(r["rejected"].get<int>(), 0) << "requests sent during the stall time out after 1 s";
  EXPECT_EQ(r["accepted"], r["processed"]);
}

TEST(SimulatorTest, PausedProcessorIsProcessingDowntimeNotIngest) {
  redis_server redis;
  eventbed_process front{redis.endpoint(), {"--roles", "ingest,query"}};
  eventbed_process processor{redis.endpoint(), {"--roles", "process"}};
  front.start();
  processor.start();
  ASSERT_TRUE(front.wait_ready()) << front.log();
  ASSERT_TRUE(processor.wait_ready()) << processor.log();

  const double load = 9;
  simulator_run run(common_flags(front.url(""), front.url("")) + " --probe front=" + front.admin_url("/readyz") +
                    " --duration 9s --deadline 1500ms --grace 15s");
  http_client client(1000);
  ASSERT_TRUE(eventually([&] { return projected(client, front) >= 100; }, 20s)) << front.log();

  const auto pause = 4000ms;  // well past the 1.5 s deadline
  processor.pause();
  auto paused = wall_clock::now();
  std::this_thread::sleep_until(paused + pause);
  processor.resume();
  auto resumed = wall_clock::now();
  ASSERT_LT(run.seconds_running() + 1, load) << "the pause must end while load is still running";

  json r;
  run.finish(r, 90s);
  ASSERT_FALSE(r.is_discarded());
  double interval = std::chrono::duration<double>(resumed - paused).count();
  // Visibility is seen through polls, and after the resume the backlog must be
  // processed and projected before the next event shows up in time.
  EXPECT_NEAR(downtime(r, "process", "functional"), interval, 0.75) << r["windows"].dump();
  auto w = longest_window(r, "process", "functional");
  ASSERT_FALSE(w.is_null());
  EXPECT_EQ(w["cause"], "not_visible_in_deadline");
  EXPECT_NEAR(iso_seconds(w["start"]), epoch_seconds(paused), 0.25) << w.dump();
  EXPECT_EQ(downtime(r, "ingest", "functional"), 0.0) << r["windows"].dump();
  EXPECT_EQ(downtime(r, "query", "functional"), 0.0) << r["windows"].dump();
  EXPECT_GT(r["late"].get<int>(), 0);
  EXPECT_EQ(r["lost"], 0) << r["samples"].dump();
  EXPECT_EQ(r["processed"], r["accepted"]);
}

}  // namespace

namespace {

// Every line of a file, each parsed as JSON (a line that is not JSON is null).
std::vector<json> json_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<json> out;
  std::string line;
  while (std::getline(in, line))
    out.push_back(json::parse(line, nullptr, false).is_discarded() ? json() : json::parse(line));
  return out;
}

std::vector<json> of_kind(const std::vector<json>& lines, const std::string& kind) {
  std::vector<json> out;
  for (const auto& l : lines)
    if (l.is_object() && l.value("kind", "") == kind)
      out.push_back(l);
  return out;
}

}  // namespace

// `eventbed simulate --duration 0` as the cluster runs it: the real binary,
// report lines on stdout, logs on stderr, both into one file as `kubectl logs`
// shows them. An ingest stall spans report boundaries; SIGTERM ends the run.
TEST(SimulatorTest, ContinuousRunStreamsLinesAndEndsPromptlyOnSigterm) {
  split_stack stack;
  ASSERT_TRUE(stack.ready());
  auto& ingest = stack.ingest;
  auto& rest = stack.rest;

  char tmpl[] = "/tmp/eventbed-sim-lines-XXXXXX";
  close(mkstemp(tmpl));
  std::string out = tmpl;
  std::vector<std::string> args = {EVENTBED_BINARY, "simulate", "--ingest", ingest.url(""), "--query", rest.url(""),
                                   "--probe", "ingest=" + ingest.admin_url("/readyz"), "--rate", "100",
                                   "--probe-period", "200ms", "--probe-timeout", "500ms", "--timeout", "1s",
                                   "--concurrency", "8", "--duration", "0", "--report-every", "1s", "--report", "-",
                                   "--admin-port", "0", "--progress", "never", "--slo", "lost==0"};
  child_process sim;
  sim.start(args, out);
  ASSERT_TRUE(eventually([&] { return of_kind(json_lines(out), "interval").size() >= 2; }, 20s))
      << std::ifstream(out).rdbuf();

  const auto stall = 2500ms;  // spans at least two 1 s report boundaries
  ingest.pause();
  auto stopped = wall_clock::now();
  std::this_thread::sleep_until(stopped + stall);
  ingest.resume();
  auto resumed = wall_clock::now();
  double interval = std::chrono::duration<double>(resumed - stopped).count();

  // The windows are emitted as soon as they close, while the run goes on.
  auto ingest_windows = [&](const std::string& reason) {
    std::vector<json> found;
    for (const auto& w : of_kind(json_lines(out), "window"))
      if (w["target"] == "ingest" && w["reason"] == reason)
        found.push_back(w);
    return found;
  };
  ASSERT_TRUE(eventually([&] { return ingest_windows("health").size() == 1 && ingest_windows("functional").size() == 1; },
                         20s))
      << std::ifstream(out).rdbuf();
  ASSERT_TRUE(sim.running());

  sim.signal(SIGTERM);
  auto term = wall_clock::now();
  EXPECT_EQ(sim.wait_exit(20s), 0) << std::ifstream(out).rdbuf();

  auto lines = json_lines(out);
  for (const auto& l : lines)
    EXPECT_TRUE(l.is_object()) << "every line must be JSON, logs and summary included";
  auto finals = of_kind(lines, "final");
  ASSERT_EQ(finals.size(), 1u) << std::ifstream(out).rdbuf();
  const auto& r = finals[0];
  EXPECT_EQ(r["schema_version"], 3);
  EXPECT_TRUE(r["stopped_early"].get<bool>());
  EXPECT_EQ(r["lost"], 0) << r["samples"].dump();
  EXPECT_LT(iso_seconds(r["ended_at"]) - epoch_seconds(term), 1.0) << "the final report within 1 s of SIGTERM";

  for (const char* reason : {"health", "functional"}) {
    auto w = ingest_windows(reason);
    ASSERT_EQ(w.size(), 1u) << reason;
    // Once, whole, where the stall was: within a probe period (50 ms for this test's timestamps).
    EXPECT_NEAR(w[0]["seconds"].get<double>(), interval, probe_period) << reason << w[0].dump();
    EXPECT_NEAR(iso_seconds(w[0]["start"]), epoch_seconds(stopped), probe_period + 0.05) << reason << w[0].dump();
    EXPECT_NEAR(iso_seconds(w[0]["end"]), epoch_seconds(resumed), probe_period + 0.05) << reason << w[0].dump();
    EXPECT_NEAR(downtime(r, "ingest", reason), interval, probe_period) << r["windows"].dump();
  }
  // The interval lines follow each other without gaps and share the stall out between them.
  auto intervals = of_kind(lines, "interval");
  double shared = 0;
  for (size_t i = 0; i < intervals.size(); ++i) {
    if (i > 0) {
      EXPECT_DOUBLE_EQ(intervals[i]["start_offset"].get<double>(), intervals[i - 1]["end_offset"].get<double>());
    }
    for (const auto& d : intervals[i]["downtime"])
      if (d["target"] == "ingest" && d["reason"] == "health")
        shared += d["seconds"].get<double>();
  }
  EXPECT_NEAR(shared, downtime(r, "ingest", "health"), 0.05);
  std::remove(out.c_str());
}

