// `vouch promote SRC DST --policy FILE [--key KEY]`: the promotion gate. It evaluates the image
// SRC names against the trust policy's scope for DST and, only when the policy accepts it,
// copies the image (every platform, with its signatures and attestations) to DST with identical
// digests, signs a SLSA Verification Summary Attestation (vouch/attest/vsa.h) about it, and
// finally moves DST's tag. docs/promote.md describes the command and the VSA it writes.
//
// Write order, so that a failure at any point leaves DST's tag as it was:
//   1. evaluate SRC (reads only; a rejection or an error writes nothing at all to DST);
//   2. copy by digest: blobs, platform manifests, the index, referrers and cosign tags
//      (registry::CopyImage with a digest destination, which writes no image tag);
//   3. with a signer, push the VSA as a Sigstore bundle referrer of the copied digest;
//   4. PUT the manifest under DST's tag, last.
// SRC is copied at the digest that was evaluated, never re-resolved by tag, so a tag moved
// between the evaluation and the copy cannot slip an unchecked image through.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "vouch/attest/vsa.h"
#include "vouch/core/clock.h"
#include "vouch/core/digest.h"
#include "vouch/core/status.h"
#include "vouch/keys/keys.h"
#include "vouch/policy/policy.h"
#include "vouch/registry/client.h"
#include "vouch/registry/operations.h"
#include "vouch/sign/bundle_signer.h"
#include "vouch/verify/engine.h"

namespace vouch::promote {

// Evaluator evaluates a trust policy for the image a repository names; verify::Evaluate by
// default. Tests replace it (the unit seam).
using Evaluator = std::function<verify::ImageDecision(
    registry::Repository&, const verify::TrustPolicy&, const verify::EvaluateOptions&)>;

// PromoteRequest describes one promotion.
struct PromoteRequest {
  // trust is the compiled trust policy; borrowed, required.
  const verify::TrustPolicy* trust = nullptr;
  // policy_uri is the base of the VSA's policy.uri ("#<scope policy name>" is appended). Empty:
  // trust->policy().source made absolute as a file:// URI (or kept when it already has a scheme).
  std::string policy_uri;
  // signer, when set, signs the VSA; borrowed. Without it (and without bundle_signer) no VSA is
  // written.
  const keys::Signer* signer = nullptr;
  // bundle_signer, when set, signs the VSA instead (keyless, or a key with a log or TSA:
  // vouch/sign/bundle_signer.h); borrowed.
  const sign::BundleSigner* bundle_signer = nullptr;
  // verifier_id is the VSA's verifier.id.
  std::string verifier_id = std::string(attest::kDefaultVerifierId);
  // clock gives timeVerified, the referrer's creation time and maxAge checks; null = system.
  const Clock* clock = nullptr;
  // parallelism bounds concurrent blob copies and evaluation fetches.
  int parallelism = 4;
  // evaluate is the policy evaluator; empty = verify::Evaluate.
  Evaluator evaluate;
  // copy_progress, when set, follows the copy to DST (registry::CopyOptions::progress).
  std::function<void(const registry::CopyProgress&)> copy_progress;
};

// PromoteResult reports what happened. |status| is OK when the image was promoted;
// kVerificationFailed when the policy rejected it (nothing was written to DST); any other code
// when something could not be checked or written (see |wrote_to_destination|).
struct PromoteResult {
  Status status = OkStatus();
  // decision is the policy evaluation of SRC (always filled when evaluation ran).
  verify::ImageDecision decision;
  // digest is the promoted image's digest (the index digest for multi-platform images).
  std::optional<Digest> digest;
  // source and destination are the references as normalized ("host/repo:tag").
  std::string source;
  std::string destination;
  registry::CopyResult copy;
  // vsa_location is "referrer sha256:<manifest>" at DST ("" without a signer).
  std::string vsa_location;
  // vsa_statement_json is the signed VSA statement ("" without a signer).
  std::string vsa_statement_json;
  // tag_moved is true when DST's tag now names |digest|.
  bool tag_moved = false;
  // wrote_to_destination is true once anything was written to DST (false on every rejection).
  bool wrote_to_destination = false;
};

// BuildVsa builds the VSA predicate for an accepted |decision| promoted to |dst|: verifier
// {id: request.verifier_id, version {"vouch": <version>}}, timeVerified = |now|, resourceUri =
// oci://<dst repository>, policy {uri: <policy uri>#<decision.policy_name>, digest {sha256:
// <policy file digest>}}, inputAttestations = the decision's inputs (uri
// oci://<dst repository>@<digest> for referrers, oci://<dst repository>:<tag> for cosign tags;
// digest = the object's digest; the copy keeps every digest, so they name objects at DST),
// verificationResult PASSED, verifiedLevels = decision.verified_levels (or
// [SLSA_BUILD_LEVEL_UNEVALUATED] when the policy established none), slsaVersion "1.0";
// dependencyLevels omitted (vouch makes no claim about dependencies). A decision that is not
// accepted is kFailedPrecondition.
Result<attest::Vsa> BuildVsa(const verify::ImageDecision& decision, const registry::Reference& dst,
                             const PromoteRequest& request, TimePoint now);

// Promote runs the promotion of |src| to |dst| through |client| (see the write order above).
// Errors: no policy is kInvalidArgument; a DST that names a digest other than the evaluated one
// is kInvalidArgument; registry failures keep their codes.
PromoteResult Promote(registry::Client& client, const registry::Reference& src,
                      const registry::Reference& dst, const PromoteRequest& request);

// PromoteResultToJson renders the result for `--output json` (documented in docs/promote.md);
// |trust| renders the embedded evaluation report.
std::string PromoteResultToJson(const PromoteResult& result, const verify::TrustPolicy& trust);

// PromoteResultToText renders the result for people.
std::string PromoteResultToText(const PromoteResult& result, const verify::TrustPolicy& trust);

}  // namespace vouch::promote
