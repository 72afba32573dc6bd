#include "app/simulate_command.hpp"

#include <caf/all.hpp>
#include <CLI/CLI.hpp>

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <fstream>
#include <cstdio>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

#include "common/curl_library.hpp"
#include "actors/simulator/event_factory.hpp"
#include "actors/simulator/history.hpp"
#include "actors/simulator/hop_breakdown.hpp"
#include "actors/simulator/report.hpp"
#include "actors/simulator/simulate_options.hpp"
#include "actors/simulator/simulator_actor.hpp"
#include "actors/simulator/timeline_plot.hpp"
#include "app/heap_trimmer.hpp"
#include "common/logging.hpp"
#include "common/wall_clock.hpp"
#include "gateways/http_server.hpp"

namespace eventbed {

namespace {

// Durations accept a unit suffix; a bare number is seconds.
CLI::AsNumberWithUnit seconds_unit() {
  return CLI::AsNumberWithUnit(std::map<std::string, double>{{"ms", 0.001}, {"s", 1}, {"m", 60}, {"h", 3600},
                                                             {"d", 86400}},
                               CLI::AsNumberWithUnit::CASE_SENSITIVE, "UNIT");
}

// SIGINT/SIGTERM become stop messages for the simulator instead of killing the
// process, so an interrupted run (Ctrl-C, a Job deleted) still reports.
class stop_on_signals {
 public:
  // Blocks the signals in the calling thread; threads started later inherit that.
  stop_on_signals() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set_, &old_);
  }
  ~stop_on_signals() {
    done_ = true;
    if (thread_.joinable())
      thread_.join();
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  void forward_to(const simulator_actor& sim) {
    thread_ = std::thread([this, sim] {
      timespec poll{0, 100 * 1000 * 1000};
      while (!done_) {
        if (sigtimedwait(&set_, nullptr, &poll) > 0) {
          log::info("simulate", "stopping (a second signal skips verification)");
          caf::anon_send(sim, sim_stop_atom::value);
        }
      }
    });
  }

 private:
  sigset_t set_, old_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

// Where the report goes. `-` (or --report-every without --report) is stdout,
// one JSON object per line; a file gets the same lines with --report-every,
// else the final report alone, indented for people.
class report_sink {
 public:
  explicit report_sink(const simulate_options& o)
      : path_(o.report_path.empty() && o.report_every > 0 ? "-" : o.report_path), lines_(o.report_every > 0) {}

  // Opens (truncates) the file; false if it cannot be written.
  bool open() {
    if (path_.empty() || path_ == "-")
      return true;
    file_ = std::fopen(path_.c_str(), "w");
    return file_ != nullptr;
  }
  ~report_sink() {
    if (file_)
      std::fclose(file_);
  }

  bool on_stdout() const { return path_ == "-"; }
  const std::string& path() const { return path_; }

  // An interval or window line; written at once, so a reader sees it live.
  void line(const nlohmann::json& j) { write(j.dump()); }

  bool final_report(const nlohmann::json& j) {
    if (path_.empty())
      return true;
    return write(on_stdout() || lines_ ? j.dump() : j.dump(2));
  }

 private:
  bool write(const std::string& text) {
    std::lock_guard<std::mutex> lock(mu_);
    FILE* f = on_stdout() ? stdout : file_;
    if (!f)
      return false;
    bool ok = std::fputs(text.c_str(), f) >= 0 && std::fputc('\n', f) != EOF;
    return std::fflush(f) == 0 && ok;
  }

  std::string path_;
  bool lines_;
  FILE* file_ = nullptr;
  std::mutex mu_;
};

// A chained run: each hop's share of the time, read back from every hop.
void add_hop_breakdown(const simulate_options& o, const std::vector<named_url>& hops, nlohmann::json& report) {
  event_factory events(report["run_id"].get<std::string>(), o.type, 0);
  sim_http_client client(o.headers);
  auto sent = report["sent"].get<uint64_t>();
  const auto& chain = report["chain"] =
      hop_breakdown(client, hops, sent, [&](uint64_t seq) { return events.id(seq); });
  char text[160];
  std::snprintf(text, sizeof text, "chain, accepted at the first hop to processed at the last: p50 %.0f ms (%zu events);",
                chain["end_to_end_p50_ms"].get<double>(), chain["sampled"].get<size_t>());
  std::string line = text;
  for (const auto& hop : chain["hops"]) {
    std::snprintf(text, sizeof text, " %s %.0f%% (p50 %.0f ms)", hop["name"].get<std::string>().c_str(),
                  100 * hop["fraction"].get<double>(), hop["share_p50_ms"].get<double>());
    line += text;
  }
  log::info("simulate", line);
}

int write_outputs(const simulate_options& o, report_sink& sink, const sim_outcome& out) {
  auto summary = summarize_sim_report(out.report);
  if (!sink.on_stdout()) {
    std::cout << summary << std::flush;
  } else if (isatty(STDERR_FILENO)) {
    std::cerr << summary;
  } else {
    // stdout and stderr end up in one log (kubectl logs): keep every line JSON.
    log::info("simulate", summary);
  }
  if (!sink.final_report(out.report)) {
    log::error("simulate", "cannot write " + sink.path());
    return 2;
  }
  if (!o.plot_path.empty()) {
    if (auto problem = render_timeline_plot(out.report, o.plot_path); !problem.empty())
      log::warn("simulate", "no plot: " + problem);
  }
  return out.verdict.ok ? 0 : 1;
}

}  // namespace

simulate_command::simulate_command(CLI::App& sub) : opts_(std::make_unique<simulate_options>()) {
  auto& o = *opts_;
  auto env = [](const char* name) { return std::string("EVENTBED_SIM_") + name; };
  auto seconds = [&](const char* flag, double& value, const char* env_name, const char* help) {
    auto* opt = sub.add_option(flag, value, help)->envname(env(env_name))->transform(seconds_unit());
    if (value >= 0)  // negative defaults mean "unset" and say so in the help text
      opt->capture_default_str();
  };
  sub.add_option("--ingest", o.ingest, "[NAME=]URL of an ingest endpoint (repeatable; /ingest is appended)")
      ->envname(env("INGEST"))->delimiter(',');
  sub.add_option("--query", o.query, "[NAME=]URL of a query endpoint (repeatable; default: the ingest URLs)")
      ->envname(env("QUERY"))->delimiter(',');
  sub.add_option("--hop", o.hops,
                 "[NAME=]URL of a chain's upstream hop, in chain order, --query being the last: the report "
                 "splits the end-to-end time into each hop's share (repeatable)")
      ->envname(env("HOP"))->delimiter(',');
  sub.add_option("--probe", o.probes, "NAME=URL of a health probe, e.g. ingest=http://h:8079/readyz (repeatable)")
      ->envname(env("PROBE"))->delimiter(',');

  sub.add_option("--rate", o.load.rate, "Events per second (the mean for diurnal/weekly)")
      ->envname(env("RATE"))->capture_default_str();
  seconds("--duration", o.load.duration, "DURATION", "Length of the load (0: until SIGTERM/SIGINT)");
  sub.add_option("--shape", o.shape, "constant|ramp|step|spike|diurnal|weekly")
      ->envname(env("SHAPE"))->capture_default_str();
  sub.add_option("--ramp-from", o.load.ramp_from, "ramp: rate at the start")->envname(env("RAMP_FROM"))
      ->capture_default_str();
  sub.add_option("--steps", o.load.steps, "step: number of equal steps up to --rate")->envname(env("STEPS"))
      ->capture_default_str();
  sub.add_option("--spike-factor", o.load.spike_factor, "spike: rate multiplier")->envname(env("SPIKE_FACTOR"))
      ->capture_default_str();
  seconds("--spike-at", o.load.spike_at, "SPIKE_AT", "spike: start (default: centred)");
  seconds("--spike-length", o.load.spike_length, "SPIKE_LENGTH", "spike: length (default: a tenth of the run)");
  sub.add_option("--amplitude", o.load.amplitude, "diurnal/weekly: swing around the mean, 0..1")
      ->envname(env("AMPLITUDE"))->capture_default_str();
  sub.add_option("--weekend-factor", o.load.weekend_factor, "weekly: weekend days' share of a weekday")
      ->envname(env("WEEKEND_FACTOR"))->capture_default_str();

  sub.add_option("--batch", o.batch, "Events per POST (a JSON array when > 1)")->envname(env("BATCH"))
      ->capture_default_str();
  sub.add_option("--concurrency", o.concurrency, "Ingest requests in flight (connections)")
      ->envname(env("CONCURRENCY"))->capture_default_str();
  sub.add_option("--query-concurrency", o.query_concurrency, "Verification polls in flight")
      ->envname(env("QUERY_CONCURRENCY"))->capture_default_str();
  sub.add_option("--max-backlog", o.max_backlog, "Due requests that may wait for a connection; more are dropped")
      ->envname(env("MAX_BACKLOG"))->capture_default_str();
  seconds("--timeout", o.timeout, "TIMEOUT", "Per ingest/query request");
  sub.add_option("--retries", o.retries, "Extra attempts after 503/429/timeout/connection failure")
      ->envname(env("RETRIES"))->capture_default_str();
  sub.add_option("--type", o.type, "Event type to send")->envname(env("TYPE"))->capture_default_str();
  sub.add_option("--workload", o.workload,
                 "events (opaque payloads of --type) or widgets (widget.produced.v1-v3, verified through GET /summary)")
      ->envname(env("WORKLOAD"))->capture_default_str();
  sub.add_option("--widget-versions", o.widget_versions, "Widget schema version mix: 2, or 1:1,2:1,3:2 (version:weight)")
      ->envname(env("WIDGET_VERSIONS"))->capture_default_str();
  seconds("--widget-switch-at", o.widget_switch_at, "WIDGET_SWITCH_AT",
          "From this time of the run on, send --widget-switch-versions instead (default: never)");
  sub.add_option("--widget-switch-versions", o.widget_switch_versions, "The version mix after --widget-switch-at")
      ->envname(env("WIDGET_SWITCH_VERSIONS"));
  sub.add_option("--widget-skus", o.widget_skus, "SKUs the widget workload produces")
      ->envname(env("WIDGET_SKUS"))->capture_default_str();
  sub.add_option("--widget-seed", o.widget_seed, "Seed of the widget quantities and the version draw")
      ->envname(env("WIDGET_SEED"))->capture_default_str();
  sub.add_option("--padding", o.padding, "Filler characters per payload")->envname(env("PADDING"))
      ->capture_default_str();
  sub.add_option("--header", o.headers, "'Name: value' sent with every request, e.g. for an ingress (repeatable)")
      ->envname(env("HEADER"));
  sub.add_option("--run-id", o.run_id, "Run id in event ids sim-<run>-<seq> (default: random)")
      ->envname(env("RUN_ID"));

  seconds("--deadline", o.deadline, "DEADLINE", "Accepted -> visible as processed/failed, else functional downtime");
  seconds("--grace", o.grace, "GRACE", "After the load: time to finish sending and verifying");
  seconds("--probe-period", o.probe_period, "PROBE_PERIOD", "Between probes of each --probe");
  seconds("--probe-timeout", o.probe_timeout, "PROBE_TIMEOUT", "Per probe");

  sub.add_option("--report", o.report_path, "Write the JSON report here ('-': stdout, one line)")
      ->envname(env("REPORT"));
  seconds("--report-every", o.report_every, "REPORT_EVERY",
          "Also write a JSON line per interval of this length (0: off), to --report or stdout");
  sub.add_option("--plot", o.plot_path, "Write a PNG timeline here (needs gnuplot)")->envname(env("PLOT"));
  sub.add_option("--admin-port", o.admin_port, "Port for GET /metrics while running (0: off)")
      ->envname(env("ADMIN_PORT"))->capture_default_str();
  sub.add_option("--admin-bind", o.admin_bind, "Address for the admin port")->envname(env("ADMIN_BIND"))
      ->capture_default_str();
  sub.add_option("--progress", progress_, "Status line on stderr: auto (when a TTY), always, never")
      ->envname(env("PROGRESS"))->check(CLI::IsMember({"auto", "always", "never"}))->capture_default_str();

  sub.add_option("--max-lost", o.slo.max_lost, "SLO: accepted events never seen processed/failed")
      ->envname(env("MAX_LOST"))->capture_default_str();
  sub.add_option("--max-duplicated", o.slo.max_duplicated, "SLO: duplicated events")
      ->envname(env("MAX_DUPLICATED"))->capture_default_str();
  sub.add_option("--max-mismatched", o.slo.max_mismatched, "SLO: events read back different from what was sent")
      ->envname(env("MAX_MISMATCHED"))->capture_default_str();
  seconds("--max-functional-downtime", o.slo.max_functional_downtime, "MAX_FUNCTIONAL_DOWNTIME",
          "SLO: seconds of functional downtime, any target (default: no limit)");
  seconds("--max-p99", o.slo.max_p99, "MAX_P99", "SLO: ingest latency p99 (default: no limit)");
  seconds("--history", history_, "HISTORY", "With --history-out: length of the history, ending now");
  seconds("--history-step", history_step_, "HISTORY_STEP", "With --history-out: time between samples");
  sub.add_option("--history-out", history_out_,
                 "Write --history of the shape as OpenMetrics text here (for promtool tsdb "
                 "create-blocks-from openmetrics) and exit without sending load")
      ->envname(env("HISTORY_OUT"));
  sub.add_option("--history-label", history_labels_, "NAME=VALUE added to every history sample (repeatable)")
      ->envname(env("HISTORY_LABEL"))->delimiter(',');
  sub.add_option("--slo", o.slo_expressions, "SLO expression, e.g. 'ingest.p99<5ms', 'lost==0' (repeatable)")
      ->envname(env("SLO"))->delimiter(',');
}

simulate_command::~simulate_command() = default;

int simulate_command::write_history_file() {
  auto& o = *opts_;
  history_options h;
  h.load = o.load;
  auto shape = parse_load_shape(o.shape);
  if (!shape) {
    log::error("simulate", "--shape " + o.shape + ": no such shape");
    return 2;
  }
  h.load.shape = *shape;
  h.length = history_;
  h.step = history_step_;
  h.end = std::floor(static_cast<double>(wall_clock_ms()) / 1000);
  for (const auto& text : history_labels_) {
    h.labels.emplace_back();
    if (auto problem = parse_history_label(text, &h.labels.back()); !problem.empty()) {
      log::error("simulate", problem);
      return 2;
    }
  }
  std::ofstream file(history_out_);
  if (!file) {
    log::error("simulate", "cannot write " + history_out_);
    return 2;
  }
  try {
    write_history(h, file);
  } catch (const std::invalid_argument& e) {
    log::error("simulate", e.what());
    return 2;
  }
  file.close();
  if (!file) {
    log::error("simulate", "cannot write " + history_out_);
    return 2;
  }
  char done[64];
  std::snprintf(done, sizeof done, "wrote %g days of ", history_ / 86400);
  log::info("simulate", done + o.shape + " history to " + history_out_);
  return 0;
}

int simulate_command::run() {
  auto& o = *opts_;
  // Logs go to stderr: stdout may carry the report.
  log::init("info", "simulator", true);
  if (!history_out_.empty())
    return write_history_file();
  simulator_setup setup;
  if (auto problem = resolve_targets(o, setup.targets); !problem.empty()) {
    log::error("simulate", problem);
    return 2;
  }
  try {
    curl_library::get();
  } catch (const std::exception& e) {
    log::error("simulate", e.what());
    return 2;
  }
  if (!o.plot_path.empty() && !gnuplot_available()) {
    log::error("simulate", "--plot needs gnuplot (apt-get install gnuplot-nox)");
    return 2;
  }
  report_sink sink(o);
  if (!sink.open()) {
    log::error("simulate", "cannot write " + sink.path());
    return 2;
  }
  stop_on_signals signals;  // before any thread starts
  o.tool_version = EVENTBED_VERSION;
  setup.options = o;
  const auto targets = setup.targets;
  // A run of hours or days keeps its RSS at its live heap (heap_trimmer.hpp).
  heap_trimmer trimmer(std::chrono::seconds(10));
  if (o.report_every > 0)  // lines only when the report is a stream of them
    setup.on_line = [&sink](const nlohmann::json& line) { sink.line(line); };
  setup.progress = progress_ == "always" || (progress_ == "auto" && isatty(STDERR_FILENO));
  // The admin port answers from the latest metrics snapshot on the server's own
  // thread, never through the simulator actor, so a slow scrape cannot delay the load.
  std::unique_ptr<http_server> admin;
  if (o.admin_port != 0) {
    setup.metrics = std::make_shared<sim_live_metrics>();
    admin = std::make_unique<http_server>(http_server::options{o.admin_bind, o.admin_port, 1, 64 * 1024, ""});
    admin->route("GET", "/metrics", [m = setup.metrics](http_request&, http_reply reply) {
      reply.send(200, m->render(), {}, "text/plain; version=0.0.4; charset=utf-8");
    });
    admin->route("GET", "/livez", [](http_request&, http_reply reply) {
      reply.send(200, R"({"status":"ok"})");
    });
    try {
      admin->start();
    } catch (const std::exception& e) {
      log::error("simulate", e.what());
      return 2;
    }
  }
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", 2);
  caf::actor_system sys{cfg};
  auto sim = spawn_simulator(sys, std::move(setup));
  signals.forward_to(sim);
  int rc = 2;
  caf::scoped_actor self{sys};
  auto limit = std::chrono::milliseconds(static_cast<int64_t>(max_run_seconds(o) * 1000));
  self->request(sim, limit, sim_run_atom::value)
      .receive([&](const sim_outcome& answer) {
                 sim_outcome out = answer;
                 if (targets.hops.size() > 1)
                   add_hop_breakdown(o, targets.hops, out.report);
                 rc = write_outputs(o, sink, out);
               },
               [&](const caf::error& err) {
                 log::error("simulate", sys.render(err));
                 self->send_exit(sim, caf::exit_reason::user_shutdown);
               });
  return rc;
}

}  // namespace eventbed
