// The subcommand table's entries. Each lives in its own cli/cmd_*.cc, parses its own options,
// calls one library function and maps the Status to an exit code through cli/exit_code.h.
// argv[0] is the subcommand name (e.g. "sign-blob"), so cxxopts sees a normal command line.
#pragma once

namespace vouch::cli {

int RunKey(int argc, char** argv);          // cmd_key.cc: key generate|public|info|import-cosign|export-cosign
int RunSignBlob(int argc, char** argv);     // cmd_sign_blob.cc
int RunVerifyBlob(int argc, char** argv);   // cmd_verify_blob.cc

}  // namespace vouch::cli
