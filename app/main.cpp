// eventbed: an event-sourced actor system to roll, kill and scale while its
// simulator measures the downtime. See README.md.
#include <CLI/CLI.hpp>

#include <iostream>

#include "app/config.hpp"
#include "app/serve.hpp"
#include "app/simulate_command.hpp"

int main(int argc, char** argv) {
  CLI::App app{"eventbed: an event-sourced actor system for Kubernetes experiments"};
  app.require_subcommand(1);
  app.set_version_flag("--version", EVENTBED_VERSION);

  eventbed::serve_config serve_cfg;
  auto* serve = app.add_subcommand("serve", "Run the ingest, process and query roles");
  eventbed::add_serve_options(*serve, serve_cfg);

  auto* sim = app.add_subcommand("simulate", "Drive load at a deployment and measure its downtime");
  eventbed::simulate_command simulate(*sim);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version arrive here too, as CLI11's "success"; every other
    // parse error is a usage error, and usage errors exit 2 whatever CLI11's
    // own code for it is (106 for a missing subcommand, 109 for an extra flag).
    return app.exit(e) == static_cast<int>(CLI::ExitCodes::Success) ? 0 : 2;
  }

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
