#include "gateways/http_server.hpp"

#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <pistache/peer.h>

#include <sys/socket.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include "common/served_version.hpp"
#include "common/tracing.hpp"
#include "gateways/http_head.hpp"
#include "gateways/http_response.hpp"
#include "gateways/http_screen.hpp"

namespace eventbed {

namespace Http = Pistache::Http;

namespace {

using clock = std::chrono::steady_clock;

std::string json_error(std::string_view code, std::string_view detail) {
  nlohmann::json body = {{"error", code}, {"detail", detail}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

struct route_entry {
  std::string method;
  std::string path;    // the route: an exact path, or a template ("/events/{id}")
  std::string prefix;  // a template's part before its parameter ("/events/"); "" for an exact path
  http_route fn;
};

struct http_connection;

}  // namespace

struct http_server::impl {
  options opts;
  std::vector<route_entry> routes;
  http_observer observer;
  std::function<void(size_t)> in_flight_observer;
  std::function<void()> connection_observer;
  std::atomic<size_t> in_flight{0};

  void change_in_flight(int delta) {
    auto now = in_flight.fetch_add(delta, std::memory_order_acq_rel) + delta;
    if (in_flight_observer)
      in_flight_observer(now);
  }
  std::atomic<bool> draining{false};
  std::atomic<bool> refusing{false};
  std::shared_ptr<Http::Endpoint> endpoint;

  // The open connections, so that drain() and refuse_new() can close those
  // between requests. Added by onConnection, removed by onDisconnection; a
  // peer Pistache's timeouts close skips the latter and leaves an expired
  // entry, pruned as the map grows.
  std::mutex connections_mu;
  std::unordered_map<const http_connection*, std::weak_ptr<http_connection>> connections;
  size_t prune_at = 1024;
  void add_connection(const std::shared_ptr<http_connection>& conn);
  void remove_connection(const http_connection* conn);
  void close_idle_connections();
};

namespace {

int64_t steady_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(clock::now().time_since_epoch())
      .count();
}

// One connection, from its accept to its close. It lives in the Pistache
// peer's data, so as long as the peer, and every reply on it holds it too.
//
// Persistence (RFC 9112, section 9.3). Pistache 0.0.5 copies the request's
// Connection header into the answer and, when there is none, writes
// "Connection: Close" -- to HTTP/1.1 requests too, whose default is the
// opposite -- yet never closes the socket because of it: every client that
// obeys the header closed the connection after each answer, and one that
// ignored it kept it open. Here the answer's Connection header and the close
// are decided together: a connection carries request after request until one
// of these, and is then closed after the answer that says "Connection: close":
//  - the request asks for it: "Connection: close", or HTTP/1.0 without
//    "Connection: keep-alive" (http_request_screen::keep_alive());
//  - the request cannot be read to its exact end, so the bytes after it would
//    be read out of step (dispatcher::refuse);
//  - the server is draining (http_server::drain);
//  - pipelining (below).
//
// Pipelining: at most one request per connection is with the routes at a
// time, and no byte of the next one is read until its answer is queued.
// Routes answer from actors, in any order and from any thread, so requests
// handed out together could be answered the wrong way round; and a server may
// process pipelined requests in parallel only if all are safe methods (RFC
// 9112, 9.3.2), which POST /ingest is not. So when bytes of a further request
// arrive while the one before is unanswered, that answer carries
// "Connection: close", the connection is closed after it, and the pipelined
// requests are dropped unread. None of them was processed, and a client that
// sees the close before all its answers retries the rest (RFC 9112, 9.3.2).
// A request that arrives after the one before was answered, even in the same
// read (a route that answered at once), is simply the next request.
//
// Closing: once the answer that closes is written, the socket's write side is
// shut down (a FIN after the answer), and whatever the client still sends is
// read and dropped until it closes its side, when the transport closes the
// socket. Closing at once with unread bytes in the socket (a pipelined request,
// the rest of a refused body) would send a reset, which can destroy the answer
// before the client reads it. A client that neither closes nor stops sending is
// cut off linger_limit after the FIN; one that goes silent, at Pistache's
// keep-alive timeout.
struct http_connection {
  static constexpr std::chrono::seconds linger_limit{5};
  // How long a connection must have been between requests before a drain
  // closes it (close_if_idle): far longer than a client takes from one answer
  // to its next request in a burst, far shorter than any drain delay.
  static constexpr std::chrono::milliseconds rest_before_close{250};

  http_connection(std::shared_ptr<Http::RequestParser> p, uint64_t max_request_bytes,
                  Pistache::Fd socket, std::string version)
      : parser(std::move(p)), screen(max_request_bytes), fd(socket), served_version(std::move(version)) {}

  // The transport thread's alone.
  std::shared_ptr<Http::RequestParser> parser;
  http_request_screen screen;
  // The current request's head until it ends, then its header fields; and its
  // Content-Length body. Neither goes through the parser (see onInput); a
  // chunked body is the parser's to decode.
  std::string head;
  http_fields fields;
  std::string body;
  const Pistache::Fd fd;
  const std::string served_version;  // http_server::options::served_version

  // No more requests are read: every further byte is dropped.
  std::atomic<bool> reading_stopped{false};
  std::atomic<int64_t> write_shut_at_us{0};  // 0: the write side is open

  std::mutex mu;
  bool open = true;          // the transport has not closed fd (the number may be reused after)
  bool in_request = false;   // from a request's first byte until its answer is queued
  bool awaiting = false;     // a request is with the routes and its answer is not queued yet
  bool close_after = false;  // and a pipelined request arrived meanwhile
  bool answered_one = false; // an answer was queued: the client knows it as a reused connection
  bool closed_idle = false;  // close_if_idle closed it between requests
  bool queued_writes = false; // an answer went through the transport's write queue
  int64_t answered_at_us = 0; // steady_us() of the last answer queued

  // At the first byte of a request, on the transport thread. False if the one
  // before is still unanswered (pipelining, see above), or if close_if_idle
  // closed the connection before this byte was read: the request is dropped
  // unread.
  bool may_start_request() {
    std::lock_guard<std::mutex> lock(mu);
    if (closed_idle)
      return false;
    if (!awaiting) {
      in_request = true;
      return true;
    }
    close_after = true;
    reading_stopped.store(true, std::memory_order_release);
    return false;
  }

  // From any thread (drain, refuse_new): closes the connection if it has been
  // between requests for at least `rest`, with a FIN, as when any server
  // closes an idle connection; so its client's next request does not come here
  // to get "503 shutting_down" after the drain delay. The rest is what keeps
  // this from losing requests: a client in the middle of a burst sends its
  // next request the moment it has an answer, and one sent as the FIN leaves
  // gets no answer at all; clients retry only idempotent requests then (RFC
  // 9112, 9.3.1), never a POST /ingest. Left alone: a connection in the
  // middle of a request or just answered (its next answer says "Connection:
  // close"), and one that has not carried a request yet, whose client has
  // most likely sent one already.
  void close_if_idle(std::chrono::microseconds rest) {
    std::lock_guard<std::mutex> lock(mu);
    if (!open || in_request || closed_idle || !answered_one || steady_us() - answered_at_us < rest.count())
      return;
    closed_idle = true;
    reading_stopped.store(true, std::memory_order_release);
    ::shutdown(fd, SHUT_WR);
    write_shut_at_us.store(steady_us(), std::memory_order_release);
  }

  void handed_out() {
    std::lock_guard<std::mutex> lock(mu);
    awaiting = true;
  }

  // From any thread, once the answer that closes is written. The fd is still
  // this connection's while `open`: the transport closes it on EOF or an
  // error only after onDisconnection (closed(), under the same lock). Its
  // timeouts close a peer without that call, but not here: shut_write runs
  // on the transport thread as the write completes (the peer registered), or
  // just after it elsewhere, and the keep-alive timeout counts from the last
  // request (a route that took longer than that) while the 408 one needs a
  // request still unanswered.
  void shut_write() {
    std::lock_guard<std::mutex> lock(mu);
    shut_write_locked();
  }

  // On the transport thread, before it closes fd.
  void closed() {
    std::lock_guard<std::mutex> lock(mu);
    open = false;
  }

  // On the transport thread, for bytes that arrive after reading stopped.
  void drop_input() {
    auto shut = write_shut_at_us.load(std::memory_order_acquire);
    if (shut != 0 &&
        steady_us() - shut >
            std::chrono::duration_cast<std::chrono::microseconds>(linger_limit).count())
      ::shutdown(fd, SHUT_RDWR);  // the transport reads EOF next and closes the socket
  }

  // Under mu.
  void shut_write_locked() {
    if (!open)
      return;
    ::shutdown(fd, SHUT_WR);
    write_shut_at_us.store(steady_us(), std::memory_order_release);
  }

  // Under mu: writes what the socket takes of `bytes` now, without blocking
  // (the transport made the socket non-blocking), and returns how many it
  // took; 0 once anything went through the transport's queue, or the fd is
  // no longer this connection's. A failed write (the peer reset) takes
  // nothing: the rest goes to the transport, which sees the error and closes.
  size_t write_now(std::string_view bytes) {
    if (queued_writes || !open)
      return 0;
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        done += static_cast<size_t>(n);
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else {
        break;
      }
    }
    return done;
  }

  // Writes an answer; `close` (or a pipelined request that arrived meanwhile, or
  // `draining`) makes it the connection's last. Every answer of the server comes
  // through here, so this is where each is stamped with the served version.
  // Under the lock, so that the next request is read only once this answer is
  // written or in the transport's write queue, which keeps answers in request
  // order.
  //
  // The answer is written to the socket here, on the answering thread (the
  // ingest actor's, a gateway actor's, or the transport's own): Pistache's
  // Peer::send() always queues a write for the transport thread and wakes it
  // through an eventfd, one more thread crossing and wakeup per request. The fd
  // is still this connection's while `open` (see shut_write), and the lock
  // orders this write before the next request is read. What the socket does not
  // take at once (a full send buffer: a large answer to a slow reader) goes to
  // the transport as one Peer::send() of the rest, and from then on every answer
  // on this connection does, so that none overtakes a queued one. That promise
  // is Transport::asyncWrite()'s own, resolved under the transport's lock once
  // every byte is written, so the close can wait on it from any thread. (Not so
  // the promise of Pistache's ResponseWriter::send(): a continuation the
  // transport thread resolves without that lock, whose list a then() from an
  // actor's thread corrupts.) setIdle(true) is what ResponseWriter::send() does:
  // the peer's keep-alive timeout counts from the answer.
  void answer(const std::weak_ptr<Pistache::Tcp::Peer>& to, http_response response,
              std::string_view body, bool close, bool draining, bool http10,
              const std::shared_ptr<http_connection>& self) {
    std::optional<Pistache::Async::Promise<ssize_t>> written;
    if (!served_version.empty())
      response.add(served_version_header, served_version);
    {
      std::lock_guard<std::mutex> lock(mu);
      close = close || close_after || draining;
      if (close) {
        reading_stopped.store(true, std::memory_order_release);
        response.add("Connection", "close");
      } else if (http10) {
        response.add("Connection", "keep-alive");
      }
      // A peer that is gone, or orphaned and being torn down with its
      // socket: nothing else changes.
      if (auto peer = to.lock()) {
        peer->setIdle(true);
        auto bytes = std::move(response).finish(body);
        const size_t done = write_now(bytes);
        if (done == bytes.size()) {
          if (close)
            shut_write_locked();
        } else {
          queued_writes = true;
          try {
            auto sent = peer->send(Pistache::RawBuffer(bytes.substr(done), bytes.size() - done));
            if (close)
              written.emplace(std::move(sent));
          } catch (const std::exception&) {
          }
        }
      }
      awaiting = false;
      in_request = false;
      answered_one = true;
      answered_at_us = steady_us();
    }
    // Outside the lock: the continuation runs here if the write is done already.
    if (written) {
      std::weak_ptr<http_connection> weak = self;
      auto shut = [weak] {
        if (auto conn = weak.lock())
          conn->shut_write();
      };
      written->then([shut](ssize_t) { shut(); }, [shut](std::exception_ptr) { shut(); });
    }
  }
};

}  // namespace

struct http_reply::state {
  std::weak_ptr<Pistache::Tcp::Peer> peer;
  std::shared_ptr<http_server::impl> server;
  std::shared_ptr<http_connection> conn;
  bool keep_alive;  // as far as the request is concerned
  bool http10;
  std::string route;
  std::string method;
  // Routed while draining: its answer closes the connection even if it comes
  // after refuse_new (which keeps connections alive), or the client would send
  // its next request here, only to get 503 shutting_down.
  bool while_draining;
  clock::time_point started = clock::now();
  std::atomic<bool> answered{false};
  std::unique_ptr<tracing::span> span;  // set only while tracing is on

  state(std::weak_ptr<Pistache::Tcp::Peer> p, std::shared_ptr<http_server::impl> s,
        std::shared_ptr<http_connection> c, bool keep, bool v10, std::string r, std::string m)
      : peer(std::move(p)),
        server(std::move(s)),
        conn(std::move(c)),
        keep_alive(keep),
        http10(v10),
        route(std::move(r)),
        method(std::move(m)),
        while_draining(server->draining.load(std::memory_order_acquire)) {}

  // Returns false if someone else answered first.
  bool answer(int status, const std::string& body, const http_reply::headers& extra,
              std::string_view content_type = "application/json") {
    if (answered.exchange(true))
      return false;
    http_response response(http10, status);
    response.add("Content-Type", content_type);
    for (const auto& [name, value] : extra)
      response.add(name, value);
    // Counted and traced before the answer is written: the client may read
    // it (and then the metrics) before conn->answer() returns. Out of flight
    // only once it is written, which is what wait_idle() waits for.
    if (span)
      end_span(status);
    if (server->observer)
      server->observer(route, method, status, clock::now() - started);
    conn->answer(peer, std::move(response), body, !keep_alive,
                 while_draining || server->draining.load(std::memory_order_acquire), http10, conn);
    server->change_in_flight(-1);
    return true;
  }

  // The server span, with OpenTelemetry's HTTP attribute names.
  void start_span(const std::string& traceparent) {
    auto parent = tracing::parse_traceparent(traceparent);
    span = std::make_unique<tracing::span>(
        tracing::start_span(method + " " + route, tracing::span_kind::server, parent ? &*parent : nullptr));
    span->set("http.request.method", method);
    span->set("http.route", route);
  }

  void end_span(int status) {
    span->set("http.response.status_code", int64_t{status});
    if (status >= 500)
      span->fail("HTTP " + std::to_string(status));
    span->end();
  }

  ~state() {
    if (!answered.load())
      answer(500, R"({"error":"internal","detail":"request was dropped without an answer"})", {});
  }
};

void http_reply::send(int status, std::string body, headers extra,
                      std::string_view content_type) {
  state_->answer(status, body, extra, content_type);
}

tracing::span* http_reply::span() const { return state_->span.get(); }

void http_reply::send_error(int status, std::string_view code, std::string_view detail,
                            int retry_after_s) {
  headers extra;
  if (retry_after_s > 0)
    extra.emplace_back("Retry-After", std::to_string(retry_after_s));
  state_->answer(status, json_error(code, detail), extra);
}

namespace {

constexpr const char* connection_key = "eventbed.conn";

// Maps Pistache's own parser errors (Step::raise and its size limit) to an error code.
const char* code_for_status(int status) {
  switch (status) {
    case 413: return "request_too_large";
    case 501: return "not_implemented";
    default: return "bad_request";
  }
}

class dispatcher : public Http::Handler {
 public:
  HTTP_PROTOTYPE(dispatcher)

  explicit dispatcher(std::shared_ptr<http_server::impl> server) : server_(std::move(server)) {}

  // Pistache's Http::Handler::onConnection (private, so not callable from
  // here) only attaches the request parser; this does the same, adds the
  // connection's own state, and counts the connection.
  void onConnection(const std::shared_ptr<Pistache::Tcp::Peer>& peer) override {
    auto parser = std::make_shared<Http::RequestParser>(getMaxRequestSize());
    peer->putData(ParserData, parser);
    auto conn = std::make_shared<http_connection>(std::move(parser), getMaxRequestSize(), peer->fd(),
                                                  server_->opts.served_version);
    peer->putData(connection_key, conn);
    server_->add_connection(conn);
    if (server_->connection_observer)
      server_->connection_observer();
  }

  // The client closed or the socket failed; the transport closes fd next.
  // (Pistache's own timeouts close idle and stalled peers without this call;
  // http_connection::shut_write says why that is harmless.)
  void onDisconnection(const std::shared_ptr<Pistache::Tcp::Peer>& peer) override {
    if (auto conn = connection_of(peer)) {
      conn->closed();
      server_->remove_connection(conn.get());
    }
  }

  // Never called: onInput below hands requests to route() instead, with the
  // connection they came on. Required by Http::Handler.
  void onRequest(const Http::Request&, Http::ResponseWriter writer) override {
    writer.send(Http::Code::Internal_Server_Error);
  }

  // Replaces Http::Handler::onInput, which is private in Pistache 0.0.5 and so
  // cannot be called from here. Every byte first goes through the screen
  // (gateways/http_screen.hpp), which finds where each request ends; only the
  // bytes of the current request reach Pistache's parser, driven with its
  // public API as the library's own onInput does it (feed, parse, on Done:
  // setIdle(false), the handler, reset), so the header, body
  // and keep-alive timeouts of Http::Endpoint's transport, which read the
  // parser's step and time, work as before. The differences:
  //  - bytes the screen refuses (not HTTP, a bad Content-Length, a body over
  //    the request limit) get a JSON 4xx with "Connection: close" at once, and
  //    the connection is closed once it is written;
  //  - so do the parser's own errors and the exceptions it throws on input it
  //    cannot handle, instead of a plain-text 400 or a 500 with the exception
  //    text on a connection that then went on parsing the rest of the broken
  //    request as if it were a new one;
  //  - the bytes after a request's end are the next request, not dropped by
  //    the parser's reset(); and the answer's Connection header and whether
  //    the connection closes follow http_connection above;
  //  - the parser sees the request line and the body's framing only: the
  //    screen stops at the head's end, the head's fields are split by
  //    http_head.hpp (Pistache makes a typed object of every header, a
  //    quarter of a single-event request's CPU), and a Content-Length body is
  //    appended to the connection's buffer in one copy per read (Pistache
  //    copies a body byte by byte and walks it byte by byte again, a quarter
  //    of a 100-event batch's CPU);
  //  - answers are written by http_response.hpp, not by a ResponseWriter
  //    (http_connection::answer);
  //  - a chunked body is parsed only once the screen has seen its end:
  //    Pistache's chunk parser misreads a chunk whose data and CRLF arrive in
  //    different reads, and stops before the last CRLF and any trailers, which
  //    it would then have read as the next request.
  // Valid requests cost a byte-by-byte look at the request line and header
  // names, a skip over most header values and the body, one lookup in the
  // peer's data and one uncontended lock per request; the screen copies
  // nothing.
  void onInput(const char* data, size_t len, const std::shared_ptr<Pistache::Tcp::Peer>& peer) override {
    auto conn = connection_of(peer);
    if (!conn)
      return;  // not from onConnection: cannot happen
    while (len > 0) {
      if (conn->reading_stopped.load(std::memory_order_acquire)) {
        conn->drop_input();
        return;
      }
      if (conn->screen.at_request_start() && !conn->may_start_request()) {
        continue;  // pipelined: reading has stopped, the loop drops the bytes
      }
      const bool length_body = conn->screen.in_length_body();
      const bool chunked_body = conn->screen.in_chunked_body();
      if (length_body && conn->body.empty())
        conn->body.reserve(conn->screen.body_left());
      auto step = conn->screen.scan(data, len);
      if (step.refused()) {
        refuse(peer, *conn, step.status, step.error, step.detail);
        continue;
      }
      const char* request_bytes = data;
      data += step.consumed;
      len -= step.consumed;
      if (length_body) {
        conn->body.append(request_bytes, step.consumed);
        if (step.complete)
          finish_length_body(peer, conn);
        continue;
      }
      std::optional<Http::Private::State> parsed;
      if (chunked_body) {
        parsed = feed_parser(peer, *conn, std::string_view(request_bytes, step.consumed),
                             step.complete || !conn->screen.in_chunked_body());
      } else {
        conn->head.append(request_bytes, step.consumed);
        if (!step.complete && !conn->screen.in_length_body() && !conn->screen.in_chunked_body())
          continue;  // the head goes on in the next read
        parsed = feed_parser(peer, *conn, parser_head(*conn), true);
      }
      if (!parsed)
        continue;  // refused
      if (*parsed == Http::Private::State::Done && step.complete) {
        dispatch(peer, conn);
        conn->parser->reset();
      } else if (*parsed == Http::Private::State::Done || step.complete) {
        // The screen and the parser see the request end in different places:
        // they would read the next bytes differently, so serve neither.
        refuse(peer, *conn, 400, "bad_request", "ambiguous request framing");
      }
    }
  }

 private:
  // The head the screen accepted, in conn.head, becomes conn.fields; what the
  // parser is given instead is the request line and the body's framing alone.
  static std::string parser_head(http_connection& conn) {
    auto head = split_http_head(conn.head);
    conn.fields = std::move(head.fields);
    std::string out(head.request_line);
    out += "\r\n";
    if (conn.screen.in_length_body())
      out += "Content-Length: " + std::to_string(conn.screen.body_left()) + "\r\n";
    else if (conn.screen.in_chunked_body())
      out += "Transfer-Encoding: chunked\r\n";
    out += "\r\n";
    conn.head.clear();
    return out;
  }

  // Gives the parser `bytes`, and parses them if `parse`; nullopt if the
  // request was refused for what the parser said.
  std::optional<Http::Private::State> feed_parser(const std::shared_ptr<Pistache::Tcp::Peer>& peer,
                                                  http_connection& conn, std::string_view bytes,
                                                  bool parse) {
    try {
      if (!conn.parser->feed(bytes.data(), bytes.size())) {
        refuse(peer, conn, 413, "request_too_large",
               "the request is over the limit of " + std::to_string(getMaxRequestSize()) + " bytes");
        return std::nullopt;
      }
      return parse ? conn.parser->parse() : Http::Private::State::Again;
    } catch (const Http::HttpError& e) {
      refuse(peer, conn, e.code(), code_for_status(e.code()), e.reason());
    } catch (const std::exception&) {
      // E.g. a request line the parser cannot take.
      refuse(peer, conn, 400, "bad_request", "malformed request");
    }
    return std::nullopt;
  }

  static std::shared_ptr<http_connection> connection_of(
      const std::shared_ptr<Pistache::Tcp::Peer>& peer) {
    return std::static_pointer_cast<http_connection>(peer->tryGetData(connection_key));
  }

  // The screen saw the end of a Content-Length body, which is in conn->body:
  // the parser has the head and waits in its body step, or it read the head
  // differently and neither is served.
  void finish_length_body(const std::shared_ptr<Pistache::Tcp::Peer>& peer,
                          const std::shared_ptr<http_connection>& conn) {
    const auto* step = conn->parser->step();
    if (step == nullptr || step->id() != Http::Private::BodyStep::Id) {
      refuse(peer, *conn, 400, "bad_request", "ambiguous request framing");
      return;
    }
    dispatch(peer, conn);
    conn->parser->reset();
  }

  // One complete request in the parser (its body in conn->body if it had a
  // Content-Length), on the transport thread.
  void dispatch(const std::shared_ptr<Pistache::Tcp::Peer>& peer,
                const std::shared_ptr<http_connection>& conn) {
    auto& request = conn->parser->request;
    const bool keep_alive = conn->screen.keep_alive();
    if (!keep_alive)
      conn->reading_stopped.store(true, std::memory_order_release);
    peer->setIdle(false);
    conn->handed_out();
    try {
      route(request, peer, conn, keep_alive, conn->screen.http10());
    } catch (const std::exception&) {
      // route() catches what routes throw; this is allocation failing. The
      // reply state, if it was made, answers 500 when dropped.
    }
  }

  void route(const Http::Request& req, const std::shared_ptr<Pistache::Tcp::Peer>& peer,
             const std::shared_ptr<http_connection>& conn, bool keep_alive, bool http10) {
    server_->change_in_flight(+1);
    std::string method = Http::methodString(req.method());
    const std::string& path = req.resource();
    const route_entry* match = find(method, path);
    auto st = std::make_shared<http_reply::state>(peer, server_, conn, keep_alive,
                                                  http10, match ? match->path : "other", method);
    http_reply reply(st);
    if (server_->refusing.load(std::memory_order_acquire)) {
      reply.send_error(503, "shutting_down", "this process is shutting down; retry", 1);
      return;
    }
    if (!match) {
      // RFC 9110: a 405 names the methods the path does serve.
      std::string allow;
      for (const auto& r : server_->routes)
        if (matches(r, path) && (", " + allow + ", ").find(", " + r.method + ", ") == std::string::npos)
          allow += (allow.empty() ? "" : ", ") + r.method;
      if (!allow.empty())
        reply.send(405, json_error("method_not_allowed", method + " is not allowed on " + path),
                   {{"Allow", allow}});
      else
        reply.send_error(404, "not_found", "no route for " + path);
      return;
    }
    std::string body = std::move(conn->body);
    conn->body.clear();
    if (body.empty())
      body = req.body();
    http_fields fields = std::move(conn->fields);
    conn->fields.clear();
    std::string content_type(http_field(fields, "Content-Type"));
    std::string traceparent(http_field(fields, "traceparent"));
    http_request request{method, path, std::move(content_type), std::move(traceparent), std::move(body),
                         std::move(fields),
                         {req.query().parameters_begin(), req.query().parameters_end()},
                         match->prefix.empty() ? "" : path.substr(match->prefix.size())};
    if (server_->opts.traced && tracing::on())
      st->start_span(request.traceparent);
    try {
      match->fn(request, reply);
    } catch (const std::exception& e) {
      reply.send_error(500, "internal", e.what());
    }
  }

  // Answers a JSON error with "Connection: close" and closes the connection
  // after it (http_connection). Nothing on the connection awaits an answer
  // here: no byte of a request is read while the one before is unanswered.
  void refuse(const std::shared_ptr<Pistache::Tcp::Peer>& peer, http_connection& conn, int status,
              std::string_view code, std::string_view detail) {
    conn.reading_stopped.store(true, std::memory_order_release);
    conn.parser->reset();
    conn.head.clear();
    conn.fields.clear();
    conn.body.clear();
    http_response response(false, status);
    response.add("Content-Type", "application/json");
    conn.answer(peer, std::move(response), json_error(code, detail), true, false, false,
                connection_of(peer));
    if (server_->observer)
      server_->observer("other", "_OTHER", status, std::chrono::nanoseconds(0));
  }

  static bool matches(const route_entry& r, const std::string& path) {
    return r.prefix.empty() ? path == r.path : path.compare(0, r.prefix.size(), r.prefix) == 0;
  }

  const route_entry* find(const std::string& method, const std::string& path) const {
    for (const auto& r : server_->routes)
      if (r.method == method && matches(r, path))
        return &r;
    return nullptr;
  }

  std::shared_ptr<http_server::impl> server_;
};

}  // namespace

http_server::http_server(options opts) : impl_(std::make_shared<impl>()) {
  impl_->opts = std::move(opts);
}

http_server::~http_server() {
  stop();
}

void http_server::route(std::string method, std::string path, http_route fn) {
  impl_->routes.push_back({std::move(method), std::move(path), "", std::move(fn)});
}

void http_server::route_template(std::string method, std::string path, http_route fn) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos || path.size() < slash + 4 || path[slash + 1] != '{' || path.back() != '}' ||
      path.find_first_of("{}", slash + 2) != path.size() - 1)
    throw std::invalid_argument("a route template ends in one parameter, like /events/{id}: " + path);
  auto prefix = path.substr(0, slash + 1);
  impl_->routes.push_back({std::move(method), std::move(path), std::move(prefix), std::move(fn)});
}

void http_server::observe(http_observer fn) {
  impl_->observer = std::move(fn);
}

void http_server::observe_in_flight(std::function<void(size_t)> fn) {
  impl_->in_flight_observer = std::move(fn);
}

void http_server::observe_connections(std::function<void()> fn) {
  impl_->connection_observer = std::move(fn);
}

std::vector<std::pair<std::string, std::string>> http_server::routes() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& r : impl_->routes)
    out.emplace_back(r.method, r.path);
  return out;
}

void http_server::start() {
  Pistache::Address addr(impl_->opts.bind, Pistache::Port(impl_->opts.port));
  auto ep = std::make_shared<Http::Endpoint>(addr);
  auto opts = Http::Endpoint::options()
                  .threads(impl_->opts.threads)
                  .maxRequestSize(impl_->opts.max_request_bytes)
                  .flags(Pistache::Tcp::Options::ReuseAddr)
                  .headerTimeout(std::chrono::seconds(10))
                  .bodyTimeout(std::chrono::seconds(30));
  ep->init(opts);
  ep->setHandler(Http::make_handler<dispatcher>(impl_));
  try {
    ep->serveThreaded();
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot listen on " + impl_->opts.bind + ":" +
                             std::to_string(impl_->opts.port) + ": " + e.what());
  }
  impl_->endpoint = std::move(ep);
}

void http_server::impl::add_connection(const std::shared_ptr<http_connection>& conn) {
  std::lock_guard<std::mutex> lock(connections_mu);
  connections[conn.get()] = conn;
  if (connections.size() < prune_at)
    return;
  for (auto it = connections.begin(); it != connections.end();)
    it = it->second.expired() ? connections.erase(it) : std::next(it);
  prune_at = std::max<size_t>(1024, 2 * connections.size());
}

void http_server::impl::remove_connection(const http_connection* conn) {
  std::lock_guard<std::mutex> lock(connections_mu);
  connections.erase(conn);
}

void http_server::impl::close_idle_connections() {
  std::vector<std::shared_ptr<http_connection>> open;
  {
    std::lock_guard<std::mutex> lock(connections_mu);
    for (const auto& [_, weak] : connections)
      if (auto conn = weak.lock())
        open.push_back(std::move(conn));
  }
  for (const auto& conn : open)
    conn->close_if_idle(http_connection::rest_before_close);
}

void http_server::drain() {
  impl_->draining.store(true, std::memory_order_release);
  impl_->close_idle_connections();
}

void http_server::refuse_new() {
  impl_->draining.store(false, std::memory_order_release);
  impl_->refusing.store(true, std::memory_order_release);
  impl_->close_idle_connections();
}

size_t http_server::in_flight() const {
  return impl_->in_flight.load(std::memory_order_acquire);
}

bool http_server::wait_idle(std::chrono::milliseconds timeout) const {
  auto deadline = clock::now() + timeout;
  while (in_flight() > 0) {
    if (clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

void http_server::stop() {
  if (impl_->endpoint) {
    impl_->endpoint->shutdown();
    impl_->endpoint.reset();
  }
}

}  // namespace eventbed
