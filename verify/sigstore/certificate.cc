#include "sigstore/certificate.h"

#include <openssl/asn1.h>
#include <openssl/ct.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <utility>

#include "core/internal/ossl.h"
#include "vouch/core/digest.h"
#include "vouch/core/regexp.h"
#include "vouch/policy/policy.h"

namespace vouch::verify::sigstore {
namespace {

constexpr std::string_view kFulcioPrefix = "1.3.6.1.4.1.57264.";
constexpr std::string_view kOtherNameSanOid = "1.3.6.1.4.1.57264.1.7";

Status Fail(std::string message) { return VerificationFailedError(std::move(message)); }

std::string ObjText(const ASN1_OBJECT* obj) {
  char buf[128];
  int n = OBJ_obj2txt(buf, sizeof(buf), obj, /*no_name=*/1);
  if (n <= 0 || static_cast<size_t>(n) >= sizeof(buf)) {
    return std::string();
  }
  return std::string(buf, static_cast<size_t>(n));
}

std::string Asn1String(const ASN1_STRING* s) {
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<size_t>(ASN1_STRING_length(s)));
}

Result<TimePoint> Asn1Time(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) {
    ClearOpenSslErrors();
    return Fail("certificate has a malformed validity time");
  }
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

time_t ToTimeT(TimePoint t) {
  return static_cast<time_t>(
      std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count());
}

// VerifyAt runs OpenSSL's path building and checking for |leaf| at |t|: the untrusted stack
// holds the bundle intermediates and the CA chain below its anchor; the store holds only the
// anchor. PARTIAL_CHAIN lets an intermediate anchor the path (formats.md 5.1: the last
// certificate of certChain is the trust anchor whatever it is).
Status VerifyAt(X509* leaf, STACK_OF(X509) * untrusted, X509* anchor, TimePoint t) {
  OsslPtr<X509_STORE> store(X509_STORE_new());
  OsslPtr<X509_STORE_CTX> ctx(X509_STORE_CTX_new());
  if (store == nullptr || ctx == nullptr || X509_STORE_add_cert(store.get(), anchor) != 1) {
    return OpenSslError(ErrorCode::kInternal, "setting up certificate verification");
  }
  if (X509_STORE_CTX_init(ctx.get(), store.get(), leaf, untrusted) != 1) {
    return OpenSslError(ErrorCode::kInternal, "setting up certificate verification");
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());  // borrowed from ctx
  X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
  X509_VERIFY_PARAM_set_time(param, ToTimeT(t));
  if (X509_verify_cert(ctx.get()) != 1) {
    int err = X509_STORE_CTX_get_error(ctx.get());
    ClearOpenSslErrors();
    return Fail("does not chain at " + FormatRfc3339(t) + ": " +
                X509_verify_cert_error_string(err) + " (depth " +
                std::to_string(X509_STORE_CTX_get_error_depth(ctx.get())) + ")");
  }
  return OkStatus();
}

// CheckLeafUsage enforces formats.md 5.2 step 6 on the leaf: KeyUsage digitalSignature, EKU
// codeSigning, not a CA.
Status CheckLeafUsage(X509* leaf) {
  uint32_t flags = X509_get_extension_flags(leaf);  // also caches the parsed extensions
  if ((flags & EXFLAG_INVALID) != 0) {
    return Fail("the signing certificate has malformed extensions");
  }
  if ((flags & EXFLAG_KUSAGE) == 0 || (X509_get_key_usage(leaf) & KU_DIGITAL_SIGNATURE) == 0) {
    return Fail("the signing certificate lacks KeyUsage digitalSignature");
  }
  if ((flags & EXFLAG_XKUSAGE) == 0 || (X509_get_extended_key_usage(leaf) & XKU_CODE_SIGN) == 0) {
    return Fail("the signing certificate lacks ExtendedKeyUsage codeSigning");
  }
  if ((flags & EXFLAG_CA) != 0 || X509_check_ca(leaf) != 0) {
    return Fail("the signing certificate is a CA certificate");
  }
  return OkStatus();
}

// DecodeFulcioValue decodes one Fulcio extension (formats.md 5.9): .1.1-.1.6 are raw bytes,
// .1.8 and later a DER UTF8String.
Result<std::optional<std::string>> DecodeFulcioValue(int arc, const ASN1_OCTET_STRING* data) {
  if (arc >= 1 && arc <= 6) {
    return std::optional<std::string>(Asn1String(data));
  }
  if (arc < 8) {
    return std::optional<std::string>();
  }
  const unsigned char* p = ASN1_STRING_get0_data(data);
  long len = ASN1_STRING_length(data);
  OsslPtr<ASN1_UTF8STRING> s(d2i_ASN1_UTF8STRING(nullptr, &p, len));
  if (s == nullptr || p != ASN1_STRING_get0_data(data) + len) {
    ClearOpenSslErrors();
    if (arc <= 24) {
      return Fail("Fulcio extension 1.3.6.1.4.1.57264.1." + std::to_string(arc) +
                  " is not a DER UTF8String");
    }
    return std::optional<std::string>();  // a later extension of unknown type: not consumed
  }
  return std::optional<std::string>(Asn1String(s.get()));
}

// CompileRegex compiles an identity pattern; a bad one is kInvalidArgument naming |what|.
Result<Regexp> CompileRegex(const std::string& pattern, std::string_view what) {
  Result<Regexp> re = Regexp::Compile(pattern);
  if (!re.ok()) {
    return re.status().WithContext(what);
  }
  return re;
}

void PutU16(Bytes& out, size_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}

// PrecertTbs returns the leaf's TBSCertificate DER with the SCT list extension removed: what the
// CT log signed (RFC 6962 section 3.2; the precertificate poison took its place).
Result<Bytes> PrecertTbs(const X509* leaf) {
  OsslPtr<X509> copy(X509_dup(leaf));
  if (copy == nullptr) {
    return OpenSslError(ErrorCode::kInternal, "copying the certificate");
  }
  int idx = X509_get_ext_by_NID(copy.get(), NID_ct_precert_scts, -1);
  if (idx < 0) {
    return Fail("the certificate has no embedded SCT list");
  }
  X509_EXTENSION_free(X509_delete_ext(copy.get(), idx));
  if (X509_get_ext_by_NID(copy.get(), NID_ct_precert_scts, idx - 1) >= 0) {
    return Fail("the certificate has two SCT list extensions");
  }
  int len = i2d_re_X509_tbs(copy.get(), nullptr);
  if (len <= 0) {
    return OpenSslError(ErrorCode::kInternal, "encoding the precertificate TBS");
  }
  Bytes tbs(static_cast<size_t>(len));
  unsigned char* p = tbs.data();
  if (i2d_re_X509_tbs(copy.get(), &p) != len) {
    return OpenSslError(ErrorCode::kInternal, "encoding the precertificate TBS");
  }
  return tbs;
}

// SctScheme maps the SCT's signature algorithm to a keys scheme (RFC 5246 SignatureAndHash:
// only SHA-256 with ECDSA or RSA is used by CT logs).
std::optional<keys::SignatureScheme> SctScheme(int nid) {
  switch (nid) {
    case NID_ecdsa_with_SHA256:
      return keys::SignatureScheme::kEcdsaSha256;
    case NID_sha256WithRSAEncryption:
      return keys::SignatureScheme::kRsaPkcs1Sha256;
    default:
      return std::nullopt;
  }
}

// CheckOneSct verifies one SCT; the message names why it failed.
Status CheckOneSct(const SCT* sct, ByteView tbs, const Bytes& issuer_key_hash,
                   const TrustedRoot& root) {
  if (SCT_get_version(sct) != SCT_VERSION_V1) {
    return Fail("unsupported SCT version");
  }
  unsigned char* log_id = nullptr;  // borrowed from sct
  size_t log_id_len = SCT_get0_log_id(sct, &log_id);
  ByteView id(log_id, log_id_len);
  uint64_t ts_ms = SCT_get_timestamp(sct);
  TimePoint when = TimePoint(std::chrono::duration_cast<TimePoint::duration>(
      std::chrono::milliseconds(static_cast<int64_t>(ts_ms & 0x7fffffffffffffffULL))));
  std::vector<const TransparencyLogInstance*> logs = root.FindCtlogs(id);
  if (logs.empty()) {
    return Fail("SCT from an unknown CT log " + HexEncode(id));
  }
  std::optional<keys::SignatureScheme> scheme = SctScheme(SCT_get_signature_nid(sct));
  if (!scheme) {
    return Fail("SCT with an unsupported signature algorithm");
  }
  unsigned char* ext = nullptr;  // borrowed from sct
  size_t ext_len = SCT_get0_extensions(sct, &ext);
  unsigned char* sig = nullptr;  // borrowed from sct
  size_t sig_len = SCT_get0_signature(sct, &sig);
  if (tbs.size() >= (1u << 24) || ext_len >= (1u << 16)) {
    return Fail("SCT input too large");
  }
  // RFC 6962 section 3.2 digitally-signed struct for a precert_entry.
  Bytes msg = {0x00, 0x00};  // sct_version v1, signature_type certificate_timestamp
  for (int shift = 56; shift >= 0; shift -= 8) {
    msg.push_back(static_cast<uint8_t>(ts_ms >> shift));
  }
  PutU16(msg, 1);  // entry_type precert_entry
  msg.insert(msg.end(), issuer_key_hash.begin(), issuer_key_hash.end());
  msg.push_back(static_cast<uint8_t>(tbs.size() >> 16));
  PutU16(msg, tbs.size() & 0xffff);
  msg.insert(msg.end(), tbs.begin(), tbs.end());
  PutU16(msg, ext_len);
  if (ext_len > 0) {
    msg.insert(msg.end(), ext, ext + ext_len);
  }
  std::string why = "the log is not valid at the SCT time " + FormatRfc3339(when);
  for (const TransparencyLogInstance* log : logs) {
    if (!log->valid_for.Contains(when)) {
      continue;
    }
    Status st = log->key->Verify(ByteView(sig, sig_len), msg, *scheme);
    if (st.ok()) {
      return OkStatus();
    }
    why = "signature does not verify with CT log " + log->base_url + ": " + st.message();
  }
  return Fail("SCT from " + HexEncode(id) + ": " + why);
}

}  // namespace

Result<OsslPtr<X509>> ParseCertificateDer(ByteView der, std::string_view what) {
  const unsigned char* p = der.data();
  OsslPtr<X509> x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (x == nullptr || p != der.data() + der.size()) {
    ClearOpenSslErrors();
    return Fail(std::string(what) + " is not a DER X.509 certificate");
  }
  return x;
}

Result<LeafCertificate> ParseLeafCertificate(ByteView der) {
  VOUCH_ASSIGN_OR_RETURN(OsslPtr<X509> x, ParseCertificateDer(der, "the signing certificate"));
  LeafCertificate leaf;
  leaf.der.assign(der.begin(), der.end());
  EVP_PKEY* pkey = X509_get0_pubkey(x.get());  // borrowed from x
  int spki_len = pkey == nullptr ? -1 : i2d_PUBKEY(pkey, nullptr);
  if (spki_len <= 0) {
    ClearOpenSslErrors();
    return Fail("the signing certificate's public key does not parse");
  }
  Bytes spki(static_cast<size_t>(spki_len));
  unsigned char* p = spki.data();
  if (i2d_PUBKEY(pkey, &p) != spki_len) {
    return OpenSslError(ErrorCode::kInternal, "encoding the certificate key");
  }
  auto verifier = keys::Verifier::FromSpkiDer(spki);
  if (!verifier.ok()) {
    return Fail("the signing certificate's public key is not supported: " +
                verifier.status().message());
  }
  leaf.key = std::make_shared<const keys::Verifier>(*verifier);
  VOUCH_ASSIGN_OR_RETURN(leaf.not_before, Asn1Time(X509_get0_notBefore(x.get())));
  VOUCH_ASSIGN_OR_RETURN(leaf.not_after, Asn1Time(X509_get0_notAfter(x.get())));

  int crit = 0;
  OsslPtr<GENERAL_NAMES> names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(x.get(), NID_subject_alt_name, &crit, nullptr)));
  if (names == nullptr && crit != -1) {
    ClearOpenSslErrors();
    return Fail("the signing certificate's SubjectAltName is malformed or repeated");
  }
  for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names.get(), i);  // borrowed
    if (gn->type == GEN_URI) {
      leaf.sans.push_back(Asn1String(gn->d.uniformResourceIdentifier));
    } else if (gn->type == GEN_EMAIL) {
      leaf.sans.push_back(Asn1String(gn->d.rfc822Name));
    } else if (gn->type == GEN_OTHERNAME && ObjText(gn->d.otherName->type_id) == kOtherNameSanOid) {
      const ASN1_TYPE* v = gn->d.otherName->value;  // borrowed
      if (v == nullptr || v->type != V_ASN1_UTF8STRING) {
        return Fail("the signing certificate's otherName SAN is not a UTF8String");
      }
      leaf.sans.push_back(Asn1String(v->value.utf8string));
    }
  }

  for (int i = 0; i < X509_get_ext_count(x.get()); ++i) {
    X509_EXTENSION* ext = X509_get_ext(x.get(), i);  // borrowed from x
    std::string oid = ObjText(X509_EXTENSION_get_object(ext));
    if (oid.compare(0, kFulcioPrefix.size(), kFulcioPrefix) != 0) {
      continue;
    }
    std::string suffix = oid.substr(kFulcioPrefix.size());  // "1.8"
    if (suffix.size() < 3 || suffix.compare(0, 2, "1.") != 0 ||
        suffix.find('.', 2) != std::string::npos) {
      continue;
    }
    int arc = 0;
    for (char c : suffix.substr(2)) {
      arc = c >= '0' && c <= '9' && arc < 100000 ? arc * 10 + (c - '0') : -1000000;
    }
    if (arc <= 0) {
      continue;
    }
    if (leaf.extensions.count(suffix) != 0) {
      return Fail("the signing certificate repeats extension " + oid);
    }
    VOUCH_ASSIGN_OR_RETURN(std::optional<std::string> value,
                           DecodeFulcioValue(arc, X509_EXTENSION_get_data(ext)));
    if (value) {
      leaf.extensions[suffix] = std::move(*value);
    }
  }
  if (auto it = leaf.extensions.find("1.8"); it != leaf.extensions.end()) {
    leaf.issuer = it->second;
  } else if (auto it1 = leaf.extensions.find("1.1"); it1 != leaf.extensions.end()) {
    leaf.issuer = it1->second;
  }
  return leaf;
}

Result<size_t> VerifyCertificateChain(const LeafCertificate& leaf,
                                      const std::vector<Bytes>& intermediates,
                                      const TrustedRoot& root,
                                      const std::vector<TimePoint>& times) {
  if (times.empty()) {
    return Fail("no verified signing time to evaluate the chain at");
  }
  VOUCH_ASSIGN_OR_RETURN(OsslPtr<X509> x, ParseCertificateDer(leaf.der, "the signing certificate"));
  VOUCH_RETURN_IF_ERROR(CheckLeafUsage(x.get()));
  OsslPtr<STACK_OF(X509)> bundle(sk_X509_new_null());
  if (bundle == nullptr) {
    return OpenSslError(ErrorCode::kInternal, "allocating a certificate stack");
  }
  for (size_t i = 0; i < intermediates.size(); ++i) {
    VOUCH_ASSIGN_OR_RETURN(
        OsslPtr<X509> c,
        ParseCertificateDer(intermediates[i], "bundle certificate " + std::to_string(i + 1)));
    // Anchors come only from the trusted root. v0.1 bundles written by npm and cosign carry
    // the whole chain up to the root; sigstore-go and sigstore-js read only the leaf. A root
    // here is never trusted, and leaving it in the untrusted stack would end OpenSSL's path
    // at it, so it is dropped rather than refused.
    if (X509_self_signed(c.get(), 0) == 1) {
      continue;
    }
    if (sk_X509_push(bundle.get(), c.get()) <= 0) {
      return OpenSslError(ErrorCode::kInternal, "building the certificate stack");
    }
    c.release();  // owned by the stack now
  }

  std::string why = "the trusted root has no certificate authorities";
  for (size_t ca_index = 0; ca_index < root.certificate_authorities.size(); ++ca_index) {
    const CertificateAuthority& ca = root.certificate_authorities[ca_index];
    std::string name = "CA " + (ca.uri.empty() ? std::to_string(ca_index) : ca.uri);
    bool in_window = true;
    for (TimePoint t : times) {
      if (!ca.valid_for.Contains(t)) {
        in_window = false;
        why = name + " is not valid at " + FormatRfc3339(t);
      }
    }
    if (!in_window || ca.chain_der.empty()) {
      continue;
    }
    // Untrusted: the bundle's intermediates, then the CA's chain below its anchor.
    OsslPtr<STACK_OF(X509)> untrusted(sk_X509_new_null());
    if (untrusted == nullptr) {
      return OpenSslError(ErrorCode::kInternal, "allocating a certificate stack");
    }
    for (int i = 0; i < sk_X509_num(bundle.get()); ++i) {
      X509* c = sk_X509_value(bundle.get(), i);  // borrowed; up_ref'd for the second stack
      if (X509_up_ref(c) != 1 || sk_X509_push(untrusted.get(), c) <= 0) {
        return OpenSslError(ErrorCode::kInternal, "building the certificate stack");
      }
    }
    OsslPtr<X509> anchor;
    Status parse_status;
    for (size_t i = 0; i < ca.chain_der.size(); ++i) {
      auto c = ParseCertificateDer(ca.chain_der[i], name + " certificate");
      if (!c.ok()) {
        parse_status = c.status();
        break;
      }
      if (i + 1 == ca.chain_der.size()) {
        anchor = std::move(*c);
      } else {
        if (sk_X509_push(untrusted.get(), c->get()) <= 0) {
          return OpenSslError(ErrorCode::kInternal, "building the certificate stack");
        }
        c->release();
      }
    }
    if (!parse_status.ok()) {
      why = parse_status.message();
      continue;
    }
    Status st;
    for (TimePoint t : times) {
      st = VerifyAt(x.get(), untrusted.get(), anchor.get(), t);
      if (!st.ok()) {
        break;
      }
    }
    if (st.ok()) {
      return ca_index;
    }
    why = "the signing certificate " + st.message() + " under " + name;
  }
  return Fail(why);
}

Status VerifyEmbeddedSct(const LeafCertificate& leaf, ByteView issuer_der,
                         const TrustedRoot& root) {
  VOUCH_ASSIGN_OR_RETURN(OsslPtr<X509> x, ParseCertificateDer(leaf.der, "the signing certificate"));
  VOUCH_ASSIGN_OR_RETURN(OsslPtr<X509> issuer,
                         ParseCertificateDer(issuer_der, "the issuer certificate"));
  int crit = 0;
  OsslPtr<STACK_OF(SCT)> scts(
      static_cast<STACK_OF(SCT)*>(X509_get_ext_d2i(x.get(), NID_ct_precert_scts, &crit, nullptr)));
  if (scts == nullptr) {
    ClearOpenSslErrors();
    return Fail(crit == -1 ? "the certificate has no embedded SCT"
                           : "the certificate's SCT list is malformed");
  }
  if (sk_SCT_num(scts.get()) == 0) {
    return Fail("the certificate's SCT list is empty");
  }
  EVP_PKEY* issuer_key = X509_get0_pubkey(issuer.get());  // borrowed from issuer
  int len = issuer_key == nullptr ? -1 : i2d_PUBKEY(issuer_key, nullptr);
  if (len <= 0) {
    ClearOpenSslErrors();
    return Fail("the issuer certificate's public key does not parse");
  }
  Bytes issuer_spki(static_cast<size_t>(len));
  unsigned char* p = issuer_spki.data();
  if (i2d_PUBKEY(issuer_key, &p) != len) {
    return OpenSslError(ErrorCode::kInternal, "encoding the issuer key");
  }
  Bytes issuer_key_hash = Digest::Of(issuer_spki).bytes();
  VOUCH_ASSIGN_OR_RETURN(Bytes tbs, PrecertTbs(x.get()));
  std::string why;
  for (int i = 0; i < sk_SCT_num(scts.get()); ++i) {
    Status st = CheckOneSct(sk_SCT_value(scts.get(), i), tbs, issuer_key_hash, root);
    if (st.ok()) {
      return OkStatus();
    }
    why += (why.empty() ? "" : "; ") + st.message();
  }
  return Fail("no embedded SCT verifies: " + why);
}

Status MatchIdentity(const LeafCertificate& leaf, const CertificateIdentity& want) {
  if (want.san.empty() == want.san_regexp.empty()) {
    return InvalidArgumentError(
        "an identity needs exactly one of --certificate-identity and "
        "--certificate-identity-regexp");
  }
  if (want.issuer.empty() == want.issuer_regexp.empty()) {
    return InvalidArgumentError(
        "an identity needs exactly one of --certificate-oidc-issuer and "
        "--certificate-oidc-issuer-regexp");
  }
  std::string sans;
  for (const std::string& s : leaf.sans) {
    sans += (sans.empty() ? "\"" : ", \"") + s + "\"";
  }
  bool san_ok = false;
  if (!want.san.empty()) {
    for (const std::string& s : leaf.sans) {
      san_ok = san_ok || s == want.san;
    }
    if (!san_ok) {
      return Fail("the certificate's SAN " + (sans.empty() ? "(none)" : sans) +
                  " is not the expected identity \"" + want.san + "\"");
    }
  } else {
    VOUCH_ASSIGN_OR_RETURN(Regexp re, CompileRegex(want.san_regexp, "identity regexp"));
    for (const std::string& s : leaf.sans) {
      san_ok = san_ok || re.Matches(s);
    }
    if (!san_ok) {
      return Fail("the certificate's SAN " + (sans.empty() ? "(none)" : sans) +
                  " does not match the identity regexp \"" + want.san_regexp + "\"");
    }
  }
  if (!want.issuer.empty()) {
    if (leaf.issuer != want.issuer) {
      return Fail("the certificate's OIDC issuer \"" + leaf.issuer +
                  "\" is not the expected issuer \"" + want.issuer + "\"");
    }
  } else {
    VOUCH_ASSIGN_OR_RETURN(Regexp re, CompileRegex(want.issuer_regexp, "issuer regexp"));
    if (!re.Matches(leaf.issuer)) {
      return Fail("the certificate's OIDC issuer \"" + leaf.issuer +
                  "\" does not match the issuer regexp \"" + want.issuer_regexp + "\"");
    }
  }
  for (const auto& [claim, value] : want.github) {
    const policy::GithubWorkflowClaim* known = nullptr;
    for (const policy::GithubWorkflowClaim& c : policy::kGithubWorkflowClaims) {
      known = claim == c.name ? &c : known;
    }
    if (known == nullptr) {
      return InvalidArgumentError("unknown GitHub workflow claim \"" + claim + "\"");
    }
    auto have = leaf.extensions.find(known->oid);
    if (have == leaf.extensions.end()) {
      return Fail("the certificate has no GitHub workflow " + claim + " (extension " +
                  std::string(kFulcioPrefix) + known->oid + ")");
    }
    if (have->second != value) {
      return Fail("the certificate's GitHub workflow " + claim + " \"" + have->second +
                  "\" is not \"" + value + "\"");
    }
  }
  return OkStatus();
}

std::string NameText(const X509_NAME* name) {
  OsslPtr<BIO> bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) {
    ClearOpenSslErrors();
    return std::string();
  }
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
}

Result<CertificateValidity> ValidityOf(const X509* x) {
  VOUCH_ASSIGN_OR_RETURN(TimePoint from, Asn1Time(X509_get0_notBefore(x)));
  VOUCH_ASSIGN_OR_RETURN(TimePoint to, Asn1Time(X509_get0_notAfter(x)));
  return CertificateValidity{from, to};
}

}  // namespace vouch::verify::sigstore
