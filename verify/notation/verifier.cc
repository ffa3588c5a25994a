// Notation's signature verification procedure (trust-store-trust-policy.md, "Signature
// verification"): integrity, authenticity, expiry, authentic timestamp and revocation, each
// enforced, logged or skipped by the statement's level; then the signed target and user
// metadata.
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>

#include "core/internal/ossl.h"
#include "sigstore/certificate.h"
#include "sigstore/cosign_legacy.h"
#include "sigstore/timestamp.h"
#include "vouch/verify/notation.h"

namespace vouch::verify::notation {
namespace {

using attest::NotationEnvelope;

// Run keeps the outcome while the checks run: a failure is enforced (the outcome is final),
// logged, or skipped by the level.
class Run {
 public:
  Run(const VerifyInput& in, Outcome& out) : in_(in), out_(out) {}

  // Fail records |why| for |check| under the level's action; true when verification stops.
  bool Fail(Check check, const std::string& why) {
    switch (in_.statement->level.action(check)) {
      case Action::kEnforce:
        return Reject(std::string(CheckName(check)), why);
      case Action::kLog:
        out_.logged.push_back(std::string(CheckName(check)) + ": " + why);
        return false;
      case Action::kSkip:
        return false;
    }
    return false;
  }

  bool Reject(std::string check, const std::string& why) {
    out_.failing_check = std::move(check);
    out_.status = VerificationFailedError(out_.failing_check + ": " + why);
    return true;
  }

  bool CouldNotCheck(const Status& why) {
    out_.status = why;
    return true;
  }

  // CouldNotCheckAt is CouldNotCheck naming the check that could not be made.
  bool CouldNotCheckAt(Check check, const Status& why) {
    out_.failing_check = std::string(CheckName(check));
    out_.status = Status(why.code(), out_.failing_check + ": " + why.message());
    return true;
  }

  bool Skipped(Check check) const { return in_.statement->level.action(check) == Action::kSkip; }

 private:
  const VerifyInput& in_;
  Outcome& out_;
};

struct Chain {
  std::vector<OsslPtr<X509>> certs;  // leaf first
  std::vector<sigstore::CertificateValidity> validity;
};

Result<Chain> ParseChain(const NotationEnvelope& env) {
  Chain c;
  for (size_t i = 0; i < env.certificate_chain.size(); ++i) {
    VOUCH_ASSIGN_OR_RETURN(
        OsslPtr<X509> x,
        sigstore::ParseCertificateDer(env.certificate_chain[i],
                                      "certificate " + std::to_string(i) + " of the chain"));
    VOUCH_ASSIGN_OR_RETURN(sigstore::CertificateValidity v, sigstore::ValidityOf(x.get()));
    c.validity.push_back(v);
    c.certs.push_back(std::move(x));
  }
  return c;
}

// SignedBy: |parent| names and signed |child| (its key usage is judged separately: a lone
// self-signed signing certificate need not carry keyCertSign).
bool SignedBy(X509* child, X509* parent) {
  EVP_PKEY* key = X509_get0_pubkey(parent);  // borrowed
  bool ok = X509_NAME_cmp(X509_get_issuer_name(child), X509_get_subject_name(parent)) == 0 &&
            key != nullptr && X509_verify(child, key) == 1;
  ClearOpenSslErrors();
  return ok;
}

// CheckChainShape: each certificate is signed by the next, the last is self-signed, the
// issuers are CAs allowed to sign certificates, and the leaf may sign code (keyUsage
// digitalSignature when it has a keyUsage, no CA unless it is a lone self-signed certificate).
Status CheckChainShape(const Chain& c) {
  const size_t n = c.certs.size();
  for (size_t i = 0; i + 1 < n; ++i) {
    if (!SignedBy(c.certs[i].get(), c.certs[i + 1].get())) {
      return VerificationFailedError("certificate " + std::to_string(i) +
                                     " of the chain is not signed by the next one");
    }
    X509* issuer = c.certs[i + 1].get();
    if (X509_check_ca(issuer) == 0 ||
        ((X509_get_extension_flags(issuer) & EXFLAG_KUSAGE) != 0 &&
         (X509_get_key_usage(issuer) & KU_KEY_CERT_SIGN) == 0)) {
      return VerificationFailedError("certificate " + std::to_string(i + 1) +
                                     " of the chain is not a CA that may sign certificates");
    }
  }
  if (!SignedBy(c.certs[n - 1].get(), c.certs[n - 1].get())) {
    return VerificationFailedError("the chain does not end in a self-signed root");
  }
  X509* leaf = c.certs[0].get();
  if ((X509_get_extension_flags(leaf) & EXFLAG_KUSAGE) != 0 &&
      (X509_get_key_usage(leaf) & KU_DIGITAL_SIGNATURE) == 0) {
    return VerificationFailedError("the signing certificate's keyUsage lacks digitalSignature");
  }
  if (n > 1 && X509_check_ca(leaf) != 0) {
    return VerificationFailedError("the signing certificate is a CA certificate");
  }
  // An extended key usage, when present, must not make the leaf a TLS, e-mail or timestamping
  // certificate (or any-purpose): code signing only.
  constexpr uint32_t kNotForCode = XKU_SSL_SERVER | XKU_SSL_CLIENT | XKU_SMIME | XKU_TIMESTAMP |
                                   XKU_ANYEKU;
  if ((X509_get_extension_flags(leaf) & EXFLAG_XKUSAGE) != 0 &&
      (X509_get_extended_key_usage(leaf) & kNotForCode) != 0) {
    return VerificationFailedError(
        "the signing certificate's extended key usage allows more than code signing");
  }
  return OkStatus();
}

std::vector<std::string> StoresOfType(const Statement& s, std::string_view type) {
  std::vector<std::string> out;
  for (const std::string& spec : s.trust_stores) {
    if (spec.size() > type.size() && spec.compare(0, type.size(), type) == 0 &&
        spec[type.size()] == ':') {
      out.push_back(spec);
    }
  }
  return out;
}

// LoadStores loads every named store.
Result<std::vector<Bytes>> LoadStores(const TrustStore& store,
                                      const std::vector<std::string>& specs) {
  std::vector<Bytes> all;
  for (const std::string& spec : specs) {
    Result<std::vector<Bytes>> certs = store.Load(spec);
    if (IsNotFound(certs.status())) {
      // A store that does not exist trusts nothing: the check that needs it fails, as in
      // notation. One that exists and cannot be read is "could not check".
      return VerificationFailedError(certs.status().message());
    }
    if (!certs.ok()) {
      return FailedPreconditionError("trust store " + spec + " cannot be used: " +
                                     certs.status().message());
    }
    all.insert(all.end(), certs->begin(), certs->end());
  }
  return all;
}

bool ValidAt(const Chain& c, TimePoint t) {
  return std::all_of(c.validity.begin(), c.validity.end(),
                     [&](const sigstore::CertificateValidity& v) { return v.Contains(t); });
}


// Integrity: the envelope's rules and its signature; critical attributes it cannot honour.
bool CheckIntegrity(const VerifyInput& in, Run& run, Outcome& out) {
  Result<NotationEnvelope> env = attest::ParseNotationEnvelope(in.type, in.envelope);
  if (!env.ok()) {
    return run.Reject("integrity", env.status().message());
  }
  if (env->content_type != attest::kNotationPayloadType) {
    return run.Reject("integrity", "the payload content type is \"" + env->content_type + "\"");
  }
  for (const attest::NotationExtendedAttribute& a : env->extended) {
    if (a.key == attest::kNotationVerificationPlugin) {
      return run.Reject("plugin", "the signature must be verified by the Notation plugin \"" +
                                      a.value + "\", and vouch runs no verification plugins");
    }
  }
  for (const attest::NotationExtendedAttribute& a : env->extended) {
    if (a.critical && a.key != attest::kNotationVerificationPluginMinVersion) {
      return run.Reject("integrity", "the envelope has the unknown critical attribute \"" +
                                         a.key + "\"");
    }
  }
  if (Status s = attest::VerifyNotationSignature(*env); !s.ok()) {
    return run.Reject("integrity", s.message());
  }
  out.envelope = std::move(env).value();
  return false;
}

std::string Join(const std::vector<std::string>& items) {
  std::string s;
  for (const std::string& x : items) {
    s += (s.empty() ? "" : ", ") + x;
  }
  return s;
}

// Authenticity: a valid chain anchored in a store of the scheme's type, a trusted identity.
// A store that does not load is returned as an error other than kVerificationFailed.
Status Authenticity(const VerifyInput& in, const NotationEnvelope& env, const Chain& chain) {
  const bool sa = env.signing_scheme == attest::kNotationSchemeSigningAuthority;
  const std::string type = sa ? "signingAuthority" : "ca";
  VOUCH_RETURN_IF_ERROR(CheckChainShape(chain));
  std::vector<std::string> specs = StoresOfType(*in.statement, type);
  if (specs.empty()) {
    return VerificationFailedError("the trust policy statement has no " + type +
                                   " trust store for the signing scheme " + env.signing_scheme);
  }
  VOUCH_ASSIGN_OR_RETURN(std::vector<Bytes> anchors, LoadStores(*in.store, specs));
  bool anchored = std::any_of(
      env.certificate_chain.begin(), env.certificate_chain.end(), [&](const Bytes& c) {
        return std::find(anchors.begin(), anchors.end(), c) != anchors.end();
      });
  if (!anchored) {
    return VerificationFailedError("no certificate of the chain is in the trust stores " +
                                   Join(specs));
  }
  return MatchTrustedIdentity(env.certificate_chain[0], in.statement->trusted_identities);
}

// AuthenticTimestamp: the chain was valid when the signature was made, by the signing
// authority's signing time, a verified RFC 3161 countersignature, or (without a tsa store, or
// with verifyTimestamp afterCertExpiry) now. On success |when| holds a verified timestamp.
Status AuthenticTimestamp(const VerifyInput& in, const NotationEnvelope& env, const Chain& chain,
                          std::optional<TimePoint>& when) {
  if (env.signing_scheme == attest::kNotationSchemeSigningAuthority) {
    if (!env.authentic_signing_time || !ValidAt(chain, *env.authentic_signing_time)) {
      return VerificationFailedError(
          "the certificate chain is not valid at the authentic signing time");
    }
    return OkStatus();
  }
  const Statement& st = *in.statement;
  std::vector<std::string> tsa = StoresOfType(st, "tsa");
  const bool valid_now = ValidAt(chain, in.now);
  if (tsa.empty()) {
    return valid_now ? OkStatus()
                     : VerificationFailedError(
                           "the certificate chain is not valid now, and the trust policy names "
                           "no tsa trust store to verify a timestamp with");
  }
  if (!st.level.verify_timestamp_always && valid_now) {
    return OkStatus();
  }
  if (env.timestamp_token.empty()) {
    return VerificationFailedError("the signature has no timestamp countersignature");
  }
  VOUCH_ASSIGN_OR_RETURN(std::vector<Bytes> roots, LoadStores(*in.store, tsa));
  TrustedRoot tsas;
  for (Bytes& r : roots) {
    CertificateAuthority ca;
    ca.chain_der.push_back(std::move(r));
    tsas.timestamp_authorities.push_back(std::move(ca));
  }
  VOUCH_ASSIGN_OR_RETURN(TimePoint t,
                         sigstore::VerifyTimestamp(env.timestamp_token, env.signature, tsas));
  if (!ValidAt(chain, t)) {
    return VerificationFailedError("the timestamp " + FormatRfc3339(t) +
                                   " is outside the certificate chain's validity");
  }
  when = t;
  return OkStatus();
}

// CheckTarget: the payload names |want| (digest, size, media type when given) and carries the
// user metadata. Always enforced, whatever the level.
bool CheckTarget(const VerifyInput& in, const NotationEnvelope& env, Run& run, Outcome& out) {
  Result<attest::NotationTarget> target = attest::ParseNotationPayload(env.payload);
  if (!target.ok()) {
    return run.Reject("integrity", target.status().message());
  }
  out.target = *target;
  const Target& want = in.target;
  std::optional<Digest> expected = want.digest;
  if (!expected && want.blob_digest) {
    Result<Digest> d = want.blob_digest(attest::HashForNotation(env.algorithm));
    if (!d.ok()) {
      return run.CouldNotCheck(d.status());
    }
    expected = *d;
  }
  if (!expected || target->digest != expected->ToString()) {
    return run.Reject("artifact", "the signature is for " + target->digest + ", not " +
                                      (expected ? expected->ToString() : "this artifact"));
  }
  if ((want.size >= 0 && target->size != want.size) ||
      (!want.media_type.empty() && target->media_type != want.media_type)) {
    return run.Reject("artifact", "the signed descriptor (" + target->media_type + ", " +
                                      std::to_string(target->size) +
                                      " bytes) is not the artifact's (" + want.media_type + ", " +
                                      std::to_string(want.size) + " bytes)");
  }
  for (const auto& [k, v] : in.user_metadata) {
    auto it = target->annotations.find(k);
    if (it == target->annotations.end() || it->second != v) {
      return run.Reject("userMetadata", "the signature's metadata has no " + k + "=" + v);
    }
  }
  return false;
}

// CheckRevocation: a revoked certificate fails the check; a status that could not be
// established fails it too when enforced, as "could not check" (never as a rejection), and is
// logged otherwise. True when verification stops.
bool CheckRevocation(const VerifyInput& in, const NotationEnvelope& env, Run& run) {
  static const RevocationChecker kDefault;
  const RevocationChecker& checker = in.revocation != nullptr ? *in.revocation : kDefault;
  Status s = checker.Check(env.certificate_chain, in.now);
  if (s.ok() || IsVerificationFailed(s)) {
    return !s.ok() && run.Fail(Check::kRevocation, s.message());
  }
  if (in.statement->level.action(Check::kRevocation) != Action::kEnforce) {
    return run.Fail(Check::kRevocation, s.message());  // logged
  }
  return run.CouldNotCheckAt(Check::kRevocation, s);
}

// Judge applies the level to a check's result: OK passes; a rejection is enforced or logged;
// anything else is "could not check". True when verification stops.
bool Judge(Run& run, Check check, const Status& s) {
  if (s.ok()) {
    return false;
  }
  if (!IsVerificationFailed(s)) {
    return run.CouldNotCheck(s);
  }
  return run.Fail(check, s.message());
}

}  // namespace

Outcome Verify(const VerifyInput& in) {
  Outcome out;
  if (in.statement == nullptr || in.store == nullptr) {
    out.status = InvalidArgumentError("no trust policy statement or trust store to verify with");
    return out;
  }
  if (in.statement->level.skip()) {
    out.skipped = true;  // notation's skip level: nothing is verified, not even integrity
    return out;
  }
  Run run(in, out);
  if (CheckIntegrity(in, run, out)) {
    return out;
  }
  const NotationEnvelope& env = *out.envelope;
  Result<Chain> parsed = ParseChain(env);
  if (!parsed.ok()) {
    run.Reject("integrity", parsed.status().message());
    return out;
  }
  const Chain& chain = *parsed;
  if (chain.certs.empty()) {
    run.Reject("integrity", "the envelope has no certificate chain");
    return out;
  }
  for (const OsslPtr<X509>& x : chain.certs) {
    out.chain.push_back(sigstore::NameText(X509_get_subject_name(x.get())));
  }
  out.signer = out.chain.front();
  if (Result<keys::Verifier> key = sigstore::CertificateKey(env.certificate_chain[0]); key.ok()) {
    out.key_id = key->KeyId();
  }
  if (!run.Skipped(Check::kAuthenticity) &&
      Judge(run, Check::kAuthenticity, Authenticity(in, env, chain))) {
    return out;
  }
  if (env.expiry && in.now > *env.expiry &&
      run.Fail(Check::kExpiry, "the signature expired at " + FormatRfc3339(*env.expiry))) {
    return out;
  }
  if (!run.Skipped(Check::kAuthenticTimestamp) &&
      Judge(run, Check::kAuthenticTimestamp, AuthenticTimestamp(in, env, chain, out.timestamp))) {
    return out;
  }
  if (!run.Skipped(Check::kRevocation) && CheckRevocation(in, env, run)) {
    return out;
  }
  if (in.check_target) {
    CheckTarget(in, env, run, out);
  }
  return out;
}

}  // namespace vouch::verify::notation
