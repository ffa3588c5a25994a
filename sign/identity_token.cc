#include "vouch/sign/identity_token.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <string_view>
#include <system_error>
#include <utility>

#include "core/internal/json.h"
#include "vouch/core/file.h"
#include "vouch/core/subprocess.h"

namespace vouch::sign {
namespace {

constexpr std::string_view kFlagSource = "--identity-token";
constexpr std::string_view kEnvSource = "SIGSTORE_ID_TOKEN";
constexpr std::string_view kGitHubSource = "GitHub Actions";
constexpr std::string_view kBuildkiteSource = "Buildkite";
constexpr std::string_view kCircleSource = "CircleCI";

// kBuildkiteDeadline bounds buildkite-agent: it asks the agent API over the network.
constexpr std::chrono::seconds kBuildkiteDeadline{60};

std::string_view TrimSpace(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n";
  size_t b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) {
    return {};
  }
  return s.substr(b, s.find_last_not_of(kSpace) - b + 1);
}

// Env returns the variable's value, or "" when unset (an empty variable counts as unset, as CI
// systems export names they have no value for).
std::string Env(const TokenSources& sources, const std::string& name) {
  auto it = sources.env.find(name);
  return it == sources.env.end() ? std::string() : it->second;
}

// Claims reads the payload's claims into |token|. Messages name the claim, never its value:
// the payload is part of the secret.
Status ReadClaims(const Json& payload, IdentityToken& token) {
  constexpr std::string_view kWhat = "payload";
  VOUCH_ASSIGN_OR_RETURN(token.issuer, GetString(payload, "iss", kWhat));
  VOUCH_ASSIGN_OR_RETURN(token.subject, GetString(payload, "sub", kWhat));
  VOUCH_ASSIGN_OR_RETURN(std::optional<std::string> email, OptString(payload, "email", kWhat));
  token.email = email.value_or("");
  if (const Json* v = FindField(payload, "email_verified"); v != nullptr) {
    // Some providers (AWS Cognito) send the boolean as a string.
    token.email_verified = (v->is_boolean() && v->get<bool>()) || (v->is_string() && *v == "true");
  }
  if (const Json* aud = FindField(payload, "aud");
      aud != nullptr && !aud->is_string() && !aud->is_array()) {
    return InvalidArgumentError("payload field \"aud\" must be a string or an array");
  }
  if (const Json* exp = FindField(payload, "exp"); exp != nullptr) {
    if (!exp->is_number() || !std::isfinite(exp->get<double>()) || exp->get<double>() < 0 ||
        exp->get<double>() > 1e11) {
      return InvalidArgumentError("payload field \"exp\" must be a number of seconds");
    }
    token.expiry = TimePoint(std::chrono::seconds(static_cast<int64_t>(exp->get<double>())));
  }
  return OkStatus();
}

Result<IdentityToken> Parse(SecretString raw, std::string_view source) {
  return ParseIdentityToken(std::move(raw), std::string(source));
}

// FromFlag reads --identity-token: a file when it names a regular file, else the token itself.
Result<IdentityToken> FromFlag(const std::string& flag) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(flag, ec)) {
    return Parse(SecretString(std::string(TrimSpace(flag))), kFlagSource);
  }
  Result<Bytes> content = ReadFile(flag, kMaxIdentityTokenSize);
  if (!content.ok()) {
    return content.status().WithContext(std::string(kFlagSource));
  }
  SecretString text(std::string(TrimSpace(AsChars(*content))));
  SecureWipe(content->data(), content->size());
  return Parse(std::move(text), std::string(kFlagSource) + " file " + flag);
}

// GitHubStatus maps the token endpoint's HTTP refusal to a code; the body is not quoted, since
// nothing says it cannot echo the request token.
Status GitHubStatus(int http_status) {
  std::string msg = std::string(kGitHubSource) + ": the ID token endpoint answered HTTP status " +
                    std::to_string(http_status);
  if (http_status == 401) {
    return UnauthenticatedError(msg);
  }
  if (http_status == 403) {
    return PermissionDeniedError(msg + " (does the job have `permissions: id-token: write`?)");
  }
  return UnavailableError(msg);
}

// FromGitHub asks the job's ID token endpoint for a token with the sigstore audience, as the
// actions/toolkit core.getIDToken does.
Result<IdentityToken> FromGitHub(const TokenSources& sources, const std::string& url,
                                 const std::string& request_token) {
  if (sources.transport == nullptr) {
    return InternalError(std::string(kGitHubSource) + ": no HTTP transport given");
  }
  registry::HttpRequest req;
  req.url = url + (url.find('?') == std::string::npos ? "?" : "&") +
            "audience=" + std::string(kSigstoreAudience);
  req.headers.Add("Authorization", "bearer " + request_token);
  req.headers.Add("Accept", "application/json");
  req.max_response_bytes = kMaxIdentityTokenSize;
  Result<registry::HttpResponse> resp = sources.transport->RoundTrip(req);
  if (!resp.ok()) {
    return resp.status().WithContext(std::string(kGitHubSource) + " ID token endpoint");
  }
  if (resp->status < 200 || resp->status > 299) {
    return GitHubStatus(resp->status);
  }
  Result<Json> reply = ParseJson(AsChars(resp->body), "reply");
  SecureWipe(resp->body.data(), resp->body.size());
  const Json* value = reply.ok() ? FindField(*reply, "value") : nullptr;
  if (value == nullptr || !value->is_string()) {
    return UnavailableError(std::string(kGitHubSource) +
                            ": the ID token endpoint's reply is not {\"value\": \"<token>\"}");
  }
  // Moved, not copied: no stray copy of the token is left to free unwiped.
  SecretString token(std::move((*reply)["value"].get_ref<std::string&>()));
  return Parse(std::move(token), kGitHubSource);
}

Result<std::string> RunSubprocessStdout(const std::vector<std::string>& argv) {
  SubprocessOptions options;
  options.argv = argv;
  options.max_stdout = kMaxIdentityTokenSize;
  options.deadline = kBuildkiteDeadline;
  VOUCH_ASSIGN_OR_RETURN(SubprocessResult run, RunSubprocess(options));
  if (!run.success()) {
    std::string how = run.exited() ? "exit " + std::to_string(run.exit_code)
                                   : "signal " + std::to_string(run.term_signal);
    std::string tail = StderrTail(run.stderr_data);
    return UnavailableError(argv[0] + " failed (" + how + ")" + (tail.empty() ? "" : ": " + tail));
  }
  return std::move(run.stdout_data);
}

Result<IdentityToken> FromBuildkite(const TokenSources& sources) {
  const std::vector<std::string> argv = {"buildkite-agent", "oidc", "request-token", "--audience",
                                         std::string(kSigstoreAudience)};
  Result<std::string> out = sources.run ? sources.run(argv) : RunSubprocessStdout(argv);
  if (!out.ok()) {
    return out.status().WithContext(std::string(kBuildkiteSource));
  }
  SecretString token(std::string(TrimSpace(*out)));
  SecureWipe(out->data(), out->size());
  return Parse(std::move(token), kBuildkiteSource);
}

}  // namespace

Result<IdentityToken> ParseIdentityToken(SecretString raw, std::string source) {
  const std::string what = "identity token from " + source;
  std::string_view jwt = raw.view();
  size_t dot1 = jwt.find('.');
  size_t dot2 = dot1 == std::string_view::npos ? dot1 : jwt.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || jwt.find('.', dot2 + 1) != std::string_view::npos) {
    return InvalidArgumentError(what + " is not a JWT (three dot-separated base64url parts)");
  }
  // An unsigned token (alg none) has an empty signature part; Fulcio decides whether to take it.
  Result<Bytes> header = Base64Decode(jwt.substr(0, dot1), Base64Alphabet::kUrl);
  Result<Bytes> payload = Base64Decode(jwt.substr(dot1 + 1, dot2 - dot1 - 1), Base64Alphabet::kUrl);
  if (!header.ok() || !payload.ok() || dot1 == 0) {
    return InvalidArgumentError(what + " is not a JWT (a part is not base64url)");
  }
  // ParseJson's message may quote the text it read: not repeated here.
  Result<Json> claims = ParseJson(AsChars(*payload), "payload");
  SecureWipe(payload->data(), payload->size());
  if (!claims.ok() || !claims->is_object()) {
    return InvalidArgumentError(what + ": the payload is not a JSON object");
  }
  IdentityToken token;
  VOUCH_RETURN_IF_ERROR(ReadClaims(*claims, token).WithContext(what));
  token.raw = std::move(raw);
  token.source = std::move(source);
  return token;
}

Result<IdentityToken> ObtainIdentityToken(const TokenSources& sources) {
  if (!sources.flag.empty()) {
    return FromFlag(sources.flag);
  }
  if (std::string v = Env(sources, std::string(kEnvSource)); !v.empty()) {
    return Parse(SecretString(std::string(TrimSpace(v))), kEnvSource);
  }
  std::string gh_url = Env(sources, "ACTIONS_ID_TOKEN_REQUEST_URL");
  std::string gh_token = Env(sources, "ACTIONS_ID_TOKEN_REQUEST_TOKEN");
  if (!gh_url.empty() && !gh_token.empty()) {
    return FromGitHub(sources, gh_url, gh_token);
  }
  if (!Env(sources, "BUILDKITE_AGENT_ACCESS_TOKEN").empty()) {
    return FromBuildkite(sources);
  }
  for (const char* name : {"CIRCLE_OIDC_TOKEN_V2", "CIRCLE_OIDC_TOKEN"}) {
    if (std::string v = Env(sources, name); !v.empty()) {
      return Parse(SecretString(std::string(TrimSpace(v))),
                   std::string(kCircleSource) + " " + name);
    }
  }
  return InvalidArgumentError(
      "no identity token for keyless signing: give --identity-token (a token or a file), set "
      "SIGSTORE_ID_TOKEN (GitLab CI: an `id_tokens` entry with aud: sigstore), or run in GitHub "
      "Actions with `permissions: id-token: write` (ACTIONS_ID_TOKEN_REQUEST_URL and "
      "ACTIONS_ID_TOKEN_REQUEST_TOKEN), Buildkite (BUILDKITE_AGENT_ACCESS_TOKEN) or CircleCI "
      "(CIRCLE_OIDC_TOKEN_V2 or CIRCLE_OIDC_TOKEN)");
}

}  // namespace vouch::sign
