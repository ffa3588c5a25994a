#include <openssl/x509.h>

#include <string_view>
#include <utility>

#include "core/internal/json.h"
#include "core/internal/ossl.h"
#include "vouch/keys/certificates.h"
#include "vouch/sign/fulcio.h"

namespace vouch::sign {
namespace {

// kMaxQuotedMessage bounds how much of Fulcio's error message goes into ours.
constexpr size_t kMaxQuotedMessage = 300;

// AlgorithmName is the key's fulcio.v2.PublicKeyAlgorithm.
std::string_view AlgorithmName(keys::KeyAlgorithm alg) {
  switch (alg) {
    case keys::KeyAlgorithm::kEd25519:
      return "ED25519";
    case keys::KeyAlgorithm::kRsa2048:
    case keys::KeyAlgorithm::kRsa3072:
    case keys::KeyAlgorithm::kRsa4096:
      return "RSA_PSS";
    default:
      return "ECDSA";
  }
}

// RequestBody is the CreateSigningCertificateRequest JSON. It holds the token: the caller
// wipes it.
Result<std::string> RequestBody(const IdentityToken& token, const keys::Signer& key) {
  const std::string& subject = token.ChallengeSubject();
  Result<Bytes> pop = key.Sign(AsBytes(subject));
  if (!pop.ok()) {
    return pop.status().WithContext("signing the proof of possession");
  }
  Json body = {
      {"credentials", {{"oidcIdentityToken", std::string(token.raw.view())}}},
      {"publicKeyRequest",
       {{"publicKey",
         {{"algorithm", AlgorithmName(key.algorithm())}, {"content", key.PublicKey().ToPem()}}},
        {"proofOfPossession", Base64Encode(*pop)}}}};
  std::string out = DumpJson(body);
  std::string& copy = body["credentials"]["oidcIdentityToken"].get_ref<std::string&>();
  SecureWipe(copy.data(), copy.size());
  return out;
}

// ServerMessage is Fulcio's error message (the gRPC gateway's {"code", "message"}), cut short,
// printable ASCII only, and never anything holding the token.
std::string ServerMessage(ByteView body, const IdentityToken& token) {
  Result<Json> j = ParseJson(AsChars(body), "reply");
  const Json* m = j.ok() ? FindField(*j, "message") : nullptr;
  if (m == nullptr || !m->is_string()) {
    return "";
  }
  std::string msg = m->get<std::string>().substr(0, kMaxQuotedMessage);
  if (!token.raw.empty() && msg.find(token.raw.view()) != std::string::npos) {
    return "";
  }
  for (char& c : msg) {
    if (c < 0x20 || c > 0x7e) {
      c = '?';
    }
  }
  return msg.empty() ? "" : ": " + msg;
}

Status HttpError(int status, ByteView body, const IdentityToken& token) {
  std::string msg = "HTTP status " + std::to_string(status) + ServerMessage(body, token);
  if (status == 401) {
    return UnauthenticatedError(msg);
  }
  if (status == 403) {
    return PermissionDeniedError(msg);
  }
  return UnavailableError(msg);
}

// ChainOf reads the certificates of either reply form (Fulcio v2 SigningCertificate: an SCT
// embedded in the leaf or returned beside it; the detached SCT itself is not kept).
Result<std::vector<Bytes>> ChainOf(ByteView body) {
  Result<Json> reply = ParseJson(AsChars(body), "reply");
  if (!reply.ok()) {
    return UnavailableError("the reply is not JSON");
  }
  const Json* signed_cert = nullptr;
  for (std::string_view form : {"signedCertificateEmbeddedSct", "signedCertificateDetachedSct"}) {
    Result<const Json*> f = FindProtoField(*reply, form);
    if (f.ok() && *f != nullptr) {
      signed_cert = *f;
      break;
    }
  }
  const Json* chain = signed_cert == nullptr ? nullptr : FindField(*signed_cert, "chain");
  const Json* certs = chain == nullptr ? nullptr : FindField(*chain, "certificates");
  if (certs == nullptr || !certs->is_array() || certs->empty()) {
    return UnavailableError(
        "the reply has no signedCertificateEmbeddedSct or signedCertificateDetachedSct "
        "chain.certificates");
  }
  if (certs->size() > keys::kMaxChainCertificates) {
    return UnavailableError("the reply's chain has more than " +
                            std::to_string(keys::kMaxChainCertificates) + " certificates");
  }
  std::vector<Bytes> out;
  for (const Json& pem : *certs) {
    Result<std::vector<Bytes>> der =
        pem.is_string() ? keys::ParsePemCertificates(pem.get<std::string>(), "certificate")
                        : Result<std::vector<Bytes>>(InvalidArgumentError("not a string"));
    if (!der.ok() || der->size() != 1) {
      return UnavailableError("chain.certificates[" + std::to_string(out.size()) +
                              "] is not one PEM certificate");
    }
    out.push_back(std::move(der->front()));
  }
  return out;
}

// CheckLeafKey: the leaf certifies |key|, so a reply meant for another request is not used.
Status CheckLeafKey(const Bytes& leaf, const keys::Signer& key) {
  const unsigned char* p = leaf.data();
  OsslPtr<X509> x(d2i_X509(nullptr, &p, static_cast<long>(leaf.size())));
  if (x == nullptr) {
    ClearOpenSslErrors();
    return UnavailableError("the leaf certificate is not DER X.509");
  }
  Result<Bytes> spki = PublicKeyDer(X509_get0_pubkey(x.get()));  // key borrowed from x
  Result<keys::Verifier> got =
      spki.ok() ? keys::Verifier::FromSpkiDer(*spki) : Result<keys::Verifier>(spki.status());
  if (!got.ok() || got->SpkiDer() != key.PublicKey().SpkiDer()) {
    return UnavailableError("the leaf certificate is not for the key in the request");
  }
  return OkStatus();
}

Result<std::vector<Bytes>> Exchange(registry::Transport& transport, const std::string& base,
                                    const IdentityToken& token, const keys::Signer& key) {
  if (base.rfind("http://", 0) != 0 && base.rfind("https://", 0) != 0) {
    return InvalidArgumentError("the URL must be http:// or https://");
  }
  VOUCH_ASSIGN_OR_RETURN(std::string body, RequestBody(token, key));
  registry::HttpRequest req;
  req.method = "POST";
  req.url = base + "/api/v2/signingCert";
  req.headers.Add("Content-Type", "application/json");
  req.headers.Add("Accept", "application/json");
  req.body = ToBytes(body);
  SecureWipe(body.data(), body.size());
  req.max_response_bytes = kMaxFulcioReplySize;
  Result<registry::HttpResponse> resp = transport.RoundTrip(req);
  SecureWipe(req.body.data(), req.body.size());
  if (!resp.ok()) {
    return resp.status();
  }
  if (resp->status < 200 || resp->status > 299) {
    return HttpError(resp->status, resp->body, token);
  }
  VOUCH_ASSIGN_OR_RETURN(std::vector<Bytes> chain, ChainOf(resp->body));
  VOUCH_RETURN_IF_ERROR(CheckLeafKey(chain.front(), key));
  return chain;
}

}  // namespace

Result<std::vector<Bytes>> RequestSigningCertificate(registry::Transport& transport,
                                                     const ServiceEndpoint& ca,
                                                     const IdentityToken& token,
                                                     const keys::Signer& key) {
  std::string base = ca.url;
  while (!base.empty() && base.back() == '/') {
    base.pop_back();
  }
  Result<std::vector<Bytes>> chain = Exchange(transport, base, token, key);
  if (!chain.ok()) {
    return chain.status().WithContext("Fulcio " + registry::RedactUrl(ca.url));
  }
  return chain;
}

}  // namespace vouch::sign
