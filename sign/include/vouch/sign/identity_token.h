// OIDC identity tokens for keyless signing: where a CI run's token comes from, in cosign's order,
// and the (unverified) claims shown to the user before signing. Fulcio verifies the token; vouch
// only reads it to say who is about to sign and to prove possession of the key for its subject.
// The token is a secret: it is never logged, printed or written anywhere.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "vouch/core/bytes.h"
#include "vouch/core/clock.h"
#include "vouch/core/status.h"
#include "vouch/registry/transport.h"

namespace vouch::sign {

// kSigstoreAudience is the audience Fulcio expects in tokens it is given.
inline constexpr std::string_view kSigstoreAudience = "sigstore";

// kMaxIdentityTokenSize caps a token read from a file, a GitHub Actions reply or buildkite-agent's
// output (an OIDC JWT is a few KiB).
inline constexpr size_t kMaxIdentityTokenSize = 64 * 1024;

// IdentityToken is a raw OIDC token (a JWT) and the claims vouch reads from it.
struct IdentityToken {
  SecretString raw;      // the JWT as given; never printed
  std::string issuer;    // `iss`
  std::string subject;   // `sub`
  std::string email;     // `email`, when present
  bool email_verified = false;
  std::optional<TimePoint> expiry;  // `exp`
  // source names where the token came from: "--identity-token", "SIGSTORE_ID_TOKEN",
  // "GitHub Actions", "Buildkite", "CircleCI", ... (for messages; never the token itself).
  std::string source;

  // ChallengeSubject is what Fulcio's proof of possession signs: the email when the token has a
  // verified one (as Fulcio derives email identities), else the subject.
  const std::string& ChallengeSubject() const {
    return !email.empty() && email_verified ? email : subject;
  }
};

// ParseIdentityToken decodes a JWT's payload (base64url JSON) without verifying its signature and
// returns the token with its claims. A value that is not three dot-separated base64url parts, or
// whose payload is not a JSON object with string `iss` and `sub`, is kInvalidArgument; messages
// never quote the token.
Result<IdentityToken> ParseIdentityToken(SecretString raw, std::string source);

// TokenSources are the places ObtainIdentityToken looks.
struct TokenSources {
  // flag is the value of --identity-token: the token itself, or the path of a file holding it
  // (an existing regular file is read; surrounding whitespace is dropped). Empty: not given.
  std::string flag;
  // env is the process environment (tests pass their own).
  std::map<std::string, std::string> env;
  // transport fetches GitHub Actions tokens; required only for that source.
  std::shared_ptr<registry::Transport> transport;
  // run executes a command and returns its standard output (Buildkite's `buildkite-agent oidc
  // request-token --audience sigstore`); null means core/subprocess.h.
  std::function<Result<std::string>(const std::vector<std::string>& argv)> run;
};

// ObtainIdentityToken returns the first token found, in cosign's order:
//   1. --identity-token (a token or a file);
//   2. SIGSTORE_ID_TOKEN (also how GitLab CI's `id_tokens` hand it over);
//   3. GitHub Actions: ACTIONS_ID_TOKEN_REQUEST_URL + ACTIONS_ID_TOKEN_REQUEST_TOKEN: GET the URL
//      with `&audience=sigstore` (or `?audience=` when it has no query) and
//      `Authorization: bearer <request token>`; the reply is {"value": "<jwt>"};
//   4. Buildkite (BUILDKITE_AGENT_ACCESS_TOKEN set): `buildkite-agent oidc request-token
//      --audience sigstore`;
//   5. CircleCI: CIRCLE_OIDC_TOKEN_V2, else CIRCLE_OIDC_TOKEN.
// With none available: kInvalidArgument (exit 2) naming every source above. A source that is
// present but fails (the GitHub endpoint refuses, buildkite-agent fails) keeps the failure's code
// (kUnavailable, kUnauthenticated...) with the source named: it does not fall through to the next.
Result<IdentityToken> ObtainIdentityToken(const TokenSources& sources);

}  // namespace vouch::sign
