#include "vouch/attest/bundle.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <utility>

#include "core/internal/json.h"

namespace vouch::attest {
namespace {

constexpr std::string_view kWhat = "bundle";

// The protobuf HashAlgorithm enum (sigstore_common.proto), indexed by its number.
constexpr std::string_view kProtoHashNames[] = {
    "HASH_ALGORITHM_UNSPECIFIED", "SHA2_256", "SHA2_384", "SHA2_512", "SHA3_256", "SHA3_384",
};

std::string FieldError(std::string_view path, std::string_view problem) {
  return std::string(kWhat) + " field \"" + std::string(path) + "\" " + std::string(problem);
}

std::string Join(std::string_view parent, std::string_view field) {
  return parent.empty() ? std::string(field) : std::string(parent) + "." + std::string(field);
}

// Field finds |camel| (or its snake_case spelling) in |obj|. Giving both spellings is ambiguous
// and rejected, as protobuf parsers do for a repeated singular field. A JSON null means "absent"
// in the protobuf mapping.
Result<const Json*> Field(const Json& obj, std::string_view parent, std::string_view camel) {
  Result<const Json*> v = FindProtoField(obj, camel);
  if (!v.ok()) {
    return InvalidArgumentError(FieldError(Join(parent, camel), v.status().message()));
  }
  return v;
}

Result<const Json*> OptObject(const Json& obj, std::string_view parent, std::string_view field) {
  VOUCH_ASSIGN_OR_RETURN(const Json* v, Field(obj, parent, field));
  if (v != nullptr && !v->is_object()) {
    return InvalidArgumentError(FieldError(Join(parent, field), "must be an object"));
  }
  return v;
}

Result<const Json*> ReqObject(const Json& obj, std::string_view parent, std::string_view field) {
  VOUCH_ASSIGN_OR_RETURN(const Json* v, OptObject(obj, parent, field));
  if (v == nullptr) {
    return InvalidArgumentError(FieldError(Join(parent, field), "is missing"));
  }
  return v;
}

Result<std::string> OptStr(const Json& obj, std::string_view parent, std::string_view field) {
  VOUCH_ASSIGN_OR_RETURN(const Json* v, Field(obj, parent, field));
  if (v == nullptr) {
    return std::string();
  }
  if (!v->is_string()) {
    return InvalidArgumentError(FieldError(Join(parent, field), "must be a string"));
  }
  return v->get_ref<const std::string&>();
}

Result<std::string> ReqStr(const Json& obj, std::string_view parent, std::string_view field) {
  VOUCH_ASSIGN_OR_RETURN(std::string s, OptStr(obj, parent, field));
  if (s.empty()) {
    return InvalidArgumentError(FieldError(Join(parent, field), "is missing or empty"));
  }
  return s;
}

Result<Bytes> DecodeBytes(const Json& v, std::string_view path) {
  if (!v.is_string()) {
    return InvalidArgumentError(FieldError(path, "must be a base64 string"));
  }
  auto decoded = Base64Decode(v.get_ref<const std::string&>(), Base64Alphabet::kEither);
  if (!decoded.ok()) {
    return InvalidArgumentError(FieldError(path, "is not valid base64"));
  }
  return std::move(decoded).value();
}

// ReqBytes decodes a bytes field that must be present and non-empty (an empty bytes field is
// the protobuf default, which JSON omits: both mean "missing").
Result<Bytes> ReqBytes(const Json& obj, std::string_view parent, std::string_view field) {
  VOUCH_ASSIGN_OR_RETURN(const Json* v, Field(obj, parent, field));
  if (v == nullptr) {
    return InvalidArgumentError(FieldError(Join(parent, field), "is missing"));
  }
  VOUCH_ASSIGN_OR_RETURN(Bytes b, DecodeBytes(*v, Join(parent, field)));
  if (b.empty()) {
    return InvalidArgumentError(FieldError(Join(parent, field), "is empty"));
  }
  return b;
}

Result<Bytes> OptBytes(const Json& obj, std::string_view parent, std::string_view field) {
  VOUCH_ASSIGN_OR_RETURN(const Json* v, Field(obj, parent, field));
  if (v == nullptr) {
    return Bytes();
  }
  return DecodeBytes(*v, Join(parent, field));
}

// OptInt64 reads an int64 field: the protobuf JSON mapping writes decimal strings and accepts
// numbers. Absent means 0.
Result<int64_t> OptInt64(const Json& obj, std::string_view parent, std::string_view field) {
  VOUCH_ASSIGN_OR_RETURN(const Json* v, Field(obj, parent, field));
  std::string path = Join(parent, field);
  if (v == nullptr) {
    return int64_t{0};
  }
  if (v->is_number_unsigned()) {
    uint64_t u = v->get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return InvalidArgumentError(FieldError(path, "is out of range for int64"));
    }
    return static_cast<int64_t>(u);
  }
  if (v->is_number_integer()) {
    return v->get<int64_t>();
  }
  if (v->is_string()) {
    const std::string& s = v->get_ref<const std::string&>();
    int64_t out = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size() || s[0] == '+') {
      return InvalidArgumentError(FieldError(path, "must be a decimal int64"));
    }
    return out;
  }
  return InvalidArgumentError(FieldError(path, "must be an int64 (string or number)"));
}

// ParseHashAlgorithm reads a HashAlgorithm enum given by name or by number.
Result<std::string> ParseHashAlgorithm(const Json& obj, std::string_view parent) {
  VOUCH_ASSIGN_OR_RETURN(const Json* v, Field(obj, parent, "algorithm"));
  std::string path = Join(parent, "algorithm");
  if (v == nullptr) {
    return std::string(kProtoHashNames[0]);
  }
  if (v->is_number_integer()) {
    int64_t n = v->get<int64_t>();
    if (n < 0 || n >= static_cast<int64_t>(std::size(kProtoHashNames))) {
      return InvalidArgumentError(FieldError(path, "is not a known hash algorithm number"));
    }
    return std::string(kProtoHashNames[static_cast<size_t>(n)]);
  }
  if (v->is_string()) {
    for (std::string_view name : kProtoHashNames) {
      if (v->get_ref<const std::string&>() == name) {
        return std::string(name);
      }
    }
    return InvalidArgumentError(FieldError(
        path, "names an unknown hash algorithm \"" + v->get_ref<const std::string&>() + "\""));
  }
  return InvalidArgumentError(FieldError(path, "must be an enum name or number"));
}

Result<std::vector<TlogEntry>> ParseTlogEntries(const Json& vm) {
  constexpr std::string_view kParent = "verificationMaterial";
  std::vector<TlogEntry> out;
  VOUCH_ASSIGN_OR_RETURN(const Json* arr, Field(vm, kParent, "tlogEntries"));
  if (arr == nullptr) {
    return out;
  }
  if (!arr->is_array()) {
    return InvalidArgumentError(FieldError(Join(kParent, "tlogEntries"), "must be an array"));
  }
  for (size_t i = 0; i < arr->size(); ++i) {
    const Json& e = (*arr)[i];
    std::string path = Join(kParent, "tlogEntries[" + std::to_string(i) + "]");
    if (!e.is_object()) {
      return InvalidArgumentError(FieldError(path, "must be an object"));
    }
    TlogEntry entry;
    VOUCH_ASSIGN_OR_RETURN(entry.log_index, OptInt64(e, path, "logIndex"));
    if (entry.log_index < 0) {
      return InvalidArgumentError(FieldError(Join(path, "logIndex"), "is negative"));
    }
    VOUCH_ASSIGN_OR_RETURN(entry.integrated_time, OptInt64(e, path, "integratedTime"));
    VOUCH_ASSIGN_OR_RETURN(const Json* kv, OptObject(e, path, "kindVersion"));
    if (kv != nullptr) {
      std::string kv_path = Join(path, "kindVersion");
      VOUCH_ASSIGN_OR_RETURN(entry.kind, OptStr(*kv, kv_path, "kind"));
      VOUCH_ASSIGN_OR_RETURN(entry.kind_version, OptStr(*kv, kv_path, "version"));
    }
    entry.json = DumpJson(e);
    out.push_back(std::move(entry));
  }
  return out;
}

Result<VerificationMaterial> ParseVerificationMaterial(const Json& root) {
  VOUCH_ASSIGN_OR_RETURN(const Json* vm, ReqObject(root, "", "verificationMaterial"));
  constexpr std::string_view kParent = "verificationMaterial";
  VerificationMaterial out;
  VOUCH_ASSIGN_OR_RETURN(const Json* pk, OptObject(*vm, kParent, "publicKey"));
  VOUCH_ASSIGN_OR_RETURN(const Json* cert, OptObject(*vm, kParent, "certificate"));
  VOUCH_ASSIGN_OR_RETURN(const Json* chain, OptObject(*vm, kParent, "x509CertificateChain"));
  int present = (pk != nullptr) + (cert != nullptr) + (chain != nullptr);
  if (present != 1) {
    return InvalidArgumentError(
        std::string(kWhat) +
        " field \"verificationMaterial\" must hold exactly one of "
        "\"publicKey\", \"certificate\" and \"x509CertificateChain\" (found " +
        std::to_string(present) + ")");
  }
  if (pk != nullptr) {
    out.kind = VerificationMaterial::Kind::kPublicKey;
    VOUCH_ASSIGN_OR_RETURN(out.public_key_hint, OptStr(*pk, Join(kParent, "publicKey"), "hint"));
  } else if (cert != nullptr) {
    out.kind = VerificationMaterial::Kind::kCertificate;
    VOUCH_ASSIGN_OR_RETURN(Bytes der, ReqBytes(*cert, Join(kParent, "certificate"), "rawBytes"));
    out.certificates.push_back(std::move(der));
  } else {
    out.kind = VerificationMaterial::Kind::kCertificateChain;
    std::string chain_path = Join(kParent, "x509CertificateChain");
    VOUCH_ASSIGN_OR_RETURN(const Json* certs, Field(*chain, chain_path, "certificates"));
    std::string certs_path = Join(chain_path, "certificates");
    if (certs == nullptr || (certs->is_array() && certs->empty())) {
      return InvalidArgumentError(FieldError(certs_path, "is empty"));
    }
    if (!certs->is_array()) {
      return InvalidArgumentError(FieldError(certs_path, "must be an array"));
    }
    for (size_t i = 0; i < certs->size(); ++i) {
      const Json& c = (*certs)[i];
      std::string path = certs_path + "[" + std::to_string(i) + "]";
      if (!c.is_object()) {
        return InvalidArgumentError(FieldError(path, "must be an object"));
      }
      VOUCH_ASSIGN_OR_RETURN(Bytes der, ReqBytes(c, path, "rawBytes"));
      out.certificates.push_back(std::move(der));
    }
  }
  VOUCH_ASSIGN_OR_RETURN(out.tlog_entries, ParseTlogEntries(*vm));
  VOUCH_ASSIGN_OR_RETURN(const Json* tvd, OptObject(*vm, kParent, "timestampVerificationData"));
  if (tvd != nullptr) {
    out.timestamp_verification_data = DumpJson(*tvd);
  }
  return out;
}

Result<MessageSignature> ParseMessageSignature(const Json& ms) {
  constexpr std::string_view kParent = "messageSignature";
  MessageSignature out;
  VOUCH_ASSIGN_OR_RETURN(const Json* md, OptObject(ms, kParent, "messageDigest"));
  if (md != nullptr) {
    std::string md_path = Join(kParent, "messageDigest");
    MessageDigest d;
    VOUCH_ASSIGN_OR_RETURN(d.algorithm, ParseHashAlgorithm(*md, md_path));
    VOUCH_ASSIGN_OR_RETURN(d.digest, OptBytes(*md, md_path, "digest"));
    // A digest whose length contradicts its algorithm cannot identify anything.
    std::optional<HashAlgorithm> alg = d.Hash();
    if (alg.has_value() && d.digest.size() != HashSize(*alg)) {
      return InvalidArgumentError(
          FieldError(Join(md_path, "digest"), "has " + std::to_string(d.digest.size()) +
                                                  " bytes, but " + d.algorithm + " digests have " +
                                                  std::to_string(HashSize(*alg))));
    }
    out.message_digest = std::move(d);
  }
  VOUCH_ASSIGN_OR_RETURN(out.signature, ReqBytes(ms, kParent, "signature"));
  return out;
}

Result<DsseEnvelope> ParseDsseEnvelope(const Json& env) {
  constexpr std::string_view kParent = "dsseEnvelope";
  DsseEnvelope out;
  VOUCH_ASSIGN_OR_RETURN(out.payload, OptBytes(env, kParent, "payload"));
  VOUCH_ASSIGN_OR_RETURN(out.payload_type, ReqStr(env, kParent, "payloadType"));
  VOUCH_ASSIGN_OR_RETURN(const Json* sigs, Field(env, kParent, "signatures"));
  std::string sigs_path = Join(kParent, "signatures");
  if (sigs != nullptr && !sigs->is_array()) {
    return InvalidArgumentError(FieldError(sigs_path, "must be an array"));
  }
  size_t count = sigs == nullptr ? 0 : sigs->size();
  if (count != 1) {
    return InvalidArgumentError(FieldError(
        sigs_path, "must hold exactly one signature (found " + std::to_string(count) + ")"));
  }
  const Json& s = (*sigs)[0];
  std::string path = sigs_path + "[0]";
  if (!s.is_object()) {
    return InvalidArgumentError(FieldError(path, "must be an object"));
  }
  DsseSignature sig;
  VOUCH_ASSIGN_OR_RETURN(sig.sig, ReqBytes(s, path, "sig"));
  VOUCH_ASSIGN_OR_RETURN(sig.keyid, OptStr(s, path, "keyid"));
  out.signatures.push_back(std::move(sig));
  return out;
}

std::string_view MediaTypeFor(BundleVersion v) {
  switch (v) {
    case BundleVersion::kV01:
      return kBundleMediaTypeV01;
    case BundleVersion::kV02:
      return kBundleMediaTypeV02;
    case BundleVersion::kV03:
      return kBundleMediaTypeV03New;
  }
  return kBundleMediaTypeV03New;
}

}  // namespace

Result<BundleVersion> ParseBundleMediaType(std::string_view media_type) {
  if (media_type == kBundleMediaTypeV01) {
    return BundleVersion::kV01;
  }
  if (media_type == kBundleMediaTypeV02) {
    return BundleVersion::kV02;
  }
  if (media_type == kBundleMediaTypeV03 || media_type == kBundleMediaTypeV03New) {
    return BundleVersion::kV03;
  }
  return InvalidArgumentError("unsupported bundle media type \"" + std::string(media_type) +
                              "\" (vouch reads bundle versions 0.1, 0.2 and 0.3)");
}

std::optional<HashAlgorithm> MessageDigest::Hash() const {
  if (algorithm == "SHA2_256") {
    return HashAlgorithm::kSha256;
  }
  if (algorithm == "SHA2_384") {
    return HashAlgorithm::kSha384;
  }
  if (algorithm == "SHA2_512") {
    return HashAlgorithm::kSha512;
  }
  return std::nullopt;
}

std::string_view ProtoHashAlgorithmName(HashAlgorithm alg) {
  switch (alg) {
    case HashAlgorithm::kSha256:
      return "SHA2_256";
    case HashAlgorithm::kSha384:
      return "SHA2_384";
    case HashAlgorithm::kSha512:
      return "SHA2_512";
  }
  return "HASH_ALGORITHM_UNSPECIFIED";
}

Result<Bundle> ParseBundle(std::string_view json) {
  if (json.size() > kMaxBundleSize) {
    return ResourceExhaustedError("bundle is larger than the limit of " +
                                  std::to_string(kMaxBundleSize / (1024 * 1024)) + " MiB");
  }
  Result<Json> parsed = ParseJson(json, kWhat);
  if (!parsed.ok()) {
    // The JSON library quotes the last token it read, which can be megabytes long.
    std::string msg = parsed.status().message();
    constexpr size_t kMaxMessage = 240;
    if (msg.size() > kMaxMessage) {
      msg = msg.substr(0, kMaxMessage) + "...";
    }
    return Status(parsed.status().code(), std::move(msg));
  }
  Json root = std::move(parsed).value();
  if (!root.is_object()) {
    return InvalidArgumentError("bundle must be a JSON object");
  }
  Bundle out;
  VOUCH_ASSIGN_OR_RETURN(out.media_type, ReqStr(root, "", "mediaType"));
  auto version = ParseBundleMediaType(out.media_type);
  if (!version.ok()) {
    return InvalidArgumentError(FieldError("mediaType", version.status().message()));
  }
  out.version = *version;
  VOUCH_ASSIGN_OR_RETURN(out.verification_material, ParseVerificationMaterial(root));
  VOUCH_ASSIGN_OR_RETURN(const Json* ms, OptObject(root, "", "messageSignature"));
  VOUCH_ASSIGN_OR_RETURN(const Json* env, OptObject(root, "", "dsseEnvelope"));
  if ((ms != nullptr) == (env != nullptr)) {
    return InvalidArgumentError(
        "bundle must hold exactly one of \"messageSignature\" and \"dsseEnvelope\"");
  }
  if (ms != nullptr) {
    VOUCH_ASSIGN_OR_RETURN(out.content, ParseMessageSignature(*ms));
  } else {
    VOUCH_ASSIGN_OR_RETURN(out.content, ParseDsseEnvelope(*env));
  }
  return out;
}

Result<std::string> SerializeBundle(const Bundle& bundle) {
  VOUCH_ASSIGN_OR_RETURN(BundleVersion version, ParseBundleMediaType(bundle.media_type));
  if (version != bundle.version) {
    return InvalidArgumentError("bundle media type \"" + bundle.media_type +
                                "\" does not name its version (expected \"" +
                                std::string(MediaTypeFor(bundle.version)) + "\")");
  }
  const VerificationMaterial& vm = bundle.verification_material;
  OrderedJson out = OrderedJson::object();
  out["mediaType"] = bundle.media_type;
  OrderedJson jvm = OrderedJson::object();
  switch (vm.kind) {
    case VerificationMaterial::Kind::kPublicKey: {
      OrderedJson pk = OrderedJson::object();
      if (!vm.public_key_hint.empty()) {
        pk["hint"] = vm.public_key_hint;
      }
      jvm["publicKey"] = std::move(pk);
      break;
    }
    case VerificationMaterial::Kind::kCertificate:
      if (vm.certificates.size() != 1 || vm.certificates[0].empty()) {
        return InvalidArgumentError("bundle certificate must be exactly one non-empty DER blob");
      }
      jvm["certificate"] = {{"rawBytes", Base64Encode(vm.certificates[0])}};
      break;
    case VerificationMaterial::Kind::kCertificateChain: {
      if (vm.certificates.empty()) {
        return InvalidArgumentError("bundle certificate chain is empty");
      }
      OrderedJson certs = OrderedJson::array();
      for (const Bytes& c : vm.certificates) {
        if (c.empty()) {
          return InvalidArgumentError("bundle certificate chain holds an empty certificate");
        }
        certs.push_back({{"rawBytes", Base64Encode(c)}});
      }
      jvm["x509CertificateChain"] = {{"certificates", std::move(certs)}};
      break;
    }
  }
  if (!vm.tlog_entries.empty()) {
    OrderedJson entries = OrderedJson::array();
    for (const TlogEntry& e : vm.tlog_entries) {
      VOUCH_ASSIGN_OR_RETURN(OrderedJson j, ParseOrderedJson(e.json, "tlog entry"));
      entries.push_back(std::move(j));
    }
    jvm["tlogEntries"] = std::move(entries);
  }
  if (!vm.timestamp_verification_data.empty()) {
    VOUCH_ASSIGN_OR_RETURN(OrderedJson j, ParseOrderedJson(vm.timestamp_verification_data,
                                                           "timestamp verification data"));
    jvm["timestampVerificationData"] = std::move(j);
  }
  out["verificationMaterial"] = std::move(jvm);

  if (const auto* ms = std::get_if<MessageSignature>(&bundle.content)) {
    if (ms->signature.empty()) {
      return InvalidArgumentError("bundle message signature is empty");
    }
    OrderedJson jms = OrderedJson::object();
    if (ms->message_digest.has_value()) {
      OrderedJson md = OrderedJson::object();
      if (ms->message_digest->algorithm != kProtoHashNames[0]) {
        md["algorithm"] = ms->message_digest->algorithm;
      }
      if (!ms->message_digest->digest.empty()) {
        md["digest"] = Base64Encode(ms->message_digest->digest);
      }
      jms["messageDigest"] = std::move(md);
    }
    jms["signature"] = Base64Encode(ms->signature);
    out["messageSignature"] = std::move(jms);
  } else {
    const auto& env = std::get<DsseEnvelope>(bundle.content);
    if (env.signatures.size() != 1 || env.signatures[0].sig.empty() || env.payload_type.empty()) {
      return InvalidArgumentError(
          "bundle DSSE envelope needs a payload type and exactly one non-empty signature");
    }
    OrderedJson jenv = OrderedJson::object();
    jenv["payload"] = Base64Encode(env.payload);
    jenv["payloadType"] = env.payload_type;
    OrderedJson sig = OrderedJson::object();
    sig["sig"] = Base64Encode(env.signatures[0].sig);
    sig["keyid"] = env.signatures[0].keyid;
    jenv["signatures"] = OrderedJson::array({std::move(sig)});
    out["dsseEnvelope"] = std::move(jenv);
  }
  return DumpJson(out);
}

std::string PublicKeyHintFromSpki(ByteView spki_der) {
  return Base64Encode(Digest::Of(spki_der, HashAlgorithm::kSha256).bytes());
}

bool HintMatches(std::string_view hint, ByteView spki_der) {
  if (hint.empty()) {
    return false;
  }
  Digest id = Digest::Of(spki_der, HashAlgorithm::kSha256);
  if (hint == id.Hex()) {
    return true;
  }
  auto decoded = Base64Decode(hint, Base64Alphabet::kEither);
  return decoded.ok() && *decoded == id.bytes();
}

std::string KeyIdOfHint(std::string_view hint) {
  if (hint.size() == 64 && std::all_of(hint.begin(), hint.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
      })) {
    return std::string(hint);
  }
  auto decoded = Base64Decode(hint, Base64Alphabet::kEither);
  if (!decoded.ok() || decoded->size() != 32) {
    return "";
  }
  return HexEncode(*decoded);
}

Bundle MakeKeySignedBundle(const keys::Verifier& key, const Digest& digest, Bytes signature) {
  Bundle b;
  b.media_type = std::string(kBundleMediaTypeV03New);
  b.version = BundleVersion::kV03;
  b.verification_material.kind = VerificationMaterial::Kind::kPublicKey;
  b.verification_material.public_key_hint = PublicKeyHint(key);
  MessageSignature ms;
  ms.message_digest =
      MessageDigest{std::string(ProtoHashAlgorithmName(digest.algorithm())), digest.bytes()};
  ms.signature = std::move(signature);
  b.content = std::move(ms);
  return b;
}

DigestingSource::DigestingSource(ByteSource& inner, HashAlgorithm alg)
    : inner_(inner), hasher_(alg) {}

Result<size_t> DigestingSource::Read(std::span<uint8_t> buf) {
  VOUCH_ASSIGN_OR_RETURN(size_t n, inner_.Read(buf));
  hasher_.Update(ByteView(buf.data(), n));
  return n;
}

std::optional<ByteView> DigestingSource::Map() {
  std::optional<ByteView> view = inner_.Map();
  if (view.has_value() && !mapped_) {
    // Hash in fixed-size steps so the mapped pages stream through the cache once.
    for (size_t off = 0; off < view->size(); off += kStreamBufferSize) {
      hasher_.Update(view->subspan(off, std::min(kStreamBufferSize, view->size() - off)));
    }
    mapped_ = true;
  }
  return view;
}

}  // namespace vouch::attest
