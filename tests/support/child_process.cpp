#include "tests/support/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "tests/support/deadline.hpp"

namespace eventbed {

child_process::~child_process() { kill(); }

void child_process::start(const std::vector<std::string>& args, const std::string& output) {
  if (pid_ > 0)
    throw std::logic_error("child_process: already running");
  if (args.empty())
    throw std::logic_error("child_process: no program");
  // Everything the child needs is prepared here: between fork and exec only
  // async-signal-safe calls are allowed (the test is multithreaded).
  std::vector<std::string> copy = args;
  std::vector<char*> argv;
  for (auto& a : copy)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string out = output.empty() ? "/dev/null" : output;

  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0)
    throw std::runtime_error("child_process: fork: " + std::string(std::strerror(errno)));
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent)
      ::_exit(127);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);  // a test may have blocked SIGTERM
    ::signal(SIGPIPE, SIG_DFL);
    int in = ::open("/dev/null", O_RDONLY);
    int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (in >= 0)
      ::dup2(in, STDIN_FILENO);
    if (fd >= 0) {
      ::dup2(fd, STDOUT_FILENO);
      ::dup2(fd, STDERR_FILENO);
    }
    if (::close_range(3, ~0U, 0) != 0) {
      for (int i = 3; i < 1024; ++i)
        ::close(i);
    }
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  pid_ = pid;
  exit_code_ = -1;
}

bool child_process::running() {
  if (pid_ <= 0)
    return false;
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == 0)
    return true;
  if (r == pid_)
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  pid_ = -1;  // exited (or, with ECHILD, reaped by someone else)
  return false;
}

int child_process::wait_exit(std::chrono::milliseconds timeout) {
  if (!eventually([&] { return !running(); }, timeout, std::chrono::milliseconds(5)))
    return -1;
  return exit_code_;
}

bool child_process::signal(int sig) {
  if (!running())
    return false;
  return ::kill(pid_, sig) == 0;
}

void child_process::pause() { signal(SIGSTOP); }

void child_process::resume() { signal(SIGCONT); }

namespace {

// The state letter of every thread of `pid` (/proc/PID/task/TID/stat).
std::string thread_states(pid_t pid) {
  std::string states;
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    std::ifstream in(task.path() / "stat");
    std::string line;
    std::getline(in, line);
    auto paren = line.rfind(')');  // the name may hold spaces and parentheses
    if (paren != std::string::npos && paren + 2 < line.size())
      states += line[paren + 2];
  }
  return states;
}

}  // namespace

bool child_process::wait_stopped(std::chrono::milliseconds timeout) {
  return eventually(
      [&] {
        if (!running())
          return false;
        auto states = thread_states(pid_);
        return !states.empty() && states.find_first_not_of("tT") == std::string::npos;
      },
      timeout, std::chrono::milliseconds(1));
}

void child_process::kill() {
  if (pid_ <= 0)
    return;
  ::kill(pid_, SIGKILL);  // a stopped process dies of SIGKILL too
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &status, 0);
  } while (r < 0 && errno == EINTR);
  exit_code_ = r == pid_ && WIFEXITED(status) ? WEXITSTATUS(status) : 128 + SIGKILL;
  pid_ = -1;
}

std::string find_in_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t begin = 0;
  while (begin <= dirs.size()) {
    size_t end = dirs.find(':', begin);
    if (end == std::string::npos)
      end = dirs.size();
    std::string candidate = dirs.substr(begin, end - begin) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0)
      return candidate;
    begin = end + 1;
  }
  return "";
}

}  // namespace eventbed
