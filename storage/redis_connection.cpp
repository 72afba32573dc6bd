#include "storage/redis_connection.hpp"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <sys/time.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "storage/storage_error.hpp"
#include "storage/wakeup.hpp"

namespace eventbed {
namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

bool all_digits(const std::string& s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return !s.empty();
}

// Leaves an installed SIGPIPE handler alone; only the default (terminate) is
// replaced, because with it a reset connection kills the whole process.
void ignore_sigpipe_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction current {};
    if (sigaction(SIGPIPE, nullptr, &current) == 0 && !(current.sa_flags & SA_SIGINFO) &&
        current.sa_handler == SIG_DFL) {
      std::signal(SIGPIPE, SIG_IGN);
    }
  });
}

// hiredis builds replies through these callbacks. By default it allocates a
// redisReply (and a copy of every string) which we would then copy again into
// redis_reply; building redis_reply directly halves the allocations of every
// XREADGROUP/XREAD batch. A child's object is its slot in the parent's
// elements, sized once by create_array and never resized, so the pointers
// handed back to hiredis stay valid. Only roots are heap objects of their own;
// hiredis only ever frees roots.
redis_reply* slot(const redisReadTask* task) {
  if (task->parent == nullptr)
    return new redis_reply();
  auto* parent = static_cast<redis_reply*>(task->parent->obj);
  return &parent->elements[static_cast<size_t>(task->idx)];
}

void* create_string(const redisReadTask* task, char* str, size_t len) {
  auto* r = slot(task);
  r->type = task->type == REDIS_REPLY_ERROR    ? redis_reply::kind::error
            : task->type == REDIS_REPLY_STATUS ? redis_reply::kind::status
                                               : redis_reply::kind::string;
  r->str.assign(str, len);
  return r;
}

void* create_array(const redisReadTask* task, int elements) {
  auto* r = slot(task);
  r->type = redis_reply::kind::array;
  r->elements.resize(elements > 0 ? static_cast<size_t>(elements) : 0);
  return r;
}

void* create_integer(const redisReadTask* task, long long value) {
  auto* r = slot(task);
  r->type = redis_reply::kind::integer;
  r->integer = value;
  return r;
}

void* create_nil(const redisReadTask* task) {
  auto* r = slot(task);
  r->type = redis_reply::kind::nil;
  return r;
}

void free_reply(void* reply) { delete static_cast<redis_reply*>(reply); }

redisReplyObjectFunctions reply_functions = {create_string, create_array, create_integer,
                                             create_nil, free_reply};

}  // namespace

redis_endpoint parse_redis_endpoint(const std::string& host_port) {
  redis_endpoint ep;
  std::string port_text;
  bool has_port = false;
  if (!host_port.empty() && host_port.front() == '[') {
    auto close = host_port.find(']');
    if (close == std::string::npos) throw std::invalid_argument("redis endpoint: missing ']' in " + host_port);
    ep.host = host_port.substr(1, close - 1);
    auto rest = host_port.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') throw std::invalid_argument("redis endpoint: junk after ']' in " + host_port);
      port_text = rest.substr(1);
      has_port = true;
    }
  } else {
    auto colon = host_port.find(':');
    ep.host = host_port.substr(0, colon);
    if (colon != std::string::npos) {
      if (host_port.find(':', colon + 1) != std::string::npos) {
        throw std::invalid_argument("redis endpoint: write IPv6 addresses as [addr]:port, got " + host_port);
      }
      port_text = host_port.substr(colon + 1);
      has_port = true;
    }
  }
  if (ep.host.empty()) throw std::invalid_argument("redis endpoint: empty host in '" + host_port + "'");
  if (has_port) {
    if (!all_digits(port_text) || port_text.size() > 5) {
      throw std::invalid_argument("redis endpoint: bad port in '" + host_port + "'");
    }
    ep.port = std::stoi(port_text);
    if (ep.port < 1 || ep.port > 65535) {
      throw std::invalid_argument("redis endpoint: port out of range in '" + host_port + "'");
    }
  }
  return ep;
}

redis_connection::redis_connection(redis_endpoint endpoint) : endpoint_(std::move(endpoint)) {}

redis_connection::~redis_connection() { disconnect(); }

void redis_connection::disconnect() {
  if (ctx_ != nullptr) {
    redisFree(ctx_);
    ctx_ = nullptr;
  }
  client_id_ = 0;
}

void redis_connection::connect() {
  disconnect();
  ignore_sigpipe_once();
  auto where = "redis " + endpoint_.host + ":" + std::to_string(endpoint_.port);
  redisContext* c = endpoint_.connect_timeout.count() > 0
                        ? redisConnectWithTimeout(endpoint_.host.c_str(), endpoint_.port,
                                                  to_timeval(endpoint_.connect_timeout))
                        : redisConnect(endpoint_.host.c_str(), endpoint_.port);
  if (c == nullptr) throw storage_error(where + ": cannot allocate a connection");
  if (c->err != 0) {
    std::string reason = c->errstr;
    redisFree(c);
    throw storage_error(where + ": connect: " + reason);
  }
  // The connect timeout does not cover reads; without this a dead server
  // would block a caller forever.
  if (endpoint_.io_timeout.count() > 0 && redisSetTimeout(c, to_timeval(endpoint_.io_timeout)) != REDIS_OK) {
    std::string reason = c->errstr;
    redisFree(c);
    throw storage_error(where + ": set timeout: " + reason);
  }
  // Idle connections (a processor waiting between batches) would otherwise
  // not notice a vanished peer until their next write.
  redisEnableKeepAlive(c);
  c->reader->fn = &reply_functions;
  ctx_ = c;
}

void redis_connection::fail(const std::string& what, std::string reason) {
  if (reason.empty()) {
    reason = ctx_ != nullptr && ctx_->errstr[0] != '\0' ? ctx_->errstr : "no reply";
    if (ctx_ != nullptr && ctx_->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      reason = "timed out after " + std::to_string(endpoint_.io_timeout.count()) + " ms";
    }
  }
  disconnect();
  throw storage_error("redis " + endpoint_.host + ":" + std::to_string(endpoint_.port) + ": " + what +
                      ": " + reason);
}

redis_reply redis_connection::read_reply() {
  void* raw = nullptr;
  if (redisGetReply(ctx_, &raw) != REDIS_OK || raw == nullptr) fail("read reply");
  std::unique_ptr<redis_reply> owned(static_cast<redis_reply*>(raw));
  return std::move(*owned);
}

redis_reply redis_connection::command(const std::vector<std::string>& argv) {
  if (argv.empty()) throw std::invalid_argument("redis command: empty argv");
  redis_commands cmd;
  cmd.begin(argv.size());
  for (const auto& a : argv) cmd.arg(a);
  return std::move(pipeline(cmd).front());
}

std::vector<redis_reply> redis_connection::pipeline(const std::vector<std::vector<std::string>>& cmds) {
  redis_commands batch;
  for (const auto& argv : cmds) {
    if (argv.empty()) throw std::invalid_argument("redis pipeline: empty argv");
    batch.begin(argv.size());
    for (const auto& a : argv) batch.arg(a);
  }
  return pipeline(batch);
}

std::vector<redis_reply> redis_connection::pipeline(const redis_commands& cmds) {
  std::vector<redis_reply> replies;
  if (cmds.empty()) return replies;
  if (ctx_ == nullptr) connect();
  const auto wire = cmds.encoded();
  if (redisAppendFormattedCommand(ctx_, wire.data(), wire.size()) != REDIS_OK) fail("write");
  replies.reserve(cmds.size());
  for (size_t i = 0; i < cmds.size(); ++i) replies.push_back(read_reply());
  return replies;
}

redis_reply redis_connection::command(const std::vector<std::string>& argv, wakeup& wake) {
  if (argv.empty()) throw std::invalid_argument("redis command: empty argv");
  if (ctx_ == nullptr) connect();
  if (client_id_ == 0) {
    auto id = command({"CLIENT", "ID"});
    client_id_ = id.type == redis_reply::kind::integer ? id.integer : -1;
  }
  redis_commands cmd;
  cmd.begin(argv.size());
  for (const auto& a : argv) cmd.arg(a);
  write_all(cmd);
  await_reply(wake);
  wake.clear();
  return read_reply();
}

// Sends the whole request now, so that what follows only waits for the reply.
void redis_connection::write_all(const redis_commands& cmds) {
  const auto wire = cmds.encoded();
  if (redisAppendFormattedCommand(ctx_, wire.data(), wire.size()) != REDIS_OK) fail("write");
  int done = 0;
  while (!done)
    if (redisBufferWrite(ctx_, &done) != REDIS_OK) fail("write");
}

// Waits until the reply (or an error, or EOF) can be read, at most io_timeout
// like every read. A signal of `wake` ends the server-side block. An unblock
// that reaches Redis before it has started blocking (the signal came while the
// command was on its way) does nothing, so it is repeated every few ms until
// it takes or the reply is there.
void redis_connection::await_reply(wakeup& wake) {
  using clock = std::chrono::steady_clock;
  constexpr int retry_unblock_ms = 5;
  const bool bounded = endpoint_.io_timeout.count() > 0;
  const auto deadline = clock::now() + endpoint_.io_timeout;
  bool woken = false;
  bool unblock_settled = client_id_ < 0;  // took, or cannot: without our id there is nothing to send
  std::unique_ptr<redis_connection> side;
  for (;;) {
    int timeout = -1;
    if (bounded) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
      timeout = static_cast<int>(std::max<long long>(left.count(), 0) + 1);
    }
    if (woken && !unblock_settled)
      timeout = timeout < 0 ? retry_unblock_ms : std::min(timeout, retry_unblock_ms);
    pollfd fds[2] = {{ctx_->fd, POLLIN, 0}, {wake.fd(), POLLIN, 0}};
    int n = ::poll(fds, woken ? 1 : 2, timeout);
    if (n < 0 && errno != EINTR) fail("wait for reply", std::string("poll: ") + std::strerror(errno));
    if (n > 0 && fds[0].revents != 0) return;
    if (bounded && clock::now() >= deadline)
      fail("read reply", "timed out after " + std::to_string(endpoint_.io_timeout.count()) + " ms");
    if (n > 0 && !woken && fds[1].revents != 0) woken = true;
    if (woken && !unblock_settled) unblock_settled = unblock(side);
  }
}

// One CLIENT UNBLOCK of this connection's block, on `side` (connected on
// first use). True when there is nothing more to try: it took, or it cannot
// (refused, or Redis unreachable, in which case the block ends by itself).
bool redis_connection::unblock(std::unique_ptr<redis_connection>& side) {
  try {
    if (!side) side = std::make_unique<redis_connection>(endpoint_);
    auto r = side->command({"CLIENT", "UNBLOCK", std::to_string(client_id_)});
    return r.type != redis_reply::kind::integer || r.integer == 1;
  } catch (const storage_error&) {
    return true;
  }
}

const redis_reply* redis_reply::field(const std::string& key) const {
  for (size_t i = 0; i + 1 < elements.size(); i += 2)
    if (elements[i].str == key)
      return &elements[i + 1];
  return nullptr;
}

}  // namespace eventbed
