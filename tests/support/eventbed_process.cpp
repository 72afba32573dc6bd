#include "tests/support/eventbed_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "tests/support/deadline.hpp"
#include "tests/support/free_port.hpp"
#include "tests/support/http_client.hpp"

namespace eventbed {

eventbed_process::eventbed_process(std::string redis, std::vector<std::string> extra,
                                   std::string data_dir)
    : redis_(std::move(redis)), extra_(std::move(extra)), data_dir_(std::move(data_dir)) {
  if (data_dir_.empty()) {
    char tmpl[] = "/tmp/eventbed-test-XXXXXX";
    if (!mkdtemp(tmpl))
      throw std::runtime_error("eventbed_process: mkdtemp failed");
    data_dir_ = tmpl;
    owns_dir_ = true;
  }
  port_ = pick_free_port();
  admin_port_ = pick_free_port();
  while (admin_port_ == port_)
    admin_port_ = pick_free_port();
}

eventbed_process::~eventbed_process() {
  if (pid_ > 0)
    kill();
  if (owns_dir_) {
    std::error_code ec;
    std::filesystem::remove_all(data_dir_, ec);
  }
}

void eventbed_process::start() {
  if (pid_ > 0)
    throw std::runtime_error("eventbed_process: already running");
  std::vector<std::string> args = {EVENTBED_BINARY,
                                   "serve",
                                   "--redis",
                                   redis_,
                                   "--bind",
                                   "127.0.0.1",
                                   "--port",
                                   std::to_string(port_),
                                   "--admin-port",
                                   std::to_string(admin_port_),
                                   "--data-dir",
                                   data_dir_,
                                   "--instance",
                                   "test-" + std::to_string(port_),
                                   "--drain-delay-ms",
                                   "200"};
  args.insert(args.end(), extra_.begin(), extra_.end());
  auto log_path = data_dir_ + "/eventbed.log";
  pid_t parent = getpid();
  pid_ = fork();
  if (pid_ < 0)
    throw std::runtime_error("eventbed_process: fork failed");
  if (pid_ == 0) {
    // Dies with the test: a crashed test must not leave servers behind.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
      _exit(127);
    int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    std::vector<char*> argv;
    for (auto& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  exit_code_ = -1;
}

bool eventbed_process::wait_ready(std::chrono::milliseconds timeout) {
  http_client client(500);
  return eventually(
      [&] {
        if (!running())
          return false;
        return client.get(admin_url("/readyz")).status == 200;
      },
      timeout, std::chrono::milliseconds(20));
}

bool eventbed_process::running() {
  if (pid_ <= 0)
    return false;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    pid_ = -1;
    return false;
  }
  return true;
}

int eventbed_process::wait_exit(std::chrono::milliseconds timeout) {
  if (!eventually([&] { return !running(); }, timeout, std::chrono::milliseconds(5)))
    return -1;
  return exit_code_;
}

int eventbed_process::stop(std::chrono::milliseconds timeout) {
  if (pid_ <= 0)
    return exit_code_;
  ::kill(pid_, SIGTERM);
  int code = wait_exit(timeout);
  if (code < 0)
    kill();
  return code;
}

void eventbed_process::kill() {
  if (pid_ <= 0)
    return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  exit_code_ = 128 + SIGKILL;
  pid_ = -1;
}

void eventbed_process::pause() {
  if (pid_ > 0)
    ::kill(pid_, SIGSTOP);
}

void eventbed_process::resume() {
  if (pid_ > 0)
    ::kill(pid_, SIGCONT);
}

std::string eventbed_process::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

std::string eventbed_process::admin_url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(admin_port_) + path;
}

std::string eventbed_process::log() const {
  std::ifstream in(data_dir_ + "/eventbed.log");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace eventbed
