// vouch's clients of the keyless services against real loopback peers, through the curl
// transport: an identity token from a GitHub Actions-shaped endpoint (tests/fixtures/
// oidc_token_server.py) and a certificate from the loopback Fulcio (sigstore-mock-server.mjs) for
// an ephemeral P-256 key, read back with the verifier's certificate readers and chained to the
// trusted root the mock wrote.
#include <boost/test/unit_test.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/internal/json.h"
#include "sigstore/certificate.h"
#include "testutil/sigstore_mock.h"
#include "testutil/testutil.h"
#include "vouch/keys/keys.h"
#include "vouch/registry/transport.h"
#include "vouch/sign/fulcio.h"
#include "vouch/sign/identity_token.h"
#include "vouch/verify/trusted_root.h"

namespace vouch::sign {
namespace {

const std::string kSubject = "https://example.test/ci@refs/heads/main";
const std::string kIssuer = "https://fake.oidcissuer.example";

std::shared_ptr<registry::Transport> Curl() {
  return registry::NewCurlTransport(registry::CurlTransportOptions{});
}

TokenSources GitHubActions(const testing::OidcTokenServer& server, const std::string& req) {
  TokenSources s;
  s.env = {{"ACTIONS_ID_TOKEN_REQUEST_URL", server.url()}, {"ACTIONS_ID_TOKEN_REQUEST_TOKEN", req}};
  s.transport = Curl();
  return s;
}

// Claims decodes the token's payload (the test looks at what the endpoint was asked for).
Json Claims(const IdentityToken& t) {
  std::string_view raw = t.raw.view();
  size_t a = raw.find('.');
  auto payload =
      Base64Decode(raw.substr(a + 1, raw.find('.', a + 1) - a - 1), Base64Alphabet::kUrl);
  BOOST_REQUIRE(payload.ok());
  auto j = ParseJson(AsChars(*payload), "claims");
  BOOST_REQUIRE(j.ok());
  return *j;
}

BOOST_AUTO_TEST_SUITE(keyless_services)

BOOST_AUTO_TEST_CASE(a_github_actions_token_comes_from_the_loopback_endpoint) {
  testing::OidcTokenServer server(kSubject, kIssuer, "request-secret");
  Result<IdentityToken> t = ObtainIdentityToken(GitHubActions(server, "request-secret"));
  BOOST_REQUIRE_MESSAGE(t.ok(), t.status().ToString());
  BOOST_TEST(t->source == "GitHub Actions");
  BOOST_TEST(t->subject == kSubject);
  BOOST_TEST(t->issuer == kIssuer);
  BOOST_REQUIRE(t->expiry.has_value());
  BOOST_TEST((*t->expiry > SystemClock().Now()));
  BOOST_TEST(Claims(*t)["aud"] == "sigstore");

  // The wrong request token: refused, and no other source is tried.
  TokenSources wrong = GitHubActions(server, "not-the-secret");
  wrong.env["CIRCLE_OIDC_TOKEN"] = std::string(t->raw.view());
  Result<IdentityToken> refused = ObtainIdentityToken(wrong);
  BOOST_TEST(ErrorCodeName(refused.status().code()) == ErrorCodeName(ErrorCode::kUnauthenticated),
             refused.status().ToString());
  BOOST_TEST(refused.status().message().find("not-the-secret") == std::string::npos,
             refused.status().message());
}

BOOST_AUTO_TEST_CASE(fulcio_certifies_an_ephemeral_key_for_the_tokens_identity) {
  testing::MockServer fulcio;
  testing::OidcTokenServer oidc(kSubject, kIssuer);
  Result<IdentityToken> token = ObtainIdentityToken(GitHubActions(oidc, oidc.request_token()));
  BOOST_REQUIRE_MESSAGE(token.ok(), token.status().ToString());
  auto key = keys::Generate(keys::KeyAlgorithm::kEcdsaP256);
  BOOST_REQUIRE(key.ok());

  auto curl = Curl();
  Result<std::vector<Bytes>> chain =
      RequestSigningCertificate(*curl, ServiceEndpoint{fulcio.url(), 1, ""}, *token, **key);
  BOOST_REQUIRE_MESSAGE(chain.ok(), chain.status().ToString());
  BOOST_REQUIRE(chain->size() >= 2u);

  auto leaf = verify::sigstore::ParseLeafCertificate(chain->front());
  BOOST_REQUIRE_MESSAGE(leaf.ok(), leaf.status().ToString());
  BOOST_TEST(leaf->sans == std::vector<std::string>{kSubject}, boost::test_tools::per_element());
  BOOST_TEST(leaf->issuer == kIssuer);
  BOOST_TEST(leaf->key->SpkiDer() == (*key)->PublicKey().SpkiDer());

  auto root = verify::LoadTrustedRoot(fulcio.root());
  BOOST_REQUIRE_MESSAGE(root.ok(), root.status().ToString());
  BOOST_REQUIRE((*root)->certificate_authorities.size() == 1u);
  BOOST_TEST(chain->back() == (*root)->certificate_authorities[0].chain_der.back());
  Result<size_t> anchored =
      verify::sigstore::VerifyCertificateChain(*leaf, {}, **root, {SystemClock().Now()});
  BOOST_TEST(anchored.ok(), anchored.status().ToString());
  BOOST_TEST(verify::sigstore::VerifyEmbeddedSct(*leaf, (*chain)[1], **root).ok());
}

BOOST_AUTO_TEST_CASE(fulcio_refusing_the_request_is_named) {
  testing::MockServer fulcio;
  auto key = keys::Generate(keys::KeyAlgorithm::kEcdsaP256);
  BOOST_REQUIRE(key.ok());
  // A Fulcio URL with a path the server does not serve: its 404 is kUnavailable, naming the URL.
  Result<IdentityToken> token = ParseIdentityToken(
      SecretString(
          "eyJhbGciOiJub25lIn0." +
          Base64UrlEncode(AsBytes(R"({"iss":")" + kIssuer + R"(","sub":")" + kSubject + "\"}")) +
          "."),
      "test");
  BOOST_REQUIRE(token.ok());
  auto curl = Curl();
  const std::string url = fulcio.url() + "/not-fulcio";
  Result<std::vector<Bytes>> chain =
      RequestSigningCertificate(*curl, ServiceEndpoint{url, 1, ""}, *token, **key);
  BOOST_TEST(IsUnavailable(chain.status()), chain.status().ToString());
  BOOST_TEST(chain.status().message().find("Fulcio " + url) != std::string::npos,
             chain.status().message());
  BOOST_TEST(chain.status().message().find("404") != std::string::npos, chain.status().message());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::sign
