// A small HTTP server for eventbed's two ports, on top of Pistache.
//
// Routes get a plain request and a reply handle, and may answer later from
// any thread (typically from an actor once its typed reply arrives). The
// server counts requests that have not been answered yet, which is what a
// graceful shutdown waits for: Pistache itself drops in-flight requests when
// it stops. Bytes that are not a well-formed HTTP/1.x request (see
// gateways/http_screen.hpp) never reach a route: they get a JSON 400 (413 for
// a body over the limit) with "Connection: close", and the connection is
// closed. No CAF and no Pistache types appear in this header.
//
// Connections are persistent (RFC 9112, section 9.3): one carries request
// after request, and is closed after an answer only when the request said
// "Connection: close", was HTTP/1.0 without "Connection: keep-alive", could
// not be read to its exact end, or the server is draining. Pipelined requests
// (sent before the answer to the one before) are not served: the answer in
// progress says "Connection: close", the connection closes after it, and the
// rest are dropped unprocessed for the client to retry. The details are at
// http_connection in http_server.cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace eventbed {

namespace tracing {
class span;
}

struct http_request {
  std::string method;  // "GET", "POST", ...
  std::string path;    // without the query string
  std::string content_type;
  std::string traceparent;
  std::string body;
  // All of them: name as sent, value; a name repeated in any case keeps its first value.
  std::vector<std::pair<std::string, std::string>> headers;
  std::map<std::string, std::string> query;  // the query string's parameters, as Pistache splits them
  std::string param;  // a template route's parameter: for "/events/{id}", what follows "/events/"
};

// Answers one request, exactly once, from any thread. Copies share the answer:
// the first send wins and later ones are ignored. If the last copy is dropped
// without an answer, the client gets a 500 instead of waiting forever.
class http_reply {
 public:
  using headers = std::vector<std::pair<std::string, std::string>>;

  void send(int status, std::string body, headers extra = {},
            std::string_view content_type = "application/json");

  // {"error": code, "detail": detail}; retry_after_s > 0 adds a Retry-After header.
  void send_error(int status, std::string_view code, std::string_view detail,
                  int retry_after_s = 0);

  // The request's server span (common/tracing.hpp), null when tracing is off
  // or the server is not `traced`.
  // It is a child of the request's valid traceparent header, named after the
  // method and route; the answer ends it with the status code (a 5xx is an
  // error). A route may link it and parent its own spans on it until then.
  tracing::span* span() const;

  struct state;
  explicit http_reply(std::shared_ptr<state> st) : state_(std::move(st)) {}

 private:
  std::shared_ptr<state> state_;
};

using http_route = std::function<void(http_request& req, http_reply reply)>;

// Called once per answered request, from the answering thread: a hook for metrics.
using http_observer = std::function<void(std::string_view route, std::string_view method,
                                         int status, std::chrono::nanoseconds duration)>;

class http_server {
 public:
  struct options {
    std::string bind = "0.0.0.0";
    uint16_t port = 8080;
    int threads = 1;
    size_t max_request_bytes = 1 << 20;  // whole request; larger ones get a JSON 413 and a close
    // Not empty: every answer, whatever made it (a route, a 404 or 405, a
    // refusal of bad bytes, a 503 while shutting down, a dropped reply's 500),
    // carries it as common/served_version.hpp's header.
    std::string served_version;
    // While tracing is on (common/tracing.hpp), every routed request gets a
    // server span (http_reply::span()). Off for the admin port: scrapes and
    // probes would be most of the traces and tell nothing.
    bool traced = false;
  };

  explicit http_server(options opts);
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  // Routes match the method and either the exact path or, for a template
  // (a path ending in one parameter, "/events/{id}"), any path that starts
  // with what comes before the parameter ("/events/"); the rest of the path
  // is the handler's http_request::param. The route, template
  // and all, is what OpenTelemetry calls http.route: the metrics' http_route
  // label, and the server span's name ("GET /events/{id}") and attribute.
  // Register them before start(). A request no route matches gets a JSON 404
  // not_found, or, when routes serve its path with other methods, 405
  // method_not_allowed with an Allow header naming them.
  void route(std::string method, std::string path, http_route fn);
  void route_template(std::string method, std::string path, http_route fn);  // throws std::invalid_argument
  void observe(http_observer fn);
  // Called with the number of unanswered requests whenever it changes.
  void observe_in_flight(std::function<void(size_t)> fn);
  // Called once per accepted connection, from the thread that serves it.
  void observe_connections(std::function<void()> fn);

  // (method, path) of every registered route, in registration order.
  std::vector<std::pair<std::string, std::string>> routes() const;

  // Binds and serves on background threads; throws std::runtime_error if it cannot bind.
  void start();

  // From now on every answer carries "Connection: close" and its connection
  // is closed after it, and the connections that have been between requests
  // for 250 ms or more are closed at once: a client whose persistent
  // connection is pinned to this draining process reconnects, and through the
  // Service reaches a replica that is still ready. (An idle one left open
  // would be used after the drain delay, when its request could only get 503.)
  // A connection answered less than 250 ms ago is left to its next answer, or
  // its client, sending its next request right then, would get no answer.
  // Call it again to close those that have come to rest since (serve does,
  // every 100 ms of the drain delay).
  void drain();

  // From now on new requests get 503 "shutting_down" at once; in-flight ones
  // are still answered normally (and, if they came while draining, close
  // their connection). Connections at rest between requests now are closed, as
  // in drain(); later ones are kept alive again: by now the load balancers have
  // dropped this process, and a client that reconnected here could land in
  // the accept backlog as the port closes and be reset, while a request on a
  // kept-alive connection that dies is safely retried.
  void refuse_new();

  size_t in_flight() const;

  // Waits until every accepted request has been answered; false on timeout.
  bool wait_idle(std::chrono::milliseconds timeout) const;

  void stop();

  struct impl;

 private:
  std::shared_ptr<impl> impl_;
};

}  // namespace eventbed
