#include "tests/support/command.hpp"

#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "tests/support/child_process.hpp"

namespace eventbed {

command_result run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  std::vector<std::string> args = argv;
  if (args.at(0).find('/') == std::string::npos)
    args[0] = find_in_path(args[0]);
  if (args[0].empty())
    throw std::runtime_error("run_command: " + argv[0] + " is not in PATH");
  char path[] = "/tmp/eventbed-command-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0)
    throw std::runtime_error("run_command: cannot create an output file");
  close(fd);

  command_result result;
  {
    child_process child;
    child.start(args, path);
    result.exit_code = child.wait_exit(timeout);
  }  // a child still running at the timeout is killed here
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  result.output = text.str();
  unlink(path);
  return result;
}

}  // namespace eventbed
