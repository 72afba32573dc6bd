// A real redis-server for one test fixture, on a free 127.0.0.1 port.
//
// Tests run against the real binary because eventbed's guarantees are Redis
// semantics (streams, consumer groups, scripts, AOF) that a fake would only
// imitate. Each instance owns a fresh temporary directory, so stop()/start()
// and kill()/start() restart the same server on the same port with whatever
// it persisted: that is how tests exercise restarts and crashes.
//
// Settings: --appendonly yes|no, --appendfsync always (so kill() never loses
// an acknowledged write and zero-loss tests cannot flake), --save "" (no RDB
// snapshots), --enable-debug-command local (DEBUG SLEEP stalls the server),
// --latency-monitor-threshold 100 (LATENCY LATEST lists stalls over 100 ms).
// The log is <dir>/redis.log; start failures quote its tail.
//
// A server can also require a password (requirepass, and masterauth so a
// replica logs in to its primary) and start as the replica of another one on
// 127.0.0.1 (tests/support/redis_sentinel.hpp then fails it over).
//
// The child gets SIGKILL if the thread that started it exits (child_process),
// so a crashed or killed test leaves no server behind. Construct and start()
// from a thread that outlives the server, normally the test's own thread.
#pragma once

#include <sys/types.h>

#include <string>

#include "tests/support/child_process.hpp"

namespace eventbed {

struct redis_server_options {
  bool aof = true;
  std::string password;  // requirepass and masterauth; empty: none
  int replica_of = 0;    // the port of a primary on 127.0.0.1; 0: start as a primary
};

class redis_server {
 public:
  // Starts the server and returns once it serves commands (AOF loaded).
  // Throws std::runtime_error if it cannot start within 10 s.
  explicit redis_server(bool aof = true);
  explicit redis_server(redis_server_options options);
  // Kills the server (nothing to preserve) and removes its directory.
  ~redis_server();
  redis_server(const redis_server&) = delete;
  redis_server& operator=(const redis_server&) = delete;

  int port() const { return port_; }
  std::string endpoint() const;  // "127.0.0.1:<port>", for parse_redis_endpoint
  std::string dir() const { return dir_; }
  bool running() const { return child_.pid() > 0; }
  pid_t pid() const { return child_.pid(); }

  void stop();    // SIGTERM (clean shutdown, AOF flushed) and wait; no-op if stopped
  void kill();    // SIGKILL and wait: a crash; no-op if stopped
  void start();   // same port, same directory; throws if running or it fails
  void pause();   // SIGSTOP: it keeps its connections and answers nothing
  void resume();  // SIGCONT

 private:
  bool launch();  // one attempt; false if the child exited (port taken)
  bool wait_ready();
  std::string log_tail() const;

  redis_server_options options_;
  int port_ = 0;
  child_process child_;
  std::string dir_;
  std::string binary_;
};

}  // namespace eventbed
