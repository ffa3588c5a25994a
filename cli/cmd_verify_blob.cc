// `vouch verify-blob FILE (--key KEY | --certificate-identity I --certificate-oidc-issuer U)
// (--bundle B | --signature SIG) [--trusted-root T]`: option parsing only; the work is
// verify::VerifyBlob.
#include <cxxopts.hpp>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "commands.h"
#include "exit_code.h"
#include "identity_flags.h"
#include "key_flags.h"
#include "vouch/keys/keys.h"
#include "vouch/verify/verify.h"

namespace vouch::cli {

int RunVerifyBlob(int argc, char** argv) {
  cxxopts::Options options("vouch verify-blob",
                           "verify a file against a public key and a Sigstore bundle or a "
                           "base64 signature");
  options.custom_help(
      "FILE (--key KEY | --certificate-identity ID --certificate-oidc-issuer URL) "
      "(--bundle BUNDLE | --signature SIG) [--trusted-root FILE]");
  options.positional_help("");
  options.add_options()("key", "public key file (a private key is accepted too), or env://VAR",
                        cxxopts::value<std::string>())("bundle", "the Sigstore bundle to check",
                                                       cxxopts::value<std::string>())(
      "signature", "a file holding the signature in base64", cxxopts::value<std::string>())(
      "h,help", "show this help")("file", "the file to verify, - for stdin",
                                  cxxopts::value<std::vector<std::string>>());
  AddPasswordOptions(options);
  AddIdentityOptions(options);
  options.parse_positional({"file"});
  cxxopts::ParseResult parsed = options.parse(argc, argv);
  if (parsed.count("help") > 0) {
    std::cout << options.help({"", "keyless"})
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
  const bool keyless = HasIdentityFlags(parsed);
  if ((parsed.count("key") > 0) == keyless) {
    return UsageError(
        "verify-blob needs --key KEY, or --certificate-identity and --certificate-oidc-issuer "
        "(keyless), not both");
  }
  if (keyless && parsed.count("signature") > 0) {
    return UsageError("keyless verification needs --bundle, not --signature");
  }
  if ((parsed.count("bundle") > 0) == (parsed.count("signature") > 0)) {
    return UsageError("verify-blob needs exactly one of --bundle FILE and --signature FILE");
  }
  verify::VerifyBlobRequest request;
  request.artifact_path = files[0];
  verify::BlobSigstoreOptions sigstore;
  std::optional<keys::Verifier> key;
  if (keyless) {
    Result<verify::CertificateIdentity> id = ParseIdentity(parsed);
    if (!id.ok()) {
      return UsageError(id.status().message());
    }
    sigstore.identities.push_back(std::move(id).value());
  } else {
    Result<keys::Verifier> k = LoadVerifier(parsed, parsed["key"].as<std::string>());
    if (!k.ok()) {
      return Fail(k.status());
    }
    key = std::move(k).value();
    request.key = &*key;
  }
  if (keyless || TrustedRootFlagGiven(parsed)) {
    auto root = LoadTrustedRootFlag(parsed);
    if (!root.ok()) {
      return Fail(root.status());
    }
    sigstore.trusted_root = std::move(root).value();
  }
  if (parsed.count("bundle") > 0) {
    request.bundle_path = parsed["bundle"].as<std::string>();
  } else {
    request.signature_path = parsed["signature"].as<std::string>();
  }
  if (request.bundle_path.empty() && request.signature_path.empty()) {
    return UsageError("verify-blob: --bundle and --signature need a file name");
  }
  Status st = verify::VerifyBlob(request, sigstore);
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
