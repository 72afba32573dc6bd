// Where eventbed's Redis is and how to log in: the one connection-settings
// type. Every connection owner (ingest actors, processors, the projector and
// its tail reader, the trimmer) is handed a redis_endpoint and connects
// through redis_connection, which applies all of it on every (re)connect.
//
// Three forms of --redis are accepted (parse_redis_endpoint):
//   HOST:PORT, HOST, [IPV6]:PORT                  one server, no login
//   redis://[USER[:PASSWORD]@]HOST[:PORT][/DB]    one server, AUTH and SELECT
//   redis-sentinel://[USER[:PASSWORD]@]H:P[,H:P...]/SERVICE[/DB]
//                                                 the primary of SERVICE, as
//                                                 the Sentinels name it
// USER and PASSWORD are percent-decoded; the password may contain '@' and '/'
// (everything up to the last '@' is the login). Default ports: 6379 for a
// server, 26379 for a Sentinel. Sentinels are asked without AUTH.
//
// The password never leaves this type in text: describe() and every parse
// error show it as "***", and redis_connection's errors name only host:port.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace eventbed {

struct redis_address {
  std::string host;
  int port = 0;
  std::string text() const;  // "host:port", "[v6]:port"
};

struct redis_endpoint {
  // One server; unused when `sentinels` is not empty.
  std::string host = "127.0.0.1";
  int port = 6379;
  // Ask these for the primary of `service` (SENTINEL get-master-addr-by-name).
  std::vector<redis_address> sentinels;
  std::string service;

  std::string user;      // ACL user; empty: AUTH with the password alone
  std::string password;  // empty (and no password_file): no AUTH
  // Read afresh on every connect, so a rotated Kubernetes Secret (a mounted
  // file that changes in place) is picked up without a restart. Wins over
  // `password`. Trailing newlines are not part of the password.
  std::string password_file;
  int db = 0;  // SELECTed after AUTH when not 0

  std::chrono::milliseconds connect_timeout{500};
  std::chrono::milliseconds io_timeout{2000};  // zero disables it (not advised)

  // Through Sentinel: a count of announced primary switches (primary_watch),
  // shared by every copy of the endpoint. A connection that has seen it move
  // since it connected reconnects before its next call. Null: no watch.
  std::shared_ptr<const std::atomic<std::uint64_t>> primary_switches;

  bool via_sentinel() const { return !sentinels.empty(); }
};

// Throws std::invalid_argument, with a message that shows the text with its
// password replaced by "***", on anything it does not accept.
redis_endpoint parse_redis_endpoint(const std::string& text);

// The endpoint as a URL for logs and /version, the password shown as "***".
std::string describe(const redis_endpoint& endpoint);

// The password AUTH sends now: the file's first line if there is a file, else
// `password`. Throws std::runtime_error (naming the file, not its content)
// when the file cannot be read.
std::string current_password(const redis_endpoint& endpoint);

}  // namespace eventbed
