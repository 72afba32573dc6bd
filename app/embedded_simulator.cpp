#include "app/embedded_simulator.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include <stdexcept>

#include "actors/simulator/simulator_actor.hpp"
#include "common/actor_metrics.hpp"
#include "common/curl_library.hpp"
#include "common/logging.hpp"
#include "common/metrics.hpp"

namespace eventbed {

namespace {

std::string local_url(const serve_config& cfg, uint16_t port, const std::string& path) {
  std::string host = cfg.bind == "0.0.0.0" || cfg.bind.empty() ? "127.0.0.1" : cfg.bind;
  return "http://" + host + ":" + std::to_string(port) + path;
}

void log_summary(const sim_outcome& out) {
  const auto& r = out.report;
  auto count = [&](const char* key) { return std::to_string(r.value(key, 0)); };
  log::info("simulator", "run ended: accepted " + count("accepted") + ", processed " +
                             count("processed") + ", lost " + count("lost") + ", unverified " +
                             count("unverified") + ", duplicated " +
                             count("duplicated") + ", mismatched " + count("mismatched") +
                             (out.verdict.ok ? "; SLOs met" : "; SLOs NOT met"));
}

// The actor that starts the run and logs its report when the run ends, at
// shutdown. Like every actor serve starts, it meters its messages.
struct report_state {
  actor_metrics metrics;
  static inline const char* name = "simulator_report";
};

void await_report(caf::stateful_actor<report_state>* self, simulator_actor sim) {
  self->state.metrics = actor_metrics::resolve("simulator_report");
  self->request(sim, caf::infinite, sim_run_atom::value)
      .then(
          [self](const sim_outcome& out) {
            auto msg = metered(self);
            log_summary(out);
          },
          [self](const caf::error& err) {
            auto msg = metered(self);
            log::warn("simulator", "run ended without a report: " + caf::to_string(err));
          });
}

}  // namespace

struct embedded_simulator::impl {
  simulator_actor sim;
};

embedded_simulator::embedded_simulator(caf::actor_system& sys, const serve_config& cfg)
    : impl_(std::make_unique<impl>()) {
  if (!cfg.has_role("ingest") || !cfg.has_role("query"))
    throw std::invalid_argument("--simulate-rate needs the ingest and query roles in this process");
  simulator_setup setup;
  auto& o = setup.options;
  o.ingest = {local_url(cfg, cfg.port, "")};
  o.probes = {"self=" + local_url(cfg, cfg.admin_port, "/readyz")};
  o.load.rate = cfg.simulate_rate;
  o.load.duration = 0;  // continuous: shutdown ends the run, not the clock
  o.admin_port = 0;  // its metrics go to this process's own /metrics
  o.tool_version = EVENTBED_VERSION;
  if (auto problem = resolve_targets(o, setup.targets); !problem.empty())
    throw std::invalid_argument("embedded simulator: " + problem);
  curl_library::get();  // a missing libcurl fails the start with its reason, not each request
  setup.metrics = std::make_shared<sim_live_metrics>();
  metrics::global().add_collector([m = setup.metrics](std::string& out) { out += m->render(); });
  impl_->sim = spawn_simulator(sys, std::move(setup));
  sys.spawn(await_report, impl_->sim);
  log::info("simulator", "embedded simulator running at " + std::to_string(cfg.simulate_rate) +
                             " events/s against this process");
}

embedded_simulator::~embedded_simulator() = default;

// The simulator actor's first stop ends the load, the second ends the run.
void embedded_simulator::end_load() {
  caf::anon_send(impl_->sim, sim_stop_atom::value);
}

void embedded_simulator::end_run() {
  caf::anon_send(impl_->sim, sim_stop_atom::value);
}

void embedded_simulator::kill() {
  caf::anon_send_exit(impl_->sim, caf::exit_reason::user_shutdown);
}

}  // namespace eventbed
