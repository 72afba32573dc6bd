// eventbed: an event-sourced actor system to roll, kill and scale while its
// simulator measures the downtime. See README.md.
#include <CLI/CLI.hpp>

#include <iostream>

#include "actors/config.hpp"
#include "actors/serve.hpp"
#include "actors/simulator/simulate_command.hpp"

int main(int argc, char** argv) {
  CLI::App app{"eventbed: an event-sourced actor system for Kubernetes experiments"};
  app.require_subcommand(1);
  app.set_version_flag("--version", EVENTBED_VERSION);

  eventbed::serve_config serve_cfg;
  auto* serve = app.add_subcommand("serve", "Run the ingest, process and query roles");
  eventbed::add_serve_options(*serve, serve_cfg);

  auto* sim = app.add_subcommand("simulate", "Drive load at a deployment and measure its downtime");
  eventbed::simulate_command simulate(*sim);

  CLI11_PARSE(app, argc, argv);

  if (serve->parsed()) {
    if (auto problem = eventbed::validate(serve_cfg); !problem.empty()) {
      std::cerr << "eventbed serve: " << problem << "\n";
      return 2;
    }
    return eventbed::run_serve(serve_cfg);
  }
  if (sim->parsed())
    return simulate.run();
  return 2;
}
