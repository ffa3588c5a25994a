// The verification engine: one pipeline behind every image-verifying command.
//
//   TrustPolicy  = Compile(policy file | command-line flags)   trust material loaded once
//   subjects     = registry::ExpandImage(image, platform)       the resolved manifest (+ platforms)
//   evidence     = collect(subject)                            referrers, .sig, .att: one lookup
//   verified     = authority.Verify(evidence)                  who signed (key, keyless, x509)
//   decision     = requirements(verified)                      typed findings, one verdict
//   Render(decision, shape)                                    vouch/verify/render.h
//
// `vouch verify --key`, `verify-attestation`, `inspect`, `verify --policy`, `promote` and
// `serve` differ only in how they build the TrustPolicy and what they render. A usage error is
// returned by the factories below, before any registry request, never inside a decision.
// docs/architecture.md ("The verification engine") says where a new trust kind, evidence form
// or requirement goes.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vouch/core/clock.h"
#include "vouch/core/digest.h"
#include "vouch/core/status.h"
#include "vouch/keys/keys.h"
#include "vouch/policy/policy.h"
#include "vouch/registry/client.h"
#include "vouch/verify/decision.h"
#include "vouch/verify/sigstore.h"
#include "vouch/verify/slsa.h"
#include "vouch/verify/trusted_root.h"

namespace vouch::verify {

namespace internal {
class Authority;
}  // namespace internal

class TrustPolicy;
struct SignatureCheck;
struct AttestationCheck;
struct TrustFlags;
Result<std::shared_ptr<const TrustPolicy>> CompileSignatureCheck(const SignatureCheck& check);
Result<std::shared_ptr<const TrustPolicy>> CompileAttestationCheck(const AttestationCheck& check);
Result<std::shared_ptr<const TrustPolicy>> CompileInspection(const TrustFlags& trust);

// TrustPolicy is a policy::Policy with its trust material loaded: public keys (already loaded by
// the policy parser), trusted roots and x509 roots, each read once, when it is compiled. It is
// immutable and thread-safe; share it (std::shared_ptr<const TrustPolicy>).
class TrustPolicy {
 public:
  // Compile loads the trust material of every authority of |policy|. Material that cannot be
  // loaded (an unreadable trusted root, an x509 authority without roots) does not fail the
  // compilation: it makes that authority unusable, and every requirement that needs it is
  // "could not check" (Outcome::kError, exit 3), never a rejection.
  static std::shared_ptr<const TrustPolicy> Compile(policy::Policy policy);

  // Load reads, lints and compiles a policy file (policy::LoadPolicy's errors and |findings|).
  static Result<std::shared_ptr<const TrustPolicy>> Load(
      const std::string& path, std::vector<policy::LintFinding>* findings = nullptr);

  ~TrustPolicy();
  TrustPolicy(const TrustPolicy&) = delete;
  TrustPolicy& operator=(const TrustPolicy&) = delete;

  const policy::Policy& policy() const;

  // digest is SHA-256 over the policy file's digest and every authority's trust material (key
  // SPKIs, trusted root and x509 root bytes): a changed key file or root changes it, so a gate
  // that caches decisions under it never returns a decision made with other trust.
  const Digest& digest() const;

  // Find returns the compiled authority named |name|, or nullptr.
  const internal::Authority* Find(std::string_view name) const;

  // Authorities returns every compiled authority, in name order.
  std::vector<const internal::Authority*> Authorities() const;

  // Denied reports whether |key_id| (keys::Verifier::KeyId) is revoked by deny.keyIds (given
  // there as a key id or in the bundle hint form).
  bool Denied(std::string_view key_id) const;

 private:
  struct Impl;
  explicit TrustPolicy(std::unique_ptr<Impl> impl);
  friend Result<std::shared_ptr<const TrustPolicy>> CompileSignatureCheck(const SignatureCheck&);
  friend Result<std::shared_ptr<const TrustPolicy>> CompileAttestationCheck(
      const AttestationCheck&);
  friend Result<std::shared_ptr<const TrustPolicy>> CompileInspection(const TrustFlags&);
  std::unique_ptr<Impl> impl_;
};

// Trust from command-line flags: keys, or keyless identities with a trusted root.
struct TrustFlags {
  // keys are trusted public keys (`--key`, repeatable). Each distinct key is one signer.
  std::vector<keys::Verifier> keys;
  // identities are keyless identities (`--certificate-identity[-regexp]` and the issuer); they
  // need |trusted_root| and exclude |keys|.
  std::vector<CertificateIdentity> identities;
  std::shared_ptr<const TrustedRoot> trusted_root;
  // notation trusts Notary Project signatures by a Notation trust policy (`--notation`): one
  // more authority, named "notation", beside the keys or identities (which it makes optional).
  std::optional<policy::NotationAuthority> notation;
};

// SignatureCheck is what `vouch verify IMAGE --key K… [--threshold N] [-a k=v]` asks.
struct SignatureCheck {
  TrustFlags trust;
  // threshold: distinct trusted keys (keyless: the identity) that must have signed each
  // manifest checked; at least 1, at most the number of distinct keys.
  size_t threshold = 1;
  // annotations every counted signature must carry.
  std::map<std::string, std::string> annotations;
  // all_platforms: for an index, the index and every platform manifest must be signed.
  bool all_platforms = false;
};

// CompileSignatureCheck builds the in-memory policy of `vouch verify`: one authority per
// distinct key (or one for the keyless identity) and one signature requirement. A check without
// trust, with keys and identities both, identities without a trusted root, or a threshold that
// cannot be met, is kInvalidArgument.
Result<std::shared_ptr<const TrustPolicy>> CompileSignatureCheck(const SignatureCheck& check);

// AttestationCheck is what `vouch verify-attestation IMAGE --type T …` asks.
struct AttestationCheck {
  TrustFlags trust;
  // predicate_type is the required predicateType URI (already mapped from a short name).
  std::string predicate_type;
  // slsa holds the SLSA checks (provenance types only) and max_age (provenance and VSA).
  SlsaExpectations slsa;
  // annotations must all be in the annotations of the statement subject for the image.
  std::map<std::string, std::string> annotations;
  // vsa: the VSA checks (predicate type VSA only).
  policy::VsaRequirement vsa;
};

// CompileAttestationCheck builds the in-memory policy of `vouch verify-attestation`: the
// authorities of |check.trust| and one attestation requirement. Missing trust or predicate type,
// SLSA checks on a type that is not provenance, VSA checks on a type that is not a VSA, or
// annotations on a VSA, are kInvalidArgument.
Result<std::shared_ptr<const TrustPolicy>> CompileAttestationCheck(const AttestationCheck& check);

// CompileInspection builds the trust of `vouch inspect`: the authorities of |trust| (possibly
// none: then nothing is verified and what is shown is unauthenticated) and no requirement.
Result<std::shared_ptr<const TrustPolicy>> CompileInspection(const TrustFlags& trust);

// SignatureForms selects the storage forms signatures are looked for in (`--signature-format`).
enum class SignatureForms { kAll, kBundle, kLegacy };

// ParseSignatureForms maps "all", "bundle" and "legacy"; anything else is kInvalidArgument.
Result<SignatureForms> ParseSignatureForms(std::string_view name);

struct EvaluateOptions {
  // scope_image, when set, selects the scope policy by this reference instead of the image's own
  // (promote evaluates SRC against the scope of DST).
  std::string scope_image;
  // platform, for an index, checks that platform's manifest instead of the index.
  std::optional<registry::Platform> platform;
  // forms restricts where signatures are looked for.
  SignatureForms forms = SignatureForms::kAll;
  // inventory lists everything attached to each manifest in ImageDecision::inventory, verified
  // against every authority of the trust policy (`vouch inspect`), and walks the platform
  // manifests of an index.
  bool inventory = false;
  // parallelism bounds concurrent fetches, and images EvaluateImages checks at once.
  int parallelism = 8;
  // clock measures maxAge; nullptr = the system clock.
  const Clock* clock = nullptr;
  // resolved is the descriptor the caller resolved the image's tag to, when it pinned the
  // reference itself (registry::ExpandOptions::resolved): one registry round trip fewer.
  std::optional<registry::Descriptor> resolved;
};

// Evaluate decides about the image |repo|'s reference names under |trust|: it selects the scope
// policy (by options.scope_image when set, else by the reference), then, unless its mode is
// accept or reject (no registry request), expands the image once, collects what is attached to
// each manifest once, verifies each piece of evidence with the authorities the requirements
// name, and checks every requirement (docs/policy.md, "Evaluation report", has the rules).
// Never throws; a failed lookup makes the decision kError with the lookup's operational code,
// never kRejected.
ImageDecision Evaluate(registry::Repository& repo, const TrustPolicy& trust,
                       const EvaluateOptions& options);

// DecideOutright returns the decision Evaluate makes about |image| when the policy alone decides
// it, with no registry request: no scope matches (rejected), the scope's mode is reject
// (rejected), |image| names a digest in deny.digests (rejected), or the mode is accept and
// deny.digests is empty (accepted, unresolved). nullopt when deciding needs the registry. The
// scope is selected as Evaluate selects it (options.scope_image, else |image|.ToString()). The
// gate calls it before resolving a tag, so such an image costs no registry request at all.
std::optional<ImageDecision> DecideOutright(const registry::Reference& image,
                                            const TrustPolicy& trust,
                                            const EvaluateOptions& options);

// EvaluateImages evaluates each reference with one Client, options.parallelism at a time.
// Decisions are in the order of |images|; a reference that does not open gets kError.
std::vector<ImageDecision> EvaluateImages(registry::Client& client,
                                          const std::vector<registry::Reference>& images,
                                          const TrustPolicy& trust,
                                          const EvaluateOptions& options);

// OverallStatus is the verdict on several images: the first error's status (could not check)
// when there is one, else the first rejection's, else OK. ExitCodeFor maps it.
Status OverallStatus(const std::vector<ImageDecision>& decisions);

}  // namespace vouch::verify
