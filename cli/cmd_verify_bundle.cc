// `vouch verify-bundle --bundle F (--certificate-identity I --certificate-oidc-issuer U | --key K
// | --keyring KEYS) [--trusted-root T] [--staging] FILE_OR_DIGEST`: the sigstore-conformance
// client protocol (formats.md 5.10), and the bundles the field publishes (JSONL files of them,
// JSONL trusted roots, sha512 subjects). Flags in, verify::VerifyAnyBundle, one line out.
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "bundle_flags.h"
#include "command.h"
#include "commands.h"
#include "exit_code.h"
#include "identity_flags.h"
#include "key_flags.h"
#include "vouch/core/file.h"
#include "vouch/core/log.h"
#include "vouch/verify/render.h"
#include "vouch/verify/sigstore.h"

namespace vouch::cli {
namespace {

// AsDigest returns the digest FILE_OR_DIGEST names ("sha256:<hex>", sha384, sha512, sha1), when
// no file of that name exists.
std::optional<verify::ArtifactDigest> AsDigest(const std::string& arg) {
  if (PathExists(arg)) {
    return std::nullopt;
  }
  Result<verify::ArtifactDigest> d = verify::ArtifactDigest::Parse(arg);
  return d.ok() ? std::optional<verify::ArtifactDigest>(*d) : std::nullopt;
}

Status VerifyBundle(const Args& args) {
  if (args.Get("bundle").empty()) {
    return InvalidArgumentError("verify-bundle needs --bundle FILE");
  }
  VOUCH_ASSIGN_OR_RETURN(BundleTrust trust, BundleTrustFromFlags(args.parsed(), "verify-bundle"));
  VOUCH_ASSIGN_OR_RETURN(auto bundles, verify::ReadBundles(args.Get("bundle")));
  const std::string& target = args.positional(0);
  const std::optional<verify::ArtifactDigest> digest = AsDigest(target);
  verify::ArtifactOpener open = [&](std::unique_ptr<ByteSource>& holder) -> Result<verify::Artifact> {
    verify::Artifact a;
    if (digest) {
      a.digest = digest;
      return a;
    }
    VOUCH_ASSIGN_OR_RETURN(holder, OpenFileSource(target));
    a.source = holder.get();
    return a;
  };
  Result<verify::VerifiedBundle> v =
      verify::VerifyAnyBundle(bundles, trust.roots, open, trust.options);
  verify::BlobVerdict verdict;
  verdict.artifact = target;
  verdict.status = WithVerificationContext(v.status());
  if (v.ok()) {
    verdict.bundle = v->verification;
    if (trust.roots.empty()) {
      log::Info(
          "vouch: note: no trusted root given: only the signature was checked, not the "
          "transparency log");
    }
    const verify::BundleVerification& b = v->verification;
    if (!b.signer.empty()) {
      log::Info("signer: " + b.signer + (b.issuer.empty() ? "" : " (" + b.issuer + ")"));
    }
  }
  std::cout << verify::RenderBlob(verdict,
                                  args.json() ? verify::Format::kJson : verify::Format::kText);
  return verdict.status;
}

}  // namespace

int RunVerifyBundle(int argc, char** argv) {
  return Command("verify-bundle",
                 "verify a Sigstore bundle offline against a trusted root: keyless (certificate "
                 "identity), with a public key, or with a keyring of keys with validity windows")
      .Usage(
          "--bundle FILE (--certificate-identity ID --certificate-oidc-issuer URL | --key KEY | "
          "--keyring KEYS) [--trusted-root FILE] FILE_OR_DIGEST")
      .Positional({"FILE_OR_DIGEST"})
      .Value("bundle", "the Sigstore bundle, or a JSONL file of bundles (any one may verify)")
      .Flag("staging", "accepted for the conformance protocol; ignored (trust comes from the root)")
      .With({AddVerifyingKeyOptions, AddIdentityOptions, AddBundleTrustOptions})
      .OutputFlag("text or json (docs/output.md)")
      .Note(
          "FILE_OR_DIGEST is a digest when it is sha256:<hex> (or sha384, sha512, and for a "
          "DSSE statement's subjects sha1) and no such file exists; for a DSSE bundle it names a "
          "statement subject. --trusted-root may be a JSONL file of trusted roots (each is "
          "tried).")
      .ExitCodes(
          "0 verified, 1 not verified, 2 usage error (including a keyless check without a "
          "trusted root), 3 file unreadable")
      .Run(argc, argv, VerifyBundle);
}

}  // namespace vouch::cli
