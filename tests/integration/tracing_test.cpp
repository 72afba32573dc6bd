// Traces over OTLP, end to end: the real binary sends its spans to a real
// HTTP receiver on 127.0.0.1 (tests/integration/otlp/collector.mjs), which
// decodes every export with OpenTelemetry's own generated OTLP code. The
// tests check the span tree from the POST to the projection, the resource,
// the sampler's ratio, and the dropped-span counters when the collector is
// absent or slow.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <utility>
#include <set>
#include <string>
#include <vector>

#include "tests/support/child_process.hpp"
#include "tests/support/deadline.hpp"
#include "tests/support/event_polling.hpp"
#include "tests/support/eventbed_process.hpp"
#include "tests/support/free_port.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/redis_server.hpp"

using namespace eventbed;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

// A client's own span: eventbed's server span must be its child.
const std::string kClientTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
const std::string kClientSpan = "00f067aa0ba902b7";

// The stand-in collector, started through its npm wrapper.
class otlp_collector {
 public:
  explicit otlp_collector(const std::string& dir, std::vector<std::string> extra = {}) : out_(dir + "/spans.jsonl") {
    auto script = std::filesystem::path(__FILE__).parent_path() / "otlp" / "collector";
    std::vector<std::string> args{script.string(), out_};
    args.insert(args.end(), extra.begin(), extra.end());
    proc_.start(args, dir + "/collector.log");
    // npm ci may run first: allow for it.
    bool up = eventually(
        [&] {
          std::ifstream in(dir + "/collector.log");
          std::string word;
          while (in >> word)
            if (word == "listening" && in >> port_)
              return true;
          return false;
        },
        600s, 50ms);
    if (!up) {
      std::ifstream in(dir + "/collector.log");
      ADD_FAILURE() << "the collector did not start: " << std::string(std::istreambuf_iterator<char>(in), {});
    }
  }

  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // Every export received so far, decoded.
  std::vector<json> exports() const {
    std::vector<json> out;
    std::ifstream in(out_);
    for (std::string line; std::getline(in, line);)
      out.push_back(json::parse(line));
    return out;
  }

  std::vector<json> spans() const {
    std::vector<json> out;
    for (const auto& e : exports())
      for (const auto& s : e.value("spans", json::array()))
        out.push_back(s);
    return out;
  }

 private:
  std::string out_;
  child_process proc_;
  int port_ = 0;
};

class TracingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("eventbed-tracing-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    for (const auto& name : set_)
      ::unsetenv(name.c_str());
    std::filesystem::remove_all(dir_);
  }

  // The process environment is what the eventbed child inherits.
  void env(const std::string& name, const std::string& value) {
    ::setenv(name.c_str(), value.c_str(), 1);
    set_.push_back(name);
  }

  void start() {
    env("OTEL_BSP_SCHEDULE_DELAY", "100");  // exports within a tenth of a second
    proc.start();
    ASSERT_TRUE(proc.wait_ready()) << proc.log();
  }

  std::string post_event(const std::vector<std::string>& headers = {}) {
    auto res = client.post(proc.url("/ingest"), R"({"type":"order.created","data":{"n":1}})", "application/json",
                           headers);
    EXPECT_EQ(res.status, 202) << res.body;
    return json::parse(res.body, nullptr, false).value("id", "");
  }

  std::filesystem::path dir_;
  std::vector<std::string> set_;
  redis_server redis;
  eventbed_process proc{redis.endpoint()};
  http_client client;
};

const json* find_span(const std::vector<json>& spans, const std::string& name, const std::string& parent) {
  for (const auto& s : spans)
    if (s["name"] == name && s["parentSpanId"] == parent)
      return &s;
  return nullptr;
}

bool has_link(const json& span, const json& to) {
  for (const auto& l : span["links"])
    if (l["traceId"] == to["traceId"] && l["spanId"] == to["spanId"])
      return true;
  return false;
}

TEST_F(TracingTest, SpansFollowTheEventFromThePostToItsProjection) {
  otlp_collector collector(dir_.string());
  env("OTEL_EXPORTER_OTLP_ENDPOINT", collector.endpoint());
  env("OTEL_SERVICE_NAME", "orders-eventbed");
  // Over eventbed's own attributes; OTEL_SERVICE_NAME wins for service.name.
  env("OTEL_RESOURCE_ATTRIBUTES",
      "deployment.environment.name=staging, service.name=not-this,team=orders%2Cpayments%20eu,service.instance.id=pod-7");
  start();

  auto id = post_event({"traceparent: 00-" + kClientTrace + "-" + kClientSpan + "-01"});
  auto processed = wait_for_status(client, proc, id, "processed");
  ASSERT_FALSE(processed.is_null()) << proc.log();

  client.get(proc.url("/schemas/order.created"));  // the other templated route

  // The spans of the whole path, as the collector decoded them.
  const json *post = nullptr, *process = nullptr, *project_event = nullptr, *project_outcome = nullptr,
             *commit = nullptr, *get = nullptr, *query = nullptr, *schema = nullptr;
  std::vector<json> spans;
  bool complete = eventually(
      [&] {
        spans = collector.spans();
        post = find_span(spans, "POST /ingest", kClientSpan);
        if (!post)
          return false;
        const std::string post_id = (*post)["spanId"];
        process = find_span(spans, "process eventbed:events", post_id);
        project_event = find_span(spans, "project eventbed:events", post_id);
        project_outcome = process ? find_span(spans, "project eventbed:outcomes", (*process)["spanId"]) : nullptr;
        commit = nullptr;
        for (const auto& s : spans)
          if (s["name"] == "append eventbed:events" && has_link(s, *post))
            commit = &s;
        get = nullptr;
        for (const auto& s : spans)
          if (s["name"] == "GET /events/{id}")
            get = &s;
        query = get ? find_span(spans, "query find", (*get)["spanId"]) : nullptr;
        schema = find_span(spans, "GET /schemas/{type}", "");
        return process && project_event && project_outcome && commit && get && query && schema;
      },
      20s, 50ms);
  ASSERT_TRUE(complete) << "spans received: " << json(spans).dump(1) << "\n" << proc.log();

  // One trace, the client's, from the POST to both projections.
  for (const auto* s : {post, process, project_event, project_outcome})
    EXPECT_EQ((*s)["traceId"], kClientTrace) << s->dump();
  EXPECT_EQ((*post)["kind"], 2);     // SERVER
  EXPECT_EQ((*process)["kind"], 5);  // CONSUMER
  EXPECT_EQ((*post)["attributes"]["http.route"], "/ingest");
  // A templated route names its span, and its http.route, by the template.
  EXPECT_EQ((*get)["attributes"]["http.route"], "/events/{id}");
  EXPECT_EQ((*schema)["attributes"]["http.route"], "/schemas/{type}");
  EXPECT_EQ((*post)["attributes"]["http.response.status_code"], 202);
  EXPECT_EQ((*process)["attributes"]["messaging.message.id"], id);
  EXPECT_EQ((*process)["attributes"]["eventbed.event.type"], "order.created");
  // Children start no earlier than their parents (the clocks are one machine's).
  EXPECT_LE(std::stoull((*post)["start"].get<std::string>()), std::stoull((*process)["start"].get<std::string>()));

  // The group commit is a trace of its own, linked both ways with the request.
  EXPECT_NE((*commit)["traceId"], kClientTrace);
  EXPECT_EQ((*commit)["parentSpanId"], "");
  EXPECT_TRUE(has_link(*post, *commit)) << post->dump();
  EXPECT_EQ((*commit)["kind"], 4);  // PRODUCER

  // The stored trace context names the request's span as the parent.
  EXPECT_EQ(processed["traceparent"], "00-" + kClientTrace + "-" + (*post)["spanId"].get<std::string>() + "-01");

  // The resource says who sent them; the body was protobuf.
  auto exports = collector.exports();
  ASSERT_FALSE(exports.empty());
  for (const auto& e : exports) {
    ASSERT_FALSE(e.contains("error")) << e.dump();
    EXPECT_EQ(e["contentType"], "application/x-protobuf");
    EXPECT_EQ(e["resource"]["service.name"], "orders-eventbed");
    EXPECT_TRUE(e["resource"].contains("service.version")) << e.dump();
    EXPECT_EQ(e["resource"]["deployment.environment.name"], "staging");
    EXPECT_EQ(e["resource"]["team"], "orders,payments eu") << "percent-decoded";
    EXPECT_EQ(e["resource"]["service.instance.id"], "pod-7") << "the variable's, over eventbed's own";
    EXPECT_EQ(e["scope"]["name"], "eventbed");
  }
  // The collector writes an export down before it answers it: the count follows.
  EXPECT_TRUE(eventually([&] { return proc.metric("eventbed_trace_spans_exported_total") >= spans.size(); }, 10s, 50ms))
      << proc.metric("eventbed_trace_spans_exported_total") << " of " << spans.size();
  EXPECT_EQ(proc.metric(R"(eventbed_trace_spans_dropped_total{reason="queue_full"})"), 0);
  // The admin port is not traced: the probes and scrapes above made no spans.
  for (const auto& s : collector.spans())
    for (const char* admin : {"GET /readyz", "GET /metrics"})
      EXPECT_NE(s["name"], admin);
}

TEST_F(TracingTest, AnEventWithoutTraceContextJoinsItsRequestAndTheTracesEndpointAndHeadersAreUsed) {
  otlp_collector collector(dir_.string());
  env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", collector.endpoint() + "/v1/traces");
  // Tempo's tenant header, as a multi-tenant Tempo wants it with every export.
  env("OTEL_EXPORTER_OTLP_HEADERS", "X-Scope-OrgID=tenant-7");
  // One malformed entry (a bad percent sequence) discards the whole variable.
  env("OTEL_RESOURCE_ATTRIBUTES", "team=orders,region=%zz");
  start();

  auto id = post_event();
  auto processed = wait_for_status(client, proc, id, "processed");
  ASSERT_FALSE(processed.is_null()) << proc.log();
  const std::string traceparent = processed["traceparent"];
  const std::string trace = traceparent.substr(3, 32), parent = traceparent.substr(36, 16);

  std::vector<json> spans;
  const json* process = nullptr;
  bool found = eventually(
      [&] {
        spans = collector.spans();
        process = find_span(spans, "process eventbed:events", parent);
        return find_span(spans, "POST /ingest", "") && process;
      },
      20s, 50ms);
  ASSERT_TRUE(found) << json(spans).dump(1);
  const json* post = find_span(spans, "POST /ingest", "");
  EXPECT_EQ((*post)["spanId"], parent);  // a root span, the event's parent
  EXPECT_EQ((*post)["traceId"], trace);
  EXPECT_EQ((*process)["traceId"], trace);
  EXPECT_EQ(collector.exports().front()["resource"]["service.name"], "eventbed");
  EXPECT_FALSE(collector.exports().front()["resource"].contains("team"));
  EXPECT_NE(proc.log().find("entry 2 of OTEL_RESOURCE_ATTRIBUTES"), std::string::npos) << proc.log();
  EXPECT_EQ(collector.exports().front()["tenant"], "tenant-7");
  // A header value may be a secret: it is sent, never logged.
  EXPECT_EQ(proc.log().find("tenant-7"), std::string::npos) << proc.log();
}

// A chain A -> B (actors/pipeline/handlers/forwarder.hpp), both traced into
// one collector: B's request span is a child of A's processing span, so the
// client's trace runs on unbroken through both hops. An event whose trace is
// not sampled records nothing at either hop and keeps its trace id and flag.
TEST_F(TracingTest, AChainsNextHopIsAChildOfTheUpstreamProcessingSpan) {
  otlp_collector collector(dir_.string());
  env("OTEL_EXPORTER_OTLP_ENDPOINT", collector.endpoint());
  env("OTEL_BSP_SCHEDULE_DELAY", "100");
  eventbed_process downstream{redis.endpoint(), {"--key-prefix", "b:"}};
  downstream.start();
  ASSERT_TRUE(downstream.wait_ready()) << downstream.log();
  eventbed_process upstream{redis.endpoint(), {"--key-prefix", "a:", "--forward-to", downstream.url("")}};
  upstream.start();
  ASSERT_TRUE(upstream.wait_ready()) << upstream.log();

  const std::string unsampled_trace = "0af7651916cd43dd8448eb211c80319c";
  for (const auto& [id, traceparent] :
       {std::pair<std::string, std::string>{"hop-sampled", "00-" + kClientTrace + "-" + kClientSpan + "-01"},
        {"hop-unsampled", "00-" + unsampled_trace + "-" + kClientSpan + "-00"}}) {
    auto res = client.post(upstream.url("/ingest"), json{{"id", id}, {"type", "order.created"}, {"data", {{"n", 1}}}}.dump(),
                           "application/json", {"traceparent: " + traceparent});
    ASSERT_EQ(res.status, 202) << res.body;
  }
  auto at_b = wait_for_status(client, downstream, "hop-sampled", "processed");
  auto unsampled_at_b = wait_for_status(client, downstream, "hop-unsampled", "processed");
  ASSERT_FALSE(at_b.is_null() || unsampled_at_b.is_null()) << upstream.log() << downstream.log();

  const json *post_a = nullptr, *process_a = nullptr, *post_b = nullptr, *process_b = nullptr;
  std::vector<json> spans;
  bool complete = eventually(
      [&] {
        spans = collector.spans();
        post_a = find_span(spans, "POST /ingest", kClientSpan);
        process_a = post_a ? find_span(spans, "process a:events", (*post_a)["spanId"]) : nullptr;
        post_b = process_a ? find_span(spans, "POST /ingest", (*process_a)["spanId"]) : nullptr;
        process_b = post_b ? find_span(spans, "process b:events", (*post_b)["spanId"]) : nullptr;
        return process_b != nullptr;
      },
      20s, 50ms);
  ASSERT_TRUE(complete) << "spans received: " << json(spans).dump(1);
  for (const auto* s : {post_a, process_a, post_b, process_b})
    EXPECT_EQ((*s)["traceId"], kClientTrace) << s->dump();
  EXPECT_EQ((*post_b)["kind"], 2);  // SERVER
  // B stored the event under its own request span, in the client's trace.
  EXPECT_EQ(at_b["traceparent"], "00-" + kClientTrace + "-" + (*post_b)["spanId"].get<std::string>() + "-01");

  // Not sampled: no span at either hop, and the decision reached B with the trace id.
  EXPECT_EQ(unsampled_at_b["traceparent"].get<std::string>().substr(0, 36), "00-" + unsampled_trace + "-");
  EXPECT_EQ(unsampled_at_b["traceparent"].get<std::string>().substr(52), "-00");
  for (const auto& s : collector.spans())
    EXPECT_NE(s["traceId"], unsampled_trace) << s.dump();
}

// parentbased_traceidratio at 0.25: a root request is recorded with that
// probability, a request whose parent is sampled always, one whose parent
// is not never, and processing follows the request's decision.
TEST_F(TracingTest, TheSamplerRatioIsHonoured) {
  otlp_collector collector(dir_.string());
  env("OTEL_EXPORTER_OTLP_ENDPOINT", collector.endpoint());
  env("OTEL_TRACES_SAMPLER", "parentbased_traceidratio");
  env("OTEL_TRACES_SAMPLER_ARG", "0.25");
  start();

  constexpr int roots = 400, with_parent = 20;
  std::vector<std::string> ids;
  for (int i = 0; i < roots; ++i)
    ids.push_back(post_event());
  std::set<std::string> sampled_parents, unsampled_parents;
  for (int i = 0; i < with_parent; ++i) {
    char trace[33];
    std::snprintf(trace, sizeof trace, "%032x", 0x1000 + i);
    sampled_parents.insert(trace);
    ids.push_back(post_event({"traceparent: 00-" + std::string(trace) + "-" + kClientSpan + "-01"}));
    std::snprintf(trace, sizeof trace, "%032x", 0x2000 + i);
    unsampled_parents.insert(trace);
    ids.push_back(post_event({"traceparent: 00-" + std::string(trace) + "-" + kClientSpan + "-00"}));
  }
  for (const auto& id : ids)
    ASSERT_FALSE(wait_for_status(client, proc, id, "processed").is_null()) << id;

  // Every recorded request is processed: wait for as many process spans as POST spans.
  std::set<std::string> posted, processed;
  size_t parented = 0, unsampled = 0;
  eventually(
      [&] {
        posted.clear();
        processed.clear();
        parented = unsampled = 0;
        for (const auto& s : collector.spans()) {
          const std::string trace = s["traceId"];
          if (s["name"] == "POST /ingest" && s["parentSpanId"] == "")
            posted.insert(trace);
          else if (s["name"] == "POST /ingest")
            (sampled_parents.count(trace) ? parented : unsampled) += 1;
          else if (s["name"] == "process eventbed:events")
            processed.insert(trace);
        }
        return parented == with_parent && !posted.empty() && processed.size() == posted.size() + with_parent;
      },
      20s, 100ms);
  // Binomial(400, 0.25): mean 100, standard deviation 8.7; these bounds are
  // more than five deviations out, so the test fails for a broken sampler, not by chance.
  EXPECT_GE(posted.size(), 55u);
  EXPECT_LE(posted.size(), 145u);
  EXPECT_EQ(parented, static_cast<size_t>(with_parent));
  EXPECT_EQ(unsampled, 0u);
  for (const auto& t : posted)
    EXPECT_TRUE(processed.count(t)) << "a recorded request without its processing: " << t;
  EXPECT_EQ(processed.size(), posted.size() + with_parent);
}

// Without an endpoint, or with the SDK switched off, there is no exporter: its
// metrics are absent and the stored trace context is the one ingest made.
TEST_F(TracingTest, TracingIsOffWithoutAnEndpointOrWhenDisabled) {
  for (bool disabled : {false, true}) {
    auto dir = dir_ / (disabled ? "disabled" : "unset");
    std::filesystem::create_directories(dir);
    otlp_collector collector(dir.string());
    if (disabled) {
      env("OTEL_EXPORTER_OTLP_ENDPOINT", collector.endpoint());
      env("OTEL_SDK_DISABLED", "true");
    }
    eventbed_process server{redis.endpoint()};
    server.start();
    ASSERT_TRUE(server.wait_ready()) << server.log();
    auto res = client.post(server.url("/ingest"), R"({"type":"order.created","data":{"n":1}})", "application/json",
                           {"traceparent: 00-" + kClientTrace + "-" + kClientSpan + "-01"});
    ASSERT_EQ(res.status, 202) << res.body;
    auto processed = wait_for_status(client, server, json::parse(res.body)["id"], "processed");
    ASSERT_FALSE(processed.is_null()) << server.log();
    EXPECT_EQ(processed["traceparent"], "00-" + kClientTrace + "-" + kClientSpan + "-01");  // untouched
    EXPECT_EQ(server.metric("eventbed_trace_spans_exported_total"), -1) << "disabled: " << disabled;
    EXPECT_TRUE(collector.exports().empty());
  }
}

TEST_F(TracingTest, SpansTheCollectorNeverTakesAreCountedAsDropped) {
  // Nothing listens on the port: every export fails to connect.
  env("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + std::to_string(pick_free_port()));
  env("OTEL_EXPORTER_OTLP_TIMEOUT", "500");
  start();
  for (int i = 0; i < 5; ++i)
    post_event();
  const std::string failed = R"(eventbed_trace_spans_dropped_total{reason="export_failed"})";
  EXPECT_TRUE(eventually([&] { return proc.metric(failed) >= 5; }, 20s, 50ms)) << proc.metric(failed);
  EXPECT_EQ(proc.metric("eventbed_trace_spans_exported_total"), 0);
  // Ingest is not held up: the events were answered 202 above, and still are.
  post_event();
}

TEST_F(TracingTest, ASlowCollectorFillsTheBoundedQueueAndTheRestIsDropped) {
  otlp_collector collector(dir_.string(), {"--delay-ms", "3000"});
  env("OTEL_EXPORTER_OTLP_ENDPOINT", collector.endpoint());
  env("OTEL_EXPORTER_OTLP_TIMEOUT", "1000");  // shorter than the collector's delay
  env("OTEL_BSP_MAX_QUEUE_SIZE", "16");
  env("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "8");
  start();
  for (int i = 0; i < 40; ++i)
    post_event();
  const std::string full = R"(eventbed_trace_spans_dropped_total{reason="queue_full"})";
  const std::string failed = R"(eventbed_trace_spans_dropped_total{reason="export_failed"})";
  EXPECT_TRUE(eventually([&] { return proc.metric(full) > 0 && proc.metric(failed) > 0; }, 20s, 50ms))
      << proc.metric(full) << " " << proc.metric(failed);
}

}  // namespace
