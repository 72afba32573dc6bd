// One synchronous connection to Redis, owned by one thread at a time.
//
// Every blocking Redis call in eventbed goes through this class, so that the
// failure rules live in one place:
//  - An I/O failure (refused, timeout, EOF, reset) throws storage_error and
//    drops the hiredis context. hiredis 0.14 leaves a context unusable after
//    any error, so the next call connects afresh instead of failing forever.
//    Nothing is retried here: the command may or may not have run on the
//    server, and only the caller knows whether repeating it is safe.
//  - An error *reply* ("-ERR ...", "-NOSCRIPT ...") is an answer, not a
//    failure: it comes back as redis_reply::kind::error and the connection
//    stays usable.
//  - io_timeout bounds every read and write. A command that blocks on the
//    server (XREADGROUP BLOCK, BLPOP) must block for less than io_timeout, or
//    it is reported as an I/O failure.
//  - A command that blocks on the server can also be given a wakeup
//    (storage/wakeup.hpp) that ends the block early from another thread.
//  - Every connect applies the whole endpoint (storage/redis_endpoint.hpp):
//    through Sentinel it first asks for the primary, then AUTH (the password
//    read afresh), SELECT, and through Sentinel a ROLE check: a server that is
//    not a primary is refused, whatever a Sentinel said.
//  - A reply READONLY, LOADING or MASTERDOWN means this server cannot take
//    the work now (a demoted primary, a restart): it is an I/O failure, the
//    context is dropped and the next call connects afresh, which through
//    Sentinel asks for the primary again.
//  - Through Sentinel with a primary_watch's count in the endpoint: once the
//    Sentinels have announced a new primary, the next call drops the context
//    and connects afresh, so it goes to the new primary without an error.
//  - A login refused (wrong password, NOAUTH, unreadable password file) is
//    not retried at once: connects within a growing backoff (250 ms doubling
//    to 8 s) throw the same error without touching Redis.
// hiredis writes with write(2), so a peer reset would raise SIGPIPE; connect()
// therefore sets SIGPIPE to SIG_IGN process-wide unless a handler is installed.
// The protocol is RESP2 (hiredis 0.14 cannot parse RESP3).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "storage/redis_commands.hpp"
#include "storage/redis_endpoint.hpp"

struct redisContext;  // hiredis, kept out of this header

namespace eventbed {

class wakeup;

struct redis_reply {
  enum class kind { nil, status, error, integer, string, array } type = kind::nil;
  long long integer = 0;
  std::string str;  // status text, error message, or bulk string (binary safe)
  std::vector<redis_reply> elements;

  // For replies shaped as flat key/value arrays (XINFO, entry fields): the
  // value after `key`, or nullptr if the key is absent or this is no array.
  const redis_reply* field(const std::string& key) const;
};

// Takes an array reply's elements as hiredis parses them, instead of a
// redis_reply tree: the hot reads decode stream entries straight from
// hiredis's buffer, with no tree to allocate, copy out of and free.
// depth 0 is the reply itself (only array() is called for it), 1 an element
// of it, 2 an element of one of those, and so on; index is the position in the
// parent array. Views are into hiredis's buffer and valid during the call only.
// An exception a call throws is held until the whole reply is read, so the
// connection stays in step, and is then thrown by the command; later elements
// of that reply are not visited.
class reply_visitor {
 public:
  virtual void array(int depth, size_t index, size_t elements) = 0;
  // A bulk string, a status or an error.
  virtual void string(int depth, size_t index, std::string_view s) = 0;
  // A nil or an integer.
  virtual void scalar(int depth, size_t index) = 0;

 protected:
  ~reply_visitor() = default;
};

class redis_connection {
 public:
  // Does not connect: a process must be able to start while Redis is down.
  explicit redis_connection(redis_endpoint endpoint);
  ~redis_connection();
  redis_connection(const redis_connection&) = delete;
  redis_connection& operator=(const redis_connection&) = delete;

  // Drops any current context and connects. Throws storage_error on failure.
  void connect();
  bool connected() const { return ctx_ != nullptr; }
  void disconnect();
  const redis_endpoint& endpoint() const { return endpoint_; }
  // The server of the current (or last) context: through Sentinel, the primary it named.
  const redis_address& server() const { return server_; }

  // One command, one round trip; connects first if needed.
  redis_reply command(const std::vector<std::string>& argv);

  // A command that blocks on the server (XREADGROUP or XREAD with BLOCK) and
  // that `wake` ends early: once it is signalled, the block is cut short with
  // CLIENT UNBLOCK, sent on a second connection opened for that, and the reply
  // is what an expired block returns (nil, or the entries that arrived in the
  // meantime: nothing the server delivered is dropped). The first such call
  // on a connection asks for its CLIENT ID. Where the unblock cannot be sent
  // (Redis refuses CLIENT, or the second connection fails) the block runs its
  // course. Consumes the signal.
  redis_reply command(const std::vector<std::string>& argv, wakeup& wake);
  // The same for one command already encoded (the hot reads: no argv copies).
  redis_reply command(const redis_commands& cmd, wakeup& wake);
  // The hot reads, with the reply visited: when it is an array, its elements
  // go to `visitor` and the reply returned is an array without elements; any
  // other reply (nil, an error) comes back whole and is not visited.
  redis_reply command(const redis_commands& cmd, reply_visitor& visitor);
  redis_reply command(const redis_commands& cmd, wakeup& wake, reply_visitor& visitor);

  // All commands are written before any reply is read: one round trip for
  // the batch. Replies come back in command order. If an I/O failure hits
  // half way, some commands may have run; the call still throws.
  std::vector<redis_reply> pipeline(const std::vector<std::vector<std::string>>& cmds);
  // The same for commands already encoded (the hot paths: no argv copies).
  std::vector<redis_reply> pipeline(const redis_commands& cmds);

 private:
  void write_all(const redis_commands& cmds);
  redis_reply blocking_command(const redis_commands& cmd, wakeup& wake, reply_visitor* visitor);
  redis_reply read_reply(reply_visitor* visitor = nullptr);
  void await_reply(wakeup& wake);
  bool unblock(std::unique_ptr<redis_connection>& side);
  redis_address ask_sentinels();
  std::uint64_t primary_switches() const;
  void follow_primary();
  void open();
  void log_in();
  std::string where() const;
  // `reason` empty: hiredis's error on the context.
  [[noreturn]] void fail(const std::string& what, std::string reason = "");
  // A refused login: fails and starts (or doubles) the backoff.
  [[noreturn]] void refuse(const std::string& why);

  redis_endpoint endpoint_;
  redis_address server_;
  size_t sentinel_first_ = 0;  // the Sentinel that answered last is asked first
  std::string refusal_;        // the last refused login, repeated during the backoff
  std::chrono::milliseconds refusal_backoff_{0};
  std::chrono::steady_clock::time_point refused_until_{};
  redisContext* ctx_ = nullptr;
  std::uint64_t switches_seen_ = 0;  // primary_switches() when ctx_ connected
  long long client_id_ = 0;  // of ctx_, for CLIENT UNBLOCK: 0 not asked yet, -1 unknown
};

}  // namespace eventbed
