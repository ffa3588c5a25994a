// Content rules on verified payloads: simple-signing payloads, cosign signature statements and
// attestation statements (formats.md 3.3, 3.4, 4.3).
#include "requirements/content.h"

#include <algorithm>
#include <utility>

#include "vouch/attest/notation.h"
#include "vouch/attest/simple_signing.h"
#include "vouch/verify/sigstore.h"

namespace vouch::verify::internal {
namespace {

Check Fail(Reason reason, std::string detail) { return Check{reason, std::move(detail)}; }

// SplitDockerReference splits "host/repo[:tag][@digest]" into the repository and the rest.
std::pair<std::string, std::string> SplitDockerReference(std::string_view ref) {
  size_t at = ref.find('@');
  std::string_view name = ref.substr(0, at);
  std::string suffix = at == std::string_view::npos ? "" : std::string(ref.substr(at));
  size_t slash = name.rfind('/');
  size_t colon = name.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    suffix = std::string(name.substr(colon)) + suffix;
    name = name.substr(0, colon);
  }
  return {std::string(name), suffix};
}

// NamesSubject checks that |statement| names the manifest |e| is attached to: by its digest, or
// by the manifest's bytes hashed in the other algorithms the subjects use (StatementNamesArtifact).
Check NamesSubject(const attest::Statement& statement, const Evidence& e, std::string why_not) {
  Artifact artifact;
  artifact.digest = ArtifactDigest::Of(e.subject);
  artifact.content = e.subject_content;
  Status st = StatementNamesArtifact(statement, artifact);
  if (st.ok()) {
    return {};
  }
  if (!IsVerificationFailed(st)) {
    Check c = Fail(Reason::kLookupFailed, "the image's manifest could not be read: " + st.message());
    c.error = st;
    return c;
  }
  return Fail(Reason::kWrongSubject, std::move(why_not));
}

Check CheckIdentity(std::string_view have, std::string_view want) {
  auto [have_repo, have_suffix] = SplitDockerReference(have);
  auto [want_repo, want_suffix] = SplitDockerReference(want);
  if (have_repo != want_repo ||
      (!have_suffix.empty() && !want_suffix.empty() && have_suffix != want_suffix)) {
    return Fail(Reason::kWrongSubject, "payload identity \"" + std::string(have) +
                                           "\" does not match \"" + std::string(want) + "\"");
  }
  return {};
}

// SubjectAnnotations returns the string annotations of the statement subjects whose digest is
// |subject| (non-string annotations are ignored).
std::map<std::string, std::string> SubjectAnnotations(const attest::Statement& statement,
                                                      const Digest& subject) {
  std::map<std::string, std::string> have;
  for (const auto& s : statement.subjects()) {
    auto it = s.digest.find(std::string(HashAlgorithmName(subject.algorithm())));
    if (it != s.digest.end() && it->second == subject.Hex()) {
      auto a = attest::StringAnnotations(s);
      if (a.ok()) {
        have.insert(a->begin(), a->end());
      }
    }
  }
  return have;
}

std::string NamedSubjects(const attest::Statement& statement) {
  std::string named;
  for (const auto& s : statement.subjects()) {
    for (const auto& [alg, hex] : s.digest) {
      named += (named.empty() ? "" : ", ") + alg + ":" + hex;
    }
  }
  return named;
}

}  // namespace

Check CheckAnnotations(const std::map<std::string, std::string>& have,
                       const std::map<std::string, std::string>& want) {
  for (const auto& [k, v] : want) {
    auto it = have.find(k);
    if (it == have.end()) {
      return Fail(Reason::kAnnotationMismatch, "annotation " + k + " is missing");
    }
    if (it->second != v) {
      return Fail(Reason::kAnnotationMismatch,
                  "annotation " + k + " is \"" + it->second + "\", not \"" + v + "\"");
    }
  }
  return {};
}

Check CheckSimpleSigningPayload(ByteView payload, const Digest& expected,
                                const std::map<std::string, std::string>& annotations,
                                std::string_view identity) {
  auto p = attest::ParseSimpleSigningPayload(payload);
  if (!p.ok()) {
    return Fail(Reason::kMalformedPayload, p.status().message());
  }
  if (p->type != attest::kCosignSignatureType) {
    return Fail(Reason::kMalformedPayload,
                "payload type is \"" + p->type + "\", not \"" +
                    std::string(attest::kCosignSignatureType) + "\"");
  }
  if (p->manifest_digest != expected.ToString()) {
    return Fail(Reason::kWrongSubject,
                "payload is for " + p->manifest_digest + ", not " + expected.ToString());
  }
  if (Check c = CheckAnnotations(p->annotations, annotations); !c.ok()) {
    return c;
  }
  return identity.empty() ? Check{} : CheckIdentity(p->docker_reference, identity);
}

// CheckNotationPayload checks a Notation payload: its targetArtifact is the subject's
// descriptor (digest, and size and media type when the evaluation knows them), and its
// annotations (notation's user metadata) hold |annotations|.
Check CheckNotationPayload(const Evidence& e, ByteView payload,
                           const std::map<std::string, std::string>& annotations) {
  Result<attest::NotationTarget> t = attest::ParseNotationPayload(payload);
  if (!t.ok()) {
    return Fail(Reason::kMalformedPayload, t.status().message());
  }
  if (t->digest != e.subject.ToString()) {
    return Fail(Reason::kWrongSubject,
                "the Notation signature is for " + t->digest + ", not " + e.subject.ToString());
  }
  if ((e.subject_size >= 0 && t->size != e.subject_size) ||
      (!e.subject_media_type.empty() && t->media_type != e.subject_media_type)) {
    return Fail(Reason::kWrongSubject,
                "the Notation signature names " + t->media_type + " of " +
                    std::to_string(t->size) + " bytes, the manifest is " + e.subject_media_type +
                    " of " + std::to_string(e.subject_size) + " bytes");
  }
  return CheckAnnotations(t->annotations, annotations);
}

Check CheckSignatureContent(const Evidence& e, const Verified& verified,
                            const std::map<std::string, std::string>& annotations) {
  if (e.form == EvidenceForm::kNotationSignature) {
    return CheckNotationPayload(e, verified.payload, annotations);
  }
  if (e.form == EvidenceForm::kLegacySignature) {
    return CheckSimpleSigningPayload(verified.payload, e.subject, annotations);
  }
  if (e.form == EvidenceForm::kLegacyAttestation) {
    return Fail(Reason::kWrongKind, "not a signature: an attestation layer");
  }
  auto statement = attest::Statement::Parse(AsChars(verified.payload));
  if (!statement.ok()) {
    return Fail(Reason::kMalformedPayload,
                "signed statement is malformed: " + statement.status().message());
  }
  if (statement->predicate_type() != attest::kCosignSignPredicateType) {
    return Fail(Reason::kWrongKind,
                "not a signature: an attestation with predicateType " + statement->predicate_type());
  }
  if (Check c = NamesSubject(*statement, e,
                              "signed statement is for " + NamedSubjects(*statement) + ", not " +
                                  e.subject.ToString());
      !c.ok()) {
    return c;
  }
  return CheckAnnotations(SubjectAnnotations(*statement, e.subject), annotations);
}

Check CheckAttestationContent(const Evidence& e, const Verified& verified,
                              std::span<const std::string> types,
                              const std::map<std::string, std::string>& annotations,
                              std::optional<attest::Statement>& statement) {
  if (e.form == EvidenceForm::kLegacySignature || e.form == EvidenceForm::kNotationSignature) {
    return Fail(Reason::kWrongKind, "not an attestation: a signature");
  }
  auto parsed = attest::Statement::Parse(AsChars(verified.payload));
  if (!parsed.ok()) {
    return Fail(Reason::kMalformedPayload, "statement is malformed: " + parsed.status().message());
  }
  if (!types.empty() &&
      std::find(types.begin(), types.end(), parsed->predicate_type()) == types.end()) {
    return Fail(Reason::kWrongKind, "predicate type \"" + parsed->predicate_type() +
                                        "\" is not the expected \"" + types.front() + "\"");
  }
  if (Check c = NamesSubject(*parsed, e,
                              "subject: no subject of the statement has digest " +
                                  e.subject.ToString() + ", so it is not about this artifact");
      !c.ok()) {
    return c;
  }
  if (Check c = CheckAnnotations(SubjectAnnotations(*parsed, e.subject), annotations); !c.ok()) {
    return c;
  }
  statement = std::move(*parsed);
  return {};
}

}  // namespace vouch::verify::internal
