// The real eventbed binary, started by a test as a child process.
//
// Integration tests drive eventbed exactly as users do: over HTTP on
// 127.0.0.1, with signals for shutdown and crashes. Each process gets free
// ports, its own data directory (a fresh temporary one unless given) and a
// short drain delay; its stdout (JSON logs) goes to <data_dir>/eventbed.log.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "tests/support/child_process.hpp"

namespace eventbed {

class eventbed_process {
 public:
  // `redis` is HOST:PORT; `extra` is appended to the serve command line and
  // may override the defaults (later flags win in CLI11).
  explicit eventbed_process(std::string redis, std::vector<std::string> extra = {},
                            std::string data_dir = "");
  ~eventbed_process();  // SIGKILL if still running; removes a temporary data dir
  eventbed_process(const eventbed_process&) = delete;
  eventbed_process& operator=(const eventbed_process&) = delete;

  void start();  // forks the binary; returns at once (see wait_ready)
  // The --instance of the next start() (default "test-<port>"). Its processors
  // are the consumers "<instance>-<n>": a restart under a new name is a new pod.
  void set_instance(std::string instance) { instance_ = std::move(instance); }
  const std::string& instance() const { return instance_; }
  bool wait_ready(std::chrono::milliseconds timeout = std::chrono::seconds(15));
  // SIGCONT + SIGTERM; the exit code, or -1 if it had to be killed after `timeout`.
  int stop(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  void kill() { child_.kill(); }      // SIGKILL and reap: a crash
  void pause() { child_.pause(); }    // SIGSTOP
  void resume() { child_.resume(); }  // SIGCONT
  bool wait_stopped(std::chrono::milliseconds timeout) { return child_.wait_stopped(timeout); }
  bool running() { return child_.running(); }
  int wait_exit(std::chrono::milliseconds timeout) { return child_.wait_exit(timeout); }  // -1 on timeout
  // One sample of its /metrics (admin port), as rendered with its labels; -1 if
  // absent or if the process does not answer within a second.
  double metric(const std::string& series) const;

  pid_t pid() const { return child_.pid(); }
  int port() const { return port_; }
  int admin_port() const { return admin_port_; }
  std::string url(const std::string& path) const;
  std::string admin_url(const std::string& path) const;
  const std::string& data_dir() const { return data_dir_; }
  std::string log() const;  // everything the process wrote to stdout and stderr

 private:
  std::string redis_;
  std::vector<std::string> extra_;
  std::string data_dir_;
  bool owns_dir_ = false;
  std::string instance_;
  child_process child_;
  int port_ = 0;
  int admin_port_ = 0;
};

}  // namespace eventbed
