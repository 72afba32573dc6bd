// The results table of the fault suite.
//
// Each case records its row (fault_suite_test.cpp); a GoogleTest event listener
// prints the Markdown table of the rows once the program ends, to stdout and,
// if set, to the file named by EVENTBED_FAULT_RESULTS; with EVENTBED_FAULT_OUT
// set it also writes DIR/results.json (every measurement and check). The table's
// first line is the command that reproduces it: EVENTBED_FAULT_COMMAND if set
// (scripts/fault-suite sets it), else this program's command line.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/fault/cases.hpp"
#include "tests/fault/measurement.hpp"
#include "tests/fault/verdict.hpp"

namespace eventbed::fault {

struct result_row {
  std::string name, what;
  bool measured = false;     // false: the case failed before it could measure (setup_error says why)
  std::string setup_error;
  measurement m;
  verdict v;
  double case_seconds = 0;
  bool ok() const { return measured && setup_error.empty() && v.ok(); }
};

void record(result_row row);

std::string markdown(const std::vector<result_row>& rows, const std::string& command, double suite_seconds);
std::string what_clients_saw(const result_row& r);

class results_reporter : public ::testing::EmptyTestEventListener {
 public:
  explicit results_reporter(std::string command);
  void OnTestProgramStart(const ::testing::UnitTest&) override;
  void OnTestProgramEnd(const ::testing::UnitTest&) override;

 private:
  std::string command_;
  double started_ = 0;
};

}  // namespace eventbed::fault
