#include "tests/support/eventbed_process.hpp"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "tests/support/deadline.hpp"
#include "tests/support/free_port.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/prometheus_text.hpp"

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
  instance_ = "test-" + std::to_string(port_);
}

eventbed_process::~eventbed_process() {
  child_.kill();
  if (owns_dir_) {
    std::error_code ec;
    std::filesystem::remove_all(data_dir_, ec);
  }
}

void eventbed_process::start() {
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
                                   instance_,
                                   "--drain-delay-ms",
                                   "200"};
  args.insert(args.end(), extra_.begin(), extra_.end());
  child_.start(args, data_dir_ + "/eventbed.log");
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

int eventbed_process::stop(std::chrono::milliseconds timeout) {
  if (!child_.running())
    return child_.exit_code();
  child_.signal(SIGCONT);  // a stopped process acts on SIGTERM only once resumed
  child_.signal(SIGTERM);
  int code = child_.wait_exit(timeout);
  if (code < 0)
    child_.kill();
  return code;
}

double eventbed_process::metric(const std::string& series) const {
  http_client client(1000);
  auto res = client.get(admin_url("/metrics"));
  return res.status == 200 ? sample("\n" + res.body, series) : -1;
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
