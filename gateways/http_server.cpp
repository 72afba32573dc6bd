#include "gateways/http_server.hpp"

#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <pistache/peer.h>

#include <sys/socket.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <stdexcept>
#include <thread>

#include "gateways/http_screen.hpp"

namespace eventbed {

namespace Http = Pistache::Http;

namespace {

using clock = std::chrono::steady_clock;

// Pistache 0.0.5 writes only typed headers into a response (raw ones are
// silently dropped), so every header eventbed sends goes through this one.
class response_header : public Http::Header::Header {
 public:
  response_header(std::string name, std::string value)
      : name_(std::move(name)), value_(std::move(value)) {}
  const char* name() const override { return name_.c_str(); }
  void write(std::ostream& os) const override { os << value_; }
  // Pistache is built with SAFE_HEADER_CAST: headers identify their type by a hash of the name.
  uint64_t hash() const override { return Http::Header::detail::hash(name_.c_str()); }

 private:
  std::string name_;
  std::string value_;
};

std::string json_error(std::string_view code, std::string_view detail) {
  nlohmann::json body = {{"error", code}, {"detail", detail}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

struct route_entry {
  std::string method;
  std::string path;
  bool prefix;
  http_route fn;
};

}  // namespace

struct http_server::impl {
  options opts;
  std::vector<route_entry> routes;
  http_observer observer;
  std::function<void(size_t)> in_flight_observer;
  std::atomic<size_t> in_flight{0};

  void change_in_flight(int delta) {
    auto now = in_flight.fetch_add(delta, std::memory_order_acq_rel) + delta;
    if (in_flight_observer)
      in_flight_observer(now);
  }
  std::atomic<bool> draining{false};
  std::atomic<bool> refusing{false};
  std::shared_ptr<Http::Endpoint> endpoint;
};

struct http_reply::state {
  Http::ResponseWriter writer;
  std::shared_ptr<http_server::impl> server;
  std::string route;
  std::string method;
  clock::time_point started = clock::now();
  std::atomic<bool> answered{false};

  state(Http::ResponseWriter w, std::shared_ptr<http_server::impl> s, std::string r,
        std::string m)
      : writer(std::move(w)), server(std::move(s)), route(std::move(r)), method(std::move(m)) {}

  // Returns false if someone else answered first.
  bool answer(int status, const std::string& body, const http_reply::headers& extra,
              std::string_view content_type = "application/json") {
    if (answered.exchange(true))
      return false;
    writer.headers().add(
        std::make_shared<response_header>("Content-Type", std::string(content_type)));
    for (const auto& [name, value] : extra)
      writer.headers().add(std::make_shared<response_header>(name, value));
    if (server->draining.load(std::memory_order_acquire)) {
      // Pistache has already set the header from the request; replace it.
      writer.headers().remove<Http::Header::Connection>();
      writer.headers().add<Http::Header::Connection>(Http::ConnectionControl::Close);
    }
    // The peer may be gone: a rejected send is expected then and changes nothing.
    writer.send(static_cast<Http::Code>(status), body)
        .then([](ssize_t) {}, [](std::exception_ptr) {});
    if (server->observer)
      server->observer(route, method, status, clock::now() - started);
    server->change_in_flight(-1);
    return true;
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

void http_reply::send_error(int status, std::string_view code, std::string_view detail,
                            int retry_after_s) {
  headers extra;
  if (retry_after_s > 0)
    extra.emplace_back("Retry-After", std::to_string(retry_after_s));
  state_->answer(status, json_error(code, detail), extra);
}

namespace {

std::string header_value(const Http::Request& req, const char* name) {
  auto raw = req.headers().tryGetRaw(name);
  return raw ? raw->value() : std::string{};
}

// Pistache keeps the first of repeated headers (its raw list is a map).
std::vector<std::pair<std::string, std::string>> all_headers(const Http::Request& req) {
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(req.headers().rawList().size());
  for (const auto& [name, raw] : req.headers().rawList())
    out.emplace_back(raw.name(), raw.value());
  return out;
}

// What the dispatcher keeps per connection, in the peer's data: the request
// parser Pistache attached to it, and the screen that checks the bytes first.
struct connection_state {
  connection_state(std::shared_ptr<Http::RequestParser> p, uint64_t max_request_bytes)
      : parser(std::move(p)), screen(max_request_bytes) {}

  std::shared_ptr<Http::RequestParser> parser;
  http_request_screen screen;
  bool closing = false;  // refused: every further byte is dropped until the socket closes
};

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

  void onRequest(const Http::Request& req, Http::ResponseWriter writer) override {
    server_->change_in_flight(+1);
    std::string method = Http::methodString(req.method());
    const std::string& path = req.resource();
    const route_entry* match = find(method, path);
    auto st = std::make_shared<http_reply::state>(std::move(writer), server_,
                                                  match ? match->path : "other", method);
    http_reply reply(st);
    if (server_->refusing.load(std::memory_order_acquire)) {
      reply.send_error(503, "shutting_down", "this process is shutting down; retry", 1);
      return;
    }
    if (!match) {
      bool path_known = false;
      for (const auto& r : server_->routes)
        path_known = path_known || matches(r, path);
      if (path_known)
        reply.send_error(405, "method_not_allowed", method + " is not allowed on " + path);
      else
        reply.send_error(404, "not_found", "no route for " + path);
      return;
    }
    http_request request{method, path, header_value(req, "Content-Type"),
                         header_value(req, "traceparent"), req.body(), all_headers(req)};
    try {
      match->fn(request, reply);
    } catch (const std::exception& e) {
      reply.send_error(500, "internal", e.what());
    }
  }

  // Replaces Http::Handler::onInput, which is private in Pistache 0.0.5 and so
  // cannot be called from here. Every byte first goes through the screen
  // (gateways/http_screen.hpp); only the bytes of a request it lets pass reach
  // Pistache's parser, driven with the parser's public API as the library's
  // own onInput does it (feed, parse, on Done: a ResponseWriter with the
  // Connection header mirrored, setIdle(false), onRequest, reset), so the
  // header, body and keep-alive timeouts of Http::Endpoint's transport, which
  // read the parser's step and time, work as before. The differences:
  //  - bytes the screen refuses (not HTTP, a bad Content-Length, a body over
  //    the request limit) get a JSON 4xx with "Connection: close" at once, and
  //    the connection is closed once it is written;
  //  - so do the parser's own errors and the exceptions it throws on input it
  //    cannot handle, instead of a plain-text 400 or a 500 with the exception
  //    text on a connection that then went on parsing the rest of the broken
  //    request as if it were a new one.
  // Like Pistache, whatever else the read that completes a request holds is
  // dropped (its reset() discards it): pipelined requests after the first in
  // one read are not served. Serving them would need their answers held back
  // in order, and routes answer from actors, out of order. Keep-alive requests
  // sent after the previous answer are screened from their first byte.
  // Valid requests cost a byte-by-byte look at the request line and header
  // names, a skip over other header values and the body, and one lookup in
  // the peer's data; nothing is copied.
  void onInput(const char* data, size_t len, const std::shared_ptr<Pistache::Tcp::Peer>& peer) override {
    connection_state& conn = connection_of(peer);
    if (conn.closing)
      return;
    auto step = conn.screen.scan(data, len);
    if (step.refused()) {
      refuse(peer, conn, step.status, step.error, step.detail);
      return;
    }
    Http::Private::State parsed;
    try {
      // Only this request's bytes: the screen stops at its end.
      if (!conn.parser->feed(data, step.consumed)) {
        refuse(peer, conn, 413, "request_too_large",
               "the request is over the limit of " + std::to_string(getMaxRequestSize()) +
                   " bytes");
        return;
      }
      parsed = conn.parser->parse();
    } catch (const Http::HttpError& e) {
      refuse(peer, conn, e.code(), code_for_status(e.code()), e.reason());
      return;
    } catch (const std::exception&) {
      // E.g. a header value one of Pistache's typed headers cannot parse.
      refuse(peer, conn, 400, "bad_request", "malformed request");
      return;
    }
    if (parsed == Http::Private::State::Done) {
      dispatch(peer, *conn.parser);
      conn.parser->reset();
      conn.screen.restart();  // a no-op if the screen saw the end too
    } else if (step.complete) {
      // The screen saw the request end where the parser did not: the two
      // would read the next bytes differently, so serve neither.
      refuse(peer, conn, 400, "bad_request", "ambiguous request framing");
    }
  }

 private:
  connection_state& connection_of(const std::shared_ptr<Pistache::Tcp::Peer>& peer) {
    if (auto data = peer->tryGetData(connection_key))
      return *std::static_pointer_cast<connection_state>(data);
    auto conn = std::make_shared<connection_state>(getParser(peer), getMaxRequestSize());
    peer->putData(connection_key, conn);
    return *conn;
  }

  // One complete request in the parser: what Pistache's own onInput does then.
  void dispatch(const std::shared_ptr<Pistache::Tcp::Peer>& peer, Http::RequestParser& parser) {
    auto& request = parser.request;
    Http::ResponseWriter writer(request.version(), transport(), this, peer);
    request.copyAddress(peer->address());
    auto connection = request.headers().tryGet<Http::Header::Connection>();
    writer.headers().add<Http::Header::Connection>(connection ? connection->control()
                                                              : Http::ConnectionControl::Close);
    peer->setIdle(false);
    try {
      onRequest(request, std::move(writer));
    } catch (const std::exception&) {
      // onRequest catches what routes throw; this is allocation failing. The
      // reply state, if it was made, answers 500 when dropped.
    }
  }

  // Answers a JSON error with "Connection: close", drops the connection's
  // further input, and shuts the socket down once the answer is written (the
  // transport then sees EOF and closes it). The answer queues behind any
  // earlier one on the connection. If the write fails the peer is gone anyway;
  // if it never completes (a client that does not read), Pistache's timeouts
  // still apply.
  void refuse(const std::shared_ptr<Pistache::Tcp::Peer>& peer, connection_state& conn, int status,
              std::string_view code, std::string_view detail) {
    conn.closing = true;
    conn.parser->reset();
    Http::ResponseWriter writer(Http::Version::Http11, transport(), this, peer);
    writer.headers().add(std::make_shared<response_header>("Content-Type", "application/json"));
    writer.headers().add<Http::Header::Connection>(Http::ConnectionControl::Close);
    // The transport thread runs the continuation while the peer is still
    // registered (it drops queued writes of peers it has removed), so the fd
    // is still this peer's.
    std::weak_ptr<Pistache::Tcp::Peer> weak = peer;
    auto shut = [weak] {
      if (auto p = weak.lock())
        ::shutdown(p->fd(), SHUT_RDWR);
    };
    writer.send(static_cast<Http::Code>(status), json_error(code, detail))
        .then([shut](ssize_t) { shut(); }, [shut](std::exception_ptr) { shut(); });
    if (server_->observer)
      server_->observer("other", "_OTHER", status, std::chrono::nanoseconds(0));
  }

  static bool matches(const route_entry& r, const std::string& path) {
    return r.prefix ? path.compare(0, r.path.size(), r.path) == 0 : path == r.path;
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
  impl_->routes.push_back({std::move(method), std::move(path), false, std::move(fn)});
}

void http_server::route_prefix(std::string method, std::string prefix, http_route fn) {
  impl_->routes.push_back({std::move(method), std::move(prefix), true, std::move(fn)});
}

void http_server::observe(http_observer fn) {
  impl_->observer = std::move(fn);
}

void http_server::observe_in_flight(std::function<void(size_t)> fn) {
  impl_->in_flight_observer = std::move(fn);
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

void http_server::drain() {
  impl_->draining.store(true, std::memory_order_release);
}

void http_server::refuse_new() {
  impl_->draining.store(false, std::memory_order_release);
  impl_->refusing.store(true, std::memory_order_release);
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
