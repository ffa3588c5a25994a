// The promotion gate: evaluate, copy by digest, sign a VSA, move the tag last (promote.h).
#include "vouch/promote/promote.h"

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <utility>
#include <vector>

#include "core/internal/json.h"
#include "vouch/attest/bundle.h"
#include "vouch/attest/dsse.h"
#include "vouch/attest/statement.h"
#include "vouch/sign/image.h"
#include "vouch/verify/render.h"

#ifndef VOUCH_VERSION
#define VOUCH_VERSION "0.0.0"
#endif

namespace vouch::promote {
namespace {

std::string BasePolicyUri(const PromoteRequest& request) {
  if (!request.policy_uri.empty()) {
    return request.policy_uri;
  }
  const std::string& source = request.trust->policy().source;
  if (source.empty()) {
    return "policy";  // parsed from memory: nothing better to name it by
  }
  if (source.find("://") != std::string::npos) {
    return source;
  }
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(source, ec);
  return "file://" + (ec ? source : abs.lexically_normal().string());
}

// InputUri names an input at DST: the copy preserves digests, so the object the decision relied
// on at SRC exists at DST under the same digest (or in the same cosign tag).
std::string InputUri(const std::string& repo, const verify::VerifiedInput& in) {
  const std::string& loc = in.location;
  if (loc.rfind("referrer ", 0) == 0) {
    return "oci://" + repo + "@" + loc.substr(9);
  }
  if (loc.rfind("tag ", 0) == 0) {
    std::string tag = loc.substr(4);
    return "oci://" + repo + ":" + tag.substr(0, tag.find(' '));
  }
  if (loc.rfind("sha256-", 0) == 0) {  // "sha256-<hex>.att layer N"
    return "oci://" + repo + ":" + loc.substr(0, loc.find(' '));
  }
  return "oci://" + repo;
}

Status Rejected(const verify::ImageDecision& d) {
  if (d.decision == verify::Decision::kRejected) {
    if (IsVerificationFailed(d.status)) {
      return d.status;
    }
    return VerificationFailedError(d.status.ok() ? "the policy rejected the image"
                                                 : d.status.message());
  }
  if (!d.status.ok() && !IsVerificationFailed(d.status)) {
    return d.status;
  }
  return UnavailableError("the policy could not be evaluated: " + d.status.message());
}

}  // namespace

Result<attest::Vsa> BuildVsa(const verify::ImageDecision& decision, const registry::Reference& dst,
                             const PromoteRequest& request, TimePoint now) {
  if (decision.decision != verify::Decision::kAccepted) {
    return FailedPreconditionError("a VSA is written only for an accepted image");
  }
  if (request.trust == nullptr) {
    return InvalidArgumentError("promote needs a policy");
  }
  const std::string repo = dst.RepositoryName();
  attest::Vsa vsa;
  vsa.verifier_id =
      request.verifier_id.empty() ? std::string(attest::kDefaultVerifierId) : request.verifier_id;
  vsa.verifier_version[std::string(attest::kVsaVerifierComponent)] = VOUCH_VERSION;
  vsa.time_verified = now;
  vsa.resource_uri = attest::OciResourceUri(repo);
  vsa.policy_uri = attest::PolicyUri(BasePolicyUri(request), decision.policy_name);
  const Digest& pd = request.trust->policy().digest;
  vsa.policy_digest[std::string(HashAlgorithmName(pd.algorithm()))] = pd.Hex();
  for (const verify::VerifiedInput& in : decision.inputs) {
    attest::VsaInput v;
    v.uri = InputUri(repo, in);
    v.digest[std::string(HashAlgorithmName(in.digest.algorithm()))] = in.digest.Hex();
    if (std::find(vsa.input_attestations.begin(), vsa.input_attestations.end(), v) ==
        vsa.input_attestations.end()) {
      vsa.input_attestations.push_back(std::move(v));
    }
  }
  vsa.verification_result = std::string(attest::kVsaPassed);
  vsa.verified_levels = decision.verified_levels;
  if (vsa.verified_levels.empty()) {
    vsa.verified_levels.push_back("SLSA_BUILD_LEVEL_UNEVALUATED");
  }
  vsa.slsa_version = "1.0";
  return vsa;
}

PromoteResult Promote(registry::Client& client, const registry::Reference& src,
                      const registry::Reference& dst, const PromoteRequest& request) {
  PromoteResult result;
  result.source = src.ToString();
  result.destination = dst.ToString();
  if (request.trust == nullptr) {
    result.status = InvalidArgumentError("promote needs a policy");
    return result;
  }
  const Clock& clock = request.clock != nullptr ? *request.clock : SystemClock();

  // 1. Evaluate SRC against DST's scope. Nothing is written before this accepts.
  Result<std::unique_ptr<registry::Repository>> src_repo = client.Open(src);
  if (!src_repo.ok()) {
    result.status = src_repo.status().WithContext(result.source);
    return result;
  }
  verify::EvaluateOptions eval;
  eval.scope_image = dst.ToString();
  eval.parallelism = request.parallelism;
  eval.clock = &clock;
  result.decision = request.evaluate ? request.evaluate(**src_repo, *request.trust, eval)
                                     : verify::Evaluate(**src_repo, *request.trust, eval);
  if (result.decision.decision != verify::Decision::kAccepted) {
    result.status = Rejected(result.decision);
    return result;
  }
  if (!result.decision.digest) {
    result.status = InternalError("the evaluation accepted the image without naming its digest");
    return result;
  }
  const Digest digest = *result.decision.digest;
  result.digest = digest;
  if (dst.digest && !(*dst.digest == digest)) {
    result.status = InvalidArgumentError("destination names digest " + dst.digest->ToString() +
                                         " but the evaluated image is " + digest.ToString());
    return result;
  }

  // 2. Copy by digest: CopyImage writes no image tag for a digest destination.
  Result<std::unique_ptr<registry::Repository>> src_at = client.Open(src.WithDigest(digest));
  Result<std::unique_ptr<registry::Repository>> dst_at =
      client.Open(dst.WithDigest(digest), registry::Access::kPullPush);
  if (!src_at.ok() || !dst_at.ok()) {
    result.status = !src_at.ok() ? src_at.status() : dst_at.status();
    return result;
  }
  registry::CopyOptions copy_options;
  copy_options.with_attachments = true;
  copy_options.parallelism = request.parallelism;
  copy_options.progress = request.copy_progress;
  result.wrote_to_destination = true;  // from here on, something may have been written
  Result<registry::CopyResult> copied = registry::CopyImage(**src_at, **dst_at, copy_options);
  if (!copied.ok()) {
    result.status = copied.status().WithContext("copying to " + result.destination);
    return result;
  }
  result.copy = *copied;

  // 3. The VSA, as a bundle referrer of the copied digest.
  Result<registry::Manifest> root = (*dst_at)->FetchManifest(digest.ToString());
  if (!root.ok()) {
    result.status = root.status().WithContext("reading back " + digest.ToString());
    return result;
  }
  if (request.signer != nullptr || request.bundle_signer != nullptr) {
    Status s = [&]() -> Status {
      VOUCH_ASSIGN_OR_RETURN(attest::Vsa vsa, BuildVsa(result.decision, dst, request, clock.Now()));
      VOUCH_ASSIGN_OR_RETURN(attest::Statement st,
                             attest::VsaStatement(vsa, dst.RepositoryName(), digest));
      result.vsa_statement_json = st.Serialize();
      std::optional<sign::BundleSigner> own_signer;
      VOUCH_ASSIGN_OR_RETURN(
          const sign::BundleSigner* signer,
          sign::SignerOf(request.bundle_signer, request.signer, own_signer, "promote"));
      VOUCH_ASSIGN_OR_RETURN(sign::StoredBundle stored,
                             sign::SignBundleReferrer(**dst_at, root->ToDescriptor(), *signer,
                                                      result.vsa_statement_json,
                                                      attest::kVsaPredicateType, &clock));
      result.vsa_location = std::move(stored.location);
      return OkStatus();
    }();
    if (!s.ok()) {
      result.status = s.WithContext("signing the VSA");
      return result;
    }
  }

  // 4. DST's tag, last.
  if (!dst.tag.empty() && !dst.digest) {
    Result<bool> pushed = (*dst_at)->PushManifest(dst.tag, root->bytes, root->media_type);
    if (!pushed.ok()) {
      result.status = pushed.status().WithContext("tagging " + result.destination);
      return result;
    }
    result.tag_moved = true;
  }
  return result;
}

std::string PromoteResultToJson(const PromoteResult& r, const verify::TrustPolicy& trust) {
  OrderedJson j = OrderedJson::object();
  j["schemaVersion"] = 1;
  j["source"] = r.source;
  j["destination"] = r.destination;
  j["digest"] = r.digest ? OrderedJson(r.digest->ToString()) : OrderedJson(nullptr);
  j["promoted"] = r.status.ok();
  j["decision"] = std::string(verify::DecisionName(r.decision.decision));
  j["policy"] = r.decision.policy_name;
  j["error"] = r.status.ok() ? "" : r.status.message();
  j["errorCode"] = r.status.ok() ? "" : std::string(ErrorCodeName(r.status.code()));
  j["wroteToDestination"] = r.wrote_to_destination;
  j["tagMoved"] = r.tag_moved;
  OrderedJson copy = OrderedJson::object();
  copy["manifestsPushed"] = r.copy.manifests_pushed;
  copy["blobsCopied"] = r.copy.blobs_copied;
  copy["blobsSkipped"] = r.copy.blobs_skipped;
  copy["blobsMounted"] = r.copy.blobs_mounted;
  copy["bytesCopied"] = r.copy.bytes_copied;
  copy["referrersCopied"] = r.copy.referrers_copied;
  copy["referrersPresent"] = r.copy.referrers_present;
  copy["tagsCopied"] = r.copy.tags_copied;
  copy["tagsMerged"] = r.copy.tags_merged;
  copy["tagsPresent"] = r.copy.tags_present;
  j["copied"] = std::move(copy);
  if (!r.vsa_location.empty()) {
    OrderedJson vsa = OrderedJson::object();
    vsa["location"] = r.vsa_location;
    auto st = ParseOrderedJson(r.vsa_statement_json, "vsa statement");
    vsa["statement"] = st.ok() ? *st : OrderedJson(nullptr);
    j["vsa"] = std::move(vsa);
  } else {
    j["vsa"] = nullptr;
  }
  auto evaluation = ParseOrderedJson(verify::Render({r.decision}, trust, verify::Shape::kPolicy, verify::Format::kJson), "evaluation");
  j["evaluation"] = evaluation.ok() ? *evaluation : OrderedJson(nullptr);
  return DumpJsonPretty(j) + "\n";
}

std::string PromoteResultToText(const PromoteResult& r, const verify::TrustPolicy& trust) {
  std::string out = verify::Render({r.decision}, trust, verify::Shape::kPolicy, verify::Format::kText);
  if (!out.empty() && out.back() != '\n') {
    out += "\n";
  }
  if (!r.status.ok()) {
    out += (IsVerificationFailed(r.status) ? "Rejected: " : "Not promoted: ") + r.status.message() +
           "\n";
    out += r.wrote_to_destination ? "The destination tag was not moved.\n"
                                  : "Nothing was written to " + r.destination + ".\n";
    return out;
  }
  out += "Promoted " + r.source + " -> " + r.destination + " (" + r.digest->ToString() + ")\n";
  out += "  copied: " + std::to_string(r.copy.manifests_pushed) + " manifests, " +
         std::to_string(r.copy.blobs_copied) + " blobs (" + std::to_string(r.copy.bytes_copied) +
         " bytes; " + std::to_string(r.copy.blobs_skipped) + " present, " +
         std::to_string(r.copy.blobs_mounted) + " mounted), " +
         std::to_string(r.copy.referrers_copied) + " referrers (" +
         std::to_string(r.copy.referrers_present) + " present), " +
         std::to_string(r.copy.tags_copied.size()) + " cosign tags new, " +
         std::to_string(r.copy.tags_merged.size()) + " merged into DST's, " +
         std::to_string(r.copy.tags_present.size()) + " present\n";
  if (!r.vsa_location.empty()) {
    out += "  VSA: " + r.vsa_location + "\n";
  } else {
    out += "  VSA: none (no --key)\n";
  }
  return out;
}

}  // namespace vouch::promote
