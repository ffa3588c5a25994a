// Placeholder until the command lands.
#include "commands.h"
#include "exit_code.h"

namespace vouch::cli {
int RunProvenance(int /*argc*/, char** /*argv*/) { return Fail(UnimplementedError("not implemented yet")); }
}  // namespace vouch::cli
