// Notation envelopes: what JWS and COSE share (algorithms, header rules, payload, the signature
// check and signing). The wire formats are in notation_jws.cc and notation_cose.cc.
#include "vouch/attest/notation.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "core/internal/json.h"
#include "core/internal/ossl.h"
#include "notation_internal.h"

namespace vouch::attest {
namespace internal {
namespace {

using keys::KeyAlgorithm;
using keys::SignatureScheme;

// signature-specification.md "Algorithm Selection"; COSE labels from the IANA COSE registry.
constexpr AlgorithmInfo kAlgorithms[] = {
    {NotationAlgorithm::kPs256, "PS256", -37, KeyAlgorithm::kRsa2048,
     SignatureScheme::kRsaPssSha256, 0, HashAlgorithm::kSha256},
    {NotationAlgorithm::kPs384, "PS384", -38, KeyAlgorithm::kRsa3072,
     SignatureScheme::kRsaPssSha384, 0, HashAlgorithm::kSha384},
    {NotationAlgorithm::kPs512, "PS512", -39, KeyAlgorithm::kRsa4096,
     SignatureScheme::kRsaPssSha512, 0, HashAlgorithm::kSha512},
    {NotationAlgorithm::kEs256, "ES256", -7, KeyAlgorithm::kEcdsaP256,
     SignatureScheme::kEcdsaSha256, 32, HashAlgorithm::kSha256},
    {NotationAlgorithm::kEs384, "ES384", -35, KeyAlgorithm::kEcdsaP384,
     SignatureScheme::kEcdsaSha384, 48, HashAlgorithm::kSha384},
    {NotationAlgorithm::kEs512, "ES512", -36, KeyAlgorithm::kEcdsaP521,
     SignatureScheme::kEcdsaSha512, 66, HashAlgorithm::kSha512},
};

std::string_view TypeName(NotationEnvelopeType type) {
  return type == NotationEnvelopeType::kJws ? "Notation JWS envelope" : "Notation COSE envelope";
}

// MayBeCritical: crit lists signingScheme, authenticSigningTime, expiry and extended attributes
// only (notation-core-go's JWS reader; RFC 7515 4.1.11 forbids listing alg, cty or crit).
bool MayBeCritical(const std::string& name, const NotationEnvelope& env) {
  if (name == kHeaderSigningScheme || name == kHeaderAuthenticSigningTime ||
      name == kHeaderExpiry) {
    return true;
  }
  return std::any_of(env.extended.begin(), env.extended.end(),
                     [&](const NotationExtendedAttribute& a) { return a.key == name; });
}

Status CheckCrit(const HeaderFacts& facts, NotationEnvelope& env) {
  const NotationEnvelopeType t = env.type;
  if (!facts.has_crit || facts.crit.empty()) {
    return Malformed(t, "the protected header has no crit list (or an empty one)");
  }
  std::set<std::string> seen;
  for (const std::string& c : facts.crit) {
    if (!seen.insert(c).second) {
      return Malformed(t, "crit lists \"" + c + "\" twice");
    }
    if (facts.present.count(c) == 0) {
      return Malformed(t, "crit lists \"" + c + "\", which is not in the protected header");
    }
    if (!MayBeCritical(c, env)) {
      return Malformed(t, "crit lists \"" + c + "\", which may not be critical");
    }
  }
  for (std::string_view must : {kHeaderSigningScheme, kHeaderAuthenticSigningTime, kHeaderExpiry}) {
    std::string name(must);
    if (facts.present.count(name) != 0 && seen.count(name) == 0) {
      return Malformed(t, "crit must list " + name);
    }
  }
  for (NotationExtendedAttribute& attr : env.extended) {
    attr.critical = seen.count(attr.key) != 0;
  }
  return OkStatus();
}

Status CheckSchemeTimes(const HeaderFacts& facts, const NotationEnvelope& env) {
  const NotationEnvelopeType t = env.type;
  if (facts.present.count(std::string(kHeaderSigningScheme)) == 0) {
    return Malformed(t, "the protected header has no " + std::string(kHeaderSigningScheme));
  }
  if (env.signing_scheme == kNotationSchemeX509) {
    if (!env.signing_time) {
      return Malformed(t, "signing scheme notary.x509 needs " + std::string(kHeaderSigningTime));
    }
    if (env.authentic_signing_time) {
      return Malformed(t, "signing scheme notary.x509 may not claim " +
                              std::string(kHeaderAuthenticSigningTime));
    }
    return OkStatus();
  }
  if (env.signing_scheme == kNotationSchemeSigningAuthority) {
    if (!env.authentic_signing_time) {
      return Malformed(t, "signing scheme notary.x509.signingAuthority needs " +
                              std::string(kHeaderAuthenticSigningTime));
    }
    if (env.signing_time) {
      // The authority's time is the only one; a second, unvouched time would be ambiguous.
      return Malformed(t, "signing scheme notary.x509.signingAuthority may not claim " +
                              std::string(kHeaderSigningTime));
    }
    return OkStatus();
  }
  return Malformed(t, "unknown signing scheme \"" + env.signing_scheme + "\"");
}

}  // namespace

const AlgorithmInfo& Info(NotationAlgorithm alg) {
  for (const AlgorithmInfo& info : kAlgorithms) {
    if (info.alg == alg) {
      return info;
    }
  }
  return kAlgorithms[0];  // unreachable: the table covers the enum
}

const AlgorithmInfo* FindJwsAlgorithm(std::string_view name) {
  for (const AlgorithmInfo& info : kAlgorithms) {
    if (info.jws_name == name) {
      return &info;
    }
  }
  return nullptr;
}

const AlgorithmInfo* FindCoseAlgorithm(int64_t label) {
  for (const AlgorithmInfo& info : kAlgorithms) {
    if (info.cose_label == label) {
      return &info;
    }
  }
  return nullptr;
}

Status Malformed(NotationEnvelopeType type, const std::string& rule) {
  return VerificationFailedError(std::string(TypeName(type)) + ": " + rule);
}

Status CheckHeaderRules(const HeaderFacts& facts, NotationEnvelope& env) {
  VOUCH_RETURN_IF_ERROR(CheckSchemeTimes(facts, env));
  VOUCH_RETURN_IF_ERROR(CheckCrit(facts, env));
  if (env.content_type != kNotationPayloadType) {
    return Malformed(env.type, "the content type is \"" + env.content_type + "\", not " +
                                   std::string(kNotationPayloadType));
  }
  return OkStatus();
}

Status CheckChainSize(NotationEnvelopeType type, size_t n) {
  if (n == 0) {
    return Malformed(type, "the certificate chain is empty");
  }
  if (n > kMaxNotationChainLength) {
    return Malformed(type, "the certificate chain has " + std::to_string(n) +
                               " certificates; at most " + std::to_string(kMaxNotationChainLength) +
                               " are accepted");
  }
  return OkStatus();
}

Status CheckSignRequest(const NotationSignRequest& request,
                        const std::set<std::string_view>& reserved) {
  if (request.signing_scheme != kNotationSchemeX509 &&
      request.signing_scheme != kNotationSchemeSigningAuthority) {
    return InvalidArgumentError("unknown Notation signing scheme \"" + request.signing_scheme +
                                "\"");
  }
  if (request.content_type.empty()) {
    return InvalidArgumentError("the Notation payload content type is empty");
  }
  std::set<std::string_view> keys;
  for (const NotationExtendedAttribute& attr : request.extended) {
    if (attr.key.empty() || reserved.count(attr.key) != 0 || !keys.insert(attr.key).second) {
      return InvalidArgumentError("extended attribute \"" + attr.key +
                                  "\" is empty, reserved or given twice");
    }
  }
  if (request.certificate_chain.empty() ||
      request.certificate_chain.size() > kMaxNotationChainLength) {
    return InvalidArgumentError("a Notation signature needs 1 to " +
                                std::to_string(kMaxNotationChainLength) + " certificates");
  }
  return OkStatus();
}

int64_t WholeSeconds(TimePoint t) {
  return std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count();
}

}  // namespace internal

namespace {

using internal::Info;

// LeafVerifier returns the public key of the DER certificate |der| (parsed, not trusted).
Result<keys::Verifier> LeafVerifier(ByteView der) {
  const unsigned char* p = der.data();
  OsslPtr<X509> x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (x == nullptr || p != der.data() + der.size()) {
    ClearOpenSslErrors();
    return VerificationFailedError("the leaf certificate is not DER X.509");
  }
  Result<Bytes> spki = PublicKeyDer(X509_get0_pubkey(x.get()));  // key borrowed from x
  if (!spki.ok()) {
    return VerificationFailedError("the leaf certificate's public key does not parse");
  }
  Result<keys::Verifier> v = keys::Verifier::FromSpkiDer(*spki);
  if (!v.ok()) {
    return VerificationFailedError("the leaf certificate's key is not supported: " +
                                   v.status().message());
  }
  return v;
}

// RawToDer turns JWS/COSE ECDSA r || s into the DER ECDSA-Sig-Value keys::Verifier reads.
Result<Bytes> RawToDer(ByteView raw, size_t coordinate) {
  if (raw.size() != 2 * coordinate) {
    return VerificationFailedError("the ECDSA signature is " + std::to_string(raw.size()) +
                                   " bytes, not " + std::to_string(2 * coordinate));
  }
  OsslPtr<ECDSA_SIG> sig(ECDSA_SIG_new());
  OsslPtr<BIGNUM> r(BN_bin2bn(raw.data(), static_cast<int>(coordinate), nullptr));
  OsslPtr<BIGNUM> s(BN_bin2bn(raw.data() + coordinate, static_cast<int>(coordinate), nullptr));
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) {
    return OpenSslError(ErrorCode::kInternal, "building an ECDSA signature");
  }
  (void)r.release();  // owned by sig now (set0)
  (void)s.release();
  int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0) {
    return OpenSslError(ErrorCode::kInternal, "encoding an ECDSA signature");
  }
  Bytes der(static_cast<size_t>(len));
  unsigned char* p = der.data();
  i2d_ECDSA_SIG(sig.get(), &p);
  return der;
}

// DerToRaw turns a signer's DER ECDSA signature into fixed-width r || s.
Result<Bytes> DerToRaw(ByteView der, size_t coordinate) {
  const unsigned char* p = der.data();
  OsslPtr<ECDSA_SIG> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) {
    return OpenSslError(ErrorCode::kInternal, "the signer returned a malformed ECDSA signature");
  }
  const BIGNUM* r = nullptr;  // borrowed from sig
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  Bytes raw(2 * coordinate);
  const int width = static_cast<int>(coordinate);
  if (BN_bn2binpad(r, raw.data(), width) != width ||
      BN_bn2binpad(s, raw.data() + coordinate, width) != width) {
    return OpenSslError(ErrorCode::kInternal, "an ECDSA signature value is too wide");
  }
  return raw;
}

}  // namespace

std::string_view NotationEnvelopeMediaType(NotationEnvelopeType type) {
  return type == NotationEnvelopeType::kJws ? kNotationJwsMediaType : kNotationCoseMediaType;
}

Result<NotationEnvelopeType> ParseNotationEnvelopeType(std::string_view name) {
  if (name == kNotationJwsMediaType || name == "jws") {
    return NotationEnvelopeType::kJws;
  }
  if (name == kNotationCoseMediaType || name == "cose") {
    return NotationEnvelopeType::kCose;
  }
  return InvalidArgumentError("unknown Notation envelope type \"" + std::string(name) +
                              "\" (jws, cose, or their media types)");
}

std::string_view NotationAlgorithmName(NotationAlgorithm alg) { return Info(alg).jws_name; }

HashAlgorithm HashForNotation(NotationAlgorithm alg) { return Info(alg).hash; }

Result<NotationAlgorithm> NotationAlgorithmFor(keys::KeyAlgorithm key) {
  for (NotationAlgorithm alg :
       {NotationAlgorithm::kPs256, NotationAlgorithm::kPs384, NotationAlgorithm::kPs512,
        NotationAlgorithm::kEs256, NotationAlgorithm::kEs384, NotationAlgorithm::kEs512}) {
    if (Info(alg).key == key) {
      return alg;
    }
  }
  return InvalidArgumentError("Notation has no signature algorithm for " +
                              std::string(keys::KeyAlgorithmName(key)) + " keys");
}

Result<NotationEnvelope> ParseNotationEnvelope(NotationEnvelopeType type, ByteView data) {
  if (data.size() > kMaxNotationEnvelopeSize) {
    return internal::Malformed(type, "the envelope is " + std::to_string(data.size()) +
                                         " bytes, over the limit of " +
                                         std::to_string(kMaxNotationEnvelopeSize));
  }
  return type == NotationEnvelopeType::kJws ? internal::ParseJws(data) : internal::ParseCose(data);
}

Status VerifyNotationSignature(const NotationEnvelope& envelope) {
  if (envelope.certificate_chain.empty()) {
    return VerificationFailedError("the Notation envelope has no certificate");
  }
  VOUCH_ASSIGN_OR_RETURN(keys::Verifier key, LeafVerifier(envelope.certificate_chain.front()));
  const internal::AlgorithmInfo& info = Info(envelope.algorithm);
  if (key.algorithm() != info.key) {
    return VerificationFailedError("algorithm substitution: the envelope says " +
                                   std::string(info.jws_name) +
                                   " but the leaf certificate holds a " +
                                   std::string(keys::KeyAlgorithmName(key.algorithm())) + " key");
  }
  Bytes der_sig;
  ByteView sig = envelope.signature;
  if (info.ecdsa_coordinate_size != 0) {
    VOUCH_ASSIGN_OR_RETURN(der_sig, RawToDer(envelope.signature, info.ecdsa_coordinate_size));
    sig = der_sig;
  }
  Status st = key.Verify(sig, envelope.signed_bytes, info.scheme);
  if (!st.ok()) {
    return VerificationFailedError(
        "the Notation envelope's signature does not verify with its "
        "leaf certificate's key: " +
        st.message());
  }
  return OkStatus();
}

Result<NotationTarget> ParseNotationPayload(ByteView payload) {
  constexpr std::string_view kWhat = "Notation payload";
  auto fail = [&](const std::string& why) {
    return VerificationFailedError(std::string(kWhat) + ": " + why);
  };
  Result<Json> doc = ParseJson(AsChars(payload), kWhat);
  if (!doc.ok()) {
    return fail(doc.status().message());
  }
  const Json* target = FindField(*doc, "targetArtifact");
  if (target == nullptr || !target->is_object()) {
    return fail("targetArtifact is missing or not an object");
  }
  NotationTarget out;
  const Json* media = FindField(*target, "mediaType");
  const Json* digest = FindField(*target, "digest");
  const Json* size = FindField(*target, "size");
  if (media == nullptr || !media->is_string()) {
    return fail("targetArtifact.mediaType is missing or not a string");
  }
  if (digest == nullptr || !digest->is_string()) {
    return fail("targetArtifact.digest is missing or not a string");
  }
  if (size == nullptr || !size->is_number_integer() || size->get<int64_t>() < 0) {
    return fail("targetArtifact.size is missing or not a non-negative integer");
  }
  out.media_type = media->get<std::string>();
  out.digest = digest->get<std::string>();
  out.size = size->get<int64_t>();
  if (const Json* ann = FindField(*target, "annotations"); ann != nullptr) {
    if (!ann->is_object()) {
      return fail("targetArtifact.annotations is not an object");
    }
    for (const auto& [k, v] : ann->items()) {
      if (!v.is_string()) {
        return fail("targetArtifact.annotations[\"" + k + "\"] is not a string");
      }
      out.annotations[k] = v.get<std::string>();
    }
  }
  return out;
}

Bytes NotationPayload(const NotationTarget& target) {
  // ocispec.Descriptor's field order, as notation writes it.
  OrderedJson desc = OrderedJson::object();
  desc["mediaType"] = target.media_type;
  desc["digest"] = target.digest;
  desc["size"] = target.size;
  if (!target.annotations.empty()) {
    OrderedJson ann = OrderedJson::object();
    for (const auto& [k, v] : target.annotations) {
      ann[k] = v;
    }
    desc["annotations"] = std::move(ann);
  }
  OrderedJson doc = OrderedJson::object();
  doc["targetArtifact"] = std::move(desc);
  return ToBytes(DumpJson(doc));
}

Result<Bytes> SignNotationEnvelope(const NotationSignRequest& request) {
  if (request.signer == nullptr) {
    return InvalidArgumentError("a Notation signature needs a signer");
  }
  if (request.certificate_chain.empty()) {
    return InvalidArgumentError("a Notation signature needs the signer's certificate chain");
  }
  const keys::Signer& signer = *request.signer;
  VOUCH_ASSIGN_OR_RETURN(NotationAlgorithm alg, NotationAlgorithmFor(signer.algorithm()));
  Result<keys::Verifier> leaf = LeafVerifier(request.certificate_chain.front());
  if (!leaf.ok() || leaf->SpkiDer() != signer.PublicKey().SpkiDer()) {
    return InvalidArgumentError("the leaf certificate does not hold the signer's public key");
  }
  const internal::AlgorithmInfo& info = Info(alg);
  internal::RawSignFn sign = [&](ByteView signed_bytes) -> Result<Bytes> {
    if (info.ecdsa_coordinate_size == 0) {
      return signer.SignWithScheme(signed_bytes, info.scheme);
    }
    // The key's default ECDSA scheme is the curve's hash, which is what ES256/384/512 use.
    VOUCH_ASSIGN_OR_RETURN(Bytes der, signer.Sign(signed_bytes));
    return DerToRaw(der, info.ecdsa_coordinate_size);
  };
  return request.type == NotationEnvelopeType::kJws ? internal::SignJws(request, alg, sign)
                                                    : internal::SignCose(request, alg, sign);
}

}  // namespace vouch::attest
