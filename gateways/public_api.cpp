#include "gateways/public_api.hpp"

#include <caf/actor_system.hpp>
#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <nlohmann/json.hpp>

#include <atomic>

#include "common/actor_metrics.hpp"
#include "common/tracing.hpp"
#include "common/wall_clock.hpp"
#include "gateways/base64.hpp"
#include "gateways/cloudevent_json.hpp"
#include "gateways/error_mapping.hpp"
#include "gateways/event_ids.hpp"
#include "gateways/media_type.hpp"
#include "gateways/openapi.hpp"
#include "gateways/schema_api.hpp"
#include "gateways/summary_api.hpp"

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(eventbed::http_reply)

namespace eventbed {

namespace {

using json = nlohmann::json;

// Turns typed query replies into HTTP answers on a scheduler thread, so the
// server's threads go straight back to reading sockets. Ingest needs no
// gateway: the ingest actor calls the route's append_callback itself.
// find_atom's bool: answer with the event as a CloudEvent (cloudevent_json.hpp).
using gateway_actor = caf::typed_actor<caf::reacts_to<find_atom, std::string, bool, http_reply>,
                                       caf::reacts_to<stats_atom, http_reply>,
                                       caf::reacts_to<summary_atom, summary_query, http_reply>>;

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Written by hand: it runs for every accepted request, and event ids are
// already restricted to characters that need no JSON escaping (event_ids.hpp).
// Keys are in the order nlohmann would sort them.
std::string accepted_body(const std::vector<append_result>& results, bool batch) {
  std::string out;
  if (!batch) {
    const auto& r = results.front();
    out.reserve(32 + r.id.size());
    out.append(r.duplicate ? R"({"duplicate":true,"id":")" : R"({"duplicate":false,"id":")");
    out.append(r.id).append("\"}");
    return out;
  }
  size_t duplicates = 0;
  for (const auto& r : results)
    duplicates += r.duplicate ? 1 : 0;
  out.reserve(32 + results.size() * 40);
  out.append(R"({"duplicates":)").append(std::to_string(duplicates)).append(R"(,"ids":[)");
  for (size_t i = 0; i < results.size(); ++i)
    out.append(i ? ",\"" : "\"").append(results[i].id).append("\"");
  out.append("]}");
  return out;
}

append_callback answer_accepted(http_reply reply, bool is_batch) {
  return {[reply, is_batch](caf::expected<std::vector<append_result>> results) mutable {
    // Called inside the group commit's span (actors/pipeline/ingest.cpp), if it records.
    if (auto* span = reply.span())
      if (const auto* commit = tracing::current())
        span->link(*commit);
    if (results)
      reply.send(202, accepted_body(*results, is_batch));
    else
      send_actor_error(reply, results.error());
  }};
}

// Events that came without a trace context of their own (ingest made one, or
// took the request's traceparent header) belong to the request's trace: their
// traceparent names its server span as the parent and carries its sampling
// decision, so processing and projection are its descendants. An event with
// its own context keeps it, and the request's span links to it.
void adopt_traces(tracing::span& span, const std::string& header, std::vector<event>& events) {
  std::string own;
  for (auto& ev : events) {
    if (ev.traceparent_made || ev.traceparent == header) {
      if (own.empty())
        own = span.context().traceparent();
      ev.traceparent = own;
    } else if (auto ctx = tracing::parse_traceparent(ev.traceparent)) {
      span.link(*ctx);
    }
  }
}

// A query's span, a child of the request's server span; null while tracing is off.
std::shared_ptr<tracing::span> query_span(const http_reply& reply, const char* operation) {
  auto* request = reply.span();
  if (!request)
    return nullptr;
  auto span = std::make_shared<tracing::span>(
      tracing::start_span(std::string("query ") + operation, tracing::span_kind::internal, &request->context()));
  span->set("db.system", std::string("sqlite"));
  span->set("db.operation.name", std::string(operation));
  return span;
}

// Ends a query's span (if any) with the query actor's error.
void end_query_span(const std::shared_ptr<tracing::span>& span, const caf::error* err = nullptr) {
  if (!span)
    return;
  if (err)
    span->fail(error_detail(*err));
  span->end();
}

// Stored JSON text back to a value; the projection only holds what ingest validated.
json parse_stored(const std::string& text) {
  auto value = json::parse(text, nullptr, false);
  return value.is_discarded() ? json(text) : value;
}

// Non-JSON data has no JSON value: its bytes go as data_base64 instead, with
// the media type that says how to read them, as in a CloudEvent.
std::string record_body(const event_record& rec) {
  json body = {{"id", rec.id},
               {"type", rec.type},
               {"source", rec.source},
               {"traceparent", rec.traceparent},
               {"status", rec.status},
               {"accepted_at", iso8601_utc(rec.accepted_at_ms)},
               {"processed_at", nullptr},
               {"attempts", rec.attempts}};
  if (!rec.binary_data) {
    body["data"] = parse_stored(rec.data);
  } else {
    body["data_base64"] = base64_encode(rec.data);
    if (!rec.datacontenttype.empty())
      body["datacontenttype"] = rec.datacontenttype;
  }
  if (rec.status != "accepted")
    body["processed_at"] = iso8601_utc(rec.processed_at_ms);
  if (rec.status == "processed")
    body["result"] = parse_stored(rec.detail);
  else if (rec.status == "failed")
    body["error"] = rec.detail;
  return dump(body);
}

std::string stats_body(const projection_stats& st) {
  json by_type = json::object();
  for (const auto& [type, counts] : st.by_type)
    by_type[type] = counts;
  return dump({{"total", st.total}, {"by_status", st.by_status}, {"by_type", by_type}});
}

struct gateway_state {
  public_api_settings settings;
  size_t next_query = 0;
  actor_metrics metrics;  // resolved at start
  static inline const char* name = "public_gateway";
};

using self_ptr = gateway_actor::stateful_pointer<gateway_state>;

const query_actor& pick_query(gateway_state& st) {
  return st.settings.queries[st.next_query++ % st.settings.queries.size()];
}

// Asks a query actor and answers with `render(reply, result)`, or with the
// actor's error, inside a query span (a child of the request's server span).
// Metered as two messages, the request and the query actor's answer, and one
// event: its busy time is the dispatch to a query actor and the answer's
// rendering and sending (http_response).
template <class Result, class Render, class... Args>
void ask_query(self_ptr self, http_reply& reply, const char* operation, Render render, Args&&... args) {
  auto msg = metered(self);
  msg.events(1);
  auto span = query_span(reply, operation);
  self->request(pick_query(self->state), self->state.settings.timeout, std::forward<Args>(args)...)
      .then(
          [=](Result& result) mutable {
            auto answer = metered(self);
            end_query_span(span);
            render(reply, result);
          },
          [=](caf::error& err) mutable {
            auto answer = metered(self);
            end_query_span(span, &err);
            send_actor_error(reply, err);
          });
}

gateway_actor::behavior_type gateway_impl(self_ptr self, public_api_settings settings) {
  self->state.settings = std::move(settings);
  self->state.metrics = actor_metrics::resolve("public_gateway");
  return {
      [=](find_atom, std::string& id, bool as_cloudevent, http_reply& reply) {
        ask_query<event_record>(
            self, reply, "find",
            [as_cloudevent](http_reply& r, event_record& rec) {
              if (as_cloudevent)
                r.send(200, cloudevent_json(rec), {}, "application/cloudevents+json");
              else
                r.send(200, record_body(rec));
            },
            find_atom::value, std::move(id));
      },
      [=](stats_atom, http_reply& reply) {
        ask_query<projection_stats>(
            self, reply, "stats", [](http_reply& r, projection_stats& st) { r.send(200, stats_body(st)); },
            stats_atom::value);
      },
      [=](summary_atom, summary_query& q, http_reply& reply) {
        ask_query<widget_summary>(
            self, reply, "summary", [](http_reply& r, widget_summary& s) { r.send(200, summary_body(s)); },
            summary_atom::value, std::move(q));
      },
  };
}

std::string_view header_of(const http_request& req, std::string_view name) {
  for (const auto& [header, value] : req.headers)
    if (iequals(header, name))
      return value;
  return {};
}

// Hands a parsed request to the actor that owns it, through the experiment
// knobs: an injected failure answers 503 at once and stores nothing; injected
// latency delays the request on the actor clock, holding no server thread.
template <class Handle, class... Ts>
void forward(const Handle& target, const fault_injection& faults, http_reply& reply,
             Ts&&... xs) {
  if (faults.fail_now())
    return reply.send_error(503, "injected_fault", "failure injected by --inject-error-rate", 1);
  if (faults.request_latency.active())
    caf::delayed_anon_send(target, faults.request_latency.draw(), std::forward<Ts>(xs)...);
  else
    caf::anon_send(target, std::forward<Ts>(xs)...);
}

}  // namespace

caf::actor add_public_routes(http_server& server, caf::actor_system& sys,
                             public_api_settings settings) {
  auto limits = settings.limits;
  auto faults = settings.faults;
  auto schemas = settings.schemas ? settings.schemas
                                  : std::make_shared<const schema_registry>(shipped_schema_documents(),
                                                                            schema_version_set{});
  if (settings.ingest) {
    server.route("POST", "/ingest", [pool = *settings.ingest, limits, faults, schemas](
                                        http_request& req, http_reply reply) {
      auto parsed = parse_ingest(req.content_type, req.body, req.traceparent, limits, req.headers);
      if (auto* err = std::get_if<ingest_error>(&parsed)) {
        reply.send_error(err->http_status, err->error, err->detail);
        return;
      }
      auto& ok = std::get<ingest_request>(parsed);
      if (auto err = schemas->check(ok.events, ok.batch)) {
        reply.send_error(err->http_status, err->error, err->detail);
        return;
      }
      if (auto* span = reply.span())
        adopt_traces(*span, req.traceparent, ok.events);
      forward(pool.next(), faults, reply, ingest_atom::value,
              ingest_batch{std::move(ok.events)},
              answer_accepted(reply, ok.batch));
    });
  }
  bool has_query = !settings.queries.empty();
  auto gateway = sys.spawn(gateway_impl, std::move(settings));
  if (has_query) {
    server.route_template("GET", "/events/{id}", [gateway, limits, faults](http_request& req,
                                                                     http_reply reply) {
      auto id = std::move(req.param);
      if (!valid_event_id(id, limits.max_id_length)) {
        reply.send_error(400, "invalid_id",
                         "event ids are 1-" + std::to_string(limits.max_id_length) +
                             " characters of A-Z a-z 0-9 . _ : -");
        return;
      }
      forward(gateway, faults, reply, find_atom::value, std::move(id),
              accepts_cloudevent(header_of(req, "Accept")), reply);
    });
    server.route("GET", "/stats", [gateway, faults](http_request&, http_reply reply) {
      forward(gateway, faults, reply, stats_atom::value, reply);
    });
    server.route("GET", "/summary", [gateway, faults](http_request& req, http_reply reply) {
      auto parsed = parse_summary_query(req.query);
      if (auto* err = std::get_if<summary_query_error>(&parsed))
        return reply.send_error(400, "invalid_parameter", err->detail);
      forward(gateway, faults, reply, summary_atom::value, std::get<summary_query>(std::move(parsed)), reply);
    });
  }
  add_schema_routes(server, schemas);
  add_openapi_route(server);
  return caf::actor_cast<caf::actor>(gateway);
}

}  // namespace eventbed
