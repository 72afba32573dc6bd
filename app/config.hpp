// Every setting of `eventbed serve`, each a flag with an EVENTBED_* environment
// variable, so a Kubernetes ConfigMap can drive the process without a wrapper.
//
// The flag and variable names are an interface: manifests and scripts rely on
// them, and tests compare them with k8s/. Rename one only together with those.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/fault_injection.hpp"
#include "common/schema_versions.hpp"
#include "storage/log_names.hpp"
#include "storage/redis_endpoint.hpp"

namespace CLI {
class App;
}

namespace eventbed {

struct serve_config {
  std::vector<std::string> roles{"ingest", "process", "query"};
  std::string redis = "127.0.0.1:6379";  // HOST:PORT, redis:// or redis-sentinel:// (storage/redis_endpoint.hpp)
  std::string redis_password_file;       // or EVENTBED_REDIS_PASSWORD, or in the URL: one of the three
  int ack_replicas = 0;                  // ingest answers 202 once this many replicas hold the events
  std::chrono::milliseconds ack_timeout{1000};  // how long WAIT waits for them
  std::string bind = "0.0.0.0";
  uint16_t port = 8080;
  uint16_t admin_port = 8079;
  std::string data_dir = "data";
  std::string instance;          // consumer-name prefix; defaults to the host name (pod name)
  std::string log_level = "info";

  int http_threads = 2;          // Pistache threads of the public port
  int actor_threads = 2;         // CAF scheduler threads

  size_t max_body_bytes = 1 << 20;
  size_t max_batch_events = 1000;
  size_t ingest_queue_limit = 100000;  // events waiting for Redis before ingest answers 503
  size_t ingest_batch_events = 2048;   // events per pipelined round trip
  int ingest_writers = 2;              // Redis connections that append concurrently
  std::chrono::milliseconds request_timeout{5000};
  std::chrono::seconds dedupe_ttl{86400};

  int processors = 2;                  // processor actors in this process
  size_t process_batch = 256;          // entries per XREADGROUP
  uint32_t max_deliveries = 5;         // then the event is failed, never retried again
  std::chrono::milliseconds claim_idle{10000};  // pending this long at a consumer: taken over

  size_t projector_batch = 2000;       // entries per XREAD of each stream
  int query_threads = 2;               // SQLite read connections
  std::chrono::milliseconds ready_max_lag{5000};  // projection further behind: not ready

  fault_injection faults;  // experiment knobs, all off by default

  std::string key_prefix = log_names::default_prefix;  // every Redis stream and key starts with it
  std::string forward_to;                   // chained services: downstream URL, "" = no forwarding
  std::vector<std::string> forward_types;   // forward only these types; empty: every type

  // The event schema versions this process knows (common/schema_versions.hpp):
  // all it ships, or fewer, to act exactly like an older release.
  schema_version_set schema_versions;

  std::string release_label;  // served version "<version>+<label>" (common/served_version.hpp)

  double simulate_rate = 0;  // > 0: run the simulator inside this process against itself

  std::chrono::milliseconds retain{86400000};          // keep entries this young regardless
  std::chrono::milliseconds trim_every{10000};         // 0: never trim
  std::chrono::milliseconds projection_stale{600000};  // a projection silent this long stops holding the log

  std::chrono::milliseconds drain_delay{5000};      // keep serving after SIGTERM while endpoints drop us
  std::chrono::milliseconds shutdown_timeout{20000};  // in-flight requests get this long after the drain

  bool has_role(const std::string& role) const;
};

// Registers the serve flags on `app`, bound to `cfg`.
void add_serve_options(CLI::App& app, serve_config& cfg);

// Checks what CLI11 cannot (roles known, ports distinct, --redis well formed, ...).
// Returns "" or the problem.
std::string validate(const serve_config& cfg);

// The variable that may hold the Redis password. It is no flag: a flag's
// value shows in the process list.
inline constexpr const char* redis_password_env = "EVENTBED_REDIS_PASSWORD";

// --redis with the password from wherever it was given. Throws
// std::invalid_argument (never quoting a password) when --redis is malformed,
// the password is given in more than one place, or its file cannot be read.
redis_endpoint redis_endpoint_of(const serve_config& cfg);

}  // namespace eventbed
