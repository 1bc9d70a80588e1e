// ruvllm: entry point; dispatches to the registered sub-commands (see command.h).
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include "cli/command.h"

namespace ruvllm::cli {

std::vector<Command>& commands() {
  static std::vector<Command> list;
  return list;
}

CommandRegistration::CommandRegistration(std::string name, std::string summary, CommandFn run) {
  auto& list = commands();
  list.push_back({std::move(name), std::move(summary), std::move(run)});
  std::sort(list.begin(), list.end(), [](const Command& a, const Command& b) { return a.name < b.name; });
}

}  // namespace ruvllm::cli

static void print_usage(FILE* out) {
  std::fprintf(out, "usage: ruvllm COMMAND [ARGS...]\n\ncommands:\n");
  for (const auto& c : ruvllm::cli::commands())
    std::fprintf(out, "  %-16s %s\n", c.name.c_str(), c.summary.c_str());
  std::fprintf(out, "\nRun 'ruvllm COMMAND --help' for a command's options.\n");
}

int main(int argc, char** argv) {
  if (argc < 2) {
    print_usage(stderr);
    return 2;
  }
  const std::string name = argv[1];
  if (name == "-h" || name == "--help" || name == "help") {
    print_usage(stdout);
    return 0;
  }
  if (name == "--version" || name == "version") {
    std::printf("ruvllm 0.1.0\n");
    return 0;
  }
  for (const auto& c : ruvllm::cli::commands()) {
    if (c.name != name) continue;
    std::string prog = std::string("ruvllm ") + name;
    std::vector<char*> args;
    args.push_back(prog.data());
    for (int i = 2; i < argc; ++i) args.push_back(argv[i]);
    try {
      return c.run(int(args.size()), args.data());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "ruvllm %s: error: %s\n", name.c_str(), e.what());
      return 1;
    }
  }
  std::fprintf(stderr, "ruvllm: unknown command '%s'\n\n", name.c_str());
  print_usage(stderr);
  return 2;
}
