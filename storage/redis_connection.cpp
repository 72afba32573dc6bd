#include "storage/redis_connection.hpp"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <sys/time.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <exception>
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

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

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
  r->str = std::string(str, len);  // constructed, not assign()ed: about 100 instructions less a string
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

// The same callbacks for a visited read (reply_visitor): the root is still a
// redis_reply, so that a nil or an error reply reads as always, but an array
// root's elements go to the visitor. Their objects are the visit itself (never
// freed: hiredis frees roots only). Nothing may throw through hiredis, which
// is C: the visitor's first exception is held in the visit.
struct visit {
  reply_visitor* visitor;
  std::exception_ptr error;
};

int depth_of(const redisReadTask* task) {
  int depth = 0;
  for (; task->parent != nullptr; task = task->parent)
    ++depth;
  return depth;
}

template <class Call>
void* visit_element(const redisReadTask* task, Call call) {
  auto* v = static_cast<visit*>(task->privdata);
  if (v->error == nullptr) {
    try {
      call(*v->visitor, depth_of(task), static_cast<size_t>(task->idx));
    } catch (...) {
      v->error = std::current_exception();
    }
  }
  return v;
}

void* visit_string(const redisReadTask* task, char* str, size_t len) {
  if (task->parent == nullptr)
    return create_string(task, str, len);
  return visit_element(task, [&](reply_visitor& to, int depth, size_t index) {
    to.string(depth, index, std::string_view(str, len));
  });
}

void* visit_array(const redisReadTask* task, int elements) {
  const size_t n = elements > 0 ? static_cast<size_t>(elements) : 0;
  if (task->parent != nullptr)
    return visit_element(task, [&](reply_visitor& to, int depth, size_t index) { to.array(depth, index, n); });
  auto* root = new redis_reply();
  root->type = redis_reply::kind::array;
  visit_element(task, [&](reply_visitor& to, int, size_t) { to.array(0, 0, n); });
  return root;
}

void* visit_integer(const redisReadTask* task, long long value) {
  if (task->parent == nullptr)
    return create_integer(task, value);
  return visit_element(task, [](reply_visitor& to, int depth, size_t index) { to.scalar(depth, index); });
}

void* visit_nil(const redisReadTask* task) {
  if (task->parent == nullptr)
    return create_nil(task);
  return visit_element(task, [](reply_visitor& to, int depth, size_t index) { to.scalar(depth, index); });
}

redisReplyObjectFunctions visit_functions = {visit_string, visit_array, visit_integer, visit_nil, free_reply};

}  // namespace

redis_connection::redis_connection(redis_endpoint endpoint)
    : endpoint_(std::move(endpoint)), server_{endpoint_.host, endpoint_.port} {}

redis_connection::~redis_connection() { disconnect(); }

void redis_connection::disconnect() {
  if (ctx_ != nullptr) {
    redisFree(ctx_);
    ctx_ = nullptr;
  }
  client_id_ = 0;
}

std::string redis_connection::where() const { return "redis " + server_.text(); }

void redis_connection::connect() {
  disconnect();
  ignore_sigpipe_once();
  auto now = std::chrono::steady_clock::now();
  if (now < refused_until_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(refused_until_ - now);
    throw storage_error(refusal_ + " (next attempt in " + std::to_string(left.count()) + " ms)");
  }
  switches_seen_ = primary_switches();  // before asking: a switch meanwhile means ask again
  server_ = endpoint_.via_sentinel() ? ask_sentinels() : redis_address{endpoint_.host, endpoint_.port};
  open();
  log_in();
  refusal_backoff_ = std::chrono::milliseconds(0);
}

std::uint64_t redis_connection::primary_switches() const {
  return endpoint_.primary_switches ? endpoint_.primary_switches->load(std::memory_order_relaxed) : 0;
}

// Drops a context whose primary the Sentinels have since replaced: the next
// call connects afresh and asks them.
void redis_connection::follow_primary() {
  if (ctx_ != nullptr && primary_switches() != switches_seen_)
    disconnect();
}

// SENTINEL get-master-addr-by-name, each Sentinel in turn until one names the
// primary. A Sentinel is asked on a connection of its own, bounded by the
// connect timeout, so a stopped one costs little.
redis_address redis_connection::ask_sentinels() {
  const auto& sentinels = endpoint_.sentinels;
  std::string answers;
  for (size_t k = 0; k < sentinels.size(); ++k) {
    auto i = (sentinel_first_ + k) % sentinels.size();
    redis_endpoint direct;
    direct.host = sentinels[i].host;
    direct.port = sentinels[i].port;
    direct.connect_timeout = endpoint_.connect_timeout;
    direct.io_timeout = endpoint_.connect_timeout;
    std::string answer;
    try {
      redis_connection sentinel(direct);
      auto r = sentinel.command({"SENTINEL", "get-master-addr-by-name", endpoint_.service});
      if (r.type == redis_reply::kind::array && r.elements.size() == 2) {
        sentinel_first_ = i;
        try {
          return redis_address{r.elements[0].str, std::stoi(r.elements[1].str)};
        } catch (const std::exception&) {
          answer = "bad port '" + r.elements[1].str + "'";
        }
      } else {
        answer = r.type == redis_reply::kind::error ? r.str : "does not know the service";
      }
      answer = "sentinel " + sentinels[i].text() + ": " + answer;
    } catch (const storage_error& e) {
      answer = e.what();
    }
    answers += (answers.empty() ? "" : "; ") + answer;
  }
  throw storage_error("no Sentinel named the primary of '" + endpoint_.service + "': " + answers);
}

void redis_connection::open() {
  redisContext* c = endpoint_.connect_timeout.count() > 0
                        ? redisConnectWithTimeout(server_.host.c_str(), server_.port,
                                                  to_timeval(endpoint_.connect_timeout))
                        : redisConnect(server_.host.c_str(), server_.port);
  if (c == nullptr) throw storage_error(where() + ": cannot allocate a connection");
  if (c->err != 0) {
    std::string reason = c->errstr;
    redisFree(c);
    throw storage_error(where() + ": connect: " + reason);
  }
  // The connect timeout does not cover reads; without this a dead server
  // would block a caller forever.
  if (endpoint_.io_timeout.count() > 0 && redisSetTimeout(c, to_timeval(endpoint_.io_timeout)) != REDIS_OK) {
    std::string reason = c->errstr;
    redisFree(c);
    throw storage_error(where() + ": set timeout: " + reason);
  }
  // Idle connections (a processor waiting between batches) would otherwise
  // not notice a vanished peer until their next write.
  redisEnableKeepAlive(c);
  c->reader->fn = &reply_functions;
  ctx_ = c;
}

// AUTH, then SELECT and (through Sentinel) ROLE in one round trip. The
// password goes to the server and nowhere else: errors quote Redis's answer,
// which never repeats it.
void redis_connection::log_in() {
  std::string password;
  try {
    password = current_password(endpoint_);
  } catch (const std::runtime_error& e) {
    refuse(e.what());
  }
  if (!password.empty()) {
    auto auth = command(endpoint_.user.empty() ? std::vector<std::string>{"AUTH", password}
                                               : std::vector<std::string>{"AUTH", endpoint_.user, password});
    if (auth.type == redis_reply::kind::error)
      refuse("AUTH refused (check the user and the password): " + auth.str);
  }
  std::vector<std::vector<std::string>> steps;
  if (endpoint_.db != 0)
    steps.push_back({"SELECT", std::to_string(endpoint_.db)});
  if (endpoint_.via_sentinel())
    steps.push_back({"ROLE"});
  if (steps.empty())
    return;
  auto replies = pipeline(steps);
  if (endpoint_.db != 0 && replies.front().type == redis_reply::kind::error)
    fail("SELECT " + std::to_string(endpoint_.db), replies.front().str);
  if (endpoint_.via_sentinel()) {
    const auto& role = replies.back();
    auto name = role.type == redis_reply::kind::array && !role.elements.empty() ? role.elements[0].str
                                                                                 : role.str;
    if (name != "master")
      fail("named by Sentinel as the primary of '" + endpoint_.service + "'",
           "but its ROLE is '" + name + "'");
  }
}

void redis_connection::refuse(const std::string& why) {
  refusal_backoff_ = std::clamp(refusal_backoff_ * 2, std::chrono::milliseconds(250),
                                std::chrono::milliseconds(8000));
  refused_until_ = std::chrono::steady_clock::now() + refusal_backoff_;
  refusal_ = where() + ": " + why;
  disconnect();
  throw storage_error(refusal_ + " (next attempt in " + std::to_string(refusal_backoff_.count()) + " ms)");
}

void redis_connection::fail(const std::string& what, std::string reason) {
  if (reason.empty()) {
    reason = ctx_ != nullptr && ctx_->errstr[0] != '\0' ? ctx_->errstr : "no reply";
    if (ctx_ != nullptr && ctx_->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      reason = "timed out after " + std::to_string(endpoint_.io_timeout.count()) + " ms";
    }
  }
  disconnect();
  throw storage_error(where() + ": " + what + ": " + reason);
}

redis_reply redis_connection::read_reply(reply_visitor* visitor) {
  void* raw = nullptr;
  visit v{visitor, nullptr};
  if (visitor != nullptr) {
    ctx_->reader->fn = &visit_functions;
    ctx_->reader->privdata = &v;
  }
  int status = redisGetReply(ctx_, &raw);
  if (visitor != nullptr && ctx_ != nullptr) {
    ctx_->reader->fn = &reply_functions;
    ctx_->reader->privdata = nullptr;
  }
  if (status != REDIS_OK || raw == nullptr) fail("read reply");
  std::unique_ptr<redis_reply> owned(static_cast<redis_reply*>(raw));
  if (v.error != nullptr) std::rethrow_exception(v.error);
  if (owned->type == redis_reply::kind::error) {
    const auto& e = owned->str;
    if (starts_with(e, "NOAUTH"))
      refuse("Redis wants a password and none is set (--redis-password-file, EVENTBED_REDIS_PASSWORD "
             "or the URL): " + e);
    if (starts_with(e, "READONLY") || starts_with(e, "LOADING") || starts_with(e, "MASTERDOWN"))
      fail("cannot take writes now", e);
  }
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
  follow_primary();
  if (ctx_ == nullptr) connect();
  const auto wire = cmds.encoded();
  if (redisAppendFormattedCommand(ctx_, wire.data(), wire.size()) != REDIS_OK) fail("write");
  replies.reserve(cmds.size());
  for (size_t i = 0; i < cmds.size(); ++i) replies.push_back(read_reply());
  return replies;
}

redis_reply redis_connection::command(const std::vector<std::string>& argv, wakeup& wake) {
  if (argv.empty()) throw std::invalid_argument("redis command: empty argv");
  redis_commands cmd;
  cmd.begin(argv.size());
  for (const auto& a : argv) cmd.arg(a);
  return command(cmd, wake);
}

redis_reply redis_connection::command(const redis_commands& cmd, wakeup& wake) {
  return blocking_command(cmd, wake, nullptr);
}

redis_reply redis_connection::command(const redis_commands& cmd, wakeup& wake, reply_visitor& visitor) {
  return blocking_command(cmd, wake, &visitor);
}

redis_reply redis_connection::command(const redis_commands& cmd, reply_visitor& visitor) {
  if (cmd.size() != 1) throw std::invalid_argument("redis command: not one command");
  follow_primary();
  if (ctx_ == nullptr) connect();
  const auto wire = cmd.encoded();
  if (redisAppendFormattedCommand(ctx_, wire.data(), wire.size()) != REDIS_OK) fail("write");
  return read_reply(&visitor);
}

redis_reply redis_connection::blocking_command(const redis_commands& cmd, wakeup& wake, reply_visitor* visitor) {
  if (cmd.size() != 1) throw std::invalid_argument("redis command: not one command");
  follow_primary();
  if (ctx_ == nullptr) connect();
  if (client_id_ == 0) {
    auto id = command({"CLIENT", "ID"});
    client_id_ = id.type == redis_reply::kind::integer ? id.integer : -1;
  }
  write_all(cmd);
  await_reply(wake);
  wake.clear();
  return read_reply(visitor);
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
    if (!side) {
      auto here = endpoint_;  // the same server, found or not through Sentinel
      here.sentinels.clear();
      here.host = server_.host;
      here.port = server_.port;
      side = std::make_unique<redis_connection>(here);
    }
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
