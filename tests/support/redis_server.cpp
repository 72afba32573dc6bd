#include "tests/support/redis_server.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <vector>

#include "storage/redis_connection.hpp"
#include "storage/storage_error.hpp"
#include "tests/support/deadline.hpp"
#include "tests/support/free_port.hpp"

namespace eventbed {
namespace {

using namespace std::chrono_literals;

constexpr int kPortAttempts = 5;
constexpr auto kStartTimeout = 10s;  // AOF replay on a loaded machine
constexpr auto kStopTimeout = 10s;

}  // namespace

redis_server::redis_server(bool aof) : redis_server(redis_server_options{aof, "", 0}) {}

redis_server::redis_server(redis_server_options options)
    : options_(std::move(options)), binary_(find_in_path("redis-server")) {
  if (binary_.empty()) throw std::runtime_error("redis_server: redis-server not found in PATH");
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/eventbed-redis-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("redis_server: mkdtemp: " + std::string(std::strerror(errno)));
  }
  dir_ = pattern;
  try {
    for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
      port_ = pick_free_port();
      if (launch()) return;
    }
    throw std::runtime_error("redis_server: no port worked after " + std::to_string(kPortAttempts) +
                             " attempts; log tail:\n" + log_tail());
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
    throw;
  }
}

redis_server::~redis_server() {
  kill();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string redis_server::endpoint() const { return "127.0.0.1:" + std::to_string(port_); }

void redis_server::start() {
  if (running()) throw std::logic_error("redis_server::start: already running");
  // The port was ours a moment ago; a failed bind here is a short race with
  // another process, worth a few attempts but not a new port.
  for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
    if (launch()) return;
  }
  throw std::runtime_error("redis_server: cannot restart on port " + std::to_string(port_) + "; log tail:\n" +
                           log_tail());
}

void redis_server::stop() {
  if (!running()) return;
  child_.resume();  // a stopped server acts on SIGTERM only once resumed
  child_.signal(SIGTERM);
  if (child_.wait_exit(kStopTimeout) < 0) child_.kill();
}

void redis_server::kill() { child_.kill(); }

void redis_server::pause() { child_.pause(); }

void redis_server::resume() { child_.resume(); }

bool redis_server::launch() {
  std::vector<std::string> args{binary_,
                                "--port", std::to_string(port_),
                                "--bind", "127.0.0.1",
                                "--dir", dir_,
                                "--appendonly", options_.aof ? "yes" : "no",
                                "--appendfsync", "always",
                                "--save", "",
                                "--logfile", dir_ + "/redis.log",
                                "--daemonize", "no",
                                "--enable-debug-command", "local",
                                // LATENCY LATEST then names the fsync or command stalls over
                                // 100 ms, so a test can tell a slow disk from a bug.
                                "--latency-monitor-threshold", "100"};
  if (!options_.password.empty())
    args.insert(args.end(), {"--requirepass", options_.password, "--masterauth", options_.password});
  if (options_.replica_of != 0)
    args.insert(args.end(), {"--replicaof", "127.0.0.1", std::to_string(options_.replica_of)});
  child_.start(args);
  return wait_ready();
}

// Ready means: the server on our port is *our* child (not another process
// that grabbed the port) and has finished loading its AOF.
bool redis_server::wait_ready() {
  redis_endpoint ep;
  ep.port = port_;
  ep.connect_timeout = 200ms;
  ep.io_timeout = 1000ms;
  ep.password = options_.password;
  redis_connection probe(ep);
  const std::string own_pid = "process_id:" + std::to_string(child_.pid()) + "\r\n";
  bool exited = false;
  bool ready = eventually(
      [&] {
        exited = !child_.running();
        if (exited) return true;
        try {
          auto info = probe.command({"INFO"});
          return info.type == redis_reply::kind::string && info.str.find(own_pid) != std::string::npos &&
                 info.str.find("\r\nloading:0\r\n") != std::string::npos;
        } catch (const storage_error&) {
          return false;
        }
      },
      kStartTimeout);
  if (exited) return false;
  if (ready) return true;
  child_.kill();
  throw std::runtime_error("redis_server: not ready within 10 s on port " + std::to_string(port_) +
                           "; log tail:\n" + log_tail());
}

std::string redis_server::log_tail() const {
  std::ifstream in(dir_ + "/redis.log", std::ios::binary);
  std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  constexpr size_t kTail = 2000;
  return log.size() > kTail ? log.substr(log.size() - kTail) : log;
}

}  // namespace eventbed
