#include "tests/fault/fault_stack.hpp"

#include <chrono>
#include <filesystem>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "tests/support/deadline.hpp"
#include "tests/support/http_client.hpp"

namespace eventbed::fault {

namespace {

// The counters kept across a process's death: takeovers show in the counter of
// whichever process claimed the entries, which may be one later killed.
const std::vector<std::string> kept_counters = {"eventbed_events_taken_over_total"};

}  // namespace

fault_stack::fault_stack(std::string workdir, const stack_flags& flags, bool replicated)
    : workdir_(std::move(workdir)), redis_(std::make_unique<redis_server>(true)), redis_url_(redis_->endpoint()) {
  if (replicated) {
    for (int i = 0; i < 2; ++i)
      replicas_.push_back(std::make_unique<redis_server>(redis_server_options{true, "", redis_->port()}));
    std::string hosts;
    for (int i = 0; i < 3; ++i) {
      redis_sentinel_options o;
      o.primary_port = redis_->port();
      o.quorum = 2;
      sentinels_.push_back(std::make_unique<redis_sentinel>(o));
      hosts += (hosts.empty() ? "" : ",") + sentinels_.back()->address();
    }
    redis_url_ = "redis-sentinel://" + hosts + "/eventbed";
    // A failover needs Sentinels that know the replicas, in sync.
    for (auto& s : sentinels_)
      if (!eventually([&] { return s->replicas_in_sync() == replicas_.size(); }, std::chrono::seconds(30),
                      std::chrono::milliseconds(50)))
        throw std::runtime_error("sentinel " + s->address() + " did not see both replicas in sync within 30 s");
  }
  auto add = [&](const std::string& name, const std::string& roles, std::vector<std::string> extra) {
    std::vector<std::string> args = {"--roles", roles, "--log-level", "info"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto dir = workdir_ + "/" + name;
    std::filesystem::create_directories(dir);
    roles_.push_back({name, std::make_unique<eventbed_process>(redis_url_, args, dir), 0});
  };
  auto ingest = flags.ingest;
  ingest.insert(ingest.begin(), {"--request-timeout-ms", std::to_string(server_timeout_ms)});
  auto process = flags.process;
  process.insert(process.begin(), {"--claim-idle-ms", std::to_string(claim_idle_ms)});
  add("ingest", "ingest", ingest);
  add("process-1", "process", process);
  add("process-2", "process", process);
  add("query", "query", flags.query);
}

fault_stack::~fault_stack() {
  for (auto& r : roles_)
    r.proc->kill();
  // The redis_server's own directory goes with it; its log is worth keeping.
  std::error_code ignored;
  std::filesystem::copy_file(redis_->dir() + "/redis.log", workdir_ + "/redis.log",
                             std::filesystem::copy_options::overwrite_existing, ignored);
  for (size_t i = 0; i < replicas_.size(); ++i)
    std::filesystem::copy_file(replicas_[i]->dir() + "/redis.log",
                               workdir_ + "/redis-replica-" + std::to_string(i + 1) + ".log",
                               std::filesystem::copy_options::overwrite_existing, ignored);
  for (size_t i = 0; i < sentinels_.size(); ++i)
    std::filesystem::copy_file(sentinels_[i]->dir() + "/sentinel.log",
                               workdir_ + "/sentinel-" + std::to_string(i + 1) + ".log",
                               std::filesystem::copy_options::overwrite_existing, ignored);
}

std::vector<redis_server*> fault_stack::servers() {
  std::vector<redis_server*> out{redis_.get()};
  for (auto& r : replicas_)
    out.push_back(r.get());
  return out;
}

redis_server* fault_stack::primary() {
  if (sentinels_.empty())
    return redis_.get();
  for (auto& s : sentinels_)
    if (int port = s->running() ? s->primary_port() : 0; port != 0)
      for (auto* server : servers())
        if (server->port() == port)
          return server;
  return nullptr;
}

std::vector<redis_sentinel*> fault_stack::sentinels() {
  std::vector<redis_sentinel*> out;
  for (auto& s : sentinels_)
    out.push_back(s.get());
  return out;
}

std::vector<role*> fault_stack::roles() {
  std::vector<role*> out;
  for (auto& r : roles_)
    out.push_back(&r);
  return out;
}

void fault_stack::start() {
  for (auto& r : roles_)
    start(r);
  for (auto& r : roles_)
    if (!r.proc->wait_ready(std::chrono::seconds(60)))
      throw std::runtime_error(r.name + " not ready within 60 s; log: " + r.proc->data_dir() + "/eventbed.log");
}

void fault_stack::start(role& r) {
  ++r.generation;
  r.proc->set_instance(r.instance());
  r.proc->start();
}

void fault_stack::sample_counters(role& r) {
  for (const auto& series : kept_counters) {
    double v = r.proc->metric(series);
    if (v >= 0)
      samples_[r.instance()][series] = v;
  }
}

void fault_stack::retire(role& r) {
  for (const auto& [series, v] : samples_[r.instance()])
    retired_[series] += v;
  samples_.erase(r.instance());
}

void fault_stack::kill(role& r) {
  retire(r);
  r.proc->kill();
}

int fault_stack::stop(role& r) {
  sample_counters(r);
  retire(r);
  return r.proc->stop(std::chrono::seconds(30));
}

double fault_stack::counter_total(const std::string& series) {
  double total = retired_[series];
  for (auto& r : roles_) {
    double v = r.proc->metric(series);
    if (v > 0)
      total += v;
  }
  return total;
}

long fault_stack::projected() {
  http_client client(2000);
  auto res = client.get(query().proc->url("/stats"));
  auto body = nlohmann::json::parse(res.body, nullptr, false);
  if (res.status != 200 || !body.is_object() || !body.contains("total"))
    return -1;
  return body["total"].get<long>();
}

redis_connection fault_stack::connect() {
  auto ep = parse_redis_endpoint(redis_url_);
  ep.io_timeout = std::chrono::seconds(20);
  return redis_connection(ep);
}

long fault_stack::pending_at(const std::string& prefix) {
  auto conn = connect();
  // [count, first id, last id, [[consumer, count], ...]]
  auto summary = conn.command({"XPENDING", "eventbed:events", "processors"});
  long n = 0;
  if (summary.elements.size() >= 4)
    for (const auto& c : summary.elements[3].elements)
      if (c.elements.size() == 2 && c.elements[0].str.rfind(prefix, 0) == 0)
        n += std::stol(c.elements[1].str);
  return n;
}

std::map<std::string, long> fault_stack::redis_stalls() {
  std::map<std::string, long> out;
  try {
    auto conn = connect();
    // [[event, time, latest ms, worst ms], ...]
    for (const auto& e : conn.command({"LATENCY", "LATEST"}).elements)
      if (e.elements.size() >= 4)
        out[e.elements[0].str] = static_cast<long>(e.elements[3].integer);
  } catch (const std::exception&) {
  }
  return out;
}

std::map<std::string, int> fault_stack::stop_all() {
  std::map<std::string, int> codes;
  for (auto& r : roles_)
    codes[r.instance()] = stop(r);
  for (auto& s : sentinels_)
    s->kill();
  for (auto* server : servers())
    server->stop();
  return codes;
}

}  // namespace eventbed::fault
