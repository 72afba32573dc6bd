#include "tests/support/redis_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>
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


// Resolved before fork(): execvp may allocate, which is unsafe in the child
// of a multithreaded process.
std::string find_binary() {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t begin = 0;
  while (begin <= dirs.size()) {
    size_t end = dirs.find(':', begin);
    if (end == std::string::npos) end = dirs.size();
    std::string candidate = dirs.substr(begin, end - begin) + "/redis-server";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    begin = end + 1;
  }
  throw std::runtime_error("redis_server: redis-server not found in PATH");
}

// Returns true once `pid` has exited (and reaps it).
bool reaped(pid_t pid) {
  int status = 0;
  pid_t rc;
  do {
    rc = ::waitpid(pid, &status, WNOHANG);
  } while (rc < 0 && errno == EINTR);
  return rc == pid || (rc < 0 && errno == ECHILD);
}

void reap_blocking(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace

redis_server::redis_server(bool aof) : aof_(aof), binary_(find_binary()) {
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
  ::kill(pid_, SIGTERM);
  if (!eventually([&] { return reaped(pid_); }, kStopTimeout)) {
    ::kill(pid_, SIGKILL);
    reap_blocking(pid_);
  }
  pid_ = -1;
}

void redis_server::kill() {
  if (!running()) return;
  ::kill(pid_, SIGKILL);
  reap_blocking(pid_);
  pid_ = -1;
}

bool redis_server::launch() {
  std::vector<std::string> args{binary_,
                                "--port", std::to_string(port_),
                                "--bind", "127.0.0.1",
                                "--dir", dir_,
                                "--appendonly", aof_ ? "yes" : "no",
                                "--appendfsync", "always",
                                "--save", "",
                                "--logfile", dir_ + "/redis.log",
                                "--daemonize", "no",
                                "--enable-debug-command", "local"};
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("redis_server: fork: " + std::string(std::strerror(errno)));
  if (pid == 0) {
    // Only async-signal-safe calls from here to exec.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);  // a test may have blocked SIGTERM
    ::signal(SIGPIPE, SIG_DFL);
    int devnull = ::open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      ::dup2(devnull, STDIN_FILENO);
      ::dup2(devnull, STDOUT_FILENO);
    }
    // Inherited sockets (a test's HTTP listener) would stay bound in the child.
    if (::close_range(3, ~0U, 0) != 0) {
      for (int fd = 3; fd < 1024; ++fd) ::close(fd);
    }
    ::execv(binary_.c_str(), argv.data());
    ::_exit(127);
  }
  pid_ = pid;
  if (wait_ready()) return true;
  pid_ = -1;
  return false;
}

// Ready means: the server on our port is *our* child (not another process
// that grabbed the port) and has finished loading its AOF.
bool redis_server::wait_ready() {
  redis_endpoint ep;
  ep.port = port_;
  ep.connect_timeout = 200ms;
  ep.io_timeout = 1000ms;
  redis_connection probe(ep);
  const std::string own_pid = "process_id:" + std::to_string(pid_) + "\r\n";
  bool exited = false;
  bool ready = eventually(
      [&] {
        exited = reaped(pid_);
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
  ::kill(pid_, SIGKILL);
  reap_blocking(pid_);
  pid_ = -1;
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
