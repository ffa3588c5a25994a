#include <algorithm>
#include <atomic>
#include <functional>
#include <future>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/internal/json.h"
#include "vouch/attest/bundle.h"
#include "vouch/attest/dsse.h"
#include "vouch/attest/simple_signing.h"
#include "vouch/attest/statement.h"
#include "vouch/registry/manifest.h"
#include "vouch/verify/image.h"
#include "lookup.h"
#include "object_checks.h"
#include "sigstore/image_keyless.h"

namespace vouch::verify {
namespace {

constexpr std::string_view kBundlePrefix = "application/vnd.dev.sigstore.bundle";
constexpr std::string_view kPredicateTypeAnnotation = "dev.sigstore.bundle.predicateType";
// kMaxSigLayers is cosign's maxLayers for a `.sig` manifest.
constexpr size_t kMaxSigLayers = 1000;

using internal::IsSignatureDataProblem;
using internal::RunParallel;

SignatureFinding Invalid(std::string format, std::string location, std::string reason) {
  SignatureFinding f;
  f.format = std::move(format);
  f.location = std::move(location);
  f.reason = std::move(reason);
  return f;
}

class ManifestVerifier {
 public:
  ManifestVerifier(registry::Repository& repo, const VerifyImageRequest& req)
      : repo_(repo), req_(req) {}

  ManifestReport Verify(const registry::Descriptor& subject, std::string platform);

 private:
  using Task = std::function<Result<std::optional<SignatureFinding>>()>;

  Result<std::optional<SignatureFinding>> CheckReferrer(const registry::Descriptor& d,
                                                        const Digest& subject);
  Result<std::optional<SignatureFinding>> CheckLegacyLayer(const registry::Descriptor& layer,
                                                           const std::string& location,
                                                           const Digest& subject);

  // Keyless() reports whether signatures are verified by certificate identity.
  bool Keyless() const { return !req_.identities.empty(); }
  internal::CertificateTrust Trust() const {
    internal::CertificateTrust t;
    t.root = req_.trusted_root;
    t.identities = req_.identities;
    return t;
  }

  registry::Repository& repo_;
  const VerifyImageRequest& req_;
};

Result<std::optional<SignatureFinding>> ManifestVerifier::CheckReferrer(
    const registry::Descriptor& d, const Digest& subject) {
  using Opt = std::optional<SignatureFinding>;
  const std::string loc = "referrer " + d.digest.ToString();
  auto invalid = [&](const std::string& why) -> Result<Opt> {
    return Opt(Invalid("bundle", loc, why));
  };
  // An index entry may embed the referrer manifest (`data`, already checked against the entry's
  // digest and size when the index was parsed): use it and save a round trip.
  Bytes fetched;
  std::string media_type = d.media_type;
  if (d.data) {
    fetched = *d.data;
  } else {
    auto m = repo_.FetchManifest(d.digest.ToString());
    if (!m.ok()) {
      if (IsSignatureDataProblem(m.status())) {
        return invalid(m.status().message());
      }
      return m.status();
    }
    fetched = std::move(m->bytes);
    media_type = m->media_type;
  }
  auto view = registry::ParseManifest(fetched, media_type);
  if (!view.ok()) {
    return invalid(view.status().message());
  }
  bool candidate = view->artifact_type.starts_with(kBundlePrefix) ||
                   (view->config && view->config->media_type.starts_with(kBundlePrefix));
  for (const registry::Descriptor& l : view->layers) {
    candidate = candidate || l.media_type.starts_with(kBundlePrefix);
  }
  if (!candidate) {
    return Opt();  // some other artifact (SBOM, attestation of another kind...)
  }
  if (view->subject && !(view->subject->digest == subject)) {
    return invalid("referrer's subject is " + view->subject->digest.ToString());
  }
  if (view->layers.size() != 1) {
    return invalid("a bundle referrer has exactly one layer, this one has " +
                   std::to_string(view->layers.size()));
  }
  const registry::Descriptor& layer = view->layers[0];
  if (layer.size < 0 || static_cast<uint64_t>(layer.size) > attest::kMaxBundleSize) {
    return invalid("bundle is " + std::to_string(layer.size) + " bytes, over the cap");
  }
  auto blob = repo_.FetchBlob(layer.digest, layer.size);
  if (!blob.ok()) {
    if (IsSignatureDataProblem(blob.status())) {
      return invalid(blob.status().message());
    }
    return blob.status();
  }
  auto bundle = attest::ParseBundle(AsChars(*blob));
  if (!bundle.ok()) {
    return invalid("bundle is malformed: " + bundle.status().message());
  }
  SignatureFinding f;
  f.format = "bundle";
  f.location = loc;
  if (Keyless()) {
    auto signer = internal::CheckSignatureBundleCert(*bundle, subject, Trust(), req_.annotations);
    if (!signer.ok()) {
      return invalid(signer.status().message());
    }
    f.identity = *signer;
  } else {
    auto key_id = internal::CheckSignatureBundle(*bundle, subject, req_.keys, req_.annotations);
    if (!key_id.ok()) {
      return invalid(key_id.status().message());
    }
    f.key_id = *key_id;
  }
  f.valid = true;
  return Opt(std::move(f));
}

Result<std::optional<SignatureFinding>> ManifestVerifier::CheckLegacyLayer(
    const registry::Descriptor& layer, const std::string& loc, const Digest& subject) {
  using Opt = std::optional<SignatureFinding>;
  auto invalid = [&](const std::string& why) -> Result<Opt> {
    return Opt(Invalid("legacy", loc, why));
  };
  if (layer.media_type != attest::kSimpleSigningMediaType) {
    return invalid("not a signature layer (mediaType " + layer.media_type + ")");
  }
  auto ann = layer.annotations.find(std::string(attest::kCosignSignatureAnnotation));
  if (ann == layer.annotations.end() || ann->second.empty()) {
    return invalid("no signature annotation");
  }
  auto sig = internal::DecodeSignatureAnnotation(ann->second);
  if (!sig.ok()) {
    return invalid(sig.status().message());
  }
  if (layer.size < 0 || static_cast<uint64_t>(layer.size) > attest::kMaxSimpleSigningPayloadSize) {
    return invalid("payload is " + std::to_string(layer.size) + " bytes, over the cap");
  }
  auto payload = repo_.FetchBlob(layer.digest, layer.size);
  if (!payload.ok()) {
    if (IsSignatureDataProblem(payload.status())) {
      return invalid(payload.status().message());
    }
    return payload.status();
  }
  SignatureFinding f;
  f.format = "legacy";
  f.location = loc;
  if (Keyless()) {
    auto signer = internal::CheckLegacySignatureCert(*payload, ann->second, layer.annotations,
                                                     subject, Trust(), req_.annotations);
    if (!signer.ok()) {
      return invalid(signer.status().message());
    }
    f.identity = *signer;
  } else {
    auto key_id =
        internal::CheckLegacySignature(*payload, ann->second, subject, req_.keys, req_.annotations);
    if (!key_id.ok()) {
      return invalid(key_id.status().message());
    }
    f.key_id = *key_id;
  }
  f.valid = true;
  return Opt(std::move(f));
}

ManifestReport ManifestVerifier::Verify(const registry::Descriptor& subject, std::string platform) {
  ManifestReport report;
  report.digest = subject.digest;
  report.media_type = subject.media_type;
  report.platform = std::move(platform);
  const bool want_bundle = req_.forms != SignatureForms::kLegacy;
  const bool want_legacy = req_.forms != SignatureForms::kBundle;
  const std::string sig_tag = std::string(HashAlgorithmName(subject.digest.algorithm())) + "-" +
                              subject.digest.Hex() + ".sig";

  // The two lookups run at once (one referrers listing, one `.sig` fetch).
  std::future<Result<registry::Referrers>> referrers;
  if (want_bundle) {
    referrers = std::async(std::launch::async,
                           [&] { return repo_.ListReferrers(subject.digest, ""); });
  }
  std::optional<Result<registry::Manifest>> sig_manifest;
  if (want_legacy) {
    sig_manifest = repo_.FetchManifest(sig_tag);
  }

  std::vector<Task> tasks;
  std::vector<SignatureFinding> listed;  // decided from the listing alone
  if (want_bundle) {
    Result<registry::Referrers> refs = referrers.get();
    if (!refs.ok()) {
      report.lookup_errors.push_back(refs.status().message());
      if (report.status.ok()) {
        report.status = refs.status();
      }
    } else {
      report.referrers_scheme =
          refs->scheme == registry::ReferrersScheme::kApi ? "api" : "fallback-tag";
      for (const registry::Descriptor& d : refs->descriptors) {
        if (!d.artifact_type.empty() && !d.artifact_type.starts_with(kBundlePrefix)) {
          continue;  // another kind of artifact: not fetched, not listed
        }
        auto pt = d.annotations.find(std::string(kPredicateTypeAnnotation));
        if (pt != d.annotations.end() && pt->second != attest::kCosignSignPredicateType) {
          // An attestation by its own label; never counted, so not fetched either.
          listed.push_back(Invalid("bundle", "referrer " + d.digest.ToString(),
                                   "not a signature: an attestation with predicateType " +
                                       pt->second));
          continue;
        }
        tasks.push_back([this, d, &subject] { return CheckReferrer(d, subject.digest); });
      }
    }
  }
  if (want_legacy) {
    Result<registry::Manifest>& m = *sig_manifest;
    if (!m.ok()) {
      if (!IsNotFound(m.status())) {
        report.lookup_errors.push_back(m.status().message());
        if (report.status.ok()) {
          report.status = m.status();
        }
      }
    } else {
      auto view = registry::ParseManifest(m->bytes, m->media_type);
      if (!view.ok() || view->is_index) {
        listed.push_back(Invalid("legacy", sig_tag,
                                 view.ok() ? "the tag holds an index, not a signature manifest"
                                           : view.status().message()));
      } else {
        if (view->layers.size() > kMaxSigLayers) {
          listed.push_back(Invalid("legacy", sig_tag,
                                   "more than " + std::to_string(kMaxSigLayers) +
                                       " layers; only the first ones were checked"));
        }
        size_t n = std::min(view->layers.size(), kMaxSigLayers);
        for (size_t i = 0; i < n; ++i) {
          registry::Descriptor layer = view->layers[i];
          std::string loc = sig_tag + " layer " + std::to_string(i);
          tasks.push_back([this, layer, loc, &subject] {
            return CheckLegacyLayer(layer, loc, subject.digest);
          });
        }
      }
    }
  }

  std::vector<std::optional<Result<std::optional<SignatureFinding>>>> results(tasks.size());
  RunParallel(tasks.size(), req_.parallelism, [&](size_t i) { results[i] = tasks[i](); });
  for (auto& r : results) {
    if (!r->ok()) {
      report.lookup_errors.push_back(r->status().message());
      if (report.status.ok()) {
        report.status = r->status();
      }
      continue;
    }
    if (**r) {
      report.signatures.push_back(std::move(***r));
    }
  }
  report.signatures.insert(report.signatures.end(), listed.begin(), listed.end());

  std::set<std::string> keys;
  for (const SignatureFinding& f : report.signatures) {
    if (f.valid) {
      keys.insert(f.identity.empty() ? f.key_id : "identity " + f.identity);
    }
  }
  report.valid_keys = keys.size();
  if (report.valid_keys >= req_.threshold) {
    report.status = OkStatus();  // enough keys verified; lookup errors stay listed
    return report;
  }
  if (!report.status.ok()) {
    // A failed lookup is never turned into "unsigned".
    report.status = report.status.WithContext("could not check the signatures of " +
                                              subject.digest.ToString());
    return report;
  }
  std::string where;
  if (want_bundle) {
    where = "referrers (" + report.referrers_scheme + ")";
  }
  if (want_legacy) {
    where += (where.empty() ? "" : " and ") + sig_tag;
  }
  if (report.signatures.empty()) {
    report.status = VerificationFailedError("no signatures found for " +
                                            subject.digest.ToString() + " (looked in " + where +
                                            ")");
  } else if (report.valid_keys == 0) {
    report.status = VerificationFailedError(
        "no valid signature for " + subject.digest.ToString() + ": " +
        std::to_string(report.signatures.size()) + " found, none valid");
  } else {
    report.status = VerificationFailedError(
        "only " + std::to_string(report.valid_keys) + " of the " +
        std::to_string(req_.threshold) + " required trusted " +
        (Keyless() ? "signers" : "keys") + " signed " +
        subject.digest.ToString());
  }
  return report;
}

Status CheckRequest(const VerifyImageRequest& req) {
  if (!req.identities.empty()) {
    if (!req.keys.empty()) {
      return InvalidArgumentError("verify: give trusted keys or certificate identities, not both");
    }
    if (req.trusted_root == nullptr) {
      return InvalidArgumentError(
          "no trusted root: pass --trusted-root FILE or set VOUCH_TRUSTED_ROOT");
    }
    if (req.threshold == 0) {
      return InvalidArgumentError("verify: threshold must be at least 1");
    }
    if (req.platform && req.all_platforms) {
      return InvalidArgumentError("verify: --platform and --all-platforms exclude each other");
    }
    return OkStatus();
  }
  if (req.keys.empty()) {
    return InvalidArgumentError("verify: at least one trusted key is required");
  }
  std::set<std::string> ids;
  for (const keys::Verifier& k : req.keys) {
    ids.insert(k.KeyId());
  }
  if (req.threshold == 0 || req.threshold > ids.size()) {
    return InvalidArgumentError("verify: threshold " + std::to_string(req.threshold) +
                                " cannot be met with " + std::to_string(ids.size()) +
                                " distinct key(s)");
  }
  if (req.platform && req.all_platforms) {
    return InvalidArgumentError("verify: --platform and --all-platforms exclude each other");
  }
  return OkStatus();
}

Status Worst(const ImageReport& r) {
  Status worst = OkStatus();
  for (const ManifestReport& m : r.manifests) {
    if (m.status.ok()) {
      continue;
    }
    if (!IsVerificationFailed(m.status)) {
      return m.status;  // operational: "could not check" wins
    }
    if (worst.ok()) {
      worst = m.status;
    }
  }
  return worst;
}

const char* StatusWord(const Status& s) {
  if (s.ok()) {
    return "verified";
  }
  return IsVerificationFailed(s) ? "rejected" : "error";
}

}  // namespace

Result<SignatureForms> ParseSignatureForms(std::string_view name) {
  if (name == "all") {
    return SignatureForms::kAll;
  }
  if (name == "bundle") {
    return SignatureForms::kBundle;
  }
  if (name == "legacy") {
    return SignatureForms::kLegacy;
  }
  return InvalidArgumentError("unknown signature format \"" + std::string(name) +
                              "\" (want all, bundle or legacy)");
}

ImageReport VerifyImage(registry::Repository& repo, const VerifyImageRequest& request) {
  ImageReport report;
  report.image = repo.reference().ToString();
  if (Status st = CheckRequest(request); !st.ok()) {
    report.status = st;
    return report;
  }
  auto root = repo.Resolve(repo.reference().Identifier());
  if (!root.ok()) {
    report.status = root.status();
    return report;
  }
  std::vector<std::pair<registry::Descriptor, std::string>> subjects;
  if (registry::IsIndexMediaType(root->media_type) &&
      (request.platform || request.all_platforms)) {
    auto index = repo.FetchManifest(root->digest.ToString());
    if (!index.ok()) {
      report.status = index.status();
      return report;
    }
    if (request.platform) {
      auto child = registry::SelectPlatform(*index, *request.platform);
      if (!child.ok()) {
        report.status = child.status();
        return report;
      }
      report.digest = child->digest;
      subjects.emplace_back(*child, child->platform ? child->platform->ToString() : "");
    } else {
      report.digest = root->digest;
      auto view = registry::ParseManifest(index->bytes, index->media_type);
      if (!view.ok()) {
        report.status = view.status();
        return report;
      }
      subjects.emplace_back(*root, "");
      for (const registry::Descriptor& d : view->manifests) {
        if (d.platform && (d.platform->os == "unknown" || d.platform->architecture == "unknown")) {
          continue;
        }
        subjects.emplace_back(d, d.platform ? d.platform->ToString() : "");
      }
    }
  } else {
    report.digest = root->digest;
    subjects.emplace_back(*root, "");
  }
  report.manifests.resize(subjects.size());
  ManifestVerifier verifier(repo, request);
  RunParallel(subjects.size(), request.parallelism, [&](size_t i) {
    report.manifests[i] = verifier.Verify(subjects[i].first, subjects[i].second);
  });
  report.status = Worst(report);
  return report;
}

std::vector<ImageReport> VerifyImages(registry::Client& client,
                                      const std::vector<registry::Reference>& images,
                                      const VerifyImageRequest& request) {
  std::vector<ImageReport> reports(images.size());
  RunParallel(images.size(), request.parallelism, [&](size_t i) {
    auto repo = client.Open(images[i]);
    if (!repo.ok()) {
      reports[i].image = images[i].ToString();
      reports[i].status = repo.status();
      return;
    }
    reports[i] = VerifyImage(**repo, request);
  });
  return reports;
}

Status VerifySimpleSigning(ByteView payload, std::string_view signature_b64,
                           const keys::Verifier& key, const Digest& expected,
                           const std::map<std::string, std::string>& required_annotations,
                           std::string_view expected_identity) {
  VOUCH_ASSIGN_OR_RETURN(Bytes sig, internal::DecodeSignatureAnnotation(signature_b64));
  if (Status st = key.Verify(sig, payload); !st.ok()) {
    return VerificationFailedError("signature does not verify with the key");
  }
  return internal::CheckSimpleSigningPayload(payload, expected, required_annotations,
                                             expected_identity);
}

Status VerifySigstoreAttachment(const attest::SigstoreAttachment& attachment,
                                const keys::Verifier& key, const Digest& expected,
                                const std::map<std::string, std::string>& required_annotations,
                                std::string_view expected_identity) {
  if (attachment.mime_type != attest::kSimpleSigningMediaType) {
    return VerificationFailedError("not a signature: attachment mimeType is " +
                                   attachment.mime_type);
  }
  auto it = attachment.annotations.find(std::string(attest::kCosignSignatureAnnotation));
  if (it == attachment.annotations.end()) {
    return VerificationFailedError("attachment has no signature annotation");
  }
  return VerifySimpleSigning(attachment.payload, it->second, key, expected, required_annotations,
                             expected_identity);
}

std::string ReportsToText(const std::vector<ImageReport>& reports) {
  std::string out;
  for (const ImageReport& r : reports) {
    out += r.image;
    if (r.digest) {
      out += "@" + r.digest->ToString();
    }
    out += ": " + std::string(StatusWord(r.status));
    if (!r.status.ok()) {
      out += ": " + r.status.message();
    }
    out += "\n";
    for (const ManifestReport& m : r.manifests) {
      out += "  " + (m.platform.empty() ? std::string("") : m.platform + " ") +
             m.digest.ToString() + ": " + StatusWord(m.status) + " (" +
             std::to_string(m.valid_keys) + " trusted key" + (m.valid_keys == 1 ? "" : "s") +
             ")\n";
      for (const SignatureFinding& f : m.signatures) {
        out += "    " + f.format + "  " + f.location + "  ";
        if (f.valid) {
          out += (f.identity.empty() ? "key " + f.key_id.substr(0, 16) : "signer " + f.identity) +
                 "  valid\n";
        } else {
          out += "invalid: " + f.reason + "\n";
        }
      }
      for (const std::string& e : m.lookup_errors) {
        out += "    lookup failed: " + e + "\n";
      }
    }
  }
  return out;
}

std::string ReportsToJson(const std::vector<ImageReport>& reports, size_t threshold) {
  OrderedJson j = OrderedJson::object();
  bool all = !reports.empty();
  OrderedJson images = OrderedJson::array();
  for (const ImageReport& r : reports) {
    all = all && r.status.ok();
    OrderedJson ji = OrderedJson::object();
    ji["image"] = r.image;
    ji["digest"] = r.digest ? OrderedJson(r.digest->ToString()) : OrderedJson(nullptr);
    ji["verified"] = r.status.ok();
    ji["status"] = StatusWord(r.status);
    ji["error"] = r.status.ok() ? "" : r.status.message();
    ji["errorCode"] = r.status.ok() ? "" : std::string(ErrorCodeName(r.status.code()));
    OrderedJson ms = OrderedJson::array();
    for (const ManifestReport& m : r.manifests) {
      OrderedJson jm = OrderedJson::object();
      jm["digest"] = m.digest.ToString();
      jm["mediaType"] = m.media_type;
      jm["platform"] = m.platform;
      jm["verified"] = m.status.ok();
      jm["validKeys"] = m.valid_keys;
      jm["referrersScheme"] = m.referrers_scheme;
      jm["lookupErrors"] = m.lookup_errors;
      OrderedJson sigs = OrderedJson::array();
      for (const SignatureFinding& f : m.signatures) {
        OrderedJson js = OrderedJson::object();
        js["format"] = f.format;
        js["location"] = f.location;
        js["keyId"] = f.key_id;
        if (!f.identity.empty()) {
          js["identity"] = f.identity;
        }
        js["valid"] = f.valid;
        js["reason"] = f.reason;
        sigs.push_back(std::move(js));
      }
      jm["signatures"] = std::move(sigs);
      ms.push_back(std::move(jm));
    }
    ji["manifests"] = std::move(ms);
    images.push_back(std::move(ji));
  }
  j["verified"] = all;
  j["threshold"] = threshold;
  j["images"] = std::move(images);
  return DumpJsonPretty(j) + "\n";
}

}  // namespace vouch::verify
