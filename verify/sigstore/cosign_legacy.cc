#include "sigstore/cosign_legacy.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "core/internal/json.h"
#include "core/internal/ossl.h"
#include "vouch/core/regexp.h"
#include "vouch/keys/certificates.h"

namespace vouch::verify::sigstore {
namespace {


Status Fail(std::string message) { return VerificationFailedError(std::move(message)); }

bool SelfSigned(X509* x) { return X509_check_issued(x, x) == X509_V_OK; }

time_t ToTimeT(TimePoint t) {
  return static_cast<time_t>(
      std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count());
}

// AllSans returns the URI, email, DNS and IP (text) SANs of |x|.
std::vector<std::string> AllSans(X509* x) {
  std::vector<std::string> out;
  OsslPtr<GENERAL_NAMES> names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(x, NID_subject_alt_name, nullptr, nullptr)));
  ClearOpenSslErrors();
  if (names == nullptr) {
    return out;
  }
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names.get(), i);
    const ASN1_STRING* s = nullptr;
    switch (n->type) {
      case GEN_URI:
        s = n->d.uniformResourceIdentifier;
        break;
      case GEN_EMAIL:
        s = n->d.rfc822Name;
        break;
      case GEN_DNS:
        s = n->d.dNSName;
        break;
      default:
        break;
    }
    if (s != nullptr) {
      out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                       static_cast<size_t>(ASN1_STRING_length(s)));
    }
  }
  return out;
}

// Matches checks |value| against an exact |want| or a regexp |re| (one of them set), the regexp
// unanchored as cosign matches it (vouch/core/regexp.h).
Result<bool> Matches(const std::string& value, const std::string& want, const std::string& re) {
  if (!want.empty()) {
    return value == want;
  }
  VOUCH_ASSIGN_OR_RETURN(Regexp compiled, Regexp::Compile(re));
  return compiled.Matches(value);
}

Result<keys::Verifier> LeafKey(X509* leaf) {
  EVP_PKEY* pkey = X509_get0_pubkey(leaf);  // borrowed
  unsigned char* der = nullptr;
  int n = pkey == nullptr ? -1 : i2d_PUBKEY(pkey, &der);
  if (n <= 0) {
    ClearOpenSslErrors();
    return Fail("the signing certificate's public key cannot be read");
  }
  Bytes spki(der, der + n);
  OPENSSL_free(der);
  auto key = keys::Verifier::FromSpkiDer(spki);
  if (!key.ok()) {
    return Fail("the signing certificate's key is not supported: " + key.status().message());
  }
  return *key;
}

// Untrusted builds the untrusted stack: |der| certificates minus self-signed ones (a signer
// cannot supply its own anchor).
Result<OsslPtr<STACK_OF(X509)>> Untrusted(const std::vector<Bytes>& der) {
  OsslPtr<STACK_OF(X509)> stack(sk_X509_new_null());
  if (stack == nullptr) {
    return InternalError("out of memory");
  }
  for (const Bytes& d : der) {
    VOUCH_ASSIGN_OR_RETURN(OsslPtr<X509> x, ParseCertificateDer(d, "chain certificate"));
    if (SelfSigned(x.get())) {
      continue;
    }
    if (sk_X509_push(stack.get(), x.get()) == 0) {
      return InternalError("out of memory");
    }
    x.release();  // owned by the stack
  }
  return stack;
}

// LeafFromAnnotation reads the one certificate of the dev.sigstore.cosign/certificate
// annotation (as a one-element list).
Result<std::vector<Bytes>> LeafFromAnnotation(const LegacyEvidence& evidence) {
  if (evidence.certificate_pem.empty()) {
    return Fail("no certificate annotation (dev.sigstore.cosign/certificate)");
  }
  VOUCH_ASSIGN_OR_RETURN(std::vector<Bytes> leaf_der,
                         ParsePemCertificates(evidence.certificate_pem, "certificate annotation"));
  if (leaf_der.size() != 1) {
    return Fail("the certificate annotation holds more than one certificate");
  }
  return leaf_der;
}

}  // namespace

Result<keys::Verifier> CertificateKey(ByteView der) {
  VOUCH_ASSIGN_OR_RETURN(OsslPtr<X509> x, ParseCertificateDer(der, "signing certificate"));
  return LeafKey(x.get());
}

LegacyEvidence EvidenceFromAnnotations(const std::map<std::string, std::string>& annotations) {
  LegacyEvidence ev;
  auto get = [&](std::string_view k) {
    auto it = annotations.find(std::string(k));
    return it == annotations.end() ? std::string() : it->second;
  };
  ev.certificate_pem = get(kCertificateAnnotation);
  ev.chain_pem = get(kChainAnnotation);
  ev.rekor_bundle = get(kRekorBundleAnnotation);
  return ev;
}

Result<std::vector<Bytes>> ParsePemCertificates(std::string_view pem, std::string_view what) {
  Result<std::vector<Bytes>> certs = keys::ParsePemCertificates(pem, what);
  if (!certs.ok() && certs.status().code() == ErrorCode::kInvalidArgument) {
    return Fail(certs.status().message());  // in a signature's annotations: the evidence is bad
  }
  return certs;
}

Result<RekorBundle> ParseRekorBundle(std::string_view json) {
  auto parsed = ParseJson(json, "Rekor bundle annotation");
  if (!parsed.ok()) {
    return Fail(parsed.status().message());
  }
  auto fail = [](const Status& s) { return Fail("Rekor bundle annotation: " + s.message()); };
  RekorBundle out;
  auto set = GetString(*parsed, "SignedEntryTimestamp", "Rekor bundle");
  if (!set.ok()) return fail(set.status());
  auto set_bytes = Base64Decode(*set);
  if (!set_bytes.ok()) return fail(set_bytes.status());
  out.signed_entry_timestamp = std::move(*set_bytes);
  auto payload = GetObject(*parsed, "Payload", "Rekor bundle");
  if (!payload.ok()) return fail(payload.status());
  auto body = GetString(**payload, "body", "Rekor bundle Payload");
  if (!body.ok()) return fail(body.status());
  auto body_bytes = Base64Decode(*body);
  if (!body_bytes.ok()) return fail(body_bytes.status());
  out.body = std::move(*body_bytes);
  auto t = GetInt(**payload, "integratedTime", "Rekor bundle Payload");
  if (!t.ok()) return fail(t.status());
  auto idx = GetInt(**payload, "logIndex", "Rekor bundle Payload");
  if (!idx.ok()) return fail(idx.status());
  if (*t < 0 || *idx < 0) {
    return Fail("Rekor bundle annotation: negative integratedTime or logIndex");
  }
  out.integrated_time = *t;
  out.log_index = *idx;
  auto id = GetString(**payload, "logID", "Rekor bundle Payload");
  if (!id.ok()) return fail(id.status());
  auto id_bytes = HexDecode(*id);
  if (!id_bytes.ok() || id_bytes->size() != 32) {
    return Fail("Rekor bundle annotation: logID is not 64 hex digits");
  }
  out.log_id = std::move(*id_bytes);
  return out;
}

Result<TimePoint> VerifyRekorBundle(const RekorBundle& bundle, const SignedContent& content,
                                    const TrustedRoot& root) {
  TimePoint integrated = TimePoint(std::chrono::seconds(bundle.integrated_time));
  const TransparencyLogInstance* log = nullptr;
  for (const TransparencyLogInstance* l : root.FindTlogs(bundle.log_id)) {
    if (!l->rekor_v2 && l->valid_for.Contains(integrated)) {
      log = l;
      break;
    }
  }
  if (log == nullptr) {
    return Fail("Rekor bundle: log " + HexEncode(bundle.log_id) +
                " is not a trusted Rekor v1 log valid at " + FormatRfc3339(integrated));
  }
  std::string payload = SignedEntryTimestampPayload(bundle.body, bundle.integrated_time,
                                                    bundle.log_id, bundle.log_index);
  if (!log->key->Verify(bundle.signed_entry_timestamp, AsBytes(payload), log->scheme).ok()) {
    return Fail("Rekor bundle: the signed entry timestamp does not verify with the log's key");
  }
  auto body = ParseJson(
      std::string_view(reinterpret_cast<const char*>(bundle.body.data()), bundle.body.size()),
      "Rekor entry body");
  if (!body.ok()) {
    return Fail("Rekor bundle: " + body.status().message());
  }
  auto kind = GetString(*body, "kind", "Rekor entry body");
  auto version = GetString(*body, "apiVersion", "Rekor entry body");
  if (!kind.ok() || !version.ok()) {
    return Fail("Rekor bundle: the entry body has no kind or apiVersion");
  }
  Status bind = VerifyBodyBinding(bundle.body, *kind, *version, content);
  if (!bind.ok()) {
    return Fail("Rekor bundle: " + bind.message());
  }
  return integrated;
}

Result<LegacyVerification> VerifyLegacyKeyless(const LegacyEvidence& evidence, ByteView message,
                                               SignedContent content, const TrustedRoot& root,
                                               const std::vector<CertificateIdentity>& identities,
                                               bool require_sct) {
  if (identities.empty()) {
    return InvalidArgumentError("keyless verification needs at least one identity");
  }
  VOUCH_ASSIGN_OR_RETURN(std::vector<Bytes> leaf_der, LeafFromAnnotation(evidence));
  VOUCH_ASSIGN_OR_RETURN(LeafCertificate leaf, ParseLeafCertificate(leaf_der[0]));
  if (!leaf.key->Verify(content.signature, message).ok()) {
    return Fail("the signature does not verify with the certificate's key");
  }
  if (evidence.rekor_bundle.empty()) {
    return Fail(
        "no Rekor bundle annotation (dev.sigstore.cosign/bundle): a keyless signature "
        "needs the log's signed entry timestamp");
  }
  content.certificate_der = leaf.der;
  VOUCH_ASSIGN_OR_RETURN(RekorBundle rb, ParseRekorBundle(evidence.rekor_bundle));
  VOUCH_ASSIGN_OR_RETURN(TimePoint when, VerifyRekorBundle(rb, content, root));
  if (when < leaf.not_before || when > leaf.not_after) {
    return Fail("the Rekor integrated time " + FormatRfc3339(when) +
                " is outside the certificate's validity");
  }
  std::vector<Bytes> intermediates;
  if (!evidence.chain_pem.empty()) {
    VOUCH_ASSIGN_OR_RETURN(std::vector<Bytes> chain,
                           ParsePemCertificates(evidence.chain_pem, "chain annotation"));
    for (Bytes& d : chain) {
      VOUCH_ASSIGN_OR_RETURN(OsslPtr<X509> x, ParseCertificateDer(d, "chain certificate"));
      if (!SelfSigned(x.get())) {
        intermediates.push_back(std::move(d));
      }
    }
  }
  auto ca = VerifyCertificateChain(leaf, intermediates, root, {when});
  if (!ca.ok()) {
    return Fail("certificate chain: " + ca.status().message());
  }
  if (require_sct) {
    const Bytes& issuer = !intermediates.empty()
                              ? intermediates.front()
                              : root.certificate_authorities[*ca].chain_der.front();
    Status sct = VerifyEmbeddedSct(leaf, issuer, root);
    if (!sct.ok()) {
      return Fail("SCT: " + sct.message());
    }
  }
  Status matched = Fail("no identity given");
  for (const CertificateIdentity& id : identities) {
    matched = MatchIdentity(leaf, id);
    if (matched.ok() || IsInvalidArgument(matched)) {
      break;
    }
  }
  VOUCH_RETURN_IF_ERROR(matched);
  LegacyVerification out;
  for (const CertificateIdentity& id : identities) {
    for (const std::string& san : leaf.sans) {
      auto m = Matches(san, id.san, id.san_regexp);
      if (m.ok() && *m) {
        out.signer = san;
        break;
      }
    }
    if (!out.signer.empty()) break;
  }
  if (out.signer.empty() && !leaf.sans.empty()) {
    out.signer = leaf.sans.front();
  }
  out.issuer = leaf.issuer;
  out.signing_time = when;
  return out;
}

Result<LegacyVerification> VerifyLegacyX509(const LegacyEvidence& evidence, ByteView message,
                                            SignedContent content, const X509Trust& trust,
                                            const TrustedRoot* root, TimePoint now) {
  if (trust.roots.empty()) {
    return InvalidArgumentError("x509 verification needs at least one root certificate");
  }
  VOUCH_ASSIGN_OR_RETURN(std::vector<Bytes> leaf_der, LeafFromAnnotation(evidence));
  VOUCH_ASSIGN_OR_RETURN(OsslPtr<X509> leaf,
                         ParseCertificateDer(leaf_der[0], "certificate annotation"));
  VOUCH_ASSIGN_OR_RETURN(keys::Verifier key, LeafKey(leaf.get()));
  if (!key.Verify(content.signature, message).ok()) {
    return Fail("the signature does not verify with the certificate's key");
  }
  LegacyVerification out;
  TimePoint when = now;
  if (!evidence.rekor_bundle.empty() && root != nullptr) {
    content.certificate_der = leaf_der[0];
    VOUCH_ASSIGN_OR_RETURN(RekorBundle rb, ParseRekorBundle(evidence.rekor_bundle));
    VOUCH_ASSIGN_OR_RETURN(when, VerifyRekorBundle(rb, content, *root));
    out.signing_time = when;
  }

  std::vector<Bytes> untrusted_der;
  if (!evidence.chain_pem.empty()) {
    VOUCH_ASSIGN_OR_RETURN(untrusted_der,
                           ParsePemCertificates(evidence.chain_pem, "chain annotation"));
  }
  VOUCH_ASSIGN_OR_RETURN(LegacyVerification chained,
                         VerifyX509Certificate(leaf_der[0], untrusted_der, trust, when));
  chained.signing_time = out.signing_time;
  return chained;
}

Result<LegacyVerification> VerifyX509Certificate(ByteView leaf_der,
                                                 const std::vector<Bytes>& untrusted_extra,
                                                 const X509Trust& trust, TimePoint when) {
  if (trust.roots.empty()) {
    return InvalidArgumentError("x509 verification needs at least one root certificate");
  }
  VOUCH_ASSIGN_OR_RETURN(OsslPtr<X509> leaf, ParseCertificateDer(leaf_der, "signing certificate"));
  LegacyVerification out;
  VOUCH_ASSIGN_OR_RETURN(keys::Verifier leaf_key, LeafKey(leaf.get()));
  out.key_id = leaf_key.KeyId();
  std::vector<Bytes> untrusted_der = trust.intermediates;
  untrusted_der.insert(untrusted_der.end(), untrusted_extra.begin(), untrusted_extra.end());
  VOUCH_ASSIGN_OR_RETURN(OsslPtr<STACK_OF(X509)> untrusted, Untrusted(untrusted_der));
  OsslPtr<X509_STORE> store(X509_STORE_new());
  OsslPtr<X509_STORE_CTX> ctx(X509_STORE_CTX_new());
  if (store == nullptr || ctx == nullptr) {
    return InternalError("out of memory");
  }
  for (const Bytes& r : trust.roots) {
    auto x = ParseCertificateDer(r, "root certificate");
    if (!x.ok()) {
      return InvalidArgumentError(x.status().message());
    }
    if (X509_STORE_add_cert(store.get(), x->get()) != 1) {
      ClearOpenSslErrors();  // a duplicate root
    }
  }
  if (X509_STORE_CTX_init(ctx.get(), store.get(), leaf.get(), untrusted.get()) != 1) {
    return OpenSslError(ErrorCode::kInternal, "setting up certificate verification");
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());  // borrowed from ctx
  X509_VERIFY_PARAM_set_time(param, ToTimeT(when));
  if (X509_verify_cert(ctx.get()) != 1) {
    int err = X509_STORE_CTX_get_error(ctx.get());
    ClearOpenSslErrors();
    return Fail("certificate chain: does not chain to a trusted root at " + FormatRfc3339(when) +
                ": " + X509_verify_cert_error_string(err));
  }

  out.subject = NameText(X509_get_subject_name(leaf.get()));
  out.issuer = NameText(X509_get_issuer_name(leaf.get()));
  std::vector<std::string> sans = AllSans(leaf.get());
  if (!trust.subject.empty() || !trust.subject_regexp.empty()) {
    VOUCH_ASSIGN_OR_RETURN(bool ok, Matches(out.subject, trust.subject, trust.subject_regexp));
    if (!ok) {
      return Fail("certificate subject \"" + out.subject + "\" does not match");
    }
  }
  if (!trust.san.empty() || !trust.san_regexp.empty()) {
    bool any = false;
    for (const std::string& s : sans) {
      VOUCH_ASSIGN_OR_RETURN(bool ok, Matches(s, trust.san, trust.san_regexp));
      if (ok) {
        out.signer = s;
        any = true;
        break;
      }
    }
    if (!any) {
      std::string have;
      for (const std::string& s : sans) have += (have.empty() ? "" : ", ") + s;
      return Fail("no certificate SAN matches (SANs: " + (have.empty() ? "none" : have) + ")");
    }
  }
  if (out.signer.empty()) {
    out.signer = !sans.empty() ? sans.front() : out.subject;
  }
  return out;
}

}  // namespace vouch::verify::sigstore
