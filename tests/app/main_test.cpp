// The command line's contract: a usage error exits 2 with a message, whatever
// the parser's own codes are; --help and --version exit 0.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace eventbed
