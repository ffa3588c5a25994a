#include "vouch/attest/dsse.h"

#include <cstring>
#include <set>
#include <string>
#include <utility>

#include "core/internal/json.h"

namespace vouch::attest {
namespace {

constexpr std::string_view kWhat = "DSSE envelope";

Result<Bytes> DecodeField(const std::string& text, std::string_view field) {
  // envelope.md: "Either standard or URL-safe encoding is allowed."
  Result<Bytes> decoded = Base64Decode(text, Base64Alphabet::kEither);
  if (!decoded.ok()) {
    return InvalidArgumentError(std::string(kWhat) + " field \"" + std::string(field) +
                                "\" is not valid base64");
  }
  return decoded;
}

}  // namespace

Bytes Pae(std::string_view payload_type, ByteView payload) {
  // Sized once and filled with memcpy (GCC 12 misdiagnoses repeated vector::insert here).
  const std::string head = "DSSEv1 " + std::to_string(payload_type.size()) + " " +
                           std::string(payload_type) + " " + std::to_string(payload.size()) + " ";
  Bytes out(head.size() + payload.size());
  std::memcpy(out.data(), head.data(), head.size());
  if (!payload.empty()) {
    std::memcpy(out.data() + head.size(), payload.data(), payload.size());
  }
  return out;
}

Result<DsseEnvelope> ParseEnvelope(std::string_view json) {
  if (json.size() > kMaxEnvelopeSize) {
    return ResourceExhaustedError(std::string(kWhat) + " is " + std::to_string(json.size()) +
                                  " bytes, over the " + std::to_string(kMaxEnvelopeSize) +
                                  "-byte limit");
  }
  VOUCH_ASSIGN_OR_RETURN(Json doc, ParseJson(json, kWhat));
  if (!doc.is_object()) {
    return InvalidArgumentError(std::string(kWhat) + " must be a JSON object");
  }
  DsseEnvelope env;
  VOUCH_ASSIGN_OR_RETURN(env.payload_type, GetString(doc, "payloadType", kWhat));
  VOUCH_ASSIGN_OR_RETURN(std::string payload_b64, GetString(doc, "payload", kWhat));
  VOUCH_ASSIGN_OR_RETURN(env.payload, DecodeField(payload_b64, "payload"));
  VOUCH_ASSIGN_OR_RETURN(const Json* sigs, GetArray(doc, "signatures", kWhat));
  if (sigs->empty()) {
    return InvalidArgumentError(std::string(kWhat) + " field \"signatures\" is empty");
  }
  if (sigs->size() > kMaxEnvelopeSignatures) {
    return ResourceExhaustedError(std::string(kWhat) + " has " + std::to_string(sigs->size()) +
                                  " signatures, over the limit of " +
                                  std::to_string(kMaxEnvelopeSignatures));
  }
  env.signatures.reserve(sigs->size());
  for (size_t i = 0; i < sigs->size(); ++i) {
    const Json& entry = (*sigs)[i];
    std::string what = std::string(kWhat) + " signatures[" + std::to_string(i) + "]";
    if (!entry.is_object()) {
      return InvalidArgumentError(what + " must be an object");
    }
    DsseSignature sig;
    VOUCH_ASSIGN_OR_RETURN(std::string sig_b64, GetString(entry, "sig", what));
    VOUCH_ASSIGN_OR_RETURN(sig.sig, DecodeField(sig_b64, "sig"));
    // "An unset field MUST be treated the same as set-but-empty": absent or null keyid is "".
    const Json* keyid = FindField(entry, "keyid");
    if (keyid != nullptr && !keyid->is_null()) {
      if (!keyid->is_string()) {
        return InvalidArgumentError(what + " field \"keyid\" must be a string");
      }
      sig.keyid = keyid->get_ref<const std::string&>();
    }
    env.signatures.push_back(std::move(sig));
  }
  return env;
}

std::string SerializeEnvelope(const DsseEnvelope& envelope) {
  OrderedJson sigs = OrderedJson::array();
  for (const DsseSignature& s : envelope.signatures) {
    OrderedJson entry = OrderedJson::object();
    entry["keyid"] = s.keyid;
    entry["sig"] = Base64Encode(s.sig);
    sigs.push_back(std::move(entry));
  }
  OrderedJson doc = OrderedJson::object();
  doc["payloadType"] = envelope.payload_type;
  doc["payload"] = Base64Encode(envelope.payload);
  doc["signatures"] = std::move(sigs);
  return DumpJson(doc);
}

Result<DsseEnvelope> SignEnvelope(std::string_view payload_type, ByteView payload,
                                  std::span<const EnvelopeSigner> signers) {
  if (signers.empty()) {
    return InvalidArgumentError("DSSE signing needs at least one key");
  }
  if (signers.size() > kMaxEnvelopeSignatures) {
    return InvalidArgumentError("DSSE signing with " + std::to_string(signers.size()) +
                                " keys, over the limit of " +
                                std::to_string(kMaxEnvelopeSignatures));
  }
  DsseEnvelope env;
  env.payload_type = std::string(payload_type);
  env.payload.assign(payload.begin(), payload.end());
  const Bytes pae = Pae(payload_type, payload);
  for (size_t i = 0; i < signers.size(); ++i) {
    if (signers[i].signer == nullptr) {
      return InvalidArgumentError("DSSE signer " + std::to_string(i) + " is null");
    }
    VOUCH_ASSIGN_OR_RETURN(Bytes sig, signers[i].signer->Sign(pae));
    env.signatures.push_back(DsseSignature{signers[i].keyid, std::move(sig)});
  }
  return env;
}

Result<DsseEnvelope> SignEnvelope(std::string_view payload_type, ByteView payload,
                                  const keys::Signer& signer, std::string keyid) {
  const EnvelopeSigner one[] = {EnvelopeSigner{&signer, std::move(keyid)}};
  return SignEnvelope(payload_type, payload, one);
}

Status VerifyEnvelope(const DsseEnvelope& envelope, std::span<const keys::Verifier> verifiers,
                      size_t threshold) {
  if (threshold == 0) {
    return InvalidArgumentError("DSSE threshold must be at least 1");
  }
  // Distinct trusted keys, by key id (t-of-n counts keys, not signatures or list entries).
  std::vector<const keys::Verifier*> trusted;
  std::set<std::string> seen;
  for (const keys::Verifier& v : verifiers) {
    if (seen.insert(v.KeyId()).second) {
      trusted.push_back(&v);
    }
  }
  if (trusted.empty()) {
    return InvalidArgumentError("DSSE verification needs at least one trusted key");
  }
  if (threshold > trusted.size()) {
    return InvalidArgumentError("DSSE threshold " + std::to_string(threshold) + " exceeds the " +
                                std::to_string(trusted.size()) + " distinct trusted keys");
  }
  if (envelope.signatures.empty()) {
    return VerificationFailedError("DSSE envelope has no signatures");
  }
  if (envelope.signatures.size() > kMaxEnvelopeSignatures) {
    return VerificationFailedError(
        "DSSE envelope has " + std::to_string(envelope.signatures.size()) +
        " signatures, over the limit of " + std::to_string(kMaxEnvelopeSignatures));
  }
  const Bytes pae = Pae(envelope.payload_type, envelope.payload);
  std::vector<bool> key_used(trusted.size(), false);
  size_t verified = 0;
  for (const DsseSignature& s : envelope.signatures) {
    for (size_t k = 0; k < trusted.size(); ++k) {
      if (key_used[k]) {
        continue;
      }
      // Any non-OK result (bad signature, scheme that does not fit the key) means "not by k".
      if (trusted[k]->Verify(s.sig, pae).ok()) {
        key_used[k] = true;
        ++verified;
        break;
      }
    }
    if (verified >= threshold) {
      return OkStatus();
    }
  }
  return VerificationFailedError("DSSE envelope verified by " + std::to_string(verified) + " of " +
                                 std::to_string(threshold) + " required distinct trusted keys (" +
                                 std::to_string(envelope.signatures.size()) + " signatures, " +
                                 std::to_string(trusted.size()) + " trusted keys)");
}

}  // namespace vouch::attest
