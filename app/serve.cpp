#include "app/serve.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <nlohmann/json.hpp>

#include <csignal>
#include <filesystem>
#include <memory>
#include <thread>
#include <unistd.h>

#include "actors/pipeline/handlers/builtin.hpp"
#include "actors/pipeline/handlers/forwarder.hpp"
#include "actors/pipeline/health.hpp"
#include "actors/pipeline/ingest.hpp"
#include "actors/pipeline/log_trimmer.hpp"
#include "actors/pipeline/processor.hpp"
#include "actors/pipeline/projector.hpp"
#include "actors/pipeline/query.hpp"
#include "app/embedded_simulator.hpp"
#include "common/curl_library.hpp"
#include "common/logging.hpp"
#include "common/metrics.hpp"
#include "common/process_stats.hpp"
#include "common/prometheus_text.hpp"
#include "common/served_version.hpp"
#include "common/tracing.hpp"
#include "gateways/admin_api.hpp"
#include "gateways/http_metrics.hpp"
#include "gateways/public_api.hpp"
#include "storage/primary_watch.hpp"
#include "storage/storage_error.hpp"

namespace eventbed {

namespace {

std::string host_name() {
  char buf[256] = {};
  return gethostname(buf, sizeof buf - 1) == 0 && buf[0] ? buf : "eventbed";
}

std::string joined(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts)
    out += (out.empty() ? "" : ",") + p;
  return out;
}

std::string served_as(const serve_config& cfg) {
  return served_version(EVENTBED_VERSION, cfg.release_label);
}

std::string version_json(const serve_config& cfg) {
  nlohmann::json v = {{"name", "eventbed"},
                      {"version", EVENTBED_VERSION},
                      {"release_label", cfg.release_label},
                      {"served_version", served_as(cfg)},
                      {"roles", cfg.roles},
                      {"caf", "0.17"},
                      {"built", __DATE__ " " __TIME__}};
  return v.dump();
}

// Waits for SIGTERM/SIGINT; with a timeout, returns false if none came.
bool wait_for_signal(const sigset_t& signals, std::chrono::milliseconds timeout) {
  if (timeout.count() < 0) {
    int sig = 0;
    sigwait(&signals, &sig);
    return true;
  }
  timespec ts{static_cast<time_t>(timeout.count() / 1000),
              static_cast<long>((timeout.count() % 1000) * 1000000)};
  return sigtimedwait(&signals, nullptr, &ts) > 0;
}

// Everything one process runs, so shutdown can stop it in order.
struct running_roles {
  health_actor health;
  std::vector<caf::actor> workers;   // processors and projector: finish the current batch
  std::vector<caf::actor> services;  // everything else: stop after the HTTP ports drained
  std::unique_ptr<http_server> public_port;
  std::unique_ptr<http_server> admin_port;
  std::unique_ptr<embedded_simulator> simulator;
  std::unique_ptr<primary_watch> primary;  // through Sentinel: +switch-master moves every connection
};

void register_process_metrics(const serve_config& cfg, caf::actor_system& sys) {
  auto& r = metrics::global();
  r.add_gauge("eventbed_build_info", "Always 1; the labels say what is running.",
              {{"version", EVENTBED_VERSION}, {"roles", joined(cfg.roles)}, {"caf", "0.17"},
               {"served_version", served_as(cfg)}})
      .set(1);
  metrics::register_process_collector(r);
  // Every actor serve starts meters itself (common/actor_metrics.hpp), the
  // embedded simulator's too, so this equals the sum of
  // eventbed_actor_instances; a difference is an actor without metrics.
  // Read at scrape time: scrapes end, with the admin port, before `sys` does.
  r.add_collector([&actors = sys.registry()](std::string& out) {
    const char* name = "eventbed_actors_running";
    metrics::write_family(out, name, metrics::kind::gauge, "Actors running in the process, as CAF counts them.");
    metrics::write_sample(out, name, {}, static_cast<double>(actors.running()));
  });
}

// Turns tracing on when the OTEL_* environment names a collector
// (common/tracing.hpp). The resource says which process sent the spans.
void start_tracing(const serve_config& cfg, const std::string& instance) {
  tracing::resource_info resource;
  resource.attributes = {{"service.name", std::string("eventbed")},
                         {"service.version", served_as(cfg)},
                         {"service.instance.id", instance}};
  resource.scope_name = "eventbed";
  resource.scope_version = EVENTBED_VERSION;
  std::vector<std::string> problems;
  auto settings = tracing::settings_from_environment(std::move(resource), problems);
  for (const auto& p : problems)
    log::warn("tracing", p);
  if (settings.exporter.url.empty())
    return;
  curl_library::get();  // a missing libcurl fails the start with its reason
  // The URL without any user:password@ part.
  auto shown = settings.exporter.url;
  auto scheme = shown.find("://"), at = shown.find('@');
  if (scheme != std::string::npos && at != std::string::npos && at < shown.find('/', scheme + 3))
    shown.replace(scheme + 3, at - scheme - 3, "***");
  log::info("tracing", "sending spans to " + shown + " over OTLP/HTTP, sampler " + settings.sampling.description());
  tracing::start(std::move(settings));
}

// The built-in handlers, forwarding what they processed when --forward-to is set.
handler_registry processing_handlers(const serve_config& cfg) {
  auto handlers = builtin_handlers();
  if (!cfg.forward_to.empty()) {
    curl_library::get();  // a missing libcurl fails the start with its reason, not each event
    forward_settings fs;
    fs.url = cfg.forward_to;
    fs.types = cfg.forward_types;
    forward_processed(handlers, std::move(fs));
  }
  return handlers;
}

void start_roles(caf::actor_system& sys, const serve_config& cfg, running_roles& run) {
  register_process_metrics(cfg, sys);
  auto redis = redis_endpoint_of(cfg);
  if (redis.via_sentinel()) {
    run.primary = std::make_unique<primary_watch>(redis);
    redis.primary_switches = run.primary->switches();
  }
  std::string instance = cfg.instance.empty() ? host_name() : cfg.instance;
  start_tracing(cfg, instance);
  const auto names = log_names::with_prefix(cfg.key_prefix);
  health_settings hs;
  if (cfg.has_role("ingest"))
    for (int i = 0; i < cfg.ingest_writers; ++i)
      hs.expected.push_back(health_component::ingest_writer(i));
  if (cfg.has_role("process"))
    for (int i = 0; i < cfg.processors; ++i)
      hs.expected.push_back(health_component::processor(instance, i));
  if (cfg.has_role("query"))
    hs.expected.push_back(health_component::projection);
  run.health = spawn_health(sys, hs);
  run.services.push_back(caf::actor_cast<caf::actor>(run.health));

  public_api_settings api;
  api.limits.max_body_bytes = cfg.max_body_bytes;
  api.limits.max_events = cfg.max_batch_events;
  api.faults = cfg.faults;
  api.schemas = std::make_shared<const schema_registry>(shipped_schema_documents(), cfg.schema_versions);
  // The gateway waits a little longer than ingest does for Redis, so the
  // more precise error (Redis unavailable) wins over a generic timeout.
  api.timeout = cfg.request_timeout + std::chrono::seconds(1);

  if (cfg.has_role("ingest")) {
    ingest_settings is;
    is.redis = redis;
    is.writers = cfg.ingest_writers;
    is.batch_events = cfg.ingest_batch_events;
    is.queue_limit = cfg.ingest_queue_limit;
    is.timeout = cfg.request_timeout;
    is.dedupe_ttl = cfg.dedupe_ttl;
    is.names = names;
    is.ack_replicas = cfg.ack_replicas;
    is.ack_timeout = cfg.ack_timeout;
    api.ingest = spawn_ingest(sys, is, run.health);
    for (const auto& actor : api.ingest->actors())
      run.services.push_back(caf::actor_cast<caf::actor>(actor));
  }
  if (cfg.has_role("process")) {
    auto handlers = std::make_shared<const handler_registry>(processing_handlers(cfg));
    for (int i = 0; i < cfg.processors; ++i) {
      processor_settings ps;
      ps.redis = redis;
      ps.consumer = health_component::processor(instance, i);
      ps.batch = cfg.process_batch;
      ps.max_deliveries = cfg.max_deliveries;
      ps.claim_idle = cfg.claim_idle;
      ps.faults = cfg.faults;
      ps.reports_group = i == 0;
      ps.names = names;
      run.workers.push_back(
          caf::actor_cast<caf::actor>(spawn_processor(sys, ps, handlers, run.health)));
    }
    if (cfg.trim_every.count() > 0) {
      log_trimmer_settings ts;
      ts.redis = redis;
      ts.every = cfg.trim_every;
      ts.retain = cfg.retain;
      ts.projection_stale = cfg.projection_stale;
      ts.names = names;
      run.services.push_back(caf::actor_cast<caf::actor>(spawn_log_trimmer(sys, ts)));
    }
  }
  if (cfg.has_role("query")) {
    std::filesystem::create_directories(cfg.data_dir);
    auto db_path = (std::filesystem::path(cfg.data_dir) / "projection.db").string();
    projector_settings ps;
    ps.redis = redis;
    ps.db_path = db_path;
    ps.batch = cfg.projector_batch;
    ps.ready_max_lag = cfg.ready_max_lag;
    ps.name = instance;
    ps.schema_versions = cfg.schema_versions;
    ps.names = names;
    run.workers.push_back(caf::actor_cast<caf::actor>(spawn_projector(sys, ps, run.health)));
    for (int i = 0; i < cfg.query_threads; ++i) {
      api.queries.push_back(spawn_query(sys, db_path));
      run.services.push_back(caf::actor_cast<caf::actor>(api.queries.back()));
    }
  }

  if (api.ingest || !api.queries.empty()) {
    http_server::options po;
    po.bind = cfg.bind;
    po.port = cfg.port;
    po.threads = cfg.http_threads;
    po.max_request_bytes = cfg.max_body_bytes + 64 * 1024;
    po.served_version = served_as(cfg);
    po.traced = true;
    run.public_port = std::make_unique<http_server>(po);
    run.services.push_back(add_public_routes(*run.public_port, sys, std::move(api)));
    instrument(*run.public_port, "public");
    run.public_port->start();
  }
  http_server::options ao;
  ao.bind = cfg.bind;
  ao.port = cfg.admin_port;
  ao.threads = 1;
  ao.max_request_bytes = 64 * 1024;
  ao.served_version = served_as(cfg);
  run.admin_port = std::make_unique<http_server>(ao);
  admin_api_settings admin;
  admin.health = run.health;
  admin.metrics = [] { return metrics::global().render(); };
  admin.version_json = version_json(cfg);
  run.services.push_back(add_admin_routes(*run.admin_port, sys, std::move(admin)));
  instrument(*run.admin_port, "admin");
  run.admin_port->start();
}

// Waits (bounded) until the health actor says ready; false if it never did.
bool wait_until_ready(caf::actor_system& sys, const health_actor& health,
                      std::chrono::milliseconds timeout) {
  caf::scoped_actor self{sys};
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    bool ready = false;
    self->request(health, std::chrono::seconds(1), ready_atom::value)
        .receive([&](const health_report& r) { ready = r.ok; }, [](const caf::error&) {});
    if (ready)
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

void stop_roles(caf::actor_system& sys, const serve_config& cfg, running_roles& run,
                const sigset_t& signals) {
  if (run.simulator)
    run.simulator->end_load();
  log::info("serve", "draining: not ready, still serving for " +
                         std::to_string(cfg.drain_delay.count()) + " ms");
  // The ports first: their idle connections close, so a client's next request
  // (a readiness probe through a Service included) goes to a replica that is
  // still ready instead of finding this one's /readyz already failing.
  auto drain_ports = [&run] {
    if (run.public_port)
      run.public_port->drain();
    run.admin_port->drain();
  };
  drain_ports();
  caf::anon_send(run.health, drain_atom::value);
  // In steps, draining again after each: a connection busy at the first call
  // is closed once it comes to rest (http_server::drain).
  const auto drain_until = std::chrono::steady_clock::now() + cfg.drain_delay;
  for (auto left = cfg.drain_delay; left.count() > 0;) {
    if (wait_for_signal(signals, std::min(left, std::chrono::milliseconds(100)))) {
      log::warn("serve", "second signal: drain delay cut short");
      break;
    }
    drain_ports();
    left = std::chrono::duration_cast<std::chrono::milliseconds>(drain_until - std::chrono::steady_clock::now());
  }
  if (run.simulator)
    run.simulator->end_run();
  if (run.public_port) {
    run.public_port->refuse_new();
    if (!run.public_port->wait_idle(cfg.shutdown_timeout))
      log::error("serve", std::to_string(run.public_port->in_flight()) +
                              " requests still unanswered at the shutdown timeout");
  }
  // Workers see the exit message between batches: the batch in hand is completed and acked.
  caf::scoped_actor self{sys};
  for (auto& w : run.workers)
    self->send_exit(w, caf::exit_reason::user_shutdown);
  for (auto& w : run.workers)
    self->wait_for(w);
  if (run.public_port)
    run.public_port->stop();
  run.admin_port->stop();
  for (auto& s : run.services)
    self->send_exit(s, caf::exit_reason::user_shutdown);
  if (run.simulator)
    run.simulator->kill();
  tracing::stop();
  log::info("serve", "stopped cleanly");
}

}  // namespace

int run_serve(const serve_config& cfg) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // A client that disconnects must not kill the process with SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);

  log::init(cfg.log_level, joined(cfg.roles));
  caf::actor_system_config caf_cfg;
  caf_cfg.set("scheduler.max-threads", cfg.actor_threads);
  // Scheduler threads sleep until there is work. CAF's default policy
  // (work stealing) polls instead: after each job a thread spins, then sleeps
  // 50 us at a time 500 times, then wakes every 10 ms to look for work to
  // steal, so each of the few messages an idle process exchanges (health
  // reports) would start a round of polling: nearly all of its idle CPU.
  // Work sharing keeps one queue and a condition variable: a thread wakes
  // when a job is queued and not otherwise. Figures, idle and under load:
  // bench/README.md.
  caf_cfg.set("scheduler.policy", caf::atom("sharing"));
  caf_cfg.set("logger.console", caf::atom("none"));
  caf::actor_system sys{caf_cfg};
  running_roles run;
  try {
    start_roles(sys, cfg, run);
  } catch (const std::exception& e) {
    log::error("serve", std::string("cannot start: ") + e.what());
    for (auto& w : run.workers)
      caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
    for (auto& s : run.services)
      caf::anon_send_exit(s, caf::exit_reason::user_shutdown);
    return 1;
  }
  log::info("serve", "serving roles " + joined(cfg.roles) + ": public port " +
                         std::to_string(cfg.port) + ", admin port " +
                         std::to_string(cfg.admin_port) + ", redis " +
                         describe(redis_endpoint_of(cfg)));
  if (cfg.simulate_rate > 0) {
    if (!wait_until_ready(sys, run.health, std::chrono::seconds(30)))
      log::warn("serve", "not ready after 30 s; starting the embedded simulator anyway");
    run.simulator = std::make_unique<embedded_simulator>(sys, cfg);
  }
  wait_for_signal(signals, std::chrono::milliseconds(-1));
  stop_roles(sys, cfg, run, signals);
  return 0;
}

}  // namespace eventbed
