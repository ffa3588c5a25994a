// `vouch sign-blob FILE --key KEY (--bundle OUT | --output-signature SIG)`: option parsing only;
// the work is sign::SignBlob.
#include <cxxopts.hpp>
#include <iostream>
#include <string>
#include <vector>

#include "commands.h"
#include "exit_code.h"
#include "key_flags.h"
#include "vouch/keys/keys.h"
#include "vouch/sign/sign.h"

namespace vouch::cli {

int RunSignBlob(int argc, char** argv) {
  cxxopts::Options options("vouch sign-blob",
                           "sign a file with a key, writing a Sigstore bundle (v0.3) and/or the "
                           "raw signature in base64");
  options.custom_help("FILE --key KEY [--bundle OUT.sigstore.json] [--output-signature SIG]");
  options.positional_help("");
  options.add_options()("key", "private key file, or env://VAR", cxxopts::value<std::string>())(
      "bundle", "write the Sigstore bundle to this file", cxxopts::value<std::string>())(
      "output-signature", "write the signature (std base64) to this file",
      cxxopts::value<std::string>())("h,help", "show this help")(
      "file", "the file to sign, - for stdin", cxxopts::value<std::vector<std::string>>());
  AddPasswordOptions(options);
  options.parse_positional({"file"});
  cxxopts::ParseResult parsed = options.parse(argc, argv);
  if (parsed.count("help") > 0) {
    std::cout << options.help()
              << "\nFILE \"-\" reads stdin (not for Ed25519 keys, which need a regular file)."
                 "\nexit codes: 0 signed, 2 usage or key error, 3 file unreadable or unwritable\n";
    return kExitOk;
  }
  std::vector<std::string> files;
  if (parsed.count("file") > 0) {
    files = parsed["file"].as<std::vector<std::string>>();
  }
  if (files.size() != 1) {
    return UsageError("sign-blob needs exactly one FILE to sign (\"-\" for stdin)");
  }
  if (parsed.count("key") == 0) {
    return UsageError("sign-blob needs --key KEY");
  }
  sign::SignBlobRequest request;
  request.artifact_path = files[0];
  if (parsed.count("bundle") > 0) {
    request.bundle_path = parsed["bundle"].as<std::string>();
  }
  if (parsed.count("output-signature") > 0) {
    request.signature_path = parsed["output-signature"].as<std::string>();
  }
  if (request.bundle_path.empty() && request.signature_path.empty()) {
    return UsageError("sign-blob needs --bundle FILE and/or --output-signature FILE");
  }
  const std::string key_spec = parsed["key"].as<std::string>();
  Result<std::unique_ptr<keys::Signer>> signer = LoadSigner(parsed, key_spec);
  if (!signer.ok()) {
    return Fail(signer.status());
  }
  request.signer = signer->get();

  Result<sign::SignBlobResult> result = sign::SignBlob(request);
  if (!result.ok()) {
    return Fail(result.status());
  }
  std::string wrote;
  if (!request.bundle_path.empty()) {
    wrote += "bundle " + request.bundle_path;
  }
  if (!request.signature_path.empty()) {
    wrote += (wrote.empty() ? "" : " and ") + std::string("signature ") + request.signature_path;
  }
  std::cerr << "Signed " << (request.artifact_path == "-" ? "stdin" : request.artifact_path) << " ("
            << result->digest.ToString() << ") with "
            << keys::KeyAlgorithmName((*signer)->algorithm()) << " key "
            << (*signer)->PublicKey().KeyId().substr(0, 16) << "; wrote " << wrote << "\n";
  return kExitOk;
}

}  // namespace vouch::cli
