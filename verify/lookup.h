// Lookup machinery shared by `vouch verify`, `vouch verify-attestation`, `vouch inspect` and the
// policy evaluator (private to the verify module): parallel fetches, the data-problem vs
// operational split, and the collection of everything attached to one manifest in both storage
// forms.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vouch/attest/bundle.h"
#include "vouch/attest/dsse.h"
#include "vouch/core/digest.h"
#include "vouch/core/status.h"
#include "vouch/registry/client.h"

namespace vouch::verify::internal {

// kBundlePrefix starts every Sigstore bundle media type.
inline constexpr std::string_view kBundlePrefix = "application/vnd.dev.sigstore.bundle";
// kBundlePredicateTypeAnnotation labels a bundle referrer with its predicate type.
inline constexpr std::string_view kBundlePredicateTypeAnnotation =
    "dev.sigstore.bundle.predicateType";

// RunParallel calls fn(0..count-1) on at most |parallelism| threads and waits for all.
void RunParallel(size_t count, int parallelism, const std::function<void(size_t)>& fn);

// IsSignatureDataProblem tells failures that describe a signature object (missing, corrupt,
// oversized, malformed: it does not count) from operational failures (the registry could not be
// asked: the verdict is "could not check", never "unsigned").
bool IsSignatureDataProblem(const Status& s);

// AttachedObject is one signature or attestation found attached to a manifest.
struct AttachedObject {
  std::string format;    // "bundle" or "legacy"
  std::string location;  // "referrer sha256:…", "sha256-<hex>.sig layer N", "….att layer N"
  // digest is the object's own digest: the referrer manifest's, or the tag layer's (the
  // digest of empty input for a tag that could not be read).
  Digest digest = Digest::Of({});
  // annotated_type is the predicate type the listing claims (unsigned): the referrer's
  // dev.sigstore.bundle.predicateType or the .att layer's predicateType; "" when absent.
  std::string annotated_type;
  bool legacy_signature = false;  // a simple-signing layer of the .sig tag
  bool fetched = false;           // false: listed only (see problem)
  std::optional<attest::Bundle> bundle;          // bundle form
  std::optional<attest::DsseEnvelope> envelope;  // .att layer
  Bytes payload;                                 // .sig layer payload
  std::string signature_b64;                     // .sig layer signature annotation
  // layer_annotations are a `.sig` / `.att` layer's annotations (the certificate, chain and Rekor
  // bundle of a keyless signature); empty for referrers.
  std::map<std::string, std::string> layer_annotations;
  // problem says why the object could not be read ("" when it was).
  std::string problem;
};

// AttachedObjects is everything found for one manifest.
struct AttachedObjects {
  std::string referrers_scheme;  // "api", "fallback-tag", or "" when not listed
  std::vector<AttachedObject> objects;
  std::vector<std::string> lookup_errors;
  // status is the first operational failure (OK when every lookup worked).
  Status status = OkStatus();
};

// CollectAttached lists referrers of |subject| and, when asked, the `.sig` and `.att` tags, all
// in parallel, then fetches the candidates in parallel: bundle referrers (by artifactType,
// config or layer media type) and the layers of the tags. |fetch| decides, from an object's
// annotated predicate type, whether it is fetched (true) or only listed; null fetches all.
AttachedObjects CollectAttached(registry::Repository& repo, const Digest& subject, bool sig_tag,
                                bool att_tag,
                                const std::function<bool(std::string_view)>& fetch,
                                int parallelism);

}  // namespace vouch::verify::internal
