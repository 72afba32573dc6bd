#include "storage/primary_watch.hpp"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <sys/time.h>

#include <cerrno>
#include <chrono>
#include <string>
#include <vector>

#include "common/logging.hpp"

namespace eventbed {
namespace {

using namespace std::chrono_literals;

// A subscription idle this long is checked with a PING, and given up if the
// PING is not answered within as long again (a Sentinel stopped, not closed).
constexpr auto kHeartbeat = 2s;
// Between two Sentinels that could not be reached.
constexpr auto kRetry = 500ms;

struct free_context {
  void operator()(redisContext* c) const { redisFree(c); }
};
struct free_reply {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using context_ptr = std::unique_ptr<redisContext, free_context>;
using reply_ptr = std::unique_ptr<redisReply, free_reply>;

timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

reply_ptr ask(redisContext* c, const std::vector<std::string>& argv) {
  std::vector<const char*> args;
  std::vector<size_t> lens;
  for (const auto& a : argv) {
    args.push_back(a.data());
    lens.push_back(a.size());
  }
  return reply_ptr(static_cast<redisReply*>(
      redisCommandArgv(c, static_cast<int>(args.size()), args.data(), lens.data())));
}

// "+switch-master" payload: "<service> <old ip> <old port> <new ip> <new port>";
// the new "ip:port" if it is about `service`, else "".
std::string switched_to(const redisReply* r, const std::string& service) {
  if (r->type != REDIS_REPLY_ARRAY || r->elements != 3 || r->element[2]->type != REDIS_REPLY_STRING)
    return "";
  std::vector<std::string> words;
  std::string payload(r->element[2]->str, r->element[2]->len), word;
  for (char ch : payload + " ") {
    if (ch != ' ') {
      word += ch;
    } else if (!word.empty()) {
      words.push_back(word);
      word.clear();
    }
  }
  return words.size() == 5 && words[0] == service ? words[3] + ":" + words[4] : "";
}

}  // namespace

void primary_watch::moved_to(const std::string& primary) {
  primary_ = primary;
  switches_->fetch_add(1);
  log::info("primary_watch", "the Sentinels name a new primary for " + endpoint_.service + ": " + primary +
                                 "; connections move to it before their next call");
}

primary_watch::primary_watch(const redis_endpoint& endpoint) : endpoint_(endpoint) {
  if (endpoint_.via_sentinel())
    thread_ = std::thread([this] { run(); });
}

primary_watch::~primary_watch() {
  stop_ = true;
  wake_.signal();
  if (thread_.joinable())
    thread_.join();
}

void primary_watch::run() {
  const auto& sentinels = endpoint_.sentinels;
  for (size_t i = 0; !stop_; i = (i + 1) % sentinels.size()) {
    if (listen(sentinels[i]))
      continue;  // it answered, then went: the next one at once
    pollfd p{wake_.fd(), POLLIN, 0};
    ::poll(&p, 1, static_cast<int>(std::chrono::milliseconds(kRetry).count()));
  }
}

bool primary_watch::listen(const redis_address& sentinel) {
  context_ptr c(redisConnectWithTimeout(sentinel.host.c_str(), sentinel.port,
                                        to_timeval(endpoint_.connect_timeout)));
  if (!c || c->err != 0 || redisSetTimeout(c.get(), to_timeval(endpoint_.connect_timeout)) != REDIS_OK)
    return false;
  // What it names now: a switch announced while nobody listened shows here.
  auto named = ask(c.get(), {"SENTINEL", "get-master-addr-by-name", endpoint_.service});
  if (!named || named->type != REDIS_REPLY_ARRAY || named->elements != 2)
    return false;
  std::string now = std::string(named->element[0]->str, named->element[0]->len) + ":" +
                    std::string(named->element[1]->str, named->element[1]->len);
  if (!primary_.empty() && now != primary_)
    moved_to(now);
  primary_ = now;
  if (auto sub = ask(c.get(), {"SUBSCRIBE", "+switch-master"}); !sub)
    return false;

  bool ping_sent = false;
  while (!stop_) {
    pollfd fds[2] = {{c->fd, POLLIN, 0}, {wake_.fd(), POLLIN, 0}};
    int n = ::poll(fds, 2, static_cast<int>(std::chrono::milliseconds(kHeartbeat).count()));
    if (n < 0 && errno != EINTR)
      return true;
    if (n == 0) {
      if (ping_sent || redisAppendCommand(c.get(), "PING") != REDIS_OK)
        return true;  // silent for two heartbeats: stopped or gone
      int done = 0;
      while (!done)
        if (redisBufferWrite(c.get(), &done) != REDIS_OK)
          return true;
      ping_sent = true;
      continue;
    }
    if (n < 0 || !(fds[0].revents & (POLLIN | POLLHUP | POLLERR)))
      continue;
    void* raw = nullptr;
    if (redisGetReply(c.get(), &raw) != REDIS_OK || raw == nullptr)
      return true;
    // One read may bring several messages: the rest are already in the reader.
    do {
      reply_ptr r(static_cast<redisReply*>(raw));
      ping_sent = false;
      if (auto to = switched_to(r.get(), endpoint_.service); !to.empty())
        moved_to(to);
      raw = nullptr;
    } while (redisReaderGetReply(c->reader, &raw) == REDIS_OK && raw != nullptr);
  }
  return true;
}

}  // namespace eventbed
