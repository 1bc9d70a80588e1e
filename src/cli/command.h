// The `ruvllm` program's sub-commands.
//
// Each src/cli/cmd_*.cpp file defines one sub-command and registers it with a file-scope
// `CommandRegistration`, so adding a command never touches main.cpp. A command receives the
// arguments after its name (argv[0] is "ruvllm NAME") and returns the process exit status:
// 0 success, 1 runtime failure, 2 usage or input error.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace ruvllm::cli {

using CommandFn = std::function<int(int argc, char** argv)>;

struct Command {
  std::string name;
  std::string summary;
  CommandFn run;
};

// All registered commands, sorted by name.
std::vector<Command>& commands();

struct CommandRegistration {
  CommandRegistration(std::string name, std::string summary, CommandFn run);
};

}  // namespace ruvllm::cli
