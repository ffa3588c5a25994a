#include "vouch/verify/attestation.h"

#include <utility>

namespace vouch::verify {

Result<VerifiedAttestation> VerifyAttestationEnvelope(const attest::DsseEnvelope& envelope,
                                                      const Digest& subject,
                                                      std::span<const keys::Verifier> keys,
                                                      std::string_view predicate_type) {
  if (keys.empty()) {
    return InvalidArgumentError("attestation verification needs at least one trusted key");
  }
  if (predicate_type.empty()) {
    return InvalidArgumentError("attestation verification needs a predicate type");
  }
  if (envelope.payload_type != attest::kInTotoPayloadType) {
    return VerificationFailedError("payload type \"" + envelope.payload_type + "\" is not \"" +
                                   std::string(attest::kInTotoPayloadType) + "\"");
  }
  // Try each key alone so the verified one can be reported; VerifyEnvelope ignores keyid hints.
  std::string key_id;
  for (const keys::Verifier& key : keys) {
    if (attest::VerifyEnvelope(envelope, std::span<const keys::Verifier>(&key, 1), 1).ok()) {
      key_id = key.KeyId();
      break;
    }
  }
  if (key_id.empty()) {
    return VerificationFailedError(
        "signature does not verify with the given key: the attestation was signed with a "
        "different key or its payload was modified");
  }
  Result<attest::Statement> statement = attest::Statement::Parse(AsChars(envelope.payload));
  if (!statement.ok()) {
    return VerificationFailedError("statement is malformed: " + statement.status().message());
  }
  if (!attest::SubjectMatches(*statement, subject)) {
    return VerificationFailedError("subject: no subject of the statement has digest " +
                                   subject.ToString() + ", so it is not about this artifact");
  }
  if (statement->predicate_type() != predicate_type) {
    return VerificationFailedError("predicate type \"" + statement->predicate_type() +
                                   "\" is not the expected \"" + std::string(predicate_type) +
                                   "\"");
  }
  return VerifiedAttestation{std::move(*statement), envelope.payload, std::move(key_id)};
}

Result<VerifiedAttestation> VerifyAttestationBundle(const attest::Bundle& bundle,
                                                    const Digest& subject,
                                                    std::span<const keys::Verifier> keys,
                                                    std::string_view predicate_type) {
  const auto* envelope = std::get_if<attest::DsseEnvelope>(&bundle.content);
  if (envelope == nullptr) {
    return VerificationFailedError(
        "bundle holds a message signature, not an attestation: use verify-blob");
  }
  if (envelope->signatures.size() != 1) {
    return VerificationFailedError(
        "bundle's DSSE envelope must hold exactly one signature, it has " +
        std::to_string(envelope->signatures.size()));
  }
  const attest::VerificationMaterial& vm = bundle.verification_material;
  if (vm.kind == attest::VerificationMaterial::Kind::kPublicKey && !vm.public_key_hint.empty()) {
    const std::string& keyid = envelope->signatures[0].keyid;
    if (!keyid.empty() && keyid != vm.public_key_hint) {
      return VerificationFailedError("bundle's DSSE keyid \"" + keyid +
                                     "\" differs from its public key hint \"" + vm.public_key_hint +
                                     "\"");
    }
    bool named = false;
    for (const keys::Verifier& key : keys) {
      named = named || attest::HintMatches(vm.public_key_hint, key.SpkiDer());
    }
    if (!named && !keys.empty()) {
      return VerificationFailedError(
          "signature: bundle was signed with a different key: its "
          "public key hint is \"" +
          vm.public_key_hint + "\", the given key's is \"" + attest::PublicKeyHint(keys[0]) + "\"");
    }
  }
  return VerifyAttestationEnvelope(*envelope, subject, keys, predicate_type);
}

Status CheckSlsa(const VerifiedAttestation& verified, const SlsaExpectations& want) {
  if (want.empty()) {
    return OkStatus();
  }
  const std::string& type = verified.statement.predicate_type();
  if (!attest::IsProvenanceType(type)) {
    return InvalidArgumentError(
        "--builder-id, --source-uri, --source-ref and --max-age apply to SLSA provenance only, "
        "not to predicate type " +
        type);
  }
  Result<attest::NormalizedProvenance> p =
      attest::NormalizeProvenance(type, verified.statement.predicate_json());
  if (!p.ok()) {
    return VerificationFailedError("provenance is malformed: " + p.status().message());
  }
  return CheckProvenance(*p, want);
}

}  // namespace vouch::verify
