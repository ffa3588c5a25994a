// Placeholder: this command lands with its issue.
#include <iostream>

#include "commands.h"
#include "exit_code.h"

namespace vouch::cli {

int RunServe(int, char** argv) {
  std::cerr << "vouch " << argv[0] << ": not implemented yet\n";
  return kExitOperational;
}

}  // namespace vouch::cli
