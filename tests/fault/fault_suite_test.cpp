// The fault suite: each case breaks one part of a live stack under load and
// proves that no event answered 202 is lost, and that clients saw only the
// failures the fault explains. One parameterized test per case, each in four
// steps that are separate code:
//
//   setup        fault_stack (redis + ingest + two processors + query), the case's
//                prepare(), the load (simulator, probe, lag watcher) flowing end to end
//   fault        fault_case::inject() (cases.cpp)
//   measurement  measure() (measurement.cpp): facts from the simulator's ledger,
//                the probe, Redis and eventbed's /metrics
//   verdict      judge() (verdict.cpp): named checks over the measurement
//
// A results table is printed at the end (reporter.hpp). Per case, the process
// logs, the simulator's report and output and redis.log are kept under
// $EVENTBED_FAULT_OUT/<case>/ if set, else in a temporary directory that is
// removed when the case passes (its path is printed when it fails).
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <memory>

#include "tests/fault/cases.hpp"
#include "tests/fault/fault_stack.hpp"
#include "tests/fault/load.hpp"
#include "tests/fault/measurement.hpp"
#include "tests/fault/reporter.hpp"
#include "tests/fault/verdict.hpp"
#include "tests/support/deadline.hpp"

namespace eventbed::fault {

// What --gtest_list_tests prints after each case's name.
void PrintTo(const fault_case* c, std::ostream* os) { *os << c->what; }

namespace {

using namespace std::chrono_literals;

// Where a case keeps its processes' data dirs and logs, and its simulator report.
class case_dir {
 public:
  explicit case_dir(const std::string& name) {
    const char* out = std::getenv("EVENTBED_FAULT_OUT");
    if (out != nullptr && *out != '\0') {
      path_ = std::string(out) + "/" + name;
      std::filesystem::remove_all(path_);
      std::filesystem::create_directories(path_);
      keep_ = true;
      return;
    }
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/eventbed-fault-" + name +
                          "-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr)
      throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~case_dir() {
    if (!keep_) {
      std::error_code ignored;
      std::filesystem::remove_all(path_, ignored);
    }
  }
  void keep() { keep_ = true; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  bool keep_ = false;
};

std::string run_id(const fault_case& c) {
  std::string id;
  for (char ch : c.name)
    if (std::isalnum(static_cast<unsigned char>(ch)))
      id += ch;
  char pid[8];
  std::snprintf(pid, sizeof pid, "%04x", static_cast<unsigned>(::getpid() & 0xffff));
  return id + pid;
}

// Setup, last step: inject once load flows end to end (events projected), not after a fixed sleep.
void wait_for_flow(fault_stack& stack, const fault_case& c, std::vector<std::string>& notes) {
  long base = std::max(stack.projected(), 0L);
  if (!eventually([&] { return stack.projected() >= base + c.load.rate / 2; }, 30s, 100ms))
    notes.push_back("load did not reach the projection within 30 s");
}

class FaultSuite : public ::testing::TestWithParam<const fault_case*> {};

TEST_P(FaultSuite, Case) {
  const fault_case& c = *GetParam();
  case_dir dir(c.name);
  result_row row;
  row.name = c.name;
  row.what = c.what;
  const double t0 = wall_now();
  try {
    // Setup.
    fault_stack stack(dir.path(), c.flags, c.replicated);
    stack.start();
    c.prepare(stack);
    const auto id = run_id(c);
    simulator_run sim(stack, c.load, id, dir.path());
    probe_client probe(stack.ingest().proc->url("/ingest"), "probe-" + id);
    lag_watcher watcher(stack);
    std::vector<std::string> flow_notes;
    wait_for_flow(stack, c, flow_notes);
    // Fault.
    fault_record fault = c.inject(stack, sim);
    fault.notes.insert(fault.notes.begin(), flow_notes.begin(), flow_notes.end());
    // Measurement.
    row.m = measure(stack, sim, probe, watcher, c, fault);
    row.measured = true;
  } catch (const std::exception& e) {
    row.setup_error = e.what();
  }
  // Verdict.
  if (row.measured)
    row.v = judge(c, row.m);
  row.case_seconds = wall_now() - t0;

  EXPECT_EQ(row.setup_error, "") << "the case could not run to its measurement";
  for (const auto& check : row.v.checks)
    EXPECT_TRUE(check.ok) << check.name << ": " << check.detail;
  if (!row.ok()) {
    dir.keep();
    std::cout << c.name << ": logs, simulator report and redis.log in " << dir.path() << "\n";
  }
  record(std::move(row));
}

std::string case_name(const ::testing::TestParamInfo<const fault_case*>& info) {
  std::string name = info.param->name;
  for (auto& ch : name)
    if (!std::isalnum(static_cast<unsigned char>(ch)))
      ch = '_';
  return name;
}

INSTANTIATE_TEST_SUITE_P(Faults, FaultSuite, ::testing::ValuesIn(all_cases()), case_name);

}  // namespace
}  // namespace eventbed::fault

int main(int argc, char** argv) {
  std::string command;
  for (int i = 0; i < argc; ++i)
    command += (i ? " " : "") + std::string(argv[i]);
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::UnitTest::GetInstance()->listeners().Append(new eventbed::fault::results_reporter(command));
  return RUN_ALL_TESTS();
}
