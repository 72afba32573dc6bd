// The command line's contract: a usage error exits 2 with a message, whatever
// the parser's own codes are; --help and --version exit 0.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "tests/support/command.hpp"

namespace eventbed {
namespace {

command_result eventbed(std::vector<std::string> args) {
  args.insert(args.begin(), EVENTBED_BINARY);
  return run_command(args);
}

TEST(CommandLine, UnknownFlagIsAUsageError) {
  auto r = eventbed({"serve", "--no-such-flag"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--no-such-flag"), std::string::npos) << r.output;
}

TEST(CommandLine, MissingSubcommandIsAUsageError) {
  auto r = eventbed({});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("subcommand"), std::string::npos) << r.output;
}

TEST(CommandLine, UnknownSubcommandIsAUsageError) {
  EXPECT_EQ(eventbed({"frobnicate"}).exit_code, 2);
}

TEST(CommandLine, MalformedValueIsAUsageError) {
  auto r = eventbed({"serve", "--port", "not-a-number"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_EQ(eventbed({"simulate", "--rate", "fast"}).exit_code, 2);
}

TEST(CommandLine, InvalidServeSettingsAreAUsageError) {
  auto r = eventbed({"serve", "--roles", "juggle"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
}

TEST(CommandLine, HelpAndVersionSucceed) {
  auto help = eventbed({"--help"});
  EXPECT_EQ(help.exit_code, 0) << help.output;
  EXPECT_NE(help.output.find("serve"), std::string::npos);
  EXPECT_EQ(eventbed({"serve", "--help"}).exit_code, 0);
  auto version = eventbed({"--version"});
  EXPECT_EQ(version.exit_code, 0) << version.output;
  EXPECT_NE(version.output.find(EVENTBED_VERSION), std::string::npos) << version.output;
}

TEST(CommandLine, BadSimulatorSettingsAreAUsageError) {
  auto slo = eventbed({"simulate", "--ingest", "http://127.0.0.1:1", "--slo", "ingest.p99<soon"});
  EXPECT_EQ(slo.exit_code, 2) << slo.output;
  EXPECT_NE(slo.output.find("--slo ingest.p99<soon"), std::string::npos) << slo.output;
  auto shape = eventbed({"simulate", "--ingest", "http://127.0.0.1:1", "--duration", "0", "--shape", "ramp"});
  EXPECT_EQ(shape.exit_code, 2) << shape.output;
  auto header = eventbed({"simulate", "--ingest", "http://127.0.0.1:1", "--header", "no colon"});
  EXPECT_EQ(header.exit_code, 2) << header.output;
}

// `--report -`: stdout is the report on one line and nothing else (the
// summary and the logs go to stderr), so a pipe into jq reads one document.
TEST(CommandLine, ReportOnStdoutIsOneLineOfJson) {
  std::string cmd = std::string(EVENTBED_BINARY) +
                    " simulate --ingest http://127.0.0.1:1 --rate 5 --duration 1s --grace 1s --admin-port 0"
                    " --progress never --report - --header 'Authorization: Bearer hush' 2>/dev/null";
  auto r = run_command({"sh", "-c", cmd});
  EXPECT_EQ(r.exit_code, 0) << r.output;  // nothing accepted, so nothing lost: the default SLOs hold
  ASSERT_FALSE(r.output.empty());
  EXPECT_EQ(r.output.find('\n'), r.output.size() - 1) << r.output;
  auto report = nlohmann::json::parse(r.output, nullptr, false);
  ASSERT_TRUE(report.is_object()) << r.output;
  EXPECT_EQ(report["kind"], "final");
  EXPECT_EQ(report["schema_version"], 3);
  EXPECT_EQ(report["tool"]["version"], EVENTBED_VERSION);
  EXPECT_EQ(report["config"]["header_names"], nlohmann::json::array({"Authorization"}));
  EXPECT_EQ(r.output.find("hush"), std::string::npos) << "a header's value never appears in the report";
}

// A malformed --redis exits 2 with a message that never repeats the password.
TEST(CommandLine, AMalformedRedisUrlIsAUsageErrorThatHidesThePassword) {
  for (const char* bad : {"redis://u:hunter2@h:port", "rediss://u:hunter2@h:1", "redis-sentinel://:hunter2@h:1"}) {
    auto r = eventbed({"serve", "--redis", bad});
    EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.output;
    EXPECT_NE(r.output.find("--redis"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("hunter2"), std::string::npos) << r.output;
  }
  auto missing = eventbed({"serve", "--redis-password-file", "/nonexistent/eventbed-password"});
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  EXPECT_NE(missing.output.find("/nonexistent/eventbed-password"), std::string::npos) << missing.output;
  auto twice = run_command({"/usr/bin/env", "EVENTBED_REDIS_PASSWORD=hunter2", EVENTBED_BINARY, "serve", "--redis",
                            "redis://:hunter3@127.0.0.1:1"});
  EXPECT_EQ(twice.exit_code, 2) << twice.output;
  EXPECT_NE(twice.output.find("more than one place"), std::string::npos) << twice.output;
  EXPECT_EQ(twice.output.find("hunter"), std::string::npos) << twice.output;
}

}  // namespace
}  // namespace eventbed
