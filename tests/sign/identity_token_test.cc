// Identity tokens for keyless signing (vouch/sign/identity_token.h): the claims read from a JWT,
// the five sources in cosign's order (a fake transport stands in for GitHub Actions' endpoint, a
// fake runner for buildkite-agent), the usage error when there is none, and that no error message
// ever holds the token.
#include "vouch/sign/identity_token.h"

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "testutil/fake_transport.h"
#include "testutil/testutil.h"

namespace vouch::sign {
namespace {

namespace bdata = boost::unit_test::data;
using testing::FakeTransport;
using testing::HttpReply;

// Jwt is an unsigned token (alg none) with |payload| as its claims.
std::string Jwt(const std::string& payload) {
  return Base64UrlEncode(AsBytes(std::string(R"({"alg":"none","typ":"JWT"})"))) + "." +
         Base64UrlEncode(AsBytes(payload)) + ".";
}

std::string JwtFor(const std::string& sub) {
  return Jwt(R"({"iss":"https://issuer.test","sub":")" + sub +
             R"(","aud":"sigstore","exp":1900000000})");
}

// ExpectNoToken fails when |s|'s message holds |token| or its payload part.
void ExpectNoToken(const Status& s, const std::string& token) {
  BOOST_TEST(s.message().find(token) == std::string::npos, s.message());
  size_t dot = token.find('.');
  if (dot != std::string::npos) {
    std::string payload = token.substr(dot + 1, token.find('.', dot + 1) - dot - 1);
    if (payload.size() > 8) {
      BOOST_TEST(s.message().find(payload) == std::string::npos, s.message());
    }
  }
}

// AllSources is an environment where every source offers a token whose subject names it.
struct AllSources {
  std::shared_ptr<FakeTransport> github = std::make_shared<FakeTransport>(
      [](const registry::HttpRequest&) -> Result<registry::HttpResponse> {
        return HttpReply(200, R"({"count":1,"value":")" + JwtFor("github") + "\"}");
      });
  std::vector<std::vector<std::string>> runs;
  TokenSources sources;

  AllSources() {
    sources.flag = JwtFor("flag");
    sources.env = {{"SIGSTORE_ID_TOKEN", JwtFor("env")},
                   {"ACTIONS_ID_TOKEN_REQUEST_URL", "https://gh.test/token?api-version=2.0"},
                   {"ACTIONS_ID_TOKEN_REQUEST_TOKEN", "REQ"},
                   {"BUILDKITE_AGENT_ACCESS_TOKEN", "agent"},
                   {"CIRCLE_OIDC_TOKEN_V2", JwtFor("circle-v2")},
                   {"CIRCLE_OIDC_TOKEN", JwtFor("circle")}};
    sources.transport = github;
    sources.run = [this](const std::vector<std::string>& argv) -> Result<std::string> {
      runs.push_back(argv);
      return JwtFor("buildkite") + "\n";
    };
  }
};

BOOST_AUTO_TEST_SUITE(identity_token)

BOOST_AUTO_TEST_CASE(claims_are_read_without_verifying_the_signature) {
  std::string raw =
      Jwt(R"({"iss":"https://accounts.example","sub":"1234","email":"dev@example.test",)"
          R"("email_verified":true,"aud":["sigstore","other"],"exp":1900000000.5,"iat":1})");
  Result<IdentityToken> t = ParseIdentityToken(SecretString(raw), "test");
  BOOST_REQUIRE_MESSAGE(t.ok(), t.status().ToString());
  BOOST_TEST(t->issuer == "https://accounts.example");
  BOOST_TEST(t->subject == "1234");
  BOOST_TEST(t->email == "dev@example.test");
  BOOST_TEST(t->email_verified);
  BOOST_TEST(t->ChallengeSubject() == "dev@example.test");
  BOOST_REQUIRE(t->expiry.has_value());
  BOOST_TEST(std::chrono::system_clock::to_time_t(*t->expiry) == 1900000000);
  BOOST_TEST(t->raw.view() == raw);
  BOOST_TEST(t->source == "test");

  // An unverified email is not the identity Fulcio certifies: the subject is.
  Result<IdentityToken> u = ParseIdentityToken(
      SecretString(Jwt(R"({"iss":"i","sub":"s","email":"e@x.test","email_verified":false})")), "t");
  BOOST_REQUIRE(u.ok());
  BOOST_TEST(u->ChallengeSubject() == "s");
  BOOST_TEST(!u->expiry.has_value());
}

const std::vector<std::string> kMalformed = {
    "not-a-jwt",
    "a.b",
    "a.b.c.d",
    "eyJhbGciOiJub25lIn0.!!!notbase64!!!.",
    ".eyJpc3MiOiJpIiwic3ViIjoicyJ9.",
    Jwt("not json {secret-claims}"),
    Jwt(R"(["iss","sub"])"),
    Jwt(R"({"sub":"s-secret-subject"})"),
    Jwt(R"({"iss":"i","sub":42})"),
    Jwt(R"({"iss":"i","sub":"s","exp":"tomorrow"})"),
    Jwt(R"({"iss":"i","sub":"s","aud":7})"),
};

BOOST_DATA_TEST_CASE(a_malformed_token_is_invalid_and_never_quoted, bdata::make(kMalformed), raw) {
  Result<IdentityToken> t = ParseIdentityToken(SecretString(raw), "SIGSTORE_ID_TOKEN");
  BOOST_TEST(IsInvalidArgument(t.status()), t.status().ToString());
  BOOST_TEST(t.status().message().find("SIGSTORE_ID_TOKEN") != std::string::npos,
             t.status().message());
  ExpectNoToken(t.status(), raw);
  BOOST_TEST(t.status().message().find("secret") == std::string::npos, t.status().message());

  // The same through ObtainIdentityToken, from every source that hands over a raw value.
  TokenSources s;
  s.env = {{"SIGSTORE_ID_TOKEN", raw}};
  Result<IdentityToken> o = ObtainIdentityToken(s);
  BOOST_TEST(IsInvalidArgument(o.status()), o.status().ToString());
  ExpectNoToken(o.status(), raw);
}

BOOST_AUTO_TEST_CASE(sources_are_tried_in_cosigns_order) {
  AllSources all;
  auto subject = [&]() {
    Result<IdentityToken> t = ObtainIdentityToken(all.sources);
    BOOST_REQUIRE_MESSAGE(t.ok(), t.status().ToString());
    return t->subject + " from " + t->source;
  };
  BOOST_TEST(subject() == "flag from --identity-token");
  all.sources.flag.clear();
  BOOST_TEST(subject() == "env from SIGSTORE_ID_TOKEN");
  BOOST_TEST(all.github->requests.empty());
  all.sources.env.erase("SIGSTORE_ID_TOKEN");
  BOOST_TEST(subject() == "github from GitHub Actions");
  BOOST_TEST(all.runs.empty());
  all.sources.env.erase("ACTIONS_ID_TOKEN_REQUEST_TOKEN");  // the URL alone is not a source
  BOOST_TEST(subject() == "buildkite from Buildkite");
  all.sources.env.erase("BUILDKITE_AGENT_ACCESS_TOKEN");
  BOOST_TEST(subject() == "circle-v2 from CircleCI CIRCLE_OIDC_TOKEN_V2");
  all.sources.env["CIRCLE_OIDC_TOKEN_V2"] = "";  // empty counts as unset
  BOOST_TEST(subject() == "circle from CircleCI CIRCLE_OIDC_TOKEN");
  BOOST_TEST(all.github->requests.size() == 1u);
  BOOST_TEST(all.runs.size() == 1u);
}

BOOST_AUTO_TEST_CASE(the_flag_names_a_token_or_a_file) {
  testing::TempDir dir;
  std::string path = dir.File("token");
  testing::WriteText(path, "\n  " + JwtFor("from-file") + " \n");
  TokenSources s;
  s.flag = path;
  s.env = {{"SIGSTORE_ID_TOKEN", JwtFor("env")}};
  Result<IdentityToken> t = ObtainIdentityToken(s);
  BOOST_REQUIRE_MESSAGE(t.ok(), t.status().ToString());
  BOOST_TEST(t->subject == "from-file");
  BOOST_TEST(t->raw.view() == JwtFor("from-file"));
  BOOST_TEST(t->source == "--identity-token file " + path);

  // A malformed file names the file, not its content.
  testing::WriteText(path, "garbage-secret-content");
  Result<IdentityToken> bad = ObtainIdentityToken(s);
  BOOST_TEST(IsInvalidArgument(bad.status()), bad.status().ToString());
  BOOST_TEST(bad.status().message().find(path) != std::string::npos, bad.status().message());
  BOOST_TEST(bad.status().message().find("garbage") == std::string::npos, bad.status().message());

  // A path that does not exist is taken as the token itself (and is not one).
  s.flag = dir.File("missing");
  BOOST_TEST(IsInvalidArgument(ObtainIdentityToken(s).status()));
}

BOOST_AUTO_TEST_CASE(github_actions_is_asked_for_the_sigstore_audience) {
  for (const auto& [url, want] : std::vector<std::pair<std::string, std::string>>{
           {"https://gh.test/token?api-version=2.0",
            "https://gh.test/token?api-version=2.0&audience=sigstore"},
           {"https://gh.test/token", "https://gh.test/token?audience=sigstore"}}) {
    auto gh = std::make_shared<FakeTransport>(
        [](const registry::HttpRequest&) -> Result<registry::HttpResponse> {
          return HttpReply(200,
                           R"({"value":")" + JwtFor("repo:acme/app:ref:refs/heads/main") + "\"}");
        });
    TokenSources s;
    s.env = {{"ACTIONS_ID_TOKEN_REQUEST_URL", url}, {"ACTIONS_ID_TOKEN_REQUEST_TOKEN", "REQ"}};
    s.transport = gh;
    Result<IdentityToken> t = ObtainIdentityToken(s);
    BOOST_REQUIRE_MESSAGE(t.ok(), t.status().ToString());
    BOOST_TEST(t->subject == "repo:acme/app:ref:refs/heads/main");
    BOOST_REQUIRE(gh->requests.size() == 1u);
    const registry::HttpRequest& req = gh->requests[0];
    BOOST_TEST(req.method == "GET");
    BOOST_TEST(req.url == want);
    BOOST_TEST(req.headers.Get("Authorization").value_or("") == "bearer REQ");
    BOOST_TEST(req.max_response_bytes == kMaxIdentityTokenSize);
  }
}

struct Failure {
  int status;  // 0: the transport fails
  std::string body;
  ErrorCode code;
};
std::ostream& operator<<(std::ostream& os, const Failure& f) {
  return os << f.status << " " << f.body;
}

const std::string kLeaky = JwtFor("leaked");

const Failure kFailures[] = {
    {401, "Bad credentials", ErrorCode::kUnauthenticated},
    {403, "", ErrorCode::kPermissionDenied},
    {500, kLeaky, ErrorCode::kUnavailable},
    {0, "", ErrorCode::kUnavailable},
    {200, "not json " + kLeaky, ErrorCode::kUnavailable},
    {200, R"({"token":")" + kLeaky + "\"}", ErrorCode::kUnavailable},
    {200, R"({"value":42})", ErrorCode::kUnavailable},
    {200, R"({"value":"not-a-jwt-but-secret"})", ErrorCode::kInvalidArgument},
};

BOOST_DATA_TEST_CASE(a_failing_github_endpoint_keeps_its_code_and_does_not_fall_through,
                     bdata::make(kFailures), f) {
  AllSources all;
  all.sources.flag.clear();
  all.sources.env.erase("SIGSTORE_ID_TOKEN");
  auto gh = std::make_shared<FakeTransport>(
      [&](const registry::HttpRequest&) -> Result<registry::HttpResponse> {
        if (f.status == 0) {
          return UnavailableError("connection refused");
        }
        return HttpReply(f.status, f.body);
      });
  all.sources.transport = gh;
  Result<IdentityToken> t = ObtainIdentityToken(all.sources);
  BOOST_TEST(ErrorCodeName(t.status().code()) == ErrorCodeName(f.code), t.status().ToString());
  BOOST_TEST(t.status().message().find("GitHub Actions") != std::string::npos,
             t.status().message());
  ExpectNoToken(t.status(), kLeaky);
  BOOST_TEST(t.status().message().find("secret") == std::string::npos, t.status().message());
  BOOST_TEST(t.status().message().find("REQ") == std::string::npos, t.status().message());
  BOOST_TEST(all.runs.empty());  // Buildkite, next in line, was not asked
}

BOOST_AUTO_TEST_CASE(buildkite_runs_the_agent_and_keeps_its_failure) {
  std::vector<std::string> seen;
  TokenSources s;
  s.env = {{"BUILDKITE_AGENT_ACCESS_TOKEN", "agent"}, {"CIRCLE_OIDC_TOKEN", JwtFor("circle")}};
  s.run = [&](const std::vector<std::string>& argv) -> Result<std::string> {
    seen = argv;
    return JwtFor("pipeline");
  };
  Result<IdentityToken> t = ObtainIdentityToken(s);
  BOOST_REQUIRE_MESSAGE(t.ok(), t.status().ToString());
  BOOST_TEST(t->subject == "pipeline");
  BOOST_TEST(seen == (std::vector<std::string>{"buildkite-agent", "oidc", "request-token",
                                               "--audience", "sigstore"}),
             boost::test_tools::per_element());

  s.run = [](const std::vector<std::string>&) -> Result<std::string> {
    return UnavailableError("buildkite-agent failed (exit 1): agent API unreachable");
  };
  Result<IdentityToken> f = ObtainIdentityToken(s);
  BOOST_TEST(IsUnavailable(f.status()), f.status().ToString());
  BOOST_TEST(f.status().message().find("Buildkite") != std::string::npos, f.status().message());
}

BOOST_AUTO_TEST_CASE(buildkite_by_default_runs_buildkite_agent_from_path) {
  // No runner given: core/subprocess.h runs `buildkite-agent`. A stand-in on PATH would need the
  // process environment; the test environment has no buildkite-agent, so the run must fail with
  // RunSubprocess's kNotFound, named.
  TokenSources s;
  s.env = {{"BUILDKITE_AGENT_ACCESS_TOKEN", "agent"}};
  Result<IdentityToken> t = ObtainIdentityToken(s);
  BOOST_TEST(IsNotFound(t.status()), t.status().ToString());
  BOOST_TEST(t.status().message().find("Buildkite") != std::string::npos, t.status().message());
}

BOOST_AUTO_TEST_CASE(no_source_is_a_usage_error_naming_every_source) {
  TokenSources s;
  s.env = {{"ACTIONS_ID_TOKEN_REQUEST_URL", "https://gh.test/token"}, {"SIGSTORE_ID_TOKEN", ""}};
  Result<IdentityToken> t = ObtainIdentityToken(s);
  BOOST_TEST(IsInvalidArgument(t.status()), t.status().ToString());
  for (const char* name : {"--identity-token", "SIGSTORE_ID_TOKEN", "GitLab", "GitHub Actions",
                           "ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
                           "BUILDKITE_AGENT_ACCESS_TOKEN", "CIRCLE_OIDC_TOKEN_V2"}) {
    BOOST_TEST(t.status().message().find(name) != std::string::npos,
               name << " is not named: " << t.status().message());
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::sign
