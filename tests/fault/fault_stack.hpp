// The stack a fault case runs against, all on 127.0.0.1 with free ports:
//
//   redis       redis_server: AOF, appendfsync always (an acknowledged write survives SIGKILL)
//   ingest      eventbed serve --roles ingest   (--request-timeout-ms 2000)
//   process-1/2 eventbed serve --roles process  (two processes, one consumer group, --claim-idle-ms 2000)
//   query       eventbed serve --roles query
//
// Each eventbed process keeps its data dir (and its log, eventbed.log) in the
// case's work dir. Every start is a new generation with a new --instance,
// "<name>-g<generation>": a restarted pod gets a new name on Kubernetes, and so
// does its consumer ("<instance>-<n>"), so a killed processor's entries must be
// taken over, not read back under the old name.
//
// A replicated stack (the Redis failover cases) has instead a primary with two
// replicas (AOF each) and three Sentinels (quorum 2, down after 1 s), and every
// eventbed process connects through the Sentinels (redis-sentinel://).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "storage/redis_connection.hpp"
#include "tests/support/eventbed_process.hpp"
#include "tests/support/redis_sentinel.hpp"
#include "tests/support/redis_server.hpp"

namespace eventbed::fault {

constexpr int server_timeout_ms = 2000;  // ingest answers 503 well before clients (4 s) give up
constexpr int claim_idle_ms = 2000;      // takeover of a dead consumer's entries (default 10 s)

// Flags a case adds to the defaults of each role.
struct stack_flags {
  std::vector<std::string> ingest, process, query;
};

// One eventbed process of the stack.
struct role {
  std::string name;  // "ingest", "process-1", "process-2", "query"
  std::unique_ptr<eventbed_process> proc;
  int generation = 0;

  std::string instance() const { return name + "-g" + std::to_string(generation); }
};

class fault_stack {
 public:
  fault_stack(std::string workdir, const stack_flags& flags, bool replicated = false);
  ~fault_stack();  // kills whatever still runs
  fault_stack(const fault_stack&) = delete;
  fault_stack& operator=(const fault_stack&) = delete;

  void start();  // everything ready, or throws

  redis_server& redis() { return *redis_; }  // the first primary
  // Replicated stacks: every server, the one the Sentinels name as primary now
  // (nullptr if none answers), and the Sentinels.
  std::vector<redis_server*> servers();
  redis_server* primary();
  std::vector<redis_sentinel*> sentinels();
  const std::string& redis_url() const { return redis_url_; }
  role& ingest() { return roles_[0]; }
  role& processor(int i) { return roles_[1 + i]; }  // 0 or 1
  role& query() { return roles_[3]; }
  std::vector<role*> roles();
  std::vector<role*> processors() { return {&processor(0), &processor(1)}; }
  const std::string& workdir() const { return workdir_; }

  // The role's next generation, started; not waited for.
  void start(role& r);
  // Reads the process's counters now, for counter_total once it is killed: a
  // kill must not wait for a scrape (the victim would finish its batch meanwhile).
  void sample_counters(role& r);
  // Crash: SIGKILL at once; its counters count as last sampled.
  void kill(role& r);
  // Clean stop: counters read, then SIGTERM; the exit code.
  int stop(role& r);

  // A counter summed over every process that ever ran in the stack: the live
  // ones now, the killed ones as last sampled, the stopped ones as they stopped.
  double counter_total(const std::string& series);

  // GET /stats on the query role: events in its projection, -1 without an answer.
  long projected();
  // Entries of the consumer group pending at consumers whose name starts with
  // `prefix` (XPENDING summary).
  long pending_at(const std::string& prefix);
  // LATENCY LATEST: worst stall per event, in ms.
  std::map<std::string, long> redis_stalls();
  redis_connection connect();

  // SIGTERM to every eventbed process (resumed first), then Redis. Exit codes by instance.
  std::map<std::string, int> stop_all();

 private:
  void retire(role& r);  // its last sample joins the totals

  std::string workdir_;
  std::unique_ptr<redis_server> redis_;
  std::vector<std::unique_ptr<redis_server>> replicas_;
  std::vector<std::unique_ptr<redis_sentinel>> sentinels_;
  std::string redis_url_;  // what every eventbed process is given as --redis
  std::vector<role> roles_;
  std::map<std::string, double> retired_;                         // series -> value
  std::map<std::string, std::map<std::string, double>> samples_;  // instance -> series -> value
};

}  // namespace eventbed::fault
