// `vouch verify-bundle --bundle F (--certificate-identity I --certificate-oidc-issuer U | --key K)
// [--trusted-root T] [--staging] FILE_OR_DIGEST`: the sigstore-conformance client protocol
// (formats.md 5.10). Option parsing only; the work is verify::VerifyBundle.
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "command.h"
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

// RequestFromFlags applies the --bundle and key-or-identity rules and reads the identity.
Result<verify::BundleVerifyOptions> RequestFromFlags(const Args& args) {
  if (args.Get("bundle").empty()) {
    return InvalidArgumentError("verify-bundle needs --bundle FILE");
  }
  const bool keyless = HasIdentityFlags(args.parsed());
  if (args.Has("key") == keyless) {
    return InvalidArgumentError(
        "verify-bundle needs either --certificate-identity and --certificate-oidc-issuer "
        "(keyless) or --key KEY, not both");
  }
  verify::BundleVerifyOptions opts;
  if (keyless) {
    VOUCH_ASSIGN_OR_RETURN(verify::CertificateIdentity id, ParseIdentity(args.parsed()));
    opts.identities.push_back(std::move(id));
  }
  return opts;
}

// ReadBundle reads and parses --bundle; an oversized or malformed bundle is a rejection.
Result<attest::Bundle> ReadBundle(const std::string& path) {
  Result<Bytes> text = ReadFile(path, attest::kMaxBundleSize);
  if (IsResourceExhausted(text.status())) {
    return VerificationFailedError("bundle " + path + " is too large to be a bundle");
  }
  VOUCH_RETURN_IF_ERROR(text);
  Result<attest::Bundle> bundle = attest::ParseBundle(AsChars(*text));
  if (!bundle.ok()) {
    return VerificationFailedError("bundle is malformed: " + bundle.status().message());
  }
  return bundle;
}

Status VerifyBundle(const Args& args, verify::BundleVerifyOptions opts) {
  const bool has_key = args.Has("key");
  std::optional<keys::Verifier> key;
  if (has_key) {
    VOUCH_ASSIGN_OR_RETURN(key, LoadVerifierFlag(args.parsed()));
    opts.key = &*key;
  }
  if (!has_key || TrustedRootFlagGiven(args.parsed())) {
    VOUCH_ASSIGN_OR_RETURN(opts.trusted_root, LoadTrustedRootFlag(args.parsed()));
  }
  VOUCH_ASSIGN_OR_RETURN(attest::Bundle bundle, ReadBundle(args.Get("bundle")));
  verify::Artifact artifact;
  std::unique_ptr<ByteSource> source;
  if (std::optional<Digest> d = AsDigest(args.positional(0))) {
    artifact.digest = *d;
  } else {
    VOUCH_ASSIGN_OR_RETURN(source, OpenFileSource(args.positional(0)));
    artifact.source = source.get();
  }
  Result<verify::BundleVerification> v = verify::VerifyBundle(bundle, artifact, opts);
  VOUCH_RETURN_IF_ERROR(WithVerificationContext(v.status()));
  if (opts.trusted_root == nullptr) {
    std::cerr << "vouch: note: no trusted root given: only the signature was checked, not the "
                 "transparency log\n";
  }
  if (!v->signer.empty()) {
    std::cerr << "signer: " << v->signer << (v->issuer.empty() ? "" : " (" + v->issuer + ")")
              << "\n";
  }
  std::cout << "Verified OK\n";
  return OkStatus();
}

}  // namespace

int RunVerifyBundle(int argc, char** argv) {
  return Command("verify-bundle",
                 "verify a Sigstore bundle offline against a trusted root: keyless (certificate "
                 "identity) or with a public key")
      .Usage(
          "--bundle FILE (--certificate-identity ID --certificate-oidc-issuer URL | --key KEY) "
          "[--trusted-root FILE] FILE_OR_DIGEST")
      .Positional({"FILE_OR_DIGEST"})
      .Value("bundle", "the Sigstore bundle")
      .Flag("staging", "accepted for the conformance protocol; ignored (trust comes from the root)")
      .With({AddVerifyingKeyOptions, AddIdentityOptions})
      .Note(
          "FILE_OR_DIGEST is a digest when it is sha256:<64 hex> and no such file exists; for a "
          "DSSE bundle it names the statement's subject.")
      .ExitCodes(
          "0 verified, 1 not verified, 2 usage error (including a keyless check without a "
          "trusted root), 3 file unreadable")
      .Run(argc, argv, RequestFromFlags, VerifyBundle);
}

}  // namespace vouch::cli
