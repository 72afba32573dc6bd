#include "actors/pipeline/handlers/forwarder.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <memory>
#include <thread>

#include "common/http_client.hpp"
#include "common/trace_context.hpp"

namespace eventbed {

namespace {

std::string ingest_url(const std::string& url) {
  const std::string suffix = "/ingest";
  bool has = url.size() >= suffix.size() && url.compare(url.size() - suffix.size(), suffix.size(), suffix) == 0;
  return has ? url : url + suffix;
}

// An answer that another try may change: none at all, a server error, or one
// that says "later".
bool worth_retrying(const sim_http_response& res) {
  return res.failed != sim_http_response::failure::none || res.status >= 500 || res.status == 408 ||
         res.status == 429;
}

std::string answer_text(const sim_http_response& res) {
  if (res.failed != sim_http_response::failure::none)
    return res.cause() + " (" + res.error + ")";
  return "HTTP " + std::to_string(res.status) + " " + res.body.substr(0, 200);
}

// One client per processor thread: a processor is a detached actor, so its
// handlers always run on the same thread, and the connection is kept alive
// from one event to the next.
sim_http_client& thread_client() {
  thread_local std::unique_ptr<sim_http_client> client;
  if (!client)
    client = std::make_unique<sim_http_client>();
  return *client;
}

handler_result forward(const forward_settings& s, const std::string& url, const event& ev,
                       std::string_view traceparent) {
  if (ev.binary_data)
    return handler_result::fail("cannot forward to " + url + ": the data is not JSON");
  if (!ev.attributes.empty() && !(ev.attributes.front() == '{' && nlohmann::json::accept(ev.attributes)))
    return handler_result::fail("cannot forward to " + url + ": its attributes are not a JSON object");
  auto next = next_hop_request(ev, traceparent);
  sim_http_request req;
  req.post = true;
  req.url = url;
  req.body = std::move(next.body);
  req.content_type = std::move(next.content_type);
  req.traceparent = std::move(next.traceparent);
  req.timeout = s.timeout;
  auto backoff = s.first_backoff;
  sim_http_response res;
  for (int t = 1;; ++t) {
    res = thread_client().perform(req);
    if (res.status == 202)
      return handler_result::ok({});
    if (!worth_retrying(res))
      return handler_result::fail("forward to " + url + " refused: " + answer_text(res));
    if (t >= s.tries)
      break;
    auto wait = std::max(backoff, std::chrono::milliseconds(static_cast<long long>(res.retry_after * 1000)));
    std::this_thread::sleep_for(std::min(wait, s.max_backoff));
    backoff = std::min(backoff * 2, s.max_backoff);
  }
  return handler_result::again("forward to " + url + " failed after " + std::to_string(s.tries) +
                               " tries: " + answer_text(res));
}

}  // namespace

forward_request next_hop_request(const event& ev, std::string_view traceparent) {
  using nlohmann::json;
  const bool cloudevent = !ev.attributes.empty() || !ev.datacontenttype.empty();
  std::string body = cloudevent ? R"({"specversion":"1.0","id":)" : R"({"id":)";
  body += json(ev.id).dump() + ",\"type\":" + json(ev.type).dump() + ",\"source\":" + json(ev.source).dump();
  if (!ev.datacontenttype.empty())
    body += ",\"datacontenttype\":" + json(ev.datacontenttype).dump();
  // A compact object: its members go in as stored, between its braces.
  if (ev.attributes.size() > 2)
    body += "," + ev.attributes.substr(1, ev.attributes.size() - 2);
  std::string context;
  if (tracing::parse_traceparent(traceparent)) {
    context = traceparent;
    body += ",\"traceparent\":\"" + context + "\"";
  }
  if (!cloudevent || ev.data != "null")  // CloudEvents: a null member is an absent one
    body += ",\"data\":" + ev.data;
  return {cloudevent ? "application/cloudevents+json" : "application/json", body + "}", std::move(context)};
}

void forward_processed(handler_registry& handlers, forward_settings settings) {
  auto s = std::make_shared<const forward_settings>(std::move(settings));
  auto url = std::make_shared<const std::string>(ingest_url(s->url));
  handlers.wrap([s, url](event_handler inner) -> event_handler {
    return [s, url, inner = std::move(inner)](const event& ev, std::string_view traceparent) {
      auto local = inner(ev, traceparent);
      if (local.outcome != handler_result::kind::processed ||
          (!s->types.empty() && std::find(s->types.begin(), s->types.end(), ev.type) == s->types.end()))
        return local;
      auto sent = forward(*s, *url, ev, traceparent);
      return sent.outcome == handler_result::kind::processed ? local : sent;
    };
  });
}

}  // namespace eventbed
