// Persistent HTTP/1.1 connections on both ports of the real binary, as real,
// unmodified clients use them: curl (--next), Python's http.client, Node's
// built-in fetch and a Go net/http client (what k6 uses), none of them told
// to send "Connection: keep-alive". Reuse is asserted on the server's side,
// with eventbed_http_connections_accepted_total{server="public"|"admin"}:
// N requests, one accepted connection. Then the four cases that close a
// connection (RFC 9112, section 9.3) and what pipelined requests get.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/support/deadline.hpp"
#include "tests/support/event_polling.hpp"
#include "tests/support/eventbed_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/prometheus_text.hpp"
#include "tests/support/raw_connection.hpp"
#include "tests/support/redis_server.hpp"

using namespace eventbed;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

constexpr int requests_per_port = 6;

struct tool_run {
  int exit_code = -1;  // 124: killed by timeout(1)
  std::string output;  // stdout and stderr
};

// Runs `command` with sh -c, bounded by timeout(1): SIGTERM after `seconds`,
// SIGKILL 5 s later. Its stdout and stderr are collected.
tool_run run_tool(const std::string& command, int seconds) {
  tool_run r;
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0)
    return r;
  std::string limit = std::to_string(seconds);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);
    dup2(out[1], 2);
    execlp("timeout", "timeout", "-k", "5", limit.c_str(), "sh", "-c", command.c_str(),
           static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  if (pid < 0) {
    close(out[0]);
    return r;
  }
  char buf[4096];
  ssize_t n;
  while ((n = ::read(out[0], buf, sizeof buf)) > 0)  // EOF when timeout(1) and the tool are gone
    r.output.append(buf, static_cast<size_t>(n));
  close(out[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

bool have(const std::string& program) {
  return run_tool("command -v " + program + " >/dev/null", 10).exit_code == 0;
}

// A scratch directory, removed with everything in it.
struct temp_dir {
  std::string path;
  temp_dir() {
    char tmpl[] = "/tmp/eventbed-persist-XXXXXX";
    if (mkdtemp(tmpl))
      path = tmpl;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    auto file = path + "/" + name;
    std::ofstream(file) << text;
    return file;
  }
};

class HttpPersistenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    proc.start();
    ASSERT_TRUE(proc.wait_ready()) << proc.log();
  }

  // Connections accepted so far on each port, read over a fresh connection of
  // its own to the admin port (which that read itself adds to "admin").
  struct counts {
    double pub = -1, admin = -1;
  };
  counts accepted() {
    http_client scrape(5000);
    auto text = "\n" + scrape.get(proc.admin_url("/metrics")).body;
    counts c;
    c.pub = sample(text, "eventbed_http_connections_accepted_total{server=\"public\"}");
    c.admin = sample(text, "eventbed_http_connections_accepted_total{server=\"admin\"}");
    EXPECT_GE(c.pub, 0) << text;
    return c;
  }

  // Runs a client against both ports and checks it used one connection on
  // each (at most `most` if given): `command` does requests_per_port requests
  // on each port and prints one status code per line.
  void expect_one_connection_per_port(const std::string& what, const std::string& command,
                                      int seconds, const std::vector<int>& statuses,
                                      int most = 1) {
    const auto before = accepted();
    auto run = run_tool(command, seconds);
    ASSERT_EQ(run.exit_code, 0) << what << " failed:\n" << run.output;
    std::vector<int> seen;
    for (size_t at = 0; at < run.output.size();) {
      auto end = run.output.find('\n', at);
      auto line = run.output.substr(at, end - at);
      if (!line.empty() && std::isdigit(static_cast<unsigned char>(line[0])))
        seen.push_back(std::atoi(line.c_str()));
      at = end == std::string::npos ? run.output.size() : end + 1;
    }
    EXPECT_EQ(seen, statuses) << what << " output:\n" << run.output;
    // The client's own connection on each port; "admin" also counts this read's.
    const auto after = accepted();
    if (most == 1) {
      EXPECT_EQ(after.pub - before.pub, 1) << what << " did not reuse its public connection";
      EXPECT_EQ(after.admin - before.admin, 2) << what << " did not reuse its admin connection";
    } else {
      EXPECT_GE(after.pub - before.pub, 1);
      EXPECT_LE(after.pub - before.pub, most) << what << " did not reuse its public connections";
      EXPECT_LE(after.admin - before.admin, most + 1) << what << " did not reuse its admin connections";
    }
  }

  // requests_per_port requests on each port: POST /ingest, GET /stats and
  // GET /events/{id} in turn on the public one, the probes and /metrics on the admin one.
  struct planned {
    std::string method, url, body;
    int status;
  };
  std::vector<planned> plan(const std::string& client) {
    std::vector<planned> out;
    for (int i = 0; i < requests_per_port; ++i) {
      auto id = client + "-" + std::to_string(i);
      switch (i % 3) {
        case 0:
          out.push_back({"POST", proc.url("/ingest"),
                         R"({"id":")" + id + R"(","type":"persist.)" + client + R"("})", 202});
          break;
        case 1: out.push_back({"GET", proc.url("/stats"), "", 200}); break;
        default: out.push_back({"GET", proc.url("/events/no-such-" + id), "", 404}); break;
      }
    }
    const char* admin_paths[] = {"/livez", "/readyz", "/metrics", "/version", "/startupz", "/livez"};
    for (int i = 0; i < requests_per_port; ++i)
      out.push_back({"GET", proc.admin_url(admin_paths[i]), "", 200});
    return out;
  }
  static std::vector<int> statuses(const std::vector<planned>& p) {
    std::vector<int> out;
    for (const auto& r : p)
      out.push_back(r.status);
    return out;
  }

  redis_server redis;
  eventbed_process proc{redis.endpoint()};
};

TEST_F(HttpPersistenceTest, CurlNextReusesOneConnectionPerPort) {
  // One curl command line, one --next segment per request, no Connection
  // header: curl keeps the connection of each host:port for the next segment.
  auto p = plan("curl");
  std::string cmd = "curl";
  for (size_t i = 0; i < p.size(); ++i) {
    if (i > 0)
      cmd += " --next";
    cmd += " -sS --max-time 10 -o /dev/null -w '%{http_code}\\n'";
    if (p[i].method == "POST")
      cmd += " -H 'Content-Type: application/json' --data-raw '" + p[i].body + "'";
    cmd += " " + p[i].url;
  }
  expect_one_connection_per_port("curl --next", cmd, 60, statuses(p));
}

TEST_F(HttpPersistenceTest, PythonHttpClientReusesOneConnectionPerPort) {
  temp_dir dir;
  json plan_json = json::array();
  for (const auto& r : plan("python"))
    plan_json.push_back({{"method", r.method}, {"url", r.url}, {"body", r.body}});
  auto plan_file = dir.write("plan.json", plan_json.dump());
  auto script = dir.write("client.py", R"(
import http.client, json, sys, urllib.parse
conns = {}
for r in json.load(open(sys.argv[1])):
    u = urllib.parse.urlsplit(r["url"])
    if u.port not in conns:
        conns[u.port] = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    c = conns[u.port]
    headers = {"Content-Type": "application/json"} if r["method"] == "POST" else {}
    c.request(r["method"], u.path, body=r["body"] or None, headers=headers)
    res = c.getresponse()
    res.read()
    if res.will_close:
        sys.exit("the server asked to close after %s %s: Connection: %s"
                 % (r["method"], u.path, res.getheader("Connection")))
    print(res.status)
)");
  expect_one_connection_per_port("Python http.client", "python3 " + script + " " + plan_file, 60,
                                 statuses(plan("python")));
}

TEST_F(HttpPersistenceTest, NodeFetchReusesOneConnectionPerPort) {
  if (!have("node"))
    GTEST_SKIP() << "node is not installed (Debian: nodejs, which scripts/install-deps installs); "
                    "Node's built-in fetch was not tried";
  temp_dir dir;
  json plan_json = json::array();
  for (const auto& r : plan("node"))
    plan_json.push_back({{"method", r.method}, {"url", r.url}, {"body", r.body}});
  auto plan_file = dir.write("plan.json", plan_json.dump());
  // Node's built-in fetch (undici) with its default global agent, one request
  // after the other as a program awaits them. undici opens a second
  // connection for the second request of a fresh pool: the first is still
  // marked busy when the next fetch() follows the end of its body in the same
  // tick (it does the same against Python's http.server; with a setImmediate
  // between requests it keeps to one). So: at most 2 connections for the 6
  // requests on each port, and none after the second.
  auto script = dir.write("client.mjs", R"(
import { readFileSync } from "node:fs";
const plan = JSON.parse(readFileSync(process.argv[2], "utf8"));
for (const r of plan) {
  const init = { method: r.method, signal: AbortSignal.timeout(10000) };
  if (r.method === "POST") {
    init.body = r.body;
    init.headers = { "Content-Type": "application/json" };
  }
  const res = await fetch(r.url, init);
  await res.arrayBuffer();
  console.log(res.status);
}
)");
  expect_one_connection_per_port("Node fetch", "node " + script + " " + plan_file, 60,
                                 statuses(plan("node")), 2);
}

TEST_F(HttpPersistenceTest, GoNetHttpClientReusesOneConnectionPerPort) {
  if (!have("go"))
    GTEST_SKIP() << "go is not installed (Debian: golang-go, which scripts/install-deps installs); "
                    "the Go net/http client (what k6 uses) was not tried";
  temp_dir dir;
  json plan_json = json::array();
  for (const auto& r : plan("go"))
    plan_json.push_back({{"method", r.method}, {"url", r.url}, {"body", r.body}});
  auto plan_file = dir.write("plan.json", plan_json.dump());
  // The default http.Client and Transport, as a program would use them; it
  // also reports, through httptrace, whether each request reused a connection.
  dir.write("main.go", R"(package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"os"
	"strings"
	"time"
)

type planned struct{ Method, URL, Body string }

func main() {
	raw, err := os.ReadFile(os.Args[1])
	if err != nil {
		panic(err)
	}
	var plan []planned
	if err := json.Unmarshal(raw, &plan); err != nil {
		panic(err)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	reused := 0
	for _, r := range plan {
		var body io.Reader
		if r.Body != "" {
			body = strings.NewReader(r.Body)
		}
		req, err := http.NewRequest(r.Method, r.URL, body)
		if err != nil {
			panic(err)
		}
		if r.Method == "POST" {
			req.Header.Set("Content-Type", "application/json")
		}
		trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
			if info.Reused {
				reused++
			}
		}}
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
		res, err := client.Do(req)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		fmt.Println(res.StatusCode)
	}
	fmt.Printf("reused %d of %d\n", reused, len(plan))
}
)");
  // A private build cache: nothing outside the temporary directory is written.
  std::string env = "HOME=" + dir.path + " GOCACHE=" + dir.path + "/cache GOPATH=" + dir.path +
                    "/gopath GOFLAGS= GO111MODULE=off";
  auto build = run_tool("cd " + dir.path + " && " + env + " go build -o client main.go", 300);
  ASSERT_EQ(build.exit_code, 0) << "go build failed:\n" << build.output;
  expect_one_connection_per_port("Go net/http", dir.path + "/client " + plan_file, 60,
                                 statuses(plan("go")));
}

// Both ports, by hand: HTTP/1.1 without a Connection header stays open; the
// request's own "Connection: close" and HTTP/1.0 without keep-alive close it
// after the answer; HTTP/1.0 with keep-alive is answered "keep-alive" and
// stays open.
TEST_F(HttpPersistenceTest, EachPortClosesExactlyWhenTheRequestAsks) {
  struct close_case {
    std::string name, version, headers, answer_connection;
    bool closes;
  };
  const close_case cases[] = {
      {"HTTP/1.1, no Connection header", "HTTP/1.1", "", "", false},
      {"HTTP/1.1, Connection: keep-alive", "HTTP/1.1", "Connection: keep-alive\r\n", "", false},
      {"HTTP/1.1, Connection: close", "HTTP/1.1", "Connection: close\r\n", "close", true},
      {"HTTP/1.0, no Connection header", "HTTP/1.0", "", "close", true},
      {"HTTP/1.0, Connection: keep-alive", "HTTP/1.0", "Connection: keep-alive\r\n", "keep-alive",
       false},
  };
  for (int port : {proc.port(), proc.admin_port()}) {
    const bool admin = port == proc.admin_port();
    const std::string path = admin ? "/livez" : "/stats";
    for (const auto& c : cases) {
      SCOPED_TRACE(std::string(admin ? "admin" : "public") + " port, " + c.name);
      const auto before = accepted();
      raw_connection conn(port);
      ASSERT_TRUE(conn.connected());
      const std::string request = "GET " + path + " " + c.version + "\r\nHost: 127.0.0.1\r\n" + c.headers + "\r\n";
      ASSERT_TRUE(conn.send(request));
      auto r = conn.read(5s);
      ASSERT_TRUE(r.answered) << "closed=" << r.closed << " timed_out=" << r.timed_out;
      EXPECT_EQ(r.status, 200) << r.body;
      EXPECT_EQ(r.connection(), c.answer_connection) << r.headers;
      EXPECT_EQ(r.headers.compare(0, 8, c.version), 0) << r.headers;
      if (c.closes) {
        EXPECT_TRUE(conn.closes_within(3s)) << "the server kept the connection open";
        continue;
      }
      EXPECT_FALSE(conn.closes_within(200ms)) << "the server closed a persistent connection";
      for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(conn.send(request));
        auto again = conn.read(5s);
        ASSERT_TRUE(again.answered) << i << ": closed=" << again.closed;
        EXPECT_EQ(again.status, 200);
      }
      // 4 requests, 1 connection (+1 on admin for the read of the counter).
      const auto after = accepted();
      EXPECT_EQ(admin ? after.admin - before.admin : after.pub - before.pub, admin ? 2 : 1);
    }
  }
}

// Pipelining on the real ingest path, whose answers come from actors after a
// Redis round trip: either every request is answered, in order, or the
// answers are a prefix, the last of them says "Connection: close", the
// connection closes, and none of the unanswered requests was processed. A
// client can always tell what to resend, and nothing is misparsed or lost.
TEST_F(HttpPersistenceTest, PipelinedIngestIsAnsweredInOrderOrClosedAfterAPrefixAndNothingIsLost) {
  http_client client;
  int stored = 0;
  for (int round = 0; round < 5; ++round) {
    SCOPED_TRACE(round);
    constexpr int n = 4;
    std::vector<std::string> ids;
    std::string bytes;
    for (int i = 0; i < n; ++i) {
      ids.push_back("pipe-" + std::to_string(round) + "-" + std::to_string(i));
      std::string body = R"({"id":")" + ids.back() + R"(","type":"pipelined"})";
      bytes += "POST /ingest HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
               "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    }
    raw_connection conn(proc.port());
    ASSERT_TRUE(conn.connected());
    if (round % 2 == 0) {
      ASSERT_TRUE(conn.send(bytes));  // all in one write
    } else {
      // One request per write, without waiting for answers.
      for (size_t at = 0, next; at < bytes.size(); at = next) {
        next = bytes.find("POST", at + 1);
        if (next == std::string::npos)
          next = bytes.size();
        ASSERT_TRUE(conn.send(bytes.substr(at, next - at)));
      }
    }
    int answered = 0;
    bool closed = false;
    while (answered < n) {
      auto r = conn.read(10s);
      ASSERT_FALSE(r.timed_out) << "after " << answered << " answers: neither an answer nor a close";
      if (!r.answered) {
        closed = r.closed;
        break;
      }
      EXPECT_EQ(r.status, 202) << r.body;
      auto body = json::parse(r.body, nullptr, false);
      ASSERT_FALSE(body.is_discarded()) << r.body;
      EXPECT_EQ(body.value("id", ""), ids[answered]) << "answers out of order: " << r.body;
      ++answered;
      if (r.connection() == "close") {
        EXPECT_TRUE(conn.closes_within(5s));
        closed = true;
        break;
      }
    }
    ASSERT_GE(answered, 1);
    if (answered < n) {
      EXPECT_TRUE(closed) << "fewer answers than requests, and the connection stayed open";
    }
    for (int i = 0; i < answered; ++i)
      EXPECT_FALSE(wait_for_status(client, proc, ids[i], "processed").is_null()) << ids[i];
    for (int i = answered; i < n; ++i)
      EXPECT_EQ(client.get(proc.url("/events/" + ids[i])).status, 404)
          << ids[i] << " was processed but never answered";
    stored += answered;
  }
  // The answered ones, each stored once, and nothing else.
  auto stats = json::parse(client.get(proc.url("/stats")).body, nullptr, false);
  EXPECT_EQ(stats.value("total", -1), stored) << stats.dump();
}

// Draining (SIGTERM, during --drain-delay-ms): on both ports, a persistent
// connection between requests is closed at once, and one that has carried no
// request yet says "Connection: close" in its first answer and is closed, so
// each client's next request goes through the Service to a replica still
// ready, not here for a 503 once the delay is over. The delay is long (20 s)
// and cut short by a second SIGTERM, so a connection the drain left open
// until the process stops cannot pass for one it closed.
TEST(HttpPersistenceDrainTest, DrainingClosesIdleConnectionsAtOnceAndNewOnesAfterTheirAnswer) {
  redis_server redis;
  eventbed_process proc{redis.endpoint(), {"--drain-delay-ms", "20000"}};
  proc.start();
  ASSERT_TRUE(proc.wait_ready()) << proc.log();
  raw_connection pub(proc.port());
  raw_connection admin(proc.admin_port());
  const std::string stats = "GET /stats HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  const std::string livez = "GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  ASSERT_TRUE(pub.send(stats));
  ASSERT_TRUE(admin.send(livez));
  EXPECT_EQ(pub.read(5s).connection(), "");
  EXPECT_EQ(admin.read(5s).connection(), "");
  raw_connection pub_fresh(proc.port());
  raw_connection admin_fresh(proc.admin_port());
  ASSERT_TRUE(pub_fresh.connected() && admin_fresh.connected());
  ASSERT_EQ(::kill(proc.pid(), SIGTERM), 0);
  http_client probe(2000);
  ASSERT_TRUE(eventually([&] { return probe.get(proc.admin_url("/readyz")).status == 503; }, 4s))
      << "not draining";
  EXPECT_TRUE(pub.closes_within(3s)) << "an idle public connection outlived the drain";
  EXPECT_TRUE(admin.closes_within(3s)) << "an idle admin connection outlived the drain";
  for (auto* c : {&pub_fresh, &admin_fresh}) {
    ASSERT_TRUE(c->send(c == &pub_fresh ? stats : livez));
    auto r = c->read(5s);
    ASSERT_TRUE(r.answered) << "closed=" << r.closed;
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.connection(), "close") << r.headers;
    EXPECT_TRUE(c->closes_within(3s)) << "a draining server kept the connection open";
  }
  ASSERT_EQ(::kill(proc.pid(), SIGTERM), 0);  // the drain delay cut short
  EXPECT_EQ(proc.wait_exit(20s), 0) << proc.log();
}

}  // namespace
