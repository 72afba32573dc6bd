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
  bool wait_ready(std::chrono::milliseconds timeout = std::chrono::seconds(15));
  int stop(std::chrono::milliseconds timeout = std::chrono::seconds(30));  // SIGTERM; exit code
  void kill();    // SIGKILL and reap: a crash
  void pause();   // SIGSTOP
  void resume();  // SIGCONT
  bool running();
  int wait_exit(std::chrono::milliseconds timeout);  // exit code, or -1 on timeout

  pid_t pid() const { return pid_; }
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
  pid_t pid_ = -1;
  int port_ = 0;
  int admin_port_ = 0;
  int exit_code_ = -1;
};

}  // namespace eventbed
