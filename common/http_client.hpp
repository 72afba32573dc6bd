// One blocking HTTP client with one kept-alive connection, through libcurl.
//
// The simulator runs a small pool of these, each inside its own detached actor
// (actors/simulator/http_worker.hpp), and a forwarding processor one per
// processor thread (actors/pipeline/handlers/forwarder.hpp), rather than one
// curl multi loop: a blocking client is
// a few lines of obviously correct code, a pool of N holds N requests in flight,
// and on loopback or in-cluster a client completes thousands of requests per
// second, far more than the rates a workload generator needs per connection.
//
// No Connection header is sent: HTTP/1.1 connections are persistent by
// default, and libcurl reuses its connection unless an answer says
// "Connection: close" (a draining server does). The times a response carries
// are steady-clock readings taken right around the transfer, so queueing
// inside the simulator is not counted as the target's time (latency from the
// *scheduled* time is the caller's business).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace eventbed {

struct sim_http_request {
  bool post = false;     // POST with a body, else GET
  std::string url;
  std::string body;
  std::string content_type = "application/json";  // POST: the body's media type
  double timeout = 2;    // seconds for the whole exchange, connect included
  // Sent as the traceparent header when set: the W3C trace context the
  // server's span continues (a forwarding hop's processing span).
  std::string traceparent;
};

struct sim_http_response {
  enum class failure { none, timeout, connect, transport };
  long status = 0;                 // 0 when no HTTP answer arrived
  std::string body;
  double retry_after = -1;         // seconds from a Retry-After header, -1 if none
  std::string served_by;           // the Eventbed-Version header (common/served_version.hpp), "" if none
  failure failed = failure::none;  // why there is no HTTP answer
  std::string error;               // curl's message when failed
  std::chrono::steady_clock::time_point sent, done;
  // This transfer had to open a new connection after earlier transfers on the
  // client. If the kept-alive one died under the request, libcurl resends it
  // on the new connection without telling: the server may have seen it twice.
  bool maybe_resent = false;

  // A short label for counters and windows: "ok" for 2xx, "http_503",
  // "timeout", "connect" or "transport".
  std::string cause() const;
};

class sim_http_client {
 public:
  // `headers` ("Name: value") go with every request, e.g. an ingress's Authorization.
  explicit sim_http_client(const std::vector<std::string>& headers = {});
  ~sim_http_client();
  sim_http_client(const sim_http_client&) = delete;
  sim_http_client& operator=(const sim_http_client&) = delete;

  // Never throws; a failure is reported in the response.
  sim_http_response perform(const sim_http_request& req);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace eventbed
