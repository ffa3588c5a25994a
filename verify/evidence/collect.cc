// The evidence collector: one referrers listing and one `.sig` / `.att` fetch per manifest (and,
// for the inventory, one fetch per BuildKit attestation manifest), in parallel, then the wanted
// objects in parallel (formats.md sections 2, 3 and 4.3).
#include <algorithm>
#include <atomic>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "core/internal/json.h"
#include "evidence/evidence.h"
#include "vouch/attest/simple_signing.h"
#include "vouch/attest/statement.h"
#include "vouch/registry/manifest.h"
#include "vouch/registry/reference.h"

namespace vouch::verify::internal {
namespace {

// kMaxTagLayers is cosign's maxLayers for a `.sig` / `.att` manifest.
constexpr size_t kMaxTagLayers = 1000;

std::string Label(const std::map<std::string, std::string>& annotations, std::string_view key) {
  auto it = annotations.find(std::string(key));
  return it == annotations.end() ? "" : it->second;
}

// ClaimedPredicateType reads the predicateType of an unverified in-toto payload, only to route
// the object ("" when it cannot be read).
std::string ClaimedPredicateType(ByteView payload) {
  auto j = ParseJson(AsChars(payload), "statement");
  if (!j.ok() || !j->is_object()) {
    return "";
  }
  auto t = GetString(*j, "predicateType", "statement");
  return t.ok() ? *t : "";
}

// KindOfType is what a statement of |type| is: an image signature (cosign sign/v1), an
// attestation, or unknown ("").
EvidenceKind KindOfType(std::string_view type) {
  if (type.empty()) {
    return EvidenceKind::kUnknown;
  }
  return type == attest::kCosignSignPredicateType ? EvidenceKind::kSignature
                                                  : EvidenceKind::kAttestation;
}

// Classify sets what a read object claims to be from its content (the label wins for the type
// when there is one: both are unverified, and the label is what routed it here).
void Classify(Evidence& e) {
  const attest::DsseEnvelope* env = nullptr;
  if (e.bundle) {
    env = std::get_if<attest::DsseEnvelope>(&e.bundle->content);
    if (env == nullptr) {
      e.kind = EvidenceKind::kOther;  // a message signature: a blob's, not an image's
      return;
    }
  } else if (e.envelope) {
    env = &*e.envelope;
  }
  if (env != nullptr && e.claimed_type.empty()) {
    e.claimed_type = ClaimedPredicateType(env->payload);
  }
  if (e.form == EvidenceForm::kBuildKitAttestation && e.claimed_type.empty()) {
    e.claimed_type = ClaimedPredicateType(e.payload);
  }
  if (e.form == EvidenceForm::kBundle) {
    e.kind = KindOfType(e.claimed_type);
  }
}

void Unreadable(Evidence& e, std::string problem) {
  e.state = EvidenceState::kUnreadable;
  e.problem = std::move(problem);
}

// SingleLayerProblem says why a referrer manifest is not |what| about |e|'s subject with exactly
// one layer ("" when it is).
std::string SingleLayerProblem(const registry::ManifestView& view, const Evidence& e,
                               std::string_view what) {
  if (view.subject && !(view.subject->digest == e.subject)) {
    return "referrer's subject is " + view.subject->digest.ToString();
  }
  if (view.layers.size() != 1) {
    return std::string(what) + " has exactly one layer, this one has " +
           std::to_string(view.layers.size());
  }
  return "";
}

// ReadReferrer reads a bundle referrer; an operational failure is returned as the error.
Status ReadReferrer(registry::Repository& repo, Evidence& e, const registry::Descriptor& d) {
  Bytes bytes;
  std::string media_type = d.media_type;
  if (d.data) {
    bytes = *d.data;  // embedded in the index entry, already checked against digest and size
  } else {
    auto m = repo.FetchManifest(d.digest.ToString());
    if (!m.ok()) {
      return m.status();
    }
    bytes = std::move(m->bytes);
    media_type = m->media_type;
  }
  auto view = registry::ParseManifest(bytes, media_type);
  if (!view.ok()) {
    Unreadable(e, view.status().message());
    return OkStatus();
  }
  if (!HoldsBundle(view->artifact_type, view->config ? view->config->media_type : "",
                   view->layers)) {
    if (registry::IsUnnamedArtifactType(d.artifact_type)) {
      e.state = EvidenceState::kNotEvidence;  // e.g. an SBOM whose entry named no type
      return OkStatus();
    }
    e.kind = EvidenceKind::kOther;  // its entry claims a bundle type; its manifest is no bundle
    Unreadable(e, "not a Sigstore bundle");
    return OkStatus();
  }
  if (std::string problem = SingleLayerProblem(*view, e, "a bundle referrer"); !problem.empty()) {
    Unreadable(e, problem);
    return OkStatus();
  }
  const registry::Descriptor& layer = view->layers[0];
  if (layer.size < 0 || static_cast<uint64_t>(layer.size) > attest::kMaxBundleSize) {
    Unreadable(e, "bundle is " + std::to_string(layer.size) + " bytes, over the cap");
    return OkStatus();
  }
  if (e.claimed_type.empty()) {
    e.claimed_type = Label(view->annotations, attest::kBundlePredicateTypeAnnotation);
  }
  auto blob = repo.FetchBlob(layer.digest, layer.size);
  if (!blob.ok()) {
    return blob.status();
  }
  auto bundle = attest::ParseBundle(AsChars(*blob));
  if (!bundle.ok()) {
    Unreadable(e, "bundle is malformed: " + bundle.status().message());
    return OkStatus();
  }
  e.bundle = std::move(*bundle);
  e.state = EvidenceState::kFetched;
  return OkStatus();
}

// ReadNotation reads a Notation signature referrer: one envelope layer (JWS or COSE) about
// the subject. The envelope bytes go to |payload| unparsed: parsing them is the authority's
// integrity check.
Status ReadNotation(registry::Repository& repo, Evidence& e, const registry::Descriptor& d) {
  auto m = repo.FetchManifest(d.digest.ToString());
  if (!m.ok()) {
    return m.status();
  }
  auto view = registry::ParseManifest(m->bytes, m->media_type);
  if (!view.ok()) {
    Unreadable(e, view.status().message());
    return OkStatus();
  }
  if (std::string problem = SingleLayerProblem(*view, e, "a Notation signature");
      !problem.empty()) {
    Unreadable(e, problem);
    return OkStatus();
  }
  const registry::Descriptor& layer = view->layers[0];
  Result<attest::NotationEnvelopeType> type = attest::ParseNotationEnvelopeType(layer.media_type);
  if (!type.ok()) {
    Unreadable(e, "the Notation signature layer's media type " + layer.media_type +
                      " is not an envelope type");
    return OkStatus();
  }
  if (layer.size < 0 || static_cast<uint64_t>(layer.size) > attest::kMaxNotationEnvelopeSize) {
    Unreadable(e, "envelope is " + std::to_string(layer.size) + " bytes, over the cap");
    return OkStatus();
  }
  auto blob = repo.FetchBlob(layer.digest, layer.size);
  if (!blob.ok()) {
    return blob.status();
  }
  e.notation_type = *type;
  e.payload = std::move(*blob);
  e.state = EvidenceState::kFetched;
  return OkStatus();
}

// LayerCap is the size cap of a layer of |form|.
size_t LayerCap(EvidenceForm form) {
  switch (form) {
    case EvidenceForm::kLegacySignature:
      return attest::kMaxSimpleSigningPayloadSize;
    case EvidenceForm::kBuildKitAttestation:
      return attest::kMaxStatementSize;
    case EvidenceForm::kBundle:
    case EvidenceForm::kLegacyAttestation:
    case EvidenceForm::kNotationSignature:
      break;
  }
  return attest::kMaxBundleSize;
}

// ReadLayer reads a `.sig` payload, an `.att` envelope or a BuildKit statement.
Status ReadLayer(registry::Repository& repo, Evidence& e, const registry::Descriptor& d) {
  if (d.size < 0 || static_cast<uint64_t>(d.size) > LayerCap(e.form)) {
    Unreadable(e, "layer is " + std::to_string(d.size) + " bytes, over the cap");
    return OkStatus();
  }
  auto blob = repo.FetchBlob(d.digest, d.size);
  if (!blob.ok()) {
    return blob.status();
  }
  if (e.form != EvidenceForm::kLegacyAttestation) {
    e.payload = std::move(*blob);  // exact bytes: a `.sig` payload, or a statement nobody signed
  } else {
    auto env = attest::ParseEnvelope(AsChars(*blob));
    if (!env.ok()) {
      Unreadable(e, "DSSE envelope is malformed: " + env.status().message());
      return OkStatus();
    }
    e.envelope = std::move(*env);
  }
  e.state = EvidenceState::kFetched;
  return OkStatus();
}

// Read reads one wanted object. A failure that describes the object makes it unreadable; an
// operational one is returned.
Status Read(registry::Repository& repo, Evidence& e, const registry::Descriptor& d) {
  Status st = e.form == EvidenceForm::kBundle              ? ReadReferrer(repo, e, d)
              : e.form == EvidenceForm::kNotationSignature ? ReadNotation(repo, e, d)
                                                           : ReadLayer(repo, e, d);
  if (!st.ok() && IsEvidenceProblem(st)) {
    Unreadable(e, st.message());
    return OkStatus();
  }
  if (!st.ok()) {
    e.state = EvidenceState::kFailed;  // the subject's lookup status carries the error
    return st;
  }
  if (e.fetched()) {
    Classify(e);
  }
  return st;
}

// Listing accumulates the objects of one manifest and the descriptors to read them by.
struct Listing {
  SubjectEvidence out;
  std::vector<registry::Descriptor> descriptors;  // parallel to out.objects
  void Failed(const Status& s) {
    out.lookup_errors.push_back(s.message());
    if (out.status.ok()) {
      out.status = s;
    }
  }
  void Add(Evidence e, registry::Descriptor d) {
    e.digest = d.digest;
    out.objects.push_back(std::move(e));
    descriptors.push_back(std::move(d));
  }
};

void ListReferrers(Result<registry::Referrers> refs, const Digest& subject, Listing& l) {
  if (!refs.ok()) {
    l.Failed(refs.status());
    return;
  }
  l.out.referrers_scheme =
      refs->scheme == registry::ReferrersScheme::kApi ? "api" : "fallback-tag";
  for (const registry::Descriptor& d : refs->descriptors) {
    if (d.artifact_type == kNotationSignatureArtifactType) {
      Evidence e;
      e.form = EvidenceForm::kNotationSignature;
      e.kind = EvidenceKind::kSignature;
      e.location = "notation referrer " + d.digest.ToString();
      e.subject = subject;
      l.Add(std::move(e), d);
      continue;
    }
    if (!ReadsReferrerEntry(d)) {
      continue;  // another kind of artifact (an SBOM, a Notation signature...)
    }
    Evidence e;
    e.form = EvidenceForm::kBundle;
    e.location = "referrer " + d.digest.ToString();
    e.subject = subject;
    e.claimed_type = Label(d.annotations, attest::kBundlePredicateTypeAnnotation);
    e.kind = KindOfType(e.claimed_type);
    l.Add(std::move(e), d);
  }
}

// LayerEvidence makes the Evidence of layer |i| of a `.sig` / `.att` manifest, or nullopt for a
// layer of another media type (not cosign's).
std::optional<Evidence> LayerEvidence(const registry::Descriptor& layer, size_t i, bool sig,
                                      const std::string& tag, const Digest& subject) {
  Evidence e;
  e.form = sig ? EvidenceForm::kLegacySignature : EvidenceForm::kLegacyAttestation;
  e.location = tag + " layer " + std::to_string(i);
  e.subject = subject;
  e.layer_annotations = layer.annotations;
  if (sig) {
    if (layer.media_type != attest::kSimpleSigningMediaType) {
      return std::nullopt;
    }
    e.kind = EvidenceKind::kSignature;
    e.signature_b64 = Label(layer.annotations, attest::kCosignSignatureAnnotation);
    if (e.signature_b64.empty()) {
      Unreadable(e, "no signature annotation");  // nothing to verify: not worth a fetch
    }
    return e;
  }
  if (layer.media_type != attest::kDsseEnvelopeMediaType) {
    return std::nullopt;
  }
  e.kind = EvidenceKind::kAttestation;
  e.claimed_type = Label(layer.annotations, attest::kCosignPredicateTypeAnnotation);
  return e;
}

void ListTag(Result<registry::Manifest> m, const Digest& subject, bool sig, Listing& l) {
  const std::string tag = registry::CosignTag(
      subject, sig ? registry::CosignAttachment::kSignature : registry::CosignAttachment::kAttestation);
  if (!m.ok()) {
    if (!IsNotFound(m.status())) {
      l.Failed(m.status());
    }
    return;
  }
  Evidence whole;
  whole.form = sig ? EvidenceForm::kLegacySignature : EvidenceForm::kLegacyAttestation;
  whole.kind = sig ? EvidenceKind::kSignature : EvidenceKind::kAttestation;
  whole.location = tag;
  whole.subject = subject;
  auto view = registry::ParseManifest(m->bytes, m->media_type);
  if (!view.ok() || view->is_index) {
    Unreadable(whole, view.ok() ? "the tag holds an index, not a manifest" : view.status().message());
    l.Add(std::move(whole), {});
    return;
  }
  if (view->layers.size() > kMaxTagLayers) {
    Unreadable(whole, "more than " + std::to_string(kMaxTagLayers) +
                          " layers; only the first ones were read");
    l.Add(std::move(whole), {});
  }
  const size_t n = std::min(view->layers.size(), kMaxTagLayers);
  for (size_t i = 0; i < n; ++i) {
    std::optional<Evidence> e = LayerEvidence(view->layers[i], i, sig, tag, subject);
    if (e) {
      l.Add(std::move(*e), view->layers[i]);
    }
  }
}

// ListAttestationManifest lists the in-toto layers of the BuildKit attestation manifest |entry|
// (an index entry describing |subject|), fetched as |m|: unsigned statements, for the inventory.
void ListAttestationManifest(Result<registry::Manifest> m, const registry::Descriptor& entry,
                             const Digest& subject, Listing& l) {
  Evidence whole;
  whole.form = EvidenceForm::kBuildKitAttestation;
  whole.kind = EvidenceKind::kAttestation;
  whole.location = "attestation manifest " + entry.digest.ToString();
  whole.subject = subject;
  if (!m.ok() && !IsEvidenceProblem(m.status())) {
    l.Failed(m.status());
    return;
  }
  auto view = m.ok() ? registry::ParseManifest(m->bytes, m->media_type)
                     : Result<registry::ManifestView>(m.status());
  if (!view.ok() || view->is_index) {
    Unreadable(whole,
               view.ok() ? "an index, not an attestation manifest" : view.status().message());
    l.Add(std::move(whole), entry);
    return;
  }
  const size_t n = std::min(view->layers.size(), kMaxTagLayers);
  for (size_t i = 0; i < n; ++i) {
    const registry::Descriptor& layer = view->layers[i];
    // The layer media type is the in-toto media type, the DSSE payloadType of a statement.
    if (layer.media_type != attest::kInTotoPayloadType) {
      continue;
    }
    Evidence e = whole;
    e.location += " layer " + std::to_string(i);
    e.claimed_type = Label(layer.annotations, registry::kInTotoPredicateTypeAnnotation);
    l.Add(std::move(e), layer);
  }
}

// SubjectContent fetches |subject|'s manifest once, on the first call from any thread.
std::function<Result<Bytes>()> SubjectContent(registry::Repository& repo, const Digest& subject) {
  struct Once {
    std::once_flag flag;
    std::optional<Result<Bytes>> bytes;
  };
  auto once = std::make_shared<Once>();
  return [&repo, subject, once]() -> Result<Bytes> {
    std::call_once(once->flag, [&] {
      Result<registry::Manifest> m = repo.FetchManifest(subject.ToString());
      once->bytes = m.ok() ? Result<Bytes>(std::move(m->bytes)) : Result<Bytes>(m.status());
    });
    return *once->bytes;
  };
}

}  // namespace

std::string_view Evidence::FormatName() const {
  switch (form) {
    case EvidenceForm::kBundle:
      return "bundle";
    case EvidenceForm::kBuildKitAttestation:
      return "buildkit";
    case EvidenceForm::kNotationSignature:
      return "notation";
    case EvidenceForm::kLegacySignature:
    case EvidenceForm::kLegacyAttestation:
      break;
  }
  return "legacy";
}

Status UnsignedError(const Evidence& e) {
  return VerificationFailedError("unsigned: " + e.location + " carries no signature");
}

bool ReadsReferrerEntry(const registry::Descriptor& entry) {
  return registry::IsUnnamedArtifactType(entry.artifact_type) ||
         attest::IsBundleMediaType(entry.artifact_type);
}

bool HoldsBundle(std::string_view artifact_type, std::string_view config_media_type,
                 const std::vector<registry::Descriptor>& layers) {
  return attest::IsBundleMediaType(artifact_type) || attest::IsBundleMediaType(config_media_type) ||
         std::any_of(layers.begin(), layers.end(), [](const registry::Descriptor& l) {
           return attest::IsBundleMediaType(l.media_type);
         });
}

std::string_view Evidence::KindName() const {
  constexpr std::string_view kNames[] = {"unknown", "signature", "attestation", "other"};
  const auto i = static_cast<size_t>(kind);
  return i < std::size(kNames) ? kNames[i] : "unknown";
}

void RunParallel(size_t count, int parallelism, const std::function<void(size_t)>& fn) {
  size_t workers = std::min(count, static_cast<size_t>(std::max(parallelism, 1)));
  if (workers <= 1) {
    for (size_t i = 0; i < count; ++i) {
      fn(i);
    }
    return;
  }
  std::atomic<size_t> next{0};
  std::vector<std::thread> threads;
  threads.reserve(workers);
  for (size_t w = 0; w < workers; ++w) {
    threads.emplace_back([&] {
      for (size_t i = next++; i < count; i = next++) {
        fn(i);
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
}

bool IsEvidenceProblem(const Status& s) {
  // Missing, corrupt, oversized or malformed: facts about the object, not about the registry.
  constexpr ErrorCode kProblems[] = {ErrorCode::kNotFound,        ErrorCode::kDataLoss,
                                     ErrorCode::kResourceExhausted, ErrorCode::kInvalidArgument,
                                     ErrorCode::kVerificationFailed, ErrorCode::kUnimplemented};
  return std::find(std::begin(kProblems), std::end(kProblems), s.code()) != std::end(kProblems);
}

SubjectEvidence CollectEvidence(registry::Repository& repo, const Digest& subject,
                                const CollectOptions& options,
                                const std::vector<registry::Descriptor>& attestation_manifests) {
  // Signatures and attestations live in the attachment repository (cosign's
  // COSIGN_REPOSITORY); BuildKit's attestation manifests are entries of the image's own index.
  registry::Repository& attached = repo.attachments();
  std::future<Result<registry::Referrers>> referrers;
  if (options.referrers) {
    referrers = std::async(std::launch::async, [&] { return attached.ListReferrers(subject, ""); });
  }
  std::future<Result<registry::Manifest>> sig;
  if (options.sig_tag) {
    sig = std::async(std::launch::async, [&] {
      return attached.FetchManifest(
          registry::CosignTag(subject, registry::CosignAttachment::kSignature));
    });
  }
  std::optional<Result<registry::Manifest>> att;
  if (options.att_tag) {
    att = attached.FetchManifest(
        registry::CosignTag(subject, registry::CosignAttachment::kAttestation));
  }
  std::vector<Result<registry::Manifest>> buildkit;
  if (options.buildkit) {
    for (const registry::Descriptor& entry : attestation_manifests) {
      buildkit.push_back(repo.FetchManifest(entry.digest.ToString()));
    }
  }
  Listing l;
  l.out.referrers = options.referrers;
  l.out.sig_tag = options.sig_tag;
  l.out.att_tag = options.att_tag;
  if (options.referrers) {
    ListReferrers(referrers.get(), subject, l);
  }
  if (options.sig_tag) {
    ListTag(sig.get(), subject, /*sig=*/true, l);
  }
  if (att) {
    ListTag(std::move(*att), subject, /*sig=*/false, l);
  }
  for (size_t i = 0; i < buildkit.size(); ++i) {
    ListAttestationManifest(std::move(buildkit[i]), attestation_manifests[i], subject, l);
  }
  std::vector<Status> errors(l.out.objects.size(), OkStatus());
  RunParallel(l.out.objects.size(), options.parallelism, [&](size_t i) {
    Evidence& e = l.out.objects[i];
    if (e.state != EvidenceState::kListed || (options.wanted && !options.wanted(e))) {
      return;
    }
    errors[i] =
        Read(e.form == EvidenceForm::kBuildKitAttestation ? repo : attached, e, l.descriptors[i]);
  });
  for (const Status& s : errors) {
    if (!s.ok()) {
      l.Failed(s);
    }
  }
  std::erase_if(l.out.objects,
                [](const Evidence& e) { return e.state == EvidenceState::kNotEvidence; });
  std::function<Result<Bytes>()> content = SubjectContent(repo, subject);
  const std::string repository = repo.reference().RepositoryName();
  for (Evidence& e : l.out.objects) {
    e.subject_content = content;
    e.repository = repository;
  }
  return std::move(l.out);
}

}  // namespace vouch::verify::internal
