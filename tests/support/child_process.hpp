// A child process started by a test: fork + exec, signals, reaping.
//
// The one place the harness forks. The child dies with the thread that started
// it (PR_SET_PDEATHSIG), so a crashed or killed test leaves nothing behind:
// start it from a thread that outlives it, normally the test's own thread. It
// starts with no blocked signals, SIGPIPE at its default, stdin from /dev/null,
// stdout and stderr appended to `output` (or /dev/null), and none of the test's
// other file descriptors (a test's listener would stay bound in it).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace eventbed {

class child_process {
 public:
  child_process() = default;
  ~child_process();  // SIGKILL and reap if still running
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  // args[0] is the program's path (no PATH search: it would allocate after fork).
  void start(const std::vector<std::string>& args, const std::string& output = "");
  bool running();                                    // reaps the child once it has exited
  int wait_exit(std::chrono::milliseconds timeout);  // exit code, or -1 on timeout
  bool signal(int sig);                              // false if not running
  void kill();                                       // SIGKILL and reap: a crash; no-op if not running
  void pause();                                      // SIGSTOP
  void resume();                                     // SIGCONT
  // After pause(): true once every thread of the child is stopped, so nothing
  // it was writing is still on its way (false on timeout or if not running).
  bool wait_stopped(std::chrono::milliseconds timeout);

  pid_t pid() const { return pid_; }  // -1 when not running
  // The last exit: its code, or 128 + signal number; -1 before the first exit.
  int exit_code() const { return exit_code_; }

 private:
  pid_t pid_ = -1;
  int exit_code_ = -1;
};

// The path of `name` in PATH ("" if absent); call it before forking.
std::string find_in_path(const std::string& name);

}  // namespace eventbed
