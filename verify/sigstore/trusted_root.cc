#include "vouch/verify/trusted_root.h"

#include <openssl/x509.h>

#include <cstdlib>
#include <utility>

#include "core/internal/json.h"
#include "core/internal/ossl.h"
#include "vouch/core/digest.h"
#include "vouch/core/file.h"
#include "vouch/verify/sigstore.h"

namespace vouch::verify {
namespace {

constexpr std::string_view kMediaTypes[] = {
    "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
    "application/vnd.dev.sigstore.trustedroot.v0.1+json",
    "application/vnd.dev.sigstore.trustedroot.v0.2+json",
};

Status FieldError(std::string_view path, std::string_view problem) {
  return InvalidArgumentError("trusted root: field \"" + std::string(path) + "\" " +
                              std::string(problem));
}

std::string Join(std::string_view parent, std::string_view field) {
  return parent.empty() ? std::string(field) : std::string(parent) + "." + std::string(field);
}

// Field finds a protobuf JSON field by its lowerCamelCase or snake_case name (FindProtoField);
// JSON null is "absent", and so is an ambiguous field given in both spellings, which then fails
// as missing wherever it is required.
const Json* Field(const Json& obj, std::string_view camel) {
  Result<const Json*> v = FindProtoField(obj, camel);
  return v.ok() ? *v : nullptr;
}

Result<const Json*> ReqObject(const Json& obj, std::string_view parent, std::string_view name) {
  const Json* v = Field(obj, name);
  if (v == nullptr) {
    return FieldError(Join(parent, name), "is missing");
  }
  if (!v->is_object()) {
    return FieldError(Join(parent, name), "must be an object");
  }
  return v;
}

Result<std::string> OptStr(const Json& obj, std::string_view parent, std::string_view name) {
  const Json* v = Field(obj, name);
  if (v == nullptr) {
    return std::string();
  }
  if (!v->is_string()) {
    return FieldError(Join(parent, name), "must be a string");
  }
  return v->get_ref<const std::string&>();
}

// ReqBytes decodes a protobuf bytes field (std base64, URL-safe accepted); empty is "missing".
Result<Bytes> ReqBytes(const Json& obj, std::string_view parent, std::string_view name) {
  VOUCH_ASSIGN_OR_RETURN(std::string text, OptStr(obj, parent, name));
  if (text.empty()) {
    return FieldError(Join(parent, name), "is missing or empty");
  }
  auto decoded = Base64Decode(text, Base64Alphabet::kEither);
  if (!decoded.ok()) {
    return FieldError(Join(parent, name), "is not valid base64");
  }
  return std::move(decoded).value();
}

// ParseWindow reads a validFor object. |start_required| is true for tlogs and ctlogs: a key
// without a start makes the root malformed (formats.md 5.1), never unbounded.
Result<ValidityWindow> ParseWindow(const Json* valid_for, std::string_view path,
                                   bool start_required) {
  ValidityWindow w;
  if (valid_for == nullptr) {
    if (start_required) {
      return FieldError(Join(path, "start"), "is missing (a start is required)");
    }
    return w;
  }
  if (!valid_for->is_object()) {
    return FieldError(path, "must be an object");
  }
  VOUCH_ASSIGN_OR_RETURN(std::string start, OptStr(*valid_for, path, "start"));
  VOUCH_ASSIGN_OR_RETURN(std::string end, OptStr(*valid_for, path, "end"));
  if (start.empty()) {
    if (start_required) {
      return FieldError(Join(path, "start"), "is missing (a start is required)");
    }
  } else {
    auto t = ParseRfc3339(start);
    if (!t.ok()) {
      return FieldError(Join(path, "start"), t.status().message());
    }
    w.start = *t;
  }
  if (!end.empty()) {
    auto t = ParseRfc3339(end);
    if (!t.ok()) {
      return FieldError(Join(path, "end"), t.status().message());
    }
    if (*t < w.start) {
      return FieldError(Join(path, "end"), "is before the start");
    }
    w.end = *t;
  }
  return w;
}

struct KeyDetails {
  std::string_view name;
  bool pkcs1;  // rawBytes is a PKCS#1 RSAPublicKey, not an SPKI
  keys::SignatureScheme scheme;
  keys::KeyAlgorithm alg;  // the key algorithm the name requires
  bool any_rsa;            // any RSA size (the deprecated names carry none)
};

using keys::KeyAlgorithm;
using keys::SignatureScheme;

// The keyDetails values of sigstore_common.proto PublicKeyDetails that vouch verifies with.
constexpr KeyDetails kKeyDetails[] = {
    {"PKIX_ECDSA_P256_SHA_256", false, SignatureScheme::kEcdsaSha256, KeyAlgorithm::kEcdsaP256,
     false},
    {"PKIX_ECDSA_P384_SHA_384", false, SignatureScheme::kEcdsaSha384, KeyAlgorithm::kEcdsaP384,
     false},
    {"PKIX_ECDSA_P521_SHA_512", false, SignatureScheme::kEcdsaSha512, KeyAlgorithm::kEcdsaP521,
     false},
    {"PKIX_ED25519", false, SignatureScheme::kEd25519, KeyAlgorithm::kEd25519, false},
    {"PKIX_RSA_PKCS1V15_2048_SHA256", false, SignatureScheme::kRsaPkcs1Sha256,
     KeyAlgorithm::kRsa2048, false},
    {"PKIX_RSA_PKCS1V15_3072_SHA256", false, SignatureScheme::kRsaPkcs1Sha256,
     KeyAlgorithm::kRsa3072, false},
    {"PKIX_RSA_PKCS1V15_4096_SHA256", false, SignatureScheme::kRsaPkcs1Sha256,
     KeyAlgorithm::kRsa4096, false},
    {"PKIX_RSA_PSS_2048_SHA256", false, SignatureScheme::kRsaPssSha256, KeyAlgorithm::kRsa2048,
     false},
    {"PKIX_RSA_PSS_3072_SHA256", false, SignatureScheme::kRsaPssSha256, KeyAlgorithm::kRsa3072,
     false},
    {"PKIX_RSA_PSS_4096_SHA256", false, SignatureScheme::kRsaPssSha256, KeyAlgorithm::kRsa4096,
     false},
    // Deprecated spellings still found in roots (the staging CT log).
    {"PKIX_RSA_PKCS1V5", false, SignatureScheme::kRsaPkcs1Sha256, KeyAlgorithm::kRsa2048, true},
    {"PKCS1_RSA_PKCS1V5", true, SignatureScheme::kRsaPkcs1Sha256, KeyAlgorithm::kRsa2048, true},
};

bool IsRsa(KeyAlgorithm a) {
  return a == KeyAlgorithm::kRsa2048 || a == KeyAlgorithm::kRsa3072 || a == KeyAlgorithm::kRsa4096;
}

// Pkcs1ToSpki converts a DER RSAPublicKey to DER SubjectPublicKeyInfo.
Result<Bytes> Pkcs1ToSpki(ByteView der, std::string_view path) {
  const unsigned char* p = der.data();
  OsslPtr<EVP_PKEY> pkey(d2i_PublicKey(EVP_PKEY_RSA, nullptr, &p, static_cast<long>(der.size())));
  if (pkey == nullptr || p != der.data() + der.size()) {
    ClearOpenSslErrors();
    return FieldError(path, "is not a PKCS#1 RSA public key");
  }
  int len = i2d_PUBKEY(pkey.get(), nullptr);
  if (len <= 0) {
    return OpenSslError(ErrorCode::kInternal, "encoding an RSA key as SPKI");
  }
  Bytes out(static_cast<size_t>(len));
  unsigned char* q = out.data();
  if (i2d_PUBKEY(pkey.get(), &q) != len) {
    return OpenSslError(ErrorCode::kInternal, "encoding an RSA key as SPKI");
  }
  return out;
}

// HostOf returns the authority of a URL ("https://host:port/path" -> "host:port").
std::string HostOf(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme != std::string_view::npos) {
    url.remove_prefix(scheme + 3);
  }
  size_t slash = url.find('/');
  return std::string(url.substr(0, slash));
}

// KeyMaterial is a sigstore_common.proto PublicKey: the key, its keyDetails and its window.
struct KeyMaterial {
  const KeyDetails* details = nullptr;
  Bytes spki;
  std::shared_ptr<const keys::Verifier> key;
  ValidityWindow valid_for;
};

// ParseKeyMaterial reads {rawBytes, keyDetails, validFor} at |pk_path| (trusted-root logs,
// npm registry keys): the keyDetails must be one vouch verifies with and fit the key.
Result<KeyMaterial> ParseKeyMaterial(const Json& pk, const std::string& pk_path,
                                     bool start_required) {
  KeyMaterial m;
  VOUCH_ASSIGN_OR_RETURN(std::string name, OptStr(pk, pk_path, "keyDetails"));
  for (const KeyDetails& d : kKeyDetails) {
    if (d.name == name) {
      m.details = &d;
    }
  }
  if (m.details == nullptr) {
    return FieldError(Join(pk_path, "keyDetails"), "\"" + name + "\" is missing or not supported");
  }
  VOUCH_ASSIGN_OR_RETURN(Bytes raw, ReqBytes(pk, pk_path, "rawBytes"));
  m.spki = raw;
  if (m.details->pkcs1) {
    VOUCH_ASSIGN_OR_RETURN(m.spki, Pkcs1ToSpki(raw, Join(pk_path, "rawBytes")));
  }
  auto verifier = keys::Verifier::FromSpkiDer(m.spki);
  if (!verifier.ok()) {
    return FieldError(Join(pk_path, "rawBytes"),
                      "is not a usable public key: " + verifier.status().message());
  }
  if (m.details->any_rsa ? !IsRsa(verifier->algorithm())
                         : m.details->alg != verifier->algorithm()) {
    return FieldError(Join(pk_path, "rawBytes"),
                      "holds a " + std::string(keys::KeyAlgorithmName(verifier->algorithm())) +
                          " key, which does not match keyDetails " + name);
  }
  m.key = std::make_shared<const keys::Verifier>(*verifier);
  VOUCH_ASSIGN_OR_RETURN(m.valid_for, ParseWindow(Field(pk, "validFor"),
                                                  Join(pk_path, "validFor"), start_required));
  return m;
}

Result<TransparencyLogInstance> ParseLog(const Json& j, const std::string& path, bool is_ct) {
  if (!j.is_object()) {
    return FieldError(path, "must be an object");
  }
  TransparencyLogInstance log;
  VOUCH_ASSIGN_OR_RETURN(log.base_url, OptStr(j, path, "baseUrl"));
  VOUCH_ASSIGN_OR_RETURN(log.operator_name, OptStr(j, path, "operator"));
  log.checkpoint_key_name = HostOf(log.base_url);
  VOUCH_ASSIGN_OR_RETURN(const Json* pk, ReqObject(j, path, "publicKey"));
  VOUCH_ASSIGN_OR_RETURN(KeyMaterial m, ParseKeyMaterial(*pk, Join(path, "publicKey"), true));
  log.key_details = m.details->name;
  log.scheme = m.details->scheme;
  log.key = m.key;
  log.valid_for = m.valid_for;
  const Bytes& spki = m.spki;
  const keys::Verifier* verifier = m.key.get();

  VOUCH_ASSIGN_OR_RETURN(const Json* log_id, ReqObject(j, path, "logId"));
  VOUCH_ASSIGN_OR_RETURN(log.log_id, ReqBytes(*log_id, Join(path, "logId"), "keyId"));
  // The log id binds the key: SHA-256 of the SPKI for CT logs and Rekor v1 (formats.md 5.1);
  // for Rekor v2 the signed-note key hash SHA-256(name || "\n" || 0x01 || Ed25519 key).
  Bytes spki_hash = Digest::Of(spki).bytes();
  if (log.log_id != spki_hash) {
    bool v2 = false;
    if (!is_ct && verifier->algorithm() == KeyAlgorithm::kEd25519 && spki.size() >= 32) {
      Bytes note_key = ToBytes(log.checkpoint_key_name);
      note_key.push_back(0x0A);
      note_key.push_back(0x01);
      note_key.insert(note_key.end(), spki.end() - 32, spki.end());
      v2 = log.log_id == Digest::Of(note_key).bytes();
    }
    if (!v2) {
      return FieldError(Join(path, "logId.keyId"),
                        is_ct ? "is not SHA-256 of the log's public key"
                              : "is neither SHA-256 of the log's public key (Rekor v1) nor the "
                                "Rekor v2 key hash of \"" +
                                    log.checkpoint_key_name + "\" and the Ed25519 key");
    }
    log.rekor_v2 = true;
  }
  if (Field(j, "checkpointKeyId") != nullptr) {
    // v0.2 roots: checkpointKeyId is a LogId message ({"keyId": b64}).
    VOUCH_ASSIGN_OR_RETURN(const Json* ckid, ReqObject(j, path, "checkpointKeyId"));
    VOUCH_ASSIGN_OR_RETURN(Bytes id, ReqBytes(*ckid, Join(path, "checkpointKeyId"), "keyId"));
    if (id.size() < 4) {
      return FieldError(Join(path, "checkpointKeyId.keyId"), "is shorter than 4 bytes");
    }
    log.checkpoint_key_id.assign(id.begin(), id.begin() + 4);
  } else if (log.log_id.size() >= 4) {
    log.checkpoint_key_id.assign(log.log_id.begin(), log.log_id.begin() + 4);
  } else {
    return FieldError(Join(path, "logId.keyId"), "is shorter than 4 bytes");
  }
  return log;
}

Result<CertificateAuthority> ParseAuthority(const Json& j, const std::string& path) {
  if (!j.is_object()) {
    return FieldError(path, "must be an object");
  }
  CertificateAuthority ca;
  VOUCH_ASSIGN_OR_RETURN(ca.uri, OptStr(j, path, "uri"));
  VOUCH_ASSIGN_OR_RETURN(ca.operator_name, OptStr(j, path, "operator"));
  if (const Json* subject = Field(j, "subject"); subject != nullptr) {
    if (!subject->is_object()) {
      return FieldError(Join(path, "subject"), "must be an object");
    }
    VOUCH_ASSIGN_OR_RETURN(ca.subject_common_name,
                           OptStr(*subject, Join(path, "subject"), "commonName"));
    VOUCH_ASSIGN_OR_RETURN(ca.subject_organization,
                           OptStr(*subject, Join(path, "subject"), "organization"));
  }
  VOUCH_ASSIGN_OR_RETURN(const Json* chain, ReqObject(j, path, "certChain"));
  std::string chain_path = Join(path, "certChain.certificates");
  const Json* certs = Field(*chain, "certificates");
  if (certs == nullptr || !certs->is_array() || certs->empty()) {
    return FieldError(chain_path, "must be a non-empty array");
  }
  for (size_t i = 0; i < certs->size(); ++i) {
    std::string cert_path = chain_path + "[" + std::to_string(i) + "]";
    if (!(*certs)[i].is_object()) {
      return FieldError(cert_path, "must be an object");
    }
    VOUCH_ASSIGN_OR_RETURN(Bytes der, ReqBytes((*certs)[i], cert_path, "rawBytes"));
    const unsigned char* p = der.data();
    OsslPtr<X509> x509(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    if (x509 == nullptr || p != der.data() + der.size()) {
      ClearOpenSslErrors();
      return FieldError(Join(cert_path, "rawBytes"), "is not a DER X.509 certificate");
    }
    ca.chain_der.push_back(std::move(der));
  }
  VOUCH_ASSIGN_OR_RETURN(ca.valid_for,
                         ParseWindow(Field(j, "validFor"), Join(path, "validFor"), false));
  return ca;
}

Result<const Json*> OptArray(const Json& obj, std::string_view name) {
  const Json* v = Field(obj, name);
  if (v != nullptr && !v->is_array()) {
    return FieldError(name, "must be an array");
  }
  return v;
}

std::vector<const TransparencyLogInstance*> FindLogs(
    const std::vector<TransparencyLogInstance>& logs, ByteView log_id) {
  std::vector<const TransparencyLogInstance*> out;
  for (const auto& log : logs) {
    if (log.log_id.size() == log_id.size() &&
        std::equal(log.log_id.begin(), log.log_id.end(), log_id.begin())) {
      out.push_back(&log);
    }
  }
  return out;
}

}  // namespace

std::vector<const TransparencyLogInstance*> TrustedRoot::FindTlogs(ByteView log_id) const {
  return FindLogs(tlogs, log_id);
}

std::vector<const TransparencyLogInstance*> TrustedRoot::FindCtlogs(ByteView log_id) const {
  return FindLogs(ctlogs, log_id);
}

Result<std::shared_ptr<const TrustedRoot>> ParseTrustedRoot(std::string_view json) {
  VOUCH_ASSIGN_OR_RETURN(Json j, ParseJson(json, "trusted root"));
  if (!j.is_object()) {
    return InvalidArgumentError("trusted root: not a JSON object");
  }
  auto root = std::make_shared<TrustedRoot>();
  root->digest = Digest::Of(AsBytes(json));
  VOUCH_ASSIGN_OR_RETURN(root->media_type, OptStr(j, "", "mediaType"));
  bool known = false;
  for (std::string_view mt : kMediaTypes) {
    known = known || root->media_type == mt;
  }
  if (!known) {
    return InvalidArgumentError("trusted root: unsupported mediaType \"" +
                                root->media_type.substr(0, 100) + "\"");
  }
  struct LogList {
    std::string_view name;
    bool is_ct;
    std::vector<TransparencyLogInstance>* out;
  };
  for (const LogList& list :
       {LogList{"tlogs", false, &root->tlogs}, LogList{"ctlogs", true, &root->ctlogs}}) {
    VOUCH_ASSIGN_OR_RETURN(const Json* arr, OptArray(j, list.name));
    for (size_t i = 0; arr != nullptr && i < arr->size(); ++i) {
      VOUCH_ASSIGN_OR_RETURN(
          TransparencyLogInstance log,
          ParseLog((*arr)[i], std::string(list.name) + "[" + std::to_string(i) + "]", list.is_ct));
      list.out->push_back(std::move(log));
    }
  }
  struct CaList {
    std::string_view name;
    std::vector<CertificateAuthority>* out;
  };
  for (const CaList& list : {CaList{"certificateAuthorities", &root->certificate_authorities},
                             CaList{"timestampAuthorities", &root->timestamp_authorities}}) {
    VOUCH_ASSIGN_OR_RETURN(const Json* arr, OptArray(j, list.name));
    for (size_t i = 0; arr != nullptr && i < arr->size(); ++i) {
      VOUCH_ASSIGN_OR_RETURN(
          CertificateAuthority ca,
          ParseAuthority((*arr)[i], std::string(list.name) + "[" + std::to_string(i) + "]"));
      list.out->push_back(std::move(ca));
    }
  }
  return std::shared_ptr<const TrustedRoot>(std::move(root));
}

namespace {

// TrustedRootFile is |path|, else $VOUCH_TRUSTED_ROOT.
Result<std::string> TrustedRootFile(const std::string& path) {
  if (!path.empty()) {
    return path;
  }
  const char* env = std::getenv("VOUCH_TRUSTED_ROOT");
  if (env == nullptr || *env == '\0') {
    return InvalidArgumentError("no trusted root: pass --trusted-root FILE or set VOUCH_TRUSTED_ROOT");
  }
  return std::string(env);
}

}  // namespace

Result<std::shared_ptr<const TrustedRoot>> LoadTrustedRoot(const std::string& path) {
  VOUCH_ASSIGN_OR_RETURN(std::string file, TrustedRootFile(path));
  VOUCH_ASSIGN_OR_RETURN(Bytes data, ReadFile(file, kMaxTrustedRootSize));
  auto root = ParseTrustedRoot(AsChars(data));
  if (!root.ok()) {
    return root.status().WithContext(file);
  }
  return root;
}

Result<std::vector<ManagedKey>> ParseManagedKeys(std::string_view json, std::string_view usage) {
  VOUCH_ASSIGN_OR_RETURN(Json j, ParseJson(json, "keys"));
  const Json* list = j.is_object() ? Field(j, "keys") : nullptr;
  if (list == nullptr || !list->is_array()) {
    return InvalidArgumentError("keys: not a keys document ({\"keys\": [...]})");
  }
  std::vector<ManagedKey> out;
  for (size_t i = 0; i < list->size(); ++i) {
    const Json& k = (*list)[i];
    const std::string path = "keys/" + std::to_string(i);
    if (!k.is_object()) {
      return FieldError(path, "must be an object");
    }
    ManagedKey m;
    VOUCH_ASSIGN_OR_RETURN(m.key_id, OptStr(k, path, "keyId"));
    VOUCH_ASSIGN_OR_RETURN(m.usage, OptStr(k, path, "keyUsage"));
    if (m.key_id.empty()) {
      return FieldError(Join(path, "keyId"), "is missing");
    }
    if (!usage.empty() && m.usage != usage) {
      continue;
    }
    VOUCH_ASSIGN_OR_RETURN(const Json* pk, ReqObject(k, path, "publicKey"));
    VOUCH_ASSIGN_OR_RETURN(KeyMaterial km, ParseKeyMaterial(*pk, Join(path, "publicKey"), false));
    m.key = std::move(km.key);
    m.valid_for = km.valid_for;
    out.push_back(std::move(m));
  }
  if (out.empty()) {
    return InvalidArgumentError("keys: no key" +
                                (usage.empty() ? std::string() : " with usage " + std::string(usage)));
  }
  return out;
}

Result<std::vector<std::shared_ptr<const TrustedRoot>>> LoadTrustedRoots(const std::string& path) {
  VOUCH_ASSIGN_OR_RETURN(std::string file, TrustedRootFile(path));
  VOUCH_ASSIGN_OR_RETURN(Bytes data, ReadFile(file, kMaxTrustedRootSize));
  std::vector<std::shared_ptr<const TrustedRoot>> out;
  for (const JsonDocument& doc : JsonDocuments(AsChars(data))) {
    auto root = ParseTrustedRoot(doc.text);
    if (!root.ok()) {
      return root.status().WithContext(doc.line == 0 ? file
                                                     : file + " line " + std::to_string(doc.line));
    }
    out.push_back(std::move(*root));
  }
  if (out.empty()) {
    return InvalidArgumentError(file + ": no trusted root");
  }
  return out;
}

}  // namespace vouch::verify
