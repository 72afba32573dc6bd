// Runs a program to completion, as a user's shell would, and reports what it
// said and how it exited. For command-line contracts (usage errors, --version),
// where the test needs the exit code and the output, not a running server.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace eventbed {

struct command_result {
  int exit_code = -1;  // -1: killed at the timeout; 128 + N: ended by signal N
  std::string output;  // stdout and stderr, interleaved as written
};

// Runs argv[0] (a path, or a name looked up in PATH) with the given arguments
// as a child_process; SIGKILLs it if it is still running after `timeout`.
command_result run_command(const std::vector<std::string>& argv,
                           std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace eventbed
