// Chained services through the real binary: A -> B -> C on loopback, each
// with its own --key-prefix in one shared Redis, forwarding with --forward-to.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "storage/redis_connection.hpp"
#include "tests/support/command.hpp"
#include "tests/support/event_polling.hpp"
#include "tests/support/eventbed_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/redis_server.hpp"

using namespace eventbed;
using json = nlohmann::json;

namespace {

// Three deployments sharing one Redis, each under its own key prefix, each
// forwarding to the next. Hop options go to every hop (`extra`), or to the
// first (`first_extra`).
struct chain {
  redis_server redis;
  eventbed_process c{redis.endpoint(), {"--key-prefix", "c:"}};
  eventbed_process b{redis.endpoint(), {"--key-prefix", "b:", "--forward-to", c.url("")}};
  eventbed_process a;

  explicit chain(std::vector<std::string> first_extra = {})
      : a(redis.endpoint(), with(first_extra, {"--key-prefix", "a:", "--forward-to", b.url("/ingest")})) {}

  static std::vector<std::string> with(std::vector<std::string> more, std::vector<std::string> base) {
    base.insert(base.end(), more.begin(), more.end());
    return base;
  }

  void start() {
    for (auto* p : {&c, &b, &a}) {
      p->start();
      ASSERT_TRUE(p->wait_ready()) << p->log();
    }
  }

  long long xlen(const std::string& key) {
    redis_connection conn(parse_redis_endpoint(redis.endpoint()));
    return conn.command({"XLEN", key}).integer;
  }
};

std::string trace_id(const json& ev) { return ev["traceparent"].get<std::string>().substr(3, 32); }
std::string parent_id(const json& ev) { return ev["traceparent"].get<std::string>().substr(36, 16); }

TEST(ChainTest, ThreeHopsCarryEveryEventToTheLastWithItsTrace) {
  chain ch;
  ch.start();
  http_client client;
  std::vector<std::string> ids;
  for (int i = 0; i < 40; ++i) {
    ids.push_back("chain-" + std::to_string(i));
    auto body = json{{"id", ids.back()}, {"type", "order.created"}, {"source", "/shop"}, {"data", {{"n", i}}}};
    ASSERT_EQ(client.post(ch.a.url("/ingest"), body.dump()).status, 202);
  }
  EXPECT_TRUE(unfinished(ids, ch.c, {"processed"}, std::chrono::seconds(30)).empty()) << ch.a.log() << ch.b.log();

  auto at_a = wait_for_status(client, ch.a, "chain-7", "processed");
  auto at_b = wait_for_status(client, ch.b, "chain-7", "processed");
  auto at_c = wait_for_status(client, ch.c, "chain-7", "processed");
  ASSERT_FALSE(at_a.is_null() || at_b.is_null() || at_c.is_null());
  EXPECT_EQ(at_c["data"], at_a["data"]);
  EXPECT_EQ(at_c["source"], "/shop");
  EXPECT_EQ(at_c["result"], at_a["result"]);
  EXPECT_EQ(trace_id(at_c), trace_id(at_a)) << "the trace continues across both hops";
  EXPECT_EQ(trace_id(at_b), trace_id(at_a));
  // Tracing is off: no hop records a span, so the context passes on as it came
  // (tracing_test.cpp has a chain whose hops record theirs).
  EXPECT_EQ(parent_id(at_b), parent_id(at_a));
  EXPECT_EQ(parent_id(at_c), parent_id(at_b));

  // Every deployment kept to its own keys in the shared Redis.
  EXPECT_EQ(ch.xlen("a:events"), 40);
  EXPECT_EQ(ch.xlen("b:events"), 40);
  EXPECT_EQ(ch.xlen("c:events"), 40);
  EXPECT_EQ(ch.xlen("eventbed:events"), 0);
  redis_connection conn(parse_redis_endpoint(ch.redis.endpoint()));
  EXPECT_EQ(conn.command({"EXISTS", "c:dedupe:chain-7"}).integer, 1);
  EXPECT_EQ(conn.command({"EXISTS", "eventbed:projections"}).integer, 0);
  EXPECT_EQ(conn.command({"HLEN", "b:projections"}).integer, 1);
}

// GET /events/{id} as the CloudEvent it was ingested as, once processed.
json cloudevent_at(http_client& client, const eventbed_process& hop, const std::string& id) {
  if (wait_for_status(client, hop, id, "processed").is_null())
    return nullptr;
  auto res = client.get(hop.url("/events/" + id), {"Accept: application/cloudevents+json"});
  return res.status == 200 ? json::parse(res.body, nullptr, false) : json();
}

TEST(ChainTest, CloudEventsAttributesAndExtensionsReachTheLastHopAsSent) {
  chain ch;
  ch.start();
  http_client client;
  // Structured mode: extensions of every JSON type, time, subject, dataschema.
  auto structured = json{{"specversion", "1.0"}, {"id", "ce-structured"}, {"source", "/shop/eu"},
                         {"type", "order.created"}, {"datacontenttype", "application/json"},
                         {"time", "2026-12-07T06:00:00.123Z"}, {"subject", "order/42"},
                         {"dataschema", "https://example.com/order.json"}, {"partitionkey", "eu-1"},
                         {"sequence", 42}, {"sampled", true}, {"data", {{"sku", "A-1"}, {"qty", 3}}}};
  ASSERT_EQ(client.post(ch.a.url("/ingest"), structured.dump(), "application/cloudevents+json").status, 202);
  // Binary mode: attributes as ce- headers, extensions included.
  ASSERT_EQ(client.post(ch.a.url("/ingest"), R"({"sku":"B-2"})", "application/json",
                        {"ce-specversion: 1.0", "ce-id: ce-binary", "ce-source: /shop/us",
                         "ce-type: order.paid", "ce-subject: order/43", "ce-tenant: acme"})
                .status,
            202);

  for (const std::string id : {"ce-structured", "ce-binary"}) {
    auto at_a = cloudevent_at(client, ch.a, id);
    auto at_c = cloudevent_at(client, ch.c, id);
    ASSERT_TRUE(at_a.is_object() && at_c.is_object()) << id << "\n" << ch.a.log() << ch.b.log();
    EXPECT_EQ(trace_id(at_c), trace_id(at_a)) << id << ": the trace continues";
    at_a.erase("traceparent");
    at_c.erase("traceparent");
    EXPECT_EQ(at_c, at_a) << id << ": every other attribute arrives at C as A stored it";
  }
  auto at_c = cloudevent_at(client, ch.c, "ce-structured");
  EXPECT_EQ(at_c["sequence"], 42);
  EXPECT_EQ(at_c["partitionkey"], "eu-1");
  EXPECT_EQ(at_c["time"], "2026-12-07T06:00:00.123Z");
  EXPECT_EQ(cloudevent_at(client, ch.c, "ce-binary")["tenant"], "acme");
  EXPECT_EQ(ch.xlen("c:events"), 2);
}

TEST(ChainTest, OnlyTheChosenTypesAreForwarded) {
  chain ch({"--forward-types", "order.paid,order.shipped"});
  ch.start();
  http_client client;
  ASSERT_EQ(client.post(ch.a.url("/ingest"), R"({"id":"kept-here","type":"order.created"})").status, 202);
  ASSERT_EQ(client.post(ch.a.url("/ingest"), R"({"id":"sent-on","type":"order.paid"})").status, 202);
  ASSERT_FALSE(wait_for_status(client, ch.c, "sent-on", "processed").is_null()) << ch.a.log();
  ASSERT_FALSE(wait_for_status(client, ch.a, "kept-here", "processed").is_null());
  EXPECT_EQ(client.get(ch.b.url("/events/kept-here")).status, 404);
  EXPECT_EQ(ch.xlen("b:events"), 1);
}

TEST(ChainTest, AHopStoppedAndRestartedMidRunLosesNothing) {
  chain ch;
  ch.start();
  http_client client;
  std::vector<std::string> ids;
  auto send = [&](int n) {
    for (int i = 0; i < n; ++i) {
      ids.push_back("hop-" + std::to_string(ids.size()));
      ASSERT_EQ(client.post(ch.a.url("/ingest"), json{{"id", ids.back()}, {"type", "t"}, {"data", 1}}.dump()).status,
                202);
    }
  };
  send(30);
  ASSERT_EQ(ch.b.stop(), 0) << ch.b.log();
  send(30);  // A keeps accepting and retries its forwards while B is gone
  ch.b.start();
  ASSERT_TRUE(ch.b.wait_ready()) << ch.b.log();
  send(30);
  EXPECT_TRUE(unfinished(ids, ch.c, {"processed"}, std::chrono::seconds(60)).empty()) << ch.a.log();
  EXPECT_EQ(ch.xlen("c:events"), 90) << "a retried forward never duplicates downstream";
}

TEST(ChainTest, AForwardThatKeepsFailingEndsFailedWithItsReason) {
  redis_server redis;
  eventbed_process nowhere{redis.endpoint()};  // never started: its port refuses connections
  // One delivery's four tries back off 50 + 100 + 200 ms: the claim idle time
  // must be longer, or another processor takes the entry over mid-delivery.
  eventbed_process a{redis.endpoint(), {"--forward-to", nowhere.url(""), "--max-deliveries", "2",
                                        "--claim-idle-ms", "1000"}};
  a.start();
  ASSERT_TRUE(a.wait_ready()) << a.log();
  http_client client;
  ASSERT_EQ(client.post(a.url("/ingest"), R"({"id":"dead-end","type":"t"})").status, 202);
  auto ev = wait_for_status(client, a, "dead-end", "failed", std::chrono::seconds(30));
  ASSERT_FALSE(ev.is_null()) << a.log();
  auto why = ev["error"].get<std::string>();
  EXPECT_NE(why.find("gave up after 2 deliveries: forward to " + nowhere.url("/ingest")), std::string::npos) << why;
  EXPECT_NE(why.find("connect"), std::string::npos) << why;
  EXPECT_EQ(ev["attempts"], 2);
}

TEST(ChainTest, ADownstreamThatRefusesTheEventFailsItAtOnce) {
  redis_server redis;
  eventbed_process query_only{redis.endpoint(), {"--key-prefix", "q:", "--roles", "query"}};
  eventbed_process a{redis.endpoint(), {"--forward-to", query_only.url("")}};
  query_only.start();
  a.start();
  ASSERT_TRUE(query_only.wait_ready()) << query_only.log();
  ASSERT_TRUE(a.wait_ready()) << a.log();
  http_client client;
  ASSERT_EQ(client.post(a.url("/ingest"), R"({"id":"refused","type":"t"})").status, 202);
  auto ev = wait_for_status(client, a, "refused", "failed");
  ASSERT_FALSE(ev.is_null()) << a.log();
  EXPECT_NE(ev["error"].get<std::string>().find("refused: HTTP 404"), std::string::npos) << ev.dump();
  EXPECT_EQ(ev["attempts"], 1);
}

TEST(ChainTest, TheSimulatorVerifiesAtTheLastHopAndSplitsTheTimeByHop) {
  chain ch;
  ch.start();
  char tmpl[] = "/tmp/eventbed-chain-report-XXXXXX";
  close(mkstemp(tmpl));
  const std::string report_path = tmpl;
  auto run = run_command({EVENTBED_BINARY, "simulate", "--ingest", ch.a.url(""), "--query", "c=" + ch.c.url(""),
                          "--hop", "a=" + ch.a.url(""), "--hop", "b=" + ch.b.url(""), "--rate", "50",
                          "--duration", "2s", "--deadline", "10s", "--admin-port", "0", "--progress", "never",
                          "--report", report_path, "--slo", "lost==0"},
                         std::chrono::seconds(60));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  auto report = json::parse(std::ifstream(report_path));
  std::remove(report_path.c_str());
  EXPECT_EQ(report["lost"], 0);
  EXPECT_EQ(report["processed"], report["accepted"]) << "verified at C: every event made it through both hops";
  const auto& chain_part = report["chain"];
  EXPECT_EQ(chain_part["sampled"], report["accepted"]) << chain_part.dump();
  ASSERT_EQ(chain_part["hops"].size(), 3u) << chain_part.dump();
  double fractions = 0;
  for (const auto& hop : chain_part["hops"])
    fractions += hop["fraction"].get<double>();
  EXPECT_EQ(chain_part["hops"][0]["name"], "a");
  EXPECT_EQ(chain_part["hops"][2]["name"], "c");
  EXPECT_NEAR(fractions, 1, 1e-6) << "the hops' shares make up the whole";
  EXPECT_NE(run.output.find("chain, accepted at the first hop"), std::string::npos) << run.output;
}

// APP_ERRORS and APP_LATENCY are read from the environment the binary inherits.
struct scoped_env {
  std::string name;
  scoped_env(std::string n, const char* value) : name(std::move(n)) { setenv(name.c_str(), value, 1); }
  ~scoped_env() { unsetenv(name.c_str()); }
};

// An ingest-only process started with `extra` flags, ready.
std::unique_ptr<eventbed_process> ingest_only(const redis_server& redis, std::vector<std::string> extra = {}) {
  extra.insert(extra.begin(), {"--roles", "ingest"});
  auto proc = std::make_unique<eventbed_process>(redis.endpoint(), extra);
  proc->start();
  EXPECT_TRUE(proc->wait_ready()) << proc->log();
  return proc;
}

TEST(ChainTest, AppErrorsIsAPercentAliasThatTheFlagOverrides) {
  redis_server redis;
  scoped_env errors("APP_ERRORS", "100");
  http_client client;
  auto aliased = ingest_only(redis);
  auto res = client.post(aliased->url("/ingest"), R"({"type":"t"})");
  EXPECT_EQ(res.status, 503);
  EXPECT_EQ(json::parse(res.body)["error"], "injected_fault");
  auto flagged = ingest_only(redis, {"--inject-error-rate", "0"});
  EXPECT_EQ(client.post(flagged->url("/ingest"), R"({"type":"t"})").status, 202);
}

TEST(ChainTest, AppLatencyDelaysRequestsUpToItsMaximum) {
  redis_server redis;
  scoped_env latency("APP_LATENCY", "400");
  auto proc = ingest_only(redis);
  http_client client;
  double slowest = 0;
  for (int i = 0; i < 8; ++i) {
    auto start = std::chrono::steady_clock::now();
    ASSERT_EQ(client.post(proc->url("/ingest"), R"({"type":"t"})").status, 202);
    slowest = std::max(slowest, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  // Uniform over 0..400 ms: all eight below 50 ms has probability (1/8)^8.
  EXPECT_GE(slowest, 0.05);
}

TEST(ChainTest, BadAliasesAndPrefixesAreRefusedAtStartup) {
  redis_server redis;
  {
    scoped_env errors("APP_ERRORS", "150");
    eventbed_process proc{redis.endpoint()};
    proc.start();
    EXPECT_NE(proc.wait_exit(std::chrono::seconds(10)), 0);
    EXPECT_NE(proc.log().find("APP_ERRORS"), std::string::npos) << proc.log();
  }
  eventbed_process spaced{redis.endpoint(), {"--key-prefix", "a b:"}};
  spaced.start();
  EXPECT_NE(spaced.wait_exit(std::chrono::seconds(10)), 0);
  EXPECT_NE(spaced.log().find("--key-prefix"), std::string::npos) << spaced.log();
  eventbed_process types_alone{redis.endpoint(), {"--forward-types", "t"}};
  types_alone.start();
  EXPECT_NE(types_alone.wait_exit(std::chrono::seconds(10)), 0);
}

}  // namespace
