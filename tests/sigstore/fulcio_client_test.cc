// Signing's Fulcio client (vouch/sign/fulcio.h) against an in-process CA (x509_pki.h) behind a
// fake transport: the CreateSigningCertificateRequest it sends (its proof of possession verifies
// over the token's challenge subject with the key), both reply forms, and every reply it must
// refuse, named by Fulcio's URL and never quoting the token.
#include <openssl/pem.h>

#include <boost/test/unit_test.hpp>
#include <memory>
#include <string>
#include <vector>

#include "core/internal/json.h"
#include "testutil/fake_transport.h"
#include "vouch/keys/keys.h"
#include "vouch/sign/bundle_signer.h"
#include "vouch/sign/fulcio.h"
#include "x509_pki.h"

namespace vouch::sign {
namespace {

namespace pki = testing::pki;
using testing::FakeTransport;
using testing::HttpReply;

const ServiceEndpoint kCa{"https://fulcio.test/", 1, "test"};

std::string Jwt(const std::string& payload) {
  return Base64UrlEncode(AsBytes(std::string(R"({"alg":"none"})"))) + "." +
         Base64UrlEncode(AsBytes(payload)) + ".";
}

IdentityToken Token(const std::string& payload =
                        R"({"iss":"https://issuer.test","sub":"https://example.test/ci"})") {
  Result<IdentityToken> t = ParseIdentityToken(SecretString(Jwt(payload)), "test");
  BOOST_REQUIRE_MESSAGE(t.ok(), t.status().ToString());
  return std::move(t).value();
}

std::unique_ptr<keys::Signer> NewSigner() {
  auto k = keys::Generate(keys::KeyAlgorithm::kEcdsaP256);
  BOOST_REQUIRE(k.ok());
  return std::move(k).value();
}

// OneLinePem is PEM with the base64 on one line, as @sigstore/mock's Fulcio writes it.
std::string OneLinePem(const Bytes& der) {
  return "-----BEGIN CERTIFICATE-----\n" + Base64Encode(der) + "\n-----END CERTIFICATE-----\n";
}

std::string Pem(X509* x) {
  OsslPtr<BIO> b(BIO_new(BIO_s_mem()));
  BOOST_REQUIRE(PEM_write_bio_X509(b.get(), x) == 1);
  char* data = nullptr;
  long len = BIO_get_mem_data(b.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

// Ca is a Fulcio stand-in: it issues a leaf for the PEM key of each request.
struct Ca {
  pki::Fulcio pki;
  Json last_request;

  Bytes Issue(const std::string& spki_pem) {
    OsslPtr<BIO> in(BIO_new_mem_buf(spki_pem.data(), static_cast<int>(spki_pem.size())));
    OsslPtr<EVP_PKEY> key(PEM_read_bio_PUBKEY(in.get(), nullptr, nullptr, nullptr));
    BOOST_REQUIRE(key != nullptr);
    OsslPtr<X509> leaf =
        pki::NewCert(key.get(), "", pki.inter.get(), pki::At("2024-06-01T12:00:00Z"),
                     pki::At("2024-06-01T12:10:00Z"));
    pki::AddExt(leaf.get(), pki.inter.get(), NID_subject_alt_name,
                "critical,URI:https://example.test/ci");
    pki::Sign(leaf.get(), pki.inter_key.get());
    return pki::Der(leaf.get());
  }

  // Answer issues for the request's key; |form| is the reply's signedCertificate* member.
  registry::HttpResponse Answer(const registry::HttpRequest& req,
                                const std::string& form = "signedCertificateEmbeddedSct") {
    auto j = ParseJson(AsChars(req.body), "request");
    BOOST_REQUIRE(j.ok());
    last_request = *j;
    Bytes leaf = Issue((*j)["publicKeyRequest"]["publicKey"]["content"].get<std::string>());
    Json chain = {
        {"chain",
         {{"certificates",
           {OneLinePem(leaf), Pem(pki.inter.get()), OneLinePem(pki::Der(pki.root.get()))}}}}};
    if (form == "signedCertificateDetachedSct") {
      chain["signedCertificateTimestamp"] = Base64Encode(ToBytes("sct"));
    }
    return HttpReply(201, DumpJson(Json{{form, chain}}));
  }
};

void ExpectRefused(const Result<std::vector<Bytes>>& r, ErrorCode code, const std::string& reason,
                   const IdentityToken& token) {
  BOOST_TEST(ErrorCodeName(r.status().code()) == ErrorCodeName(code), r.status().ToString());
  BOOST_TEST(r.status().message().find("Fulcio https://fulcio.test/") != std::string::npos,
             r.status().message());
  BOOST_TEST(r.status().message().find(reason) != std::string::npos,
             "\"" << r.status().message() << "\" lacks \"" << reason << "\"");
  BOOST_TEST(r.status().message().find(token.raw.view()) == std::string::npos,
             r.status().message());
}

BOOST_AUTO_TEST_SUITE(fulcio_client)

BOOST_AUTO_TEST_CASE(sends_token_key_and_proof_of_possession_and_returns_the_chain) {
  Ca ca;
  FakeTransport t([&](const registry::HttpRequest& req) { return ca.Answer(req); });
  auto key = NewSigner();
  IdentityToken token = Token();
  Result<std::vector<Bytes>> chain = RequestSigningCertificate(t, kCa, token, *key);
  BOOST_REQUIRE_MESSAGE(chain.ok(), chain.status().ToString());
  BOOST_REQUIRE(chain->size() == 3u);
  BOOST_TEST(chain->at(1) == pki::Der(ca.pki.inter.get()));
  BOOST_TEST(chain->at(2) == pki::Der(ca.pki.root.get()));

  BOOST_REQUIRE(t.requests.size() == 1u);
  const registry::HttpRequest& req = t.requests[0];
  BOOST_TEST(req.method == "POST");
  BOOST_TEST(req.url == "https://fulcio.test/api/v2/signingCert");
  BOOST_TEST(req.headers.Get("Content-Type").value_or("") == "application/json");
  BOOST_TEST(req.max_response_bytes == kMaxFulcioReplySize);
  const Json& j = ca.last_request;
  BOOST_TEST(j["credentials"]["oidcIdentityToken"] == std::string(token.raw.view()));
  const Json& pkr = j["publicKeyRequest"];
  BOOST_TEST(pkr["publicKey"]["algorithm"] == "ECDSA");
  auto sent = keys::Verifier::FromPem(pkr["publicKey"]["content"].get<std::string>());
  BOOST_REQUIRE(sent.ok());
  BOOST_TEST(sent->SpkiDer() == key->PublicKey().SpkiDer());
  auto pop = Base64Decode(pkr["proofOfPossession"].get<std::string>());
  BOOST_REQUIRE(pop.ok());
  BOOST_TEST(key->PublicKey().Verify(*pop, AsBytes(std::string("https://example.test/ci"))).ok());
  BOOST_TEST(IsVerificationFailed(key->PublicKey().Verify(*pop, AsBytes(std::string("other")))));
}

BOOST_AUTO_TEST_CASE(a_verified_email_is_the_challenge) {
  Ca ca;
  FakeTransport t([&](const registry::HttpRequest& req) { return ca.Answer(req); });
  auto key = NewSigner();
  IdentityToken token =
      Token(R"({"iss":"https://accounts.test","sub":"1234","email":"dev@example.test",)"
            R"("email_verified":true})");
  BOOST_REQUIRE(RequestSigningCertificate(t, kCa, token, *key).ok());
  auto pop =
      Base64Decode(ca.last_request["publicKeyRequest"]["proofOfPossession"].get<std::string>());
  BOOST_REQUIRE(pop.ok());
  BOOST_TEST(key->PublicKey().Verify(*pop, AsBytes(std::string("dev@example.test"))).ok());
}

BOOST_AUTO_TEST_CASE(a_detached_sct_reply_is_read_too) {
  Ca ca;
  FakeTransport t([&](const registry::HttpRequest& req) {
    return ca.Answer(req, "signedCertificateDetachedSct");
  });
  auto key = NewSigner();
  Result<std::vector<Bytes>> chain = RequestSigningCertificate(t, kCa, Token(), *key);
  BOOST_REQUIRE_MESSAGE(chain.ok(), chain.status().ToString());
  BOOST_TEST(chain->size() == 3u);
}

BOOST_AUTO_TEST_CASE(http_refusals_keep_their_meaning) {
  IdentityToken token = Token();
  auto key = NewSigner();
  struct Case {
    int status;
    std::string body;
    ErrorCode code;
    std::string reason;
  };
  const std::string echo =
      R"({"code":16,"message":"bad token )" + std::string(token.raw.view()) + "\"}";
  for (const Case& c : std::vector<Case>{
           {401, R"({"code":16,"message":"There was an error processing the identity token"})",
            ErrorCode::kUnauthenticated, "HTTP status 401: There was an error processing"},
           {401, echo, ErrorCode::kUnauthenticated, "HTTP status 401"},
           {403, "", ErrorCode::kPermissionDenied, "HTTP status 403"},
           {400, "{\"message\":\"line\\nbreak\"}", ErrorCode::kUnavailable,
            "HTTP status 400: line?break"},
           {503, "<html>", ErrorCode::kUnavailable, "HTTP status 503"}}) {
    FakeTransport t([&](const registry::HttpRequest&) -> Result<registry::HttpResponse> {
      return HttpReply(c.status, c.body);
    });
    ExpectRefused(RequestSigningCertificate(t, kCa, token, *key), c.code, c.reason, token);
  }
  FakeTransport down([](const registry::HttpRequest&) -> Result<registry::HttpResponse> {
    return DeadlineExceededError("request deadline passed");
  });
  ExpectRefused(RequestSigningCertificate(down, kCa, token, *key), ErrorCode::kDeadlineExceeded,
                "request deadline passed", token);
}

BOOST_AUTO_TEST_CASE(a_certificate_for_another_key_is_refused) {
  Ca ca;
  auto other = NewSigner();
  FakeTransport t([&](const registry::HttpRequest& req) {
    registry::HttpRequest swapped = req;
    auto j = ParseJson(AsChars(req.body), "request");
    (*j)["publicKeyRequest"]["publicKey"]["content"] = other->PublicKey().ToPem();
    swapped.body = ToBytes(DumpJson(*j));
    return ca.Answer(swapped);
  });
  auto key = NewSigner();
  IdentityToken token = Token();
  ExpectRefused(RequestSigningCertificate(t, kCa, token, *key), ErrorCode::kUnavailable,
                "not for the key in the request", token);
}

BOOST_AUTO_TEST_CASE(garbage_replies_are_unavailable) {
  Ca ca;
  IdentityToken token = Token();
  auto key = NewSigner();
  const std::string cert = OneLinePem(pki::Der(ca.pki.root.get()));
  auto wrap = [](const Json& certs) {
    return DumpJson(Json{{"signedCertificateEmbeddedSct", {{"chain", {{"certificates", certs}}}}}});
  };
  struct Case {
    std::string body;
    std::string reason;
  };
  for (const Case& c : std::vector<Case>{
           {"not json", "not JSON"},
           {"{}", "no signedCertificateEmbeddedSct"},
           {R"({"signedCertificateEmbeddedSct":{"chain":{}}})", "chain.certificates"},
           {wrap(Json::array()), "chain.certificates"},
           {wrap(Json::array({42})), "chain.certificates[0] is not one PEM certificate"},
           {wrap(Json::array({"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"})),
            "chain.certificates[0] is not one PEM certificate"},
           {wrap(Json::array({cert + cert})), "chain.certificates[0] is not one PEM certificate"},
           {wrap(Json(std::vector<std::string>(17, cert))), "more than 16 certificates"},
           // A well-formed chain whose leaf is the root: not for the key.
           {wrap(Json::array({cert})), "not for the key in the request"}}) {
    FakeTransport t([&](const registry::HttpRequest&) -> Result<registry::HttpResponse> {
      return HttpReply(200, c.body);
    });
    ExpectRefused(RequestSigningCertificate(t, kCa, token, *key), ErrorCode::kUnavailable, c.reason,
                  token);
  }
  ServiceEndpoint ftp{"ftp://fulcio.test", 1, ""};
  FakeTransport unused([](const registry::HttpRequest&) -> Result<registry::HttpResponse> {
    return HttpReply(500, "");
  });
  BOOST_TEST(IsInvalidArgument(RequestSigningCertificate(unused, ftp, token, *key).status()));
  BOOST_TEST(unused.requests.empty());
}

// A keyless signature is sealed only while its certificate is current. This CA's leaves lived
// ten minutes in 2024: the signer gets its certificate and signs, but sealing refuses (exit 3),
// before any log or TSA is contacted, so nothing is written.
BOOST_AUTO_TEST_CASE(an_expired_certificate_seals_nothing) {
  Ca ca;
  auto t = std::make_shared<FakeTransport>(
      [&](const registry::HttpRequest& req) { return ca.Answer(req); });
  SigstoreServices services;
  services.ca = kCa;
  services.tsas = {ServiceEndpoint{"https://tsa.test/api/v1/timestamp", 1, ""}};
  Result<std::unique_ptr<BundleSigner>> signer = BundleSigner::Keyless(Token(), services, t);
  BOOST_REQUIRE_MESSAGE(signer.ok(), signer.status().ToString());
  BOOST_TEST((*signer)->keyless());
  BOOST_TEST((*signer)->DsseKeyId().empty());
  Result<attest::DsseEnvelope> env =
      (*signer)->SignEnvelope("application/vnd.in-toto+json", AsBytes(std::string("{}")));
  BOOST_REQUIRE(env.ok());
  const size_t requests = t->requests.size();
  Result<attest::Bundle> sealed = (*signer)->Seal(*env);
  BOOST_TEST(ErrorCodeName(sealed.status().code()) ==
                 ErrorCodeName(ErrorCode::kDeadlineExceeded),
             sealed.status().ToString());
  BOOST_TEST(sealed.status().message().find("expired") != std::string::npos);
  BOOST_TEST(t->requests.size() == requests);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::sign
