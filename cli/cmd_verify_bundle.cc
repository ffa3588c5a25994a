// `vouch verify-bundle --bundle F (--certificate-identity I --certificate-oidc-issuer U | --key K)
// [--trusted-root T] [--staging] FILE_OR_DIGEST`: the sigstore-conformance client protocol
// (formats.md 5.10). Option parsing only; the work is verify::VerifyBundle.
#include <cxxopts.hpp>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "commands.h"
#include "exit_code.h"
#include "identity_flags.h"
#include "key_flags.h"
#include "vouch/attest/bundle.h"
#include "vouch/core/digest.h"
#include "vouch/core/file.h"
#include "vouch/verify/sigstore.h"

namespace vouch::cli {
namespace {

// AsDigest returns the digest FILE_OR_DIGEST names: "sha256:" and 64 hex digits, when no file of
// that name exists.
std::optional<Digest> AsDigest(const std::string& arg) {
  if (arg.size() != 7 + 64 || arg.rfind("sha256:", 0) != 0 || PathExists(arg)) {
    return std::nullopt;
  }
  std::string lower = arg;
  for (char& c : lower) {
    if (c >= 'A' && c <= 'F') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  Result<Digest> d = Digest::Parse(lower);
  if (!d.ok()) {
    return std::nullopt;
  }
  return *d;
}

}  // namespace

int RunVerifyBundle(int argc, char** argv) {
  cxxopts::Options options("vouch verify-bundle",
                           "verify a Sigstore bundle offline against a trusted root: keyless "
                           "(certificate identity) or with a public key");
  options.custom_help(
      "--bundle FILE (--certificate-identity ID --certificate-oidc-issuer URL | --key KEY) "
      "[--trusted-root FILE]");
  options.positional_help("FILE_OR_DIGEST");
  options.add_options()("bundle", "the Sigstore bundle", cxxopts::value<std::string>())(
      "key", "public key for a key-signed bundle (or env://VAR)", cxxopts::value<std::string>())(
      "staging", "accepted for the conformance protocol; ignored (trust comes from the root)")(
      "h,help", "show this help")("artifact", "the file, or sha256:<hex> of it",
                                  cxxopts::value<std::vector<std::string>>());
  AddIdentityOptions(options);
  AddPasswordOptions(options);
  options.parse_positional({"artifact"});
  cxxopts::ParseResult parsed = options.parse(argc, argv);
  if (parsed.count("help") > 0) {
    std::cout << options.help({"", "keyless"})
              << "\nFILE_OR_DIGEST is a digest when it is sha256:<64 hex> and no such file "
                 "exists; for a DSSE bundle it names the statement's subject.\n"
                 "exit codes: 0 verified, 1 not verified, 2 usage error (including a keyless "
                 "check without a trusted root), 3 file unreadable\n";
    return kExitOk;
  }
  std::vector<std::string> files;
  if (parsed.count("artifact") > 0) {
    files = parsed["artifact"].as<std::vector<std::string>>();
  }
  if (files.size() != 1) {
    return UsageError("verify-bundle needs exactly one FILE_OR_DIGEST");
  }
  if (parsed.count("bundle") == 0 || parsed["bundle"].as<std::string>().empty()) {
    return UsageError("verify-bundle needs --bundle FILE");
  }
  const bool has_key = parsed.count("key") > 0;
  const bool has_identity = HasIdentityFlags(parsed);
  if (has_key == has_identity) {
    return UsageError(
        "verify-bundle needs either --certificate-identity and --certificate-oidc-issuer "
        "(keyless) or --key KEY, not both");
  }

  verify::BundleVerifyOptions opts;
  std::optional<keys::Verifier> key;
  if (has_key) {
    Result<keys::Verifier> k = LoadVerifier(parsed, parsed["key"].as<std::string>());
    if (!k.ok()) {
      return Fail(k.status());
    }
    key = std::move(k).value();
    opts.key = &*key;
  } else {
    Result<verify::CertificateIdentity> id = ParseIdentity(parsed);
    if (!id.ok()) {
      return UsageError(id.status().message());
    }
    opts.identities.push_back(std::move(id).value());
  }
  if (!has_key || TrustedRootFlagGiven(parsed)) {
    auto root = LoadTrustedRootFlag(parsed);
    if (!root.ok()) {
      return Fail(root.status());
    }
    opts.trusted_root = std::move(root).value();
  }

  const std::string bundle_path = parsed["bundle"].as<std::string>();
  Result<Bytes> text = ReadFile(bundle_path, attest::kMaxBundleSize);
  if (IsResourceExhausted(text.status())) {
    return Fail(VerificationFailedError("bundle " + bundle_path + " is too large to be a bundle"));
  }
  if (!text.ok()) {
    return Fail(text.status());
  }
  Result<attest::Bundle> bundle = attest::ParseBundle(AsChars(*text));
  if (!bundle.ok()) {
    return Fail(VerificationFailedError("bundle is malformed: " + bundle.status().message()));
  }

  verify::Artifact artifact;
  std::unique_ptr<ByteSource> source;
  if (std::optional<Digest> d = AsDigest(files[0])) {
    artifact.digest = *d;
  } else {
    auto opened = OpenFileSource(files[0]);
    if (!opened.ok()) {
      return Fail(opened.status());
    }
    source = std::move(opened).value();
    artifact.source = source.get();
  }
  Result<verify::BundleVerification> v = verify::VerifyBundle(*bundle, artifact, opts);
  if (!v.ok()) {
    if (IsVerificationFailed(v.status())) {
      return Fail(v.status().WithContext("verification failed"));
    }
    return Fail(v.status());
  }
  if (opts.trusted_root == nullptr) {
    std::cerr << "vouch: note: no trusted root given: only the signature was checked, not the "
                 "transparency log\n";
  }
  if (!v->signer.empty()) {
    std::cerr << "signer: " << v->signer << (v->issuer.empty() ? "" : " (" + v->issuer + ")")
              << "\n";
  }
  std::cout << "Verified OK\n";
  return kExitOk;
}

}  // namespace vouch::cli
