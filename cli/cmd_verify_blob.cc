// `vouch verify-blob FILE --key KEY (--bundle B | --signature SIG)`: option parsing only; the
// work is verify::VerifyBlob.
#include <cxxopts.hpp>
#include <iostream>
#include <string>
#include <vector>

#include "commands.h"
#include "exit_code.h"
#include "key_flags.h"
#include "vouch/keys/keys.h"
#include "vouch/verify/verify.h"

namespace vouch::cli {

int RunVerifyBlob(int argc, char** argv) {
  cxxopts::Options options("vouch verify-blob",
                           "verify a file against a public key and a Sigstore bundle or a "
                           "base64 signature");
  options.custom_help("FILE --key KEY (--bundle BUNDLE | --signature SIG)");
  options.positional_help("");
  options.add_options()("key", "public key file (a private key is accepted too), or env://VAR",
                        cxxopts::value<std::string>())("bundle", "the Sigstore bundle to check",
                                                       cxxopts::value<std::string>())(
      "signature", "a file holding the signature in base64", cxxopts::value<std::string>())(
      "h,help", "show this help")("file", "the file to verify, - for stdin",
                                  cxxopts::value<std::vector<std::string>>());
  AddPasswordOptions(options);
  options.parse_positional({"file"});
  cxxopts::ParseResult parsed = options.parse(argc, argv);
  if (parsed.count("help") > 0) {
    std::cout << options.help()
              << "\nexit codes: 0 verified, 1 not verified (modified file, wrong key, malformed "
                 "or oversized bundle or signature), 2 usage or key error, 3 file unreadable\n";
    return kExitOk;
  }
  std::vector<std::string> files;
  if (parsed.count("file") > 0) {
    files = parsed["file"].as<std::vector<std::string>>();
  }
  if (files.size() != 1) {
    return UsageError("verify-blob needs exactly one FILE to verify (\"-\" for stdin)");
  }
  if (parsed.count("key") == 0) {
    return UsageError("verify-blob needs --key KEY");
  }
  if ((parsed.count("bundle") > 0) == (parsed.count("signature") > 0)) {
    return UsageError("verify-blob needs exactly one of --bundle FILE and --signature FILE");
  }
  const std::string key_spec = parsed["key"].as<std::string>();
  Result<keys::Verifier> key = LoadVerifier(parsed, key_spec);
  if (!key.ok()) {
    return Fail(key.status());
  }
  verify::VerifyBlobRequest request;
  request.artifact_path = files[0];
  request.key = &*key;
  if (parsed.count("bundle") > 0) {
    request.bundle_path = parsed["bundle"].as<std::string>();
  } else {
    request.signature_path = parsed["signature"].as<std::string>();
  }
  if (request.bundle_path.empty() && request.signature_path.empty()) {
    return UsageError("verify-blob: --bundle and --signature need a file name");
  }
  Status st = verify::VerifyBlob(request);
  if (!st.ok()) {
    if (IsVerificationFailed(st)) {
      return Fail(st.WithContext("verification failed"));
    }
    return Fail(st);
  }
  std::cout << "Verified OK\n";
  return kExitOk;
}

}  // namespace vouch::cli
