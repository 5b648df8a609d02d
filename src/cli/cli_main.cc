// genauth-cli: the command-line gRPC client for genauth-sidecar. All logic is in cli.cc.
#include <iostream>
#include <string>
#include <vector>

#include "cli/cli.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return genauth::cli::RunCli(args, std::cout, std::cerr);
}
