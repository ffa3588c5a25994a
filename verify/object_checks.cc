#include "object_checks.h"

#include <functional>
#include <utility>

#include "core/internal/json.h"
#include "vouch/attest/dsse.h"
#include "vouch/attest/simple_signing.h"

namespace vouch::verify::internal {
namespace {

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

Status CheckIdentity(std::string_view have, std::string_view want) {
  auto [have_repo, have_suffix] = SplitDockerReference(have);
  auto [want_repo, want_suffix] = SplitDockerReference(want);
  if (have_repo != want_repo ||
      (!have_suffix.empty() && !want_suffix.empty() && have_suffix != want_suffix)) {
    return VerificationFailedError("payload identity \"" + std::string(have) +
                                   "\" does not match \"" + std::string(want) + "\"");
  }
  return OkStatus();
}

// FindKey returns the KeyId of the first key for which |check| is OK, or "".
std::string FindKey(std::span<const keys::Verifier> keys,
                    const std::function<Status(const keys::Verifier&)>& check) {
  for (const keys::Verifier& k : keys) {
    if (check(k).ok()) {
      return k.KeyId();
    }
  }
  return "";
}

// ClaimedPredicateType reads the predicateType of an unverified in-toto payload, only to choose
// which accepted type the full verification asks for ("" when it cannot be read).
std::string ClaimedPredicateType(const attest::DsseEnvelope& env) {
  auto j = ParseJson(AsChars(env.payload), "statement");
  if (!j.ok() || !j->is_object()) {
    return "";
  }
  auto t = GetString(*j, "predicateType", "statement");
  return t.ok() ? *t : "";
}

}  // namespace

Status CheckAnnotations(const std::map<std::string, std::string>& have,
                        const std::map<std::string, std::string>& want) {
  for (const auto& [k, v] : want) {
    auto it = have.find(k);
    if (it == have.end()) {
      return VerificationFailedError("annotation " + k + " is missing");
    }
    if (it->second != v) {
      return VerificationFailedError("annotation " + k + " is \"" + it->second + "\", not \"" + v +
                                     "\"");
    }
  }
  return OkStatus();
}

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

Status CheckSimpleSigningPayload(ByteView payload, const Digest& expected,
                                 const std::map<std::string, std::string>& annotations,
                                 std::string_view identity) {
  auto p = attest::ParseSimpleSigningPayload(payload);
  if (!p.ok()) {
    return VerificationFailedError(p.status().message());
  }
  if (p->type != attest::kCosignSignatureType) {
    return VerificationFailedError("payload type is \"" + p->type + "\", not \"" +
                                   std::string(attest::kCosignSignatureType) + "\"");
  }
  if (p->manifest_digest != expected.ToString()) {
    return VerificationFailedError("payload is for " + p->manifest_digest + ", not " +
                                   expected.ToString());
  }
  VOUCH_RETURN_IF_ERROR(CheckAnnotations(p->annotations, annotations));
  if (!identity.empty()) {
    VOUCH_RETURN_IF_ERROR(CheckIdentity(p->docker_reference, identity));
  }
  return OkStatus();
}

Result<Bytes> DecodeSignatureAnnotation(std::string_view b64) {
  // Go's base64 decoder skips \r and \n (RSA signatures are sometimes wrapped).
  std::string clean;
  for (char c : b64) {
    if (c != '\n' && c != '\r') {
      clean.push_back(c);
    }
  }
  auto sig = Base64Decode(clean);
  if (!sig.ok() || sig->empty()) {
    return VerificationFailedError("signature annotation is not std base64");
  }
  return sig;
}

Result<std::string> CheckSignatureBundle(const attest::Bundle& bundle, const Digest& subject,
                                         std::span<const keys::Verifier> keys,
                                         const std::map<std::string, std::string>& annotations) {
  if (bundle.IsMessageSignature()) {
    return VerificationFailedError(
        "not a signature: a message-signature bundle (cosign signs images with DSSE)");
  }
  const attest::DsseEnvelope& env = std::get<attest::DsseEnvelope>(bundle.content);
  if (env.payload_type != attest::kInTotoPayloadType) {
    return VerificationFailedError("DSSE payloadType is \"" + env.payload_type + "\", not \"" +
                                   std::string(attest::kInTotoPayloadType) + "\"");
  }
  if (env.signatures.size() != 1) {
    return VerificationFailedError("DSSE envelope must have exactly one signature");
  }
  const std::string& hint = bundle.verification_material.public_key_hint;
  const std::string& keyid = env.signatures[0].keyid;
  if (!hint.empty() && !keyid.empty() && hint != keyid) {
    return VerificationFailedError("DSSE keyid \"" + keyid +
                                   "\" differs from the bundle's key hint \"" + hint + "\"");
  }
  const Bytes pae = attest::Pae(env.payload_type, env.payload);
  std::string key_id =
      FindKey(keys, [&](const keys::Verifier& k) { return k.Verify(env.signatures[0].sig, pae); });
  if (key_id.empty()) {
    return VerificationFailedError("signature does not verify with any trusted key");
  }
  // Only verified bytes are parsed.
  auto statement = attest::Statement::Parse(AsChars(env.payload));
  if (!statement.ok()) {
    return VerificationFailedError("signed statement is malformed: " +
                                   statement.status().message());
  }
  if (statement->predicate_type() != attest::kCosignSignPredicateType) {
    return VerificationFailedError("not a signature: an attestation with predicateType " +
                                   statement->predicate_type());
  }
  if (!attest::SubjectMatches(*statement, subject)) {
    std::string named;
    for (const auto& s : statement->subjects()) {
      for (const auto& [alg, hex] : s.digest) {
        named += (named.empty() ? "" : ", ") + alg + ":" + hex;
      }
    }
    return VerificationFailedError("signed statement is for " + named + ", not " +
                                   subject.ToString());
  }
  if (!annotations.empty()) {
    VOUCH_RETURN_IF_ERROR(CheckAnnotations(SubjectAnnotations(*statement, subject), annotations));
  }
  return key_id;
}

Result<std::string> CheckLegacySignature(ByteView payload, std::string_view signature_b64,
                                         const Digest& subject,
                                         std::span<const keys::Verifier> keys,
                                         const std::map<std::string, std::string>& annotations) {
  if (signature_b64.empty()) {
    return VerificationFailedError("no signature annotation");
  }
  VOUCH_ASSIGN_OR_RETURN(Bytes sig, DecodeSignatureAnnotation(signature_b64));
  std::string key_id =
      FindKey(keys, [&](const keys::Verifier& k) { return k.Verify(sig, payload); });
  if (key_id.empty()) {
    return VerificationFailedError("signature does not verify with any trusted key");
  }
  VOUCH_RETURN_IF_ERROR(CheckSimpleSigningPayload(payload, subject, annotations, ""));
  return key_id;
}

Result<std::string> CheckSignatureObject(const AttachedObject& object, const Digest& subject,
                                         std::span<const keys::Verifier> keys,
                                         const std::map<std::string, std::string>& annotations) {
  if (!object.fetched) {
    return VerificationFailedError(object.problem.empty() ? "not fetched" : object.problem);
  }
  if (object.bundle) {
    return CheckSignatureBundle(*object.bundle, subject, keys, annotations);
  }
  if (object.legacy_signature) {
    return CheckLegacySignature(object.payload, object.signature_b64, subject, keys, annotations);
  }
  return VerificationFailedError("not a signature: an attestation layer");
}

Result<VerifiedAttestation> CheckAttestationObject(const AttachedObject& object,
                                                   const Digest& subject,
                                                   std::span<const keys::Verifier> keys,
                                                   std::span<const std::string> predicate_types) {
  if (predicate_types.empty()) {
    return InvalidArgumentError("attestation verification needs a predicate type");
  }
  if (!object.fetched) {
    return VerificationFailedError(object.problem.empty() ? "not fetched" : object.problem);
  }
  const attest::DsseEnvelope* env = nullptr;
  if (object.bundle) {
    env = std::get_if<attest::DsseEnvelope>(&object.bundle->content);
  } else if (object.envelope) {
    env = &*object.envelope;
  }
  if (env == nullptr && !object.bundle) {
    return VerificationFailedError("not an attestation: a signature");
  }
  // The full verification checks the predicate type last; ask for the one the payload claims
  // when it is among the accepted ones, so one verification decides.
  std::string want = predicate_types[0];
  if (env != nullptr && predicate_types.size() > 1) {
    std::string claimed = ClaimedPredicateType(*env);
    for (const std::string& t : predicate_types) {
      if (t == claimed) {
        want = t;
      }
    }
  }
  if (object.bundle) {
    return VerifyAttestationBundle(*object.bundle, subject, keys, want);
  }
  return VerifyAttestationEnvelope(*env, subject, keys, want);
}

}  // namespace vouch::verify::internal
