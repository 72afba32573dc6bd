#include "actors/simulator/simulator_actor.hpp"

#include <caf/all.hpp>

#include <cstdio>
#include <exception>

#include "actors/simulator/http_worker.hpp"
#include "actors/simulator/progress_line.hpp"
#include "actors/simulator/report.hpp"
#include "actors/simulator/simulation.hpp"
#include "common/actor_metrics.hpp"
#include "common/logging.hpp"

namespace eventbed {

namespace {

using clock_type = std::chrono::steady_clock;

constexpr auto tick_interval = std::chrono::milliseconds(1);
constexpr auto publish_interval = std::chrono::milliseconds(250);
// Extra time a worker gets beyond its HTTP timeout before the request counts as failed.
constexpr double worker_slack = 5;

// Workers of one kind (ingest or query): idle ones wait here for a send.
struct worker_pool {
  std::vector<http_worker_actor> idle;
  size_t busy = 0;
};

struct simulator_state {
  simulator_setup setup;
  std::unique_ptr<simulation> sim;
  std::unique_ptr<progress_line> progress;
  clock_type::time_point start;
  std::vector<http_worker_actor> workers;  // all of them, to stop them at the end
  worker_pool ingest, query;
  std::vector<http_worker_actor> probes;
  std::vector<bool> probe_busy;
  double next_probe = 0;
  double next_interval = 0;  // the next --report-every boundary
  int stops = 0;
  bool running = false;
  caf::typed_response_promise<sim_outcome> promise;
  actor_metrics metrics;  // resolved at spawn
  static inline const char* name = "simulator";
};

using self_ptr = simulator_actor::stateful_pointer<simulator_state>;

double seconds_since(const simulator_state& st, clock_type::time_point t) {
  return std::chrono::duration<double>(t - st.start).count();
}

double now(self_ptr self) {
  return seconds_since(self->state, clock_type::now());
}

std::chrono::microseconds after(double seconds) {
  return std::chrono::microseconds(static_cast<int64_t>(std::max(0.0, seconds) * 1e6));
}

// What a worker that never answered (crashed, or CAF's timeout fired) amounts to.
sim_http_response no_answer(const caf::error& err, clock_type::time_point sent) {
  sim_http_response res;
  res.failed = sim_http_response::failure::transport;
  res.error = caf::to_string(err);
  res.sent = sent;
  res.done = clock_type::now();
  return res;
}

// Window lines go out as soon as the tracker closes a window; drained either way.
void emit_windows(self_ptr self) {
  auto& st = self->state;
  for (const auto& w : st.sim->newly_closed_windows())
    if (st.setup.on_line)
      st.setup.on_line(make_sim_window_line(*st.sim, w));
}

void publish(self_ptr self) {
  auto& st = self->state;
  emit_windows(self);
  auto snap = st.sim->snapshot(now(self));
  if (st.progress)
    std::fprintf(stderr, "\r\033[K%s", st.progress->render(snap).c_str());
  if (st.setup.metrics)
    st.setup.metrics->publish(std::move(snap));
}

void finish(self_ptr self) {
  auto& st = self->state;
  if (!st.running)
    return;
  st.running = false;
  double end = now(self);
  st.sim->finish(end);
  publish(self);
  // The last, partial interval, so the interval lines cover the whole run.
  if (st.setup.on_line && st.setup.options.report_every > 0)
    st.setup.on_line(make_sim_interval(*st.sim, end));
  if (st.progress)
    std::fputc('\n', stderr);
  auto verdict = check_slos(st.setup.options, *st.sim);
  st.promise.deliver(sim_outcome{make_sim_report(*st.sim, verdict), verdict});
  // Busy workers finish their request first: a detached actor reads its mailbox between requests.
  for (auto& w : st.workers)
    self->send_exit(w, caf::exit_reason::user_shutdown);
  self->quit();
}

// Runs the body of one message (a timer's, an HTTP answer's, a stop): metered
// as one message of the actor (common/actor_metrics.hpp), and guarded, since
// an exception would otherwise kill the actor and leave the caller of `run`
// waiting until its timeout with no report.
template <class F>
void handle(self_ptr self, F body) {
  auto msg = metered(self);
  try {
    body();
  } catch (const std::exception& e) {
    log::error("simulator", std::string("internal error: ") + e.what() + "; ending the run");
    finish(self);
  }
}

// One of the two streams of requests the simulation schedules, ingest sends
// and verification polls: where its workers wait, how the simulation hands out
// its due sends, and how it takes their answers.
template <class Send>
struct lane {
  worker_pool simulator_state::*pool;
  std::vector<Send> (simulation::*take)(double now, size_t free_slots);
  void (simulation::*done)(const Send&, const sim_http_response&, double sent, double done);
};

const lane<simulation::ingest_send> ingest_lane{&simulator_state::ingest, &simulation::take_ingest,
                                                 &simulation::ingest_done};
const lane<simulation::poll_send> poll_lane{&simulator_state::query, &simulation::take_polls,
                                             &simulation::poll_done};

// Hands every send that is due to an idle worker of the lane. Each answer
// frees its worker, goes to the simulation, and dispatches the lane again.
template <class Send>
void dispatch(self_ptr self, const lane<Send>& l) {
  auto& st = self->state;
  auto& pool = st.*l.pool;
  for (auto& s : (*st.sim.*l.take)(now(self), pool.idle.size())) {
    auto worker = pool.idle.back();
    pool.idle.pop_back();
    ++pool.busy;
    auto request = std::move(s.request);
    auto sent = clock_type::now();
    auto answered = [self, worker, s, &l](const sim_http_response& res) {
      auto& st = self->state;
      auto& pool = st.*l.pool;
      handle(self, [&] {
        pool.idle.push_back(worker);
        --pool.busy;
        if (!st.running)
          return;
        (*st.sim.*l.done)(s, res, seconds_since(st, res.sent), seconds_since(st, res.done));
        dispatch(self, l);
      });
    };
    self->request(worker, after(request.timeout + worker_slack), sim_http_atom::value, std::move(request))
        .then([=](const sim_http_response& res) { answered(res); },
              [=](caf::error& err) { answered(no_answer(err, sent)); });
  }
}

void probe_all(self_ptr self) {
  auto& st = self->state;
  for (size_t i = 0; i < st.probes.size(); ++i) {
    // A probe still waiting for its timeout keeps its slot: the period is a
    // pace, not a queue, and an outage must not pile up probes.
    if (st.probe_busy[i])
      continue;
    st.probe_busy[i] = true;
    auto request = st.sim->probe_request(i);
    auto sent = clock_type::now();
    auto done = [=](const sim_http_response& res) {
      handle(self, [&] {
        auto& s = self->state;
        s.probe_busy[i] = false;
        if (s.running)
          s.sim->probe_done(i, res, seconds_since(s, res.sent), seconds_since(s, res.done));
      });
    };
    self->request(st.probes[i], after(request.timeout + worker_slack), sim_http_atom::value, std::move(request))
        .then([=](const sim_http_response& res) { done(res); }, [=](caf::error& err) { done(no_answer(err, sent)); });
  }
}

void start(self_ptr self) {
  auto& st = self->state;
  const auto& o = st.setup.options;
  auto& sys = self->system();
  for (uint32_t i = 0; i < o.concurrency; ++i)
    st.ingest.idle.push_back(spawn_http_worker(sys, o.headers));
  for (uint32_t i = 0; i < o.query_concurrency; ++i)
    st.query.idle.push_back(spawn_http_worker(sys, o.headers));
  // The --probe targets, and the summary probe of the widget workload (simulation::probe_count()).
  size_t probes = st.setup.targets.probes.size() + (o.workload == "widgets" ? 1 : 0);
  for (size_t i = 0; i < probes; ++i)
    st.probes.push_back(spawn_http_worker(sys, o.headers));
  st.probe_busy.assign(st.probes.size(), false);
  for (auto* pool : {&st.ingest.idle, &st.query.idle, &st.probes})
    st.workers.insert(st.workers.end(), pool->begin(), pool->end());
  // The clock starts once the workers exist, so spawning them is not charged as latency.
  st.start = clock_type::now();
  st.sim = std::make_unique<simulation>(o, st.setup.targets, std::chrono::system_clock::now());
  if (st.setup.progress)
    st.progress = std::make_unique<progress_line>(o.continuous ? 0 : o.load.duration);
  st.running = true;
  self->send(self, sim_tick_atom::value);
  self->send(self, sim_probe_atom::value);
  self->delayed_send(self, publish_interval, sim_pub_atom::value);
  if (o.report_every > 0) {
    st.next_interval = o.report_every;
    self->delayed_send(self, after(o.report_every), sim_interval_atom::value);
  }
}

simulator_actor::behavior_type simulator(self_ptr self, simulator_setup setup) {
  self->state.setup = std::move(setup);
  self->state.metrics = actor_metrics::resolve("simulator");
  return {
      [=](sim_run_atom) -> caf::result<sim_outcome> {
        auto msg = metered(self);
        auto& st = self->state;
        if (st.sim)
          return caf::make_error(caf::sec::runtime_error, "a simulator runs once");
        try {
          start(self);
        } catch (const std::exception& e) {
          return caf::make_error(caf::sec::runtime_error, e.what());
        }
        st.promise = self->make_response_promise<sim_outcome>();
        return st.promise;
      },
      [=](sim_stop_atom) {
        handle(self, [&] {
          auto& st = self->state;
          if (!st.running)
            return;
          if (++st.stops == 1)
            st.sim->stop(now(self));
          else
            finish(self);
        });
      },
      [=](sim_tick_atom) {
        handle(self, [&] {
          auto& st = self->state;
          if (!st.running)
            return;
          dispatch(self, ingest_lane);
          dispatch(self, poll_lane);
          if (st.sim->done(now(self), st.ingest.busy, st.query.busy))
            finish(self);
          else
            self->delayed_send(self, tick_interval, sim_tick_atom::value);
        });
      },
      [=](sim_probe_atom) {
        handle(self, [&] {
          auto& st = self->state;
          if (!st.running || st.probes.empty())
            return;
          probe_all(self);
          // Drift-free: the next probe is due one period after the previous one was.
          double period = st.setup.options.probe_period;
          st.next_probe = std::max(st.next_probe + period, now(self));
          self->delayed_send(self, after(st.next_probe - now(self)), sim_probe_atom::value);
        });
      },
      [=](sim_interval_atom) {
        handle(self, [&] {
          auto& st = self->state;
          if (!st.running)
            return;
          // Boundaries at exact multiples of the period since the start: intervals do not drift.
          double boundary = st.next_interval;
          st.next_interval += st.setup.options.report_every;
          emit_windows(self);
          if (st.setup.on_line)
            st.setup.on_line(make_sim_interval(*st.sim, boundary));
          st.sim->next_interval(boundary);
          self->delayed_send(self, after(st.next_interval - now(self)), sim_interval_atom::value);
        });
      },
      [=](sim_pub_atom) {
        handle(self, [&] {
          if (!self->state.running)
            return;
          publish(self);
          self->delayed_send(self, publish_interval, sim_pub_atom::value);
        });
      },
  };
}

}  // namespace

simulator_actor spawn_simulator(caf::actor_system& sys, simulator_setup setup) {
  return sys.spawn(simulator, std::move(setup));
}

double max_run_seconds(const simulate_options& o) {
  return o.load.duration + o.grace + o.deadline + 2 * (o.timeout + worker_slack) + o.probe_timeout + 30;
}

}  // namespace eventbed
