#include "tests/support/redis_sentinel.hpp"

#include <cerrno>
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
constexpr auto kStartTimeout = 10s;

}  // namespace

redis_sentinel::redis_sentinel(redis_sentinel_options options)
    : options_(std::move(options)), binary_(find_in_path("redis-sentinel")) {
  if (binary_.empty()) throw std::runtime_error("redis_sentinel: redis-sentinel not found in PATH");
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/eventbed-sentinel-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr)
    throw std::runtime_error("redis_sentinel: mkdtemp: " + std::string(std::strerror(errno)));
  dir_ = pattern;
  try {
    for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
      port_ = pick_free_port();
      // Sentinel rewrites its config as it learns; a new port starts it afresh.
      std::ofstream conf(dir_ + "/sentinel.conf", std::ios::trunc);
      const auto& o = options_;
      conf << "port " << port_ << "\nbind 127.0.0.1\ndir " << dir_ << "\nlogfile " << dir_
           << "/sentinel.log\ndaemonize no\n"
           << "sentinel monitor " << o.service << " 127.0.0.1 " << o.primary_port << " " << o.quorum << "\n"
           << "sentinel down-after-milliseconds " << o.service << " " << o.down_after.count() << "\n"
           << "sentinel failover-timeout " << o.service << " " << o.failover_timeout.count() << "\n"
           << "sentinel parallel-syncs " << o.service << " 1\n";
      if (!o.password.empty())
        conf << "sentinel auth-pass " << o.service << " " << o.password << "\n";
      conf.close();
      if (launch()) return;
    }
    throw std::runtime_error("redis_sentinel: no port worked; log tail:\n" + log_tail());
  } catch (...) {
    child_.kill();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
    throw;
  }
}

redis_sentinel::~redis_sentinel() {
  kill();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string redis_sentinel::address() const { return "127.0.0.1:" + std::to_string(port_); }

void redis_sentinel::kill() { child_.kill(); }

void redis_sentinel::start() {
  if (running()) throw std::logic_error("redis_sentinel::start: already running");
  for (int attempt = 0; attempt < kPortAttempts; ++attempt)
    if (launch()) return;
  throw std::runtime_error("redis_sentinel: cannot restart on port " + std::to_string(port_) + "; log tail:\n" +
                           log_tail());
}

namespace {

// One question to the Sentinel on 127.0.0.1:`port`; a nil reply if it does not answer.
redis_reply ask(int port, const std::vector<std::string>& argv) {
  redis_endpoint ep;
  ep.port = port;
  ep.connect_timeout = 200ms;
  ep.io_timeout = 1000ms;
  try {
    redis_connection c(ep);
    return c.command(argv);
  } catch (const storage_error&) {
    return {};
  }
}

}  // namespace

int redis_sentinel::primary_port() {
  auto r = ask(port_, {"SENTINEL", "get-master-addr-by-name", options_.service});
  return r.type == redis_reply::kind::array && r.elements.size() == 2 ? std::stoi(r.elements[1].str) : 0;
}

size_t redis_sentinel::replicas_in_sync() {
  size_t n = 0;
  for (const auto& replica : ask(port_, {"SENTINEL", "replicas", options_.service}).elements) {
    const auto* flags = replica.field("flags");
    const auto* link = replica.field("master-link-status");
    if (flags != nullptr && flags->str == "slave" && link != nullptr && link->str == "ok")
      ++n;
  }
  return n;
}

// Ready: our child answers on our port and names a primary.
bool redis_sentinel::launch() {
  child_.start({binary_, dir_ + "/sentinel.conf"});
  bool exited = false;
  bool ready = eventually(
      [&] {
        exited = !child_.running();
        return exited || primary_port() != 0;
      },
      kStartTimeout);
  if (exited) return false;
  if (ready) return true;
  child_.kill();
  throw std::runtime_error("redis_sentinel: not ready within 10 s on port " + std::to_string(port_) +
                           "; log tail:\n" + log_tail());
}

std::string redis_sentinel::log_tail() const {
  std::ifstream in(dir_ + "/sentinel.log", std::ios::binary);
  std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  constexpr size_t kTail = 2000;
  return log.size() > kTail ? log.substr(log.size() - kTail) : log;
}

}  // namespace eventbed
