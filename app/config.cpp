#include "app/config.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

#include "common/served_version.hpp"

namespace eventbed {

namespace {

// Durations are given in milliseconds on the command line, like the probes' periods.
template <class Duration>
CLI::Option* add_ms(CLI::App& app, const std::string& flag, Duration& value,
                    const std::string& env, const std::string& help) {
  auto* opt = app.add_option_function<long long>(
      flag, [&value](long long ms) {
        value = std::chrono::duration_cast<Duration>(std::chrono::milliseconds(ms));
      },
      help + " (milliseconds)");
  opt->envname(env);
  opt->default_str(std::to_string(
      std::chrono::duration_cast<std::chrono::milliseconds>(value).count()));
  return opt;
}

CLI::Option* add_range(CLI::App& app, const std::string& flag, latency_range& value,
                       const std::string& env, const std::string& help) {
  return app
      .add_option_function<std::string>(
          flag, [&value](const std::string& s) { value = parse_latency_range(s); },
          help + " (N or MIN-MAX milliseconds)")
      ->envname(env)
      ->default_str("0");
}

// The conventional fault variables of chained-service experiments, read
// before the flags so that --inject-error-rate, --inject-latency-ms and their
// EVENTBED_* variables win over them: APP_ERRORS is a percent (0-100) of
// failures, APP_LATENCY the maximum of a latency drawn from 0 to it (ms).
void read_app_fault_aliases(fault_injection& f) {
  if (const char* v = std::getenv("APP_ERRORS"); v && *v) {
    char* end = nullptr;
    double percent = std::strtod(v, &end);
    if (*end != '\0' || !(percent >= 0 && percent <= 100))
      throw CLI::ValidationError("APP_ERRORS", std::string("a percent from 0 to 100, not '") + v + "'");
    f.error_rate = percent / 100;
  }
  if (const char* v = std::getenv("APP_LATENCY"); v && *v) {
    try {
      f.request_latency = parse_latency_range(std::string("0-") + v);
    } catch (const std::invalid_argument&) {
      throw CLI::ValidationError("APP_LATENCY", std::string("a maximum in ms, not '") + v + "'");
    }
  }
}

// Experiment knobs: faults to switch on per role (each role is its own process on Kubernetes).
void add_faults(CLI::App& app, fault_injection& f) {
  app.preparse_callback([&f](size_t) { read_app_fault_aliases(f); });
  app.add_option("--inject-error-rate", f.error_rate,
                 "Experiment: fraction of public requests answered 503 injected_fault, and of "
                 "event processing attempts failed (retried)")
      ->envname("EVENTBED_INJECT_ERROR_RATE")->capture_default_str()->check(CLI::Range(0.0, 1.0));
  add_range(app, "--inject-latency-ms", f.request_latency, "EVENTBED_INJECT_LATENCY_MS",
            "Experiment: latency added to each public request, like a slow dependency");
  add_range(app, "--process-latency-ms", f.process_latency, "EVENTBED_PROCESS_LATENCY_MS",
            "Experiment: time each event's processing waits (a slow consumer)");
  app.add_option_function<long long>(
         "--process-cpu-us", [&f](long long us) { f.process_cpu = std::chrono::microseconds(us); },
         "Experiment: CPU burned per processed event, for autoscaling loads (microseconds)")
      ->envname("EVENTBED_PROCESS_CPU_US")->default_str("0")->check(CLI::Range(0LL, 10000000LL));
}

}  // namespace

bool serve_config::has_role(const std::string& role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

void add_serve_options(CLI::App& app, serve_config& c) {
  // A flag given twice takes its last value, so scripts can append overrides.
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_option("--roles", c.roles, "Roles this process runs: ingest, process, query")
      ->envname("EVENTBED_ROLES")->delimiter(',')->capture_default_str()
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--redis", c.redis,
                 "Redis holding the event log: HOST:PORT, redis://[USER[:PASSWORD]@]HOST:PORT[/DB] or "
                 "redis-sentinel://HOST:PORT[,HOST:PORT...]/SERVICE")
      ->envname("EVENTBED_REDIS")->capture_default_str();
  app.add_option("--redis-password-file", c.redis_password_file,
                 "File holding the Redis password (a mounted Secret), read again on every reconnect; "
                 "or set EVENTBED_REDIS_PASSWORD")
      ->envname("EVENTBED_REDIS_PASSWORD_FILE");
  app.add_option("--ack-replicas", c.ack_replicas,
                 "Ingest answers 202 only once this many replicas hold the events (Redis WAIT)")
      ->envname("EVENTBED_ACK_REPLICAS")->capture_default_str()->check(CLI::Range(0, 16));
  add_ms(app, "--ack-timeout-ms", c.ack_timeout, "EVENTBED_ACK_TIMEOUT_MS",
         "How long ingest waits for --ack-replicas before answering 503");
  app.add_option("--bind", c.bind, "Address both HTTP ports listen on")
      ->envname("EVENTBED_BIND")->capture_default_str();
  app.add_option("--port", c.port, "Public API port (ingest, events, stats)")
      ->envname("EVENTBED_PORT")->capture_default_str();
  app.add_option("--admin-port", c.admin_port, "Admin port (probes, metrics, version)")
      ->envname("EVENTBED_ADMIN_PORT")->capture_default_str();
  app.add_option("--data-dir", c.data_dir, "Folder of the SQLite projection")
      ->envname("EVENTBED_DATA_DIR")->capture_default_str();
  app.add_option("--instance", c.instance,
                 "Name of this process in the consumer group (default: host name)")
      ->envname("EVENTBED_INSTANCE");
  app.add_option("--log-level", c.log_level, "debug, info, warn or error")
      ->envname("EVENTBED_LOG_LEVEL")->capture_default_str()
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  app.add_option("--http-threads", c.http_threads, "Threads serving the public port")
      ->envname("EVENTBED_HTTP_THREADS")->capture_default_str()->check(CLI::Range(1, 64));
  app.add_option("--actor-threads", c.actor_threads, "CAF scheduler threads")
      ->envname("EVENTBED_ACTOR_THREADS")->capture_default_str()->check(CLI::Range(1, 64));
  app.add_option("--max-body-bytes", c.max_body_bytes, "Largest accepted request body")
      ->envname("EVENTBED_MAX_BODY_BYTES")->capture_default_str()
      ->check(CLI::Range(size_t{1024}, size_t{64} << 20));
  app.add_option("--max-batch-events", c.max_batch_events, "Most events in one request")
      ->envname("EVENTBED_MAX_BATCH_EVENTS")->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{100000}));
  app.add_option("--ingest-queue-limit", c.ingest_queue_limit,
                 "Events waiting for Redis before ingest answers 503, split over the ingest actors")
      ->envname("EVENTBED_INGEST_QUEUE_LIMIT")->capture_default_str();
  app.add_option("--ingest-batch-events", c.ingest_batch_events,
                 "Most events in one pipelined Redis round trip")
      ->envname("EVENTBED_INGEST_BATCH_EVENTS")->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{100000}));
  app.add_option("--ingest-writers", c.ingest_writers, "Ingest actors, each with its own thread and Redis connection")
      ->envname("EVENTBED_INGEST_WRITERS")->capture_default_str()->check(CLI::Range(1, 16));
  add_ms(app, "--request-timeout-ms", c.request_timeout, "EVENTBED_REQUEST_TIMEOUT_MS",
         "How long a request may wait for the pipeline before 503");
  app.add_option_function<long long>(
         "--dedupe-ttl-s", [&c](long long s) { c.dedupe_ttl = std::chrono::seconds(s); },
         "How long a client-supplied id is remembered for idempotency (seconds)")
      ->envname("EVENTBED_DEDUPE_TTL_S")->default_str(std::to_string(c.dedupe_ttl.count()));
  app.add_option("--processors", c.processors, "Processor actors in this process")
      ->envname("EVENTBED_PROCESSORS")->capture_default_str()->check(CLI::Range(1, 256));
  app.add_option("--process-batch", c.process_batch, "Entries a processor reads at once")
      ->envname("EVENTBED_PROCESS_BATCH")->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{10000}));
  app.add_option("--max-deliveries", c.max_deliveries,
                 "Deliveries after which an event is marked failed")
      ->envname("EVENTBED_MAX_DELIVERIES")->capture_default_str()->check(CLI::Range(1, 1000));
  add_ms(app, "--claim-idle-ms", c.claim_idle, "EVENTBED_CLAIM_IDLE_MS",
         "Pending this long at a consumer, an entry is taken over by another");
  add_ms(app, "--retain-ms", c.retain, "EVENTBED_RETAIN_MS",
         "Log entries younger than this are never trimmed (0: trim all that is safe)");
  add_ms(app, "--trim-interval-ms", c.trim_every, "EVENTBED_TRIM_INTERVAL_MS",
         "How often the process role trims the log (0: never)");
  add_ms(app, "--projection-stale-ms", c.projection_stale, "EVENTBED_PROJECTION_STALE_MS",
         "A projection silent this long no longer holds back trimming");
  add_faults(app, c.faults);
  app.add_option("--key-prefix", c.key_prefix,
                 "Prefix of every Redis stream and key, so several deployments can share one Redis")
      ->envname("EVENTBED_KEY_PREFIX")->capture_default_str();
  app.add_option("--forward-to", c.forward_to,
                 "Chained services: after processing, POST each event to this downstream eventbed "
                 "(base URL or its /ingest URL)")
      ->envname("EVENTBED_FORWARD_TO");
  app.add_option("--forward-types", c.forward_types,
                 "Forward only events of these types (comma-separated; default: every type)")
      ->envname("EVENTBED_FORWARD_TYPES")->delimiter(',');
  app.add_option("--projector-batch", c.projector_batch, "Entries the projector reads at once")
      ->envname("EVENTBED_PROJECTOR_BATCH")->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{100000}));
  app.add_option("--query-threads", c.query_threads, "SQLite read connections")
      ->envname("EVENTBED_QUERY_THREADS")->capture_default_str()->check(CLI::Range(1, 64));
  add_ms(app, "--ready-max-lag-ms", c.ready_max_lag, "EVENTBED_READY_MAX_LAG_MS",
         "Projection further behind than this: not ready");
  app.add_option_function<std::string>(
         "--schema-versions",
         [&c](const std::string& list) {
           try {
             c.schema_versions = schema_version_set::parse(list);
           } catch (const std::invalid_argument& e) {
             throw CLI::ValidationError("--schema-versions", e.what());
           }
         },
         "Event schema versions this process knows, e.g. 1,2 to act like an older release "
         "(default: every version it ships)")
      ->envname("EVENTBED_SCHEMA_VERSIONS")->default_str("");
  app.add_option("--release-label", c.release_label,
                 "Appended to the version every HTTP answer names (Eventbed-Version: 0.1.0+LABEL), "
                 "e.g. blue, green or canary, to tell two releases of one build apart")
      ->envname("EVENTBED_RELEASE_LABEL");
  app.add_option("--simulate-rate", c.simulate_rate,
                 "Run the simulator inside this process against itself at this many events/s "
                 "(0: off); needs the ingest and query roles")
      ->envname("EVENTBED_SIMULATE_RATE")->capture_default_str()->check(CLI::Range(0.0, 1e6));
  add_ms(app, "--drain-delay-ms", c.drain_delay, "EVENTBED_DRAIN_DELAY_MS",
         "After SIGTERM, keep serving this long while load balancers drop the process");
  add_ms(app, "--shutdown-timeout-ms", c.shutdown_timeout, "EVENTBED_SHUTDOWN_TIMEOUT_MS",
         "After the drain delay, how long in-flight work may take to finish");
}

std::string validate(const serve_config& c) {
  if (c.roles.empty())
    return "--roles needs at least one of ingest, process, query";
  for (const auto& r : c.roles)
    if (r != "ingest" && r != "process" && r != "query")
      return "unknown role '" + r + "' (known: ingest, process, query)";
  if (c.port != 0 && c.port == c.admin_port)
    return "--port and --admin-port must differ";
  if (c.simulate_rate > 0 && (!c.has_role("ingest") || !c.has_role("query")))
    return "--simulate-rate needs the ingest and query roles in this process";
  if (c.ingest_batch_events > c.ingest_queue_limit)
    return "--ingest-batch-events must not exceed --ingest-queue-limit";
  if (!valid_release_label(c.release_label))
    return "--release-label must be at most 32 of the letters, digits and '-'";
  if (auto problem = check_key_prefix(c.key_prefix); !problem.empty())
    return "--key-prefix: " + problem;
  if (!c.forward_to.empty() && c.forward_to.rfind("http://", 0) != 0 && c.forward_to.rfind("https://", 0) != 0)
    return "--forward-to needs an http:// or https:// URL";
  if (!c.forward_types.empty() && c.forward_to.empty())
    return "--forward-types needs --forward-to";
  if (c.ack_replicas > 0 && (c.ack_timeout.count() < 1 || c.ack_timeout >= c.request_timeout))
    return "--ack-timeout-ms must be at least 1 and less than --request-timeout-ms";
  try {
    redis_endpoint_of(c);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

redis_endpoint redis_endpoint_of(const serve_config& c) {
  auto ep = parse_redis_endpoint(c.redis);
  const char* env = std::getenv(redis_password_env);
  bool from_env = env != nullptr && *env != '\0';
  int places = (ep.password.empty() ? 0 : 1) + (from_env ? 1 : 0) + (c.redis_password_file.empty() ? 0 : 1);
  if (places > 1)
    throw std::invalid_argument(std::string("the Redis password is given in more than one place (--redis, ") +
                                redis_password_env + ", --redis-password-file): give it in one");
  if (from_env)
    ep.password = env;
  ep.password_file = c.redis_password_file;
  try {
    current_password(ep);
  } catch (const std::runtime_error& e) {
    throw std::invalid_argument(e.what());
  }
  return ep;
}

}  // namespace eventbed
