// `eventbed simulate`: the command-line face of the simulator.
//
// Usage from main():
//   auto* sim = app.add_subcommand("simulate", "...");
//   eventbed::simulate_command simulate(*sim);
//   CLI11_PARSE(app, argc, argv);
//   if (sim->parsed()) return simulate.run();
//
// This header deliberately includes neither CAF nor curl: main.cpp compiles
// fast and only simulate_command.cpp pays for the heavy headers.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace eventbed {

struct simulate_options;

class simulate_command {
 public:
  // Adds the `simulate` flags to `sub`; every flag also reads an EVENTBED_SIM_*
  // environment variable (the flag wins when both are given).
  explicit simulate_command(CLI::App& sub);
  ~simulate_command();
  simulate_command(const simulate_command&) = delete;
  simulate_command& operator=(const simulate_command&) = delete;

  // Runs the simulation with the parsed options, writes the report (and plot),
  // prints a summary. Returns 0 when every SLO was met, 1 when one was
  // violated, 2 for a usage or setup error (bad options, port in use, report
  // not writable, gnuplot missing). SIGINT/SIGTERM end the load early and still
  // produce a report (a --duration 0 run's within a second); a second signal
  // ends verification too.
  int run();

 private:
  // --history-out: write the shape's history (actors/simulator/history.hpp) instead of running.
  int write_history_file();

  std::unique_ptr<simulate_options> opts_;
  std::string progress_ = "auto";
  double history_ = 7 * 86400;
  double history_step_ = 60;
  std::string history_out_;
  std::vector<std::string> history_labels_;
};

}  // namespace eventbed
