// A tiny PKI for the X.509 Sigstore tests, built with OpenSSL at run time: keys, certificates
// with chosen extensions and windows, a Fulcio-like leaf with an embedded SCT, and an RFC 3161
// TSA. Nothing here is a fixture file; every test makes what it needs.
#pragma once

#include <openssl/ct.h>
#include <openssl/ts.h>
#include <openssl/x509v3.h>

#include <boost/test/unit_test.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/internal/ossl.h"
#include "vouch/core/bytes.h"
#include "vouch/core/clock.h"
#include "vouch/core/digest.h"
#include "vouch/keys/keys.h"
#include "vouch/verify/trusted_root.h"

namespace vouch::testing::pki {

inline TimePoint At(const std::string& rfc3339) {
  auto t = ParseRfc3339(rfc3339);
  BOOST_REQUIRE(t.ok());
  return *t;
}

inline OsslPtr<EVP_PKEY> NewKey() {
  OsslPtr<EVP_PKEY> k(EVP_EC_gen("P-256"));
  BOOST_REQUIRE(k != nullptr);
  return k;
}

inline Bytes Spki(EVP_PKEY* k) {
  int len = i2d_PUBKEY(k, nullptr);
  BOOST_REQUIRE(len > 0);
  Bytes out(static_cast<size_t>(len));
  unsigned char* p = out.data();
  i2d_PUBKEY(k, &p);
  return out;
}

inline Bytes Der(X509* x) {
  int len = i2d_X509(x, nullptr);
  BOOST_REQUIRE(len > 0);
  Bytes out(static_cast<size_t>(len));
  unsigned char* p = out.data();
  i2d_X509(x, &p);
  return out;
}

inline std::shared_ptr<const keys::Verifier> VerifierOf(EVP_PKEY* k) {
  auto v = keys::Verifier::FromSpkiDer(Spki(k));
  BOOST_REQUIRE(v.ok());
  return std::make_shared<const keys::Verifier>(*v);
}

// NewCert makes an unsigned v3 certificate for |key|; |issuer| null means self-issued. An empty
// |cn| leaves the subject empty (as Fulcio leaves are).
inline OsslPtr<X509> NewCert(EVP_PKEY* key, const std::string& cn, X509* issuer, TimePoint nb,
                             TimePoint na) {
  static long serial = 1;
  OsslPtr<X509> x(X509_new());
  BOOST_REQUIRE(x != nullptr);
  X509_set_version(x.get(), X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), serial++);
  X509_NAME* name = X509_get_subject_name(x.get());  // borrowed
  if (!cn.empty()) {
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  }
  X509_set_issuer_name(x.get(), issuer != nullptr ? X509_get_subject_name(issuer) : name);
  ASN1_TIME_set(X509_getm_notBefore(x.get()), std::chrono::system_clock::to_time_t(nb));
  ASN1_TIME_set(X509_getm_notAfter(x.get()), std::chrono::system_clock::to_time_t(na));
  X509_set_pubkey(x.get(), key);
  return x;
}

// AddExt adds a standard extension from its openssl.cnf spelling ("critical,CA:TRUE").
inline void AddExt(X509* x, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer != nullptr ? issuer : x, x, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  BOOST_REQUIRE(ext != nullptr);
  BOOST_REQUIRE(X509_add_ext(x, ext, -1) == 1);
  X509_EXTENSION_free(ext);
}

// AddRawExt adds extension |oid| whose extnValue OCTET STRING holds |value| as is.
inline void AddRawExt(X509* x, const std::string& oid, const Bytes& value) {
  ASN1_OBJECT* obj = OBJ_txt2obj(oid.c_str(), 1);
  ASN1_OCTET_STRING* data = ASN1_OCTET_STRING_new();
  BOOST_REQUIRE(obj != nullptr && data != nullptr);
  ASN1_OCTET_STRING_set(data, value.data(), static_cast<int>(value.size()));
  X509_EXTENSION* ext = X509_EXTENSION_create_by_OBJ(nullptr, obj, 0, data);
  BOOST_REQUIRE(ext != nullptr);
  BOOST_REQUIRE(X509_add_ext(x, ext, -1) == 1);
  X509_EXTENSION_free(ext);
  ASN1_OCTET_STRING_free(data);
  ASN1_OBJECT_free(obj);
}

// Utf8Der returns the DER UTF8String of |s| (short strings only).
inline Bytes Utf8Der(const std::string& s) {
  Bytes out = {0x0C, static_cast<uint8_t>(s.size())};
  out.insert(out.end(), s.begin(), s.end());
  return out;
}

inline void Sign(X509* x, EVP_PKEY* key) { BOOST_REQUIRE(X509_sign(x, key, EVP_sha256()) > 0); }

inline OsslPtr<X509> NewCa(EVP_PKEY* key, const std::string& cn, X509* issuer, EVP_PKEY* issuer_key,
                           TimePoint nb, TimePoint na) {
  OsslPtr<X509> x = NewCert(key, cn, issuer, nb, na);
  AddExt(x.get(), issuer, NID_basic_constraints, "critical,CA:TRUE");
  AddExt(x.get(), issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
  AddExt(x.get(), issuer, NID_subject_key_identifier, "hash");
  Sign(x.get(), issuer_key != nullptr ? issuer_key : key);
  return x;
}

inline Bytes EcdsaSign(EVP_PKEY* key, const Bytes& msg) {
  OsslPtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  size_t len = 0;
  BOOST_REQUIRE(EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) == 1);
  BOOST_REQUIRE(EVP_DigestSign(ctx.get(), nullptr, &len, msg.data(), msg.size()) == 1);
  Bytes sig(len);
  BOOST_REQUIRE(EVP_DigestSign(ctx.get(), sig.data(), &len, msg.data(), msg.size()) == 1);
  sig.resize(len);
  return sig;
}

// SctOptions shapes the embedded SCT.
struct SctOptions {
  TimePoint time;
  Bytes extensions;  // SCT extensions (non-empty, as in Static CT)
  bool flip_signature = false;
};

// EmbedSct signs an RFC 6962 precert SCT over |leaf| (already signed once by |issuer_key|, so its
// TBS carries the final signature algorithm) with |log_key|, embeds it and re-signs the leaf.
inline void EmbedSct(X509* leaf, X509* issuer, EVP_PKEY* issuer_key, EVP_PKEY* log_key,
                     const SctOptions& o) {
  int tbs_len = i2d_re_X509_tbs(leaf, nullptr);
  BOOST_REQUIRE(tbs_len > 0);
  Bytes tbs(static_cast<size_t>(tbs_len));
  unsigned char* p = tbs.data();
  i2d_re_X509_tbs(leaf, &p);
  uint64_t ms = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(o.time.time_since_epoch()).count());
  Bytes msg = {0, 0};
  for (int s = 56; s >= 0; s -= 8) {
    msg.push_back(static_cast<uint8_t>(ms >> s));
  }
  msg.push_back(0);
  msg.push_back(1);
  Bytes ikh = Digest::Of(Spki(X509_get0_pubkey(issuer))).bytes();
  msg.insert(msg.end(), ikh.begin(), ikh.end());
  msg.push_back(static_cast<uint8_t>(tbs.size() >> 16));
  msg.push_back(static_cast<uint8_t>(tbs.size() >> 8));
  msg.push_back(static_cast<uint8_t>(tbs.size()));
  msg.insert(msg.end(), tbs.begin(), tbs.end());
  msg.push_back(static_cast<uint8_t>(o.extensions.size() >> 8));
  msg.push_back(static_cast<uint8_t>(o.extensions.size()));
  msg.insert(msg.end(), o.extensions.begin(), o.extensions.end());
  Bytes sig = EcdsaSign(log_key, msg);
  if (o.flip_signature) {
    sig[sig.size() / 2] ^= 0x01;
  }
  Bytes log_id = Digest::Of(Spki(log_key)).bytes();
  SCT* sct = SCT_new();
  BOOST_REQUIRE(sct != nullptr);
  BOOST_REQUIRE(SCT_set_version(sct, SCT_VERSION_V1) == 1);
  BOOST_REQUIRE(SCT_set_log_entry_type(sct, CT_LOG_ENTRY_TYPE_PRECERT) == 1);
  BOOST_REQUIRE(SCT_set1_log_id(sct, log_id.data(), log_id.size()) == 1);
  SCT_set_timestamp(sct, ms);
  if (!o.extensions.empty()) {
    BOOST_REQUIRE(SCT_set1_extensions(sct, o.extensions.data(), o.extensions.size()) == 1);
  }
  BOOST_REQUIRE(SCT_set_signature_nid(sct, NID_ecdsa_with_SHA256) == 1);
  BOOST_REQUIRE(SCT_set1_signature(sct, sig.data(), sig.size()) == 1);
  STACK_OF(SCT)* list = sk_SCT_new_null();
  sk_SCT_push(list, sct);
  BOOST_REQUIRE(X509_add1_ext_i2d(leaf, NID_ct_precert_scts, list, 0, X509V3_ADD_APPEND) == 1);
  SCT_LIST_free(list);
  Sign(leaf, issuer_key);
}

// Fulcio is a root -> intermediate -> leaf hierarchy with a CT log, like Sigstore's public good
// instance, all valid in 2024 (the leaf for ten minutes at noon on 2024-06-01).
struct LeafOptions {
  std::string san = "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main";
  bool san_is_email = false;
  std::string issuer_v2 = "https://token.actions.githubusercontent.com";  // .1.8, "" = absent
  std::string issuer_v1 = "https://token.actions.githubusercontent.com";  // .1.1, "" = absent
  std::string eku = "codeSigning";
  bool ca = false;
  SctOptions sct{At("2024-06-01T12:00:01Z"), {}, false};
  bool sct_by_other_log = false;
};

struct Fulcio {
  OsslPtr<EVP_PKEY> root_key = NewKey();
  OsslPtr<EVP_PKEY> inter_key = NewKey();
  OsslPtr<EVP_PKEY> leaf_key = NewKey();
  OsslPtr<EVP_PKEY> log_key = NewKey();
  OsslPtr<EVP_PKEY> other_log_key = NewKey();
  OsslPtr<X509> root = NewCa(root_key.get(), "test-root", nullptr, nullptr,
                             At("2024-01-01T00:00:00Z"), At("2025-01-01T00:00:00Z"));
  OsslPtr<X509> inter = NewCa(inter_key.get(), "test-intermediate", root.get(), root_key.get(),
                              At("2024-01-01T00:00:00Z"), At("2024-12-01T00:00:00Z"));

  Bytes MakeLeaf(const LeafOptions& o = {}) {
    OsslPtr<X509> leaf = NewCert(leaf_key.get(), "", inter.get(), At("2024-06-01T12:00:00Z"),
                                 At("2024-06-01T12:10:00Z"));
    AddExt(leaf.get(), inter.get(), NID_key_usage, "critical,digitalSignature");
    AddExt(leaf.get(), inter.get(), NID_ext_key_usage, o.eku);
    AddExt(leaf.get(), inter.get(), NID_basic_constraints,
           o.ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    AddExt(leaf.get(), inter.get(), NID_subject_alt_name,
           std::string("critical,") + (o.san_is_email ? "email:" : "URI:") + o.san);
    if (!o.issuer_v1.empty()) {
      AddRawExt(leaf.get(), "1.3.6.1.4.1.57264.1.1", ToBytes(o.issuer_v1));
    }
    AddRawExt(leaf.get(), "1.3.6.1.4.1.57264.1.5", ToBytes("acme/app"));
    AddRawExt(leaf.get(), "1.3.6.1.4.1.57264.1.6", ToBytes("refs/heads/main"));
    if (!o.issuer_v2.empty()) {
      AddRawExt(leaf.get(), "1.3.6.1.4.1.57264.1.8", Utf8Der(o.issuer_v2));
    }
    Sign(leaf.get(), inter_key.get());
    EmbedSct(leaf.get(), inter.get(), inter_key.get(),
             o.sct_by_other_log ? other_log_key.get() : log_key.get(), o.sct);
    return Der(leaf.get());
  }

  // Root returns a trusted root whose CA chain is [intermediate, root] (or [intermediate] alone
  // when |intermediate_anchor|) and whose one CT log is |log_key|, valid through 2024.
  verify::TrustedRoot Root(bool intermediate_anchor = false) {
    verify::TrustedRoot r;
    verify::CertificateAuthority ca;
    ca.uri = "https://fulcio.test";
    ca.chain_der.push_back(Der(inter.get()));
    if (!intermediate_anchor) {
      ca.chain_der.push_back(Der(root.get()));
    }
    ca.valid_for.start = At("2024-01-01T00:00:00Z");
    r.certificate_authorities.push_back(ca);
    verify::TransparencyLogInstance log;
    log.base_url = "https://ct.test";
    log.key = VerifierOf(log_key.get());
    log.scheme = keys::SignatureScheme::kEcdsaSha256;
    log.log_id = Digest::Of(Spki(log_key.get())).bytes();
    log.valid_for.start = At("2024-01-01T00:00:00Z");
    log.valid_for.end = At("2024-12-31T00:00:00Z");
    r.ctlogs.push_back(log);
    return r;
  }
};

// FixedTsaTime is a TS_RESP_CTX time callback answering the time_t |data| points to.
inline int FixedTsaTime(TS_RESP_CTX*, void* data, long* sec, long* usec) {
  *sec = static_cast<long>(*static_cast<time_t*>(data));
  *usec = 0;
  return 1;
}

// Tsa is a root and a timestamping leaf valid in 2024, which signs responses at a fixed time.
struct Tsa {
  OsslPtr<EVP_PKEY> root_key = NewKey();
  OsslPtr<EVP_PKEY> key = NewKey();
  OsslPtr<X509> root = NewCa(root_key.get(), "tsa-root", nullptr, nullptr,
                                           At("2024-01-01T00:00:00Z"), At("2025-01-01T00:00:00Z"));
  OsslPtr<X509> leaf = MakeLeaf(At("2024-01-01T00:00:00Z"), At("2024-12-01T00:00:00Z"));

  OsslPtr<X509> MakeLeaf(TimePoint nb, TimePoint na) {
    OsslPtr<X509> x = NewCert(key.get(), "tsa", root.get(), nb, na);
    AddExt(x.get(), root.get(), NID_basic_constraints, "critical,CA:FALSE");
    AddExt(x.get(), root.get(), NID_key_usage, "critical,digitalSignature");
    AddExt(x.get(), root.get(), NID_ext_key_usage, "critical,timeStamping");
    Sign(x.get(), root_key.get());
    return x;
  }

  // Stamp returns a DER TimeStampResp over SHA-256(|signature|) with genTime |when|.
  Bytes Stamp(const Bytes& signature, TimePoint when, bool embed_certs = true) {
    Digest d = Digest::Of(signature);
    OsslPtr<TS_REQ> req(TS_REQ_new());
    TS_MSG_IMPRINT* imprint = TS_MSG_IMPRINT_new();
    X509_ALGOR* alg = X509_ALGOR_new();
    X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, nullptr);
    TS_MSG_IMPRINT_set_algo(imprint, alg);
    TS_MSG_IMPRINT_set_msg(imprint, const_cast<unsigned char*>(d.bytes().data()),
                           static_cast<int>(d.bytes().size()));
    TS_REQ_set_version(req.get(), 1);
    TS_REQ_set_msg_imprint(req.get(), imprint);
    TS_REQ_set_cert_req(req.get(), embed_certs ? 1 : 0);
    X509_ALGOR_free(alg);
    TS_MSG_IMPRINT_free(imprint);
    OsslPtr<BIO> in(BIO_new(BIO_s_mem()));
    BOOST_REQUIRE(i2d_TS_REQ_bio(in.get(), req.get()) == 1);
    return Respond(in.get(), when);
  }

  // Respond answers the DER TimeStampReq in |request| (a memory BIO) as a TSA would: a
  // TimeStampResp with genTime |when|, echoing the request's nonce.
  Bytes Respond(BIO* request, TimePoint when) {
    OsslPtr<TS_RESP_CTX> ctx(TS_RESP_CTX_new());
    BOOST_REQUIRE(TS_RESP_CTX_set_signer_cert(ctx.get(), leaf.get()) == 1);
    BOOST_REQUIRE(TS_RESP_CTX_set_signer_key(ctx.get(), key.get()) == 1);
    ASN1_OBJECT* policy = OBJ_txt2obj("1.3.6.1.4.1.57264.2", 1);
    BOOST_REQUIRE(TS_RESP_CTX_set_def_policy(ctx.get(), policy) == 1);
    ASN1_OBJECT_free(policy);
    BOOST_REQUIRE(TS_RESP_CTX_add_md(ctx.get(), EVP_sha256()) == 1);
    time_t t = std::chrono::system_clock::to_time_t(when);
    TS_RESP_CTX_set_time_cb(ctx.get(), FixedTsaTime, &t);
    OsslPtr<TS_RESP> resp(TS_RESP_create_response(ctx.get(), request));
    BOOST_REQUIRE(resp != nullptr);
    int len = i2d_TS_RESP(resp.get(), nullptr);
    BOOST_REQUIRE(len > 0);
    Bytes out(static_cast<size_t>(len));
    unsigned char* p = out.data();
    i2d_TS_RESP(resp.get(), &p);
    return out;
  }

  verify::TrustedRoot Root() {
    verify::TrustedRoot r;
    verify::CertificateAuthority ca;
    ca.uri = "https://tsa.test";
    ca.chain_der = {Der(leaf.get()), Der(root.get())};
    ca.valid_for.start = At("2024-01-01T00:00:00Z");
    r.timestamp_authorities.push_back(ca);
    return r;
  }
};

}  // namespace vouch::testing::pki
