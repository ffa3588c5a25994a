// attest-blob, verify-blob-attestation and provenance through the vouch binary: round trips,
// every rejection with exit 1 naming the failed check, usage errors with exit 2, and provenance
// generated from GitHub Actions and GitLab CI environments. No network: the registry-backed
// cases live in registry_test.cc.
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "core/internal/json.h"
#include "testutil/testutil.h"
#include "vouch/core/clock.h"
#include "vouch/core/digest.h"

namespace vouch {
namespace {

namespace bdata = boost::unit_test::data;
using testing::ReadText;
using testing::RunOptions;
using testing::RunResult;
using testing::TempDir;
using testing::WriteText;

const std::string kCommit = "4d329c75e7ec1725f7c9ce917a8799d408d06be3";
const std::string kBuilder = "https://builder.test/workflows/release.yml";
// A v1 predicate built in 2020: anything with --max-age is stale.
const std::string kPredicate =
    R"({"buildDefinition":{"buildType":"https://bt.test/v1","externalParameters":{}, )"
    R"("resolvedDependencies":[{"uri":"git+https://github.com/org/repo@refs/heads/main",)"
    R"("digest":{"gitCommit":")" +
    kCommit +
    R"("}}]},"runDetails":{"builder":{"id":"https://builder.test/workflows/release.yml@v1"},)"
    R"("metadata":{"finishedOn":"2020-01-01T00:00:00Z"}}})";

// The CI variables a test must never inherit from the machine running it.
const std::vector<std::string> kCiVars = {"GITHUB_ACTIONS", "GITLAB_CI"};

RunResult Vouch(const std::vector<std::string>& args, RunOptions options = {}) {
  options.unset_env.insert(options.unset_env.end(), kCiVars.begin(), kCiVars.end());
  return testing::Vouch(args, options);
}

void MakeKey(const std::string& priv, const std::string& pub) {
  RunResult g = testing::Run({"openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                              "ec_paramgen_curve:P-256", "-out", priv});
  BOOST_REQUIRE_MESSAGE(g.exit_code == 0, g.err);
  RunResult p = testing::Run({"openssl", "pkey", "-in", priv, "-pubout", "-out", pub});
  BOOST_REQUIRE_MESSAGE(p.exit_code == 0, p.err);
}

// Env is one test's files: a key pair, another key, an artifact, a predicate and its bundle.
struct Env {
  TempDir dir;
  std::string key = dir.File("key.pem");
  std::string pub = dir.File("key.pub");
  std::string other_pub = dir.File("other.pub");
  std::string artifact = dir.File("app.tar");
  std::string other = dir.File("other.tar");
  std::string predicate = dir.File("predicate.json");
  std::string bundle = dir.File("app.sigstore.json");

  Env() {
    MakeKey(key, pub);
    MakeKey(dir.File("other.pem"), other_pub);
    WriteText(artifact, "the artifact\n");
    WriteText(other, "another artifact\n");
    WriteText(predicate, kPredicate);
  }
  RunResult Attest(const std::string& type = "slsaprovenance") {
    return Vouch({"attest-blob", artifact, "--key", key, "--predicate", predicate, "--type", type,
                  "--bundle", bundle});
  }
  std::vector<std::string> VerifyArgs(const std::string& file) const {
    return {"verify-blob-attestation", file, "--bundle", bundle, "--key", pub, "--type",
            "slsaprovenance"};
  }
};

std::string FileDigest(const std::string& path) {
  return Digest::Of(AsBytes(ReadText(path))).ToString();
}

BOOST_AUTO_TEST_SUITE(attest_blob)

BOOST_AUTO_TEST_CASE(round_trip) {
  Env env;
  RunResult a = env.Attest();
  BOOST_REQUIRE_MESSAGE(a.exit_code == 0, a.err);
  BOOST_TEST(a.err.find("Attested " + env.artifact + " (" + FileDigest(env.artifact) + ")") !=
             std::string::npos);
  Json bundle = *ParseJson(ReadText(env.bundle), "bundle");
  BOOST_TEST(bundle["mediaType"] == "application/vnd.dev.sigstore.bundle.v0.3+json");
  std::string hint = bundle["verificationMaterial"]["publicKey"]["hint"];
  BOOST_TEST(!hint.empty());
  BOOST_TEST(bundle["dsseEnvelope"]["payloadType"] == "application/vnd.in-toto+json");
  BOOST_REQUIRE(bundle["dsseEnvelope"]["signatures"].size() == 1u);
  BOOST_TEST(bundle["dsseEnvelope"]["signatures"][0]["keyid"] == hint);

  RunResult v = Vouch(env.VerifyArgs(env.artifact));
  BOOST_REQUIRE_MESSAGE(v.exit_code == 0, v.err);
  BOOST_TEST(v.out.find("Verified OK\npredicate type: https://slsa.dev/provenance/v1\n") == 0u,
             v.out);
  BOOST_TEST(v.out.find("subject: app.tar sha256:" + FileDigest(env.artifact).substr(7)) !=
             std::string::npos);

  std::vector<std::string> args = env.VerifyArgs(env.artifact);
  args.insert(args.end(), {"--output", "json"});
  RunResult j = Vouch(args);
  BOOST_REQUIRE_MESSAGE(j.exit_code == 0, j.err);
  Json st = *ParseJson(j.out, "statement");
  BOOST_TEST(st["_type"] == "https://in-toto.io/Statement/v1");
  BOOST_TEST(st["subject"][0]["name"] == "app.tar");
  BOOST_TEST("sha256:" + st["subject"][0]["digest"]["sha256"].get<std::string>() ==
             FileDigest(env.artifact));
  BOOST_TEST(st["predicate"] == *ParseJson(kPredicate, "predicate"));
}

BOOST_AUTO_TEST_CASE(slsa_checks_pass) {
  Env env;
  BOOST_REQUIRE(env.Attest().exit_code == 0);
  for (const std::vector<std::string>& extra :
       std::vector<std::vector<std::string>>{{"--builder-id", kBuilder},
                                             {"--builder-id", kBuilder + "@v1"},
                                             {"--source-uri", "github.com/org/repo"},
                                             {"--source-uri", "git+https://github.com/org/repo"},
                                             {"--source-ref", "main"},
                                             {"--source-ref", "refs/heads/main"}}) {
    std::vector<std::string> args = env.VerifyArgs(env.artifact);
    args.insert(args.end(), extra.begin(), extra.end());
    RunResult v = Vouch(args);
    BOOST_TEST(v.exit_code == 0, extra[0] << " " << extra[1] << ": " << v.err);
  }
}

BOOST_AUTO_TEST_CASE(digest_form) {
  Env env;
  BOOST_REQUIRE(env.Attest().exit_code == 0);
  RunResult v = Vouch({"verify-blob-attestation", "--digest", FileDigest(env.artifact), "--bundle",
                       env.bundle, "--key", env.pub, "--type", "https://slsa.dev/provenance/v1"});
  BOOST_TEST(v.exit_code == 0, v.err);
  RunResult w = Vouch({"verify-blob-attestation", "--digest", FileDigest(env.other), "--bundle",
                       env.bundle, "--key", env.pub, "--type", "slsaprovenance"});
  BOOST_TEST(w.exit_code == 1);
  BOOST_TEST(w.err.find("verification failed: no subject") != std::string::npos, w.err);
  RunResult bad = Vouch({"verify-blob-attestation", "--digest", "sha256:zz", "--bundle", env.bundle,
                         "--key", env.pub, "--type", "slsaprovenance"});
  BOOST_TEST(bad.exit_code == 2, bad.err);
}

// Tamper flips one base64 character inside the DSSE payload.
void Tamper(const std::string& bundle_path) {
  std::string b = ReadText(bundle_path);
  size_t at = b.find("\"payload\":\"");
  BOOST_REQUIRE(at != std::string::npos);
  at += 11 + 40;
  b[at] = b[at] == 'A' ? 'B' : 'A';
  WriteText(bundle_path, b);
}

struct Rejection {
  std::string name;
  std::vector<std::string> extra;  // appended to the verify command
  std::string mentions;            // the failed check, in the error message
};
std::ostream& operator<<(std::ostream& os, const Rejection& r) { return os << r.name; }

const Rejection kRejections[] = {
    {"wrong predicate type",
     {"--type", "slsaprovenance02"},
     "verification failed: predicate type \"https://slsa.dev/provenance/v1\" is not the expected "
     "\"https://slsa.dev/provenance/v0.2\""},
    {"another file", {"@other"}, "verification failed: no subject of the statement"},
    {"tampered payload", {"@tamper"}, "signature does not verify"},
    {"wrong key",
     {"@other-key"},
     "verification failed: the DSSE signature does not verify"},
    {"wrong builder",
     {"--builder-id", "https://builder.test/workflows/other.yml"},
     "verification failed: builder id \"https://builder.test/workflows/release.yml@v1\" does not "
     "match"},
    {"wrong builder version",
     {"--builder-id", kBuilder + "@v2"},
     "verification failed: builder id"},
    {"wrong source",
     {"--source-uri", "github.com/org/repoA"},
     "verification failed: source \"git+https://github.com/org/repo\" does not match the expected "
     "\"github.com/org/repoA\""},
    {"wrong ref",
     {"--source-ref", "refs/tags/v1.2.3"},
     "verification failed: ref \"refs/heads/main\" does not match the expected "
     "\"refs/tags/v1.2.3\""},
    {"stale",
     {"--max-age", "1d"},
     "verification failed: attestation is older than 1d: the build finished at "
     "2020-01-01T00:00:00Z"},
};

BOOST_DATA_TEST_CASE(rejections_exit_1, bdata::make(kRejections), r) {
  Env env;
  BOOST_REQUIRE(env.Attest().exit_code == 0);
  std::vector<std::string> args = env.VerifyArgs(env.artifact);
  for (const std::string& e : r.extra) {
    if (e == "@other") {
      args[1] = env.other;
    } else if (e == "@tamper") {
      Tamper(env.bundle);
    } else if (e == "@other-key") {
      args[5] = env.other_pub;
    } else {
      args.push_back(e);
    }
  }
  RunResult v = Vouch(args);
  BOOST_TEST(v.exit_code == 1, v.err);
  BOOST_TEST(v.err.find(r.mentions) != std::string::npos, v.err);
  BOOST_TEST(v.out.empty());
}

BOOST_AUTO_TEST_CASE(statement_form) {
  Env env;
  std::string statement = env.dir.File("statement.json");
  std::string hex = FileDigest(env.artifact).substr(7);
  WriteText(statement, R"({"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"x",)"
                       R"("digest":{"sha256":")" +
                           hex +
                           R"("}}],"predicateType":"https://example.test/custom",)"
                           R"("predicate":{"ok":true}})");
  RunResult a = Vouch({"attest-blob", env.artifact, "--key", env.key, "--statement", statement,
                       "--bundle", env.bundle});
  BOOST_REQUIRE_MESSAGE(a.exit_code == 0, a.err);
  RunResult v = Vouch({"verify-blob-attestation", env.artifact, "--bundle", env.bundle, "--key",
                       env.pub, "--type", "https://example.test/custom", "--output", "json"});
  BOOST_REQUIRE_MESSAGE(v.exit_code == 0, v.err);
  BOOST_TEST(v.out == ReadText(statement) + "\n");  // signed exactly as given
  // SLSA checks do not apply to a custom predicate: usage error.
  RunResult s = Vouch({"verify-blob-attestation", env.artifact, "--bundle", env.bundle, "--key",
                       env.pub, "--type", "https://example.test/custom", "--builder-id", "x"});
  BOOST_TEST(s.exit_code == 2, s.err);
  // A statement about another file is refused before signing.
  RunResult m = Vouch({"attest-blob", env.other, "--key", env.key, "--statement", statement,
                       "--bundle", env.dir.File("no.json")});
  BOOST_TEST(m.exit_code == 2);
  BOOST_TEST(m.err.find("has no subject with the digest of") != std::string::npos, m.err);
  BOOST_TEST(!PathExists(env.dir.File("no.json")));
}

// Signing refuses what verification would refuse: an invalid SLSA provenance predicate is the
// parser's usage error (exit 2) and no bundle is written; a valid one still signs.
struct InvalidPredicate {
  std::string name;
  std::string type;
  std::string predicate;
  std::string mentions;  // the parser's reason
};
std::ostream& operator<<(std::ostream& os, const InvalidPredicate& c) { return os << c.name; }

const InvalidPredicate kInvalidPredicates[] = {
    {"v1 without buildType",
     "slsaprovenance",
     R"({"buildDefinition":{"externalParameters":{}},"runDetails":{"builder":{"id":"b"}}})",
     "buildDefinition.buildType is required"},
    {"v1 builder id not a string",
     "slsaprovenance1",
     R"({"buildDefinition":{"buildType":"t","externalParameters":{}},)"
     R"("runDetails":{"builder":{"id":7}}})",
     "id must be a string"},
    {"v1 without runDetails",
     "https://slsa.dev/provenance/v1",
     R"({"buildDefinition":{"buildType":"t","externalParameters":{}}})",
     "runDetails is required"},
    {"v0.2 without builder id",
     "slsaprovenance02",
     R"({"buildType":"t","builder":{}})",
     "builder.id"},
};

BOOST_DATA_TEST_CASE(invalid_slsa_predicate_is_refused_before_signing,
                     bdata::make(kInvalidPredicates), c) {
  Env env;
  WriteText(env.predicate, c.predicate);
  RunResult a = env.Attest(c.type);
  BOOST_TEST(a.exit_code == 2, a.err);
  BOOST_TEST(a.err.find("predicate " + env.predicate) != std::string::npos, a.err);
  BOOST_TEST(a.err.find(c.mentions) != std::string::npos, a.err);
  BOOST_TEST(!PathExists(env.bundle));

  // The same predicate inside a --statement is refused the same way.
  std::string statement = env.dir.File("statement.json");
  const std::string type_uri = c.type == "slsaprovenance02" ? "https://slsa.dev/provenance/v0.2"
                                                            : "https://slsa.dev/provenance/v1";
  WriteText(statement, R"({"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"x",)"
                       R"("digest":{"sha256":")" +
                           FileDigest(env.artifact).substr(7) + R"("}}],"predicateType":")" +
                           type_uri + R"(","predicate":)" + c.predicate + "}");
  RunResult s = Vouch({"attest-blob", env.artifact, "--key", env.key, "--statement", statement,
                       "--bundle", env.bundle});
  BOOST_TEST(s.exit_code == 2, s.err);
  BOOST_TEST(s.err.find("statement " + statement) != std::string::npos, s.err);
  BOOST_TEST(s.err.find(c.mentions) != std::string::npos, s.err);
  BOOST_TEST(!PathExists(env.bundle));

  // A valid predicate of the same type still signs.
  WriteText(env.predicate, c.type == "slsaprovenance02"
                               ? std::string(R"({"buildType":"t","builder":{"id":"b"}})")
                               : kPredicate);
  RunResult ok = env.Attest(c.type);
  BOOST_TEST(ok.exit_code == 0, ok.err);
  BOOST_TEST(PathExists(env.bundle));
}

struct UsageCase {
  std::string name;
  std::vector<std::string> args;  // @A artifact, @K key, @P pub, @R predicate, @B bundle
  int exit_code;
  std::string mentions;
};
std::ostream& operator<<(std::ostream& os, const UsageCase& c) { return os << c.name; }

const UsageCase kUsage[] = {
    {"attest: no type",
     {"attest-blob", "@A", "--key", "@K", "--predicate", "@R", "--bundle", "@B"},
     2,
     "needs --type"},
    {"attest: unknown short type",
     {"attest-blob", "@A", "--key", "@K", "--predicate", "@R", "--type", "nope", "--bundle", "@B"},
     2,
     "--type"},
    {"attest: predicate not an object",
     {"attest-blob", "@A", "--key", "@K", "--predicate", "@ARRAY", "--type", "custom", "--bundle",
      "@B"},
     2,
     "predicate"},
    {"attest: no bundle",
     {"attest-blob", "@A", "--key", "@K", "--predicate", "@R", "--type", "vsa"},
     2,
     "needs --bundle"},
    {"attest: missing artifact",
     {"attest-blob", "@MISSING", "--key", "@K", "--predicate", "@R", "--type", "custom", "--bundle",
      "@B"},
     3,
     "missing"},
    {"verify: no type",
     {"verify-blob-attestation", "@A", "--key", "@P", "--bundle", "@B"},
     2,
     "needs --type"},
    {"verify: bad max age",
     {"verify-blob-attestation", "@A", "--key", "@P", "--bundle", "@B", "--type", "slsaprovenance",
      "--max-age", "soon"},
     2,
     "max age"},
    {"verify: file and digest",
     {"verify-blob-attestation", "@A", "--digest", "sha256:00", "--key", "@P", "--bundle", "@B",
      "--type", "slsaprovenance"},
     2,
     "not both"},
    {"verify: malformed bundle",
     {"verify-blob-attestation", "@A", "--key", "@P", "--bundle", "@R", "--type", "slsaprovenance"},
     1,
     "bundle is malformed"},
};

BOOST_DATA_TEST_CASE(usage_and_io_errors, bdata::make(kUsage), c) {
  Env env;
  BOOST_REQUIRE(env.Attest().exit_code == 0);
  WriteText(env.dir.File("array.json"), "[1,2]");
  std::vector<std::string> args;
  for (const std::string& a : c.args) {
    args.push_back(a == "@A"         ? env.artifact
                   : a == "@K"       ? env.key
                   : a == "@P"       ? env.pub
                   : a == "@R"       ? env.predicate
                   : a == "@B"       ? env.bundle
                   : a == "@ARRAY"   ? env.dir.File("array.json")
                   : a == "@MISSING" ? env.dir.File("missing")
                                     : a);
  }
  RunResult r = Vouch(args);
  BOOST_TEST(r.exit_code == c.exit_code, r.err);
  BOOST_TEST(r.err.find(c.mentions) != std::string::npos, r.err);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(provenance)

const std::vector<std::string> kFlags = {
    "--builder-id", "https://builder.test/b",      "--build-type",    "https://bt.test/v1",
    "--source-uri", "https://github.com/org/repo", "--source-digest", "sha1:" + kCommit};

struct MissingFlag {
  std::string flag;
};
std::ostream& operator<<(std::ostream& os, const MissingFlag& c) { return os << c.flag; }
const MissingFlag kMissingFlags[] = {
    {"--builder-id"}, {"--build-type"}, {"--source-uri"}, {"--source-digest"}};

BOOST_DATA_TEST_CASE(missing_flag_outside_ci_is_usage_error, bdata::make(kMissingFlags), c) {
  std::vector<std::string> args = {"provenance"};
  for (size_t i = 0; i < kFlags.size(); i += 2) {
    if (kFlags[i] != c.flag) {
      args.insert(args.end(), {kFlags[i], kFlags[i + 1]});
    }
  }
  RunResult r = Vouch(args);
  BOOST_TEST(r.exit_code == 2, r.err);
  BOOST_TEST(
      r.err.find(c.flag + " is required outside GitHub Actions and GitLab CI") != std::string::npos,
      r.err);
}

BOOST_AUTO_TEST_CASE(flags_outside_ci) {
  TempDir dir;
  std::string out = dir.File("prov.json");
  std::vector<std::string> args = {"provenance"};
  args.insert(args.end(), kFlags.begin(), kFlags.end());
  args.insert(args.end(), {"--source-ref", "refs/heads/main", "--output-file", out});
  RunResult r = Vouch(args);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  Json p = *ParseJson(ReadText(out), "provenance");
  BOOST_TEST(p["buildDefinition"]["buildType"] == "https://bt.test/v1");
  BOOST_TEST(p["runDetails"]["builder"]["id"] == "https://builder.test/b");
  BOOST_TEST(p["buildDefinition"]["externalParameters"] ==
             *ParseJson(R"({"source":{"repository":"https://github.com/org/repo",)"
                        R"("ref":"refs/heads/main"}})",
                        "x"));
  BOOST_TEST(p["buildDefinition"]["resolvedDependencies"] ==
             *ParseJson(R"([{"uri":"git+https://github.com/org/repo@refs/heads/main",)"
                        R"("digest":{"gitCommit":")" +
                            kCommit + R"("}}])",
                        "x"));
  BOOST_TEST(ParseRfc3339(p["runDetails"]["metadata"]["finishedOn"].get<std::string>()).ok());
  // Key order is fixed: buildDefinition first, then runDetails.
  std::string text = ReadText(out);
  BOOST_TEST(text.find("{\"buildDefinition\":{\"buildType\":") == 0u, text);
  // A malformed source digest is a usage error too.
  args[8] = "sha1:abc";
  RunResult bad = Vouch(args);
  BOOST_TEST(bad.exit_code == 2);
  BOOST_TEST(bad.err.find("sha1 needs 40 lowercase hex digits") != std::string::npos, bad.err);
}

BOOST_AUTO_TEST_CASE(github_actions_environment) {
  TempDir dir;
  std::string file = dir.File("app.bin");
  WriteText(file, "binary");
  RunOptions o;
  o.env = {{"GITHUB_ACTIONS", "true"},
           {"GITHUB_SERVER_URL", "https://github.com"},
           {"GITHUB_REPOSITORY", "octo/app"},
           {"GITHUB_SHA", kCommit},
           {"GITHUB_REF", "refs/tags/v1.0.0"},
           {"GITHUB_WORKFLOW_REF", "octo/app/.github/workflows/rel.yml@refs/tags/v1.0.0"},
           {"GITHUB_RUN_ID", "99"},
           {"GITHUB_RUN_ATTEMPT", "1"},
           {"GITHUB_EVENT_NAME", "push"},
           {"RUNNER_ENVIRONMENT", "github-hosted"}};
  o.unset_env = {"GITLAB_CI", "GITHUB_REPOSITORY_ID", "GITHUB_REPOSITORY_OWNER_ID"};
  RunResult r = testing::Vouch({"provenance", "--subject", file, "--statement"}, o);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  Json st = *ParseJson(r.out, "statement");
  BOOST_TEST(st["predicateType"] == "https://slsa.dev/provenance/v1");
  BOOST_TEST(st["subject"][0]["name"] == "app.bin");
  BOOST_TEST("sha256:" + st["subject"][0]["digest"]["sha256"].get<std::string>() ==
             FileDigest(file));
  const Json& p = st["predicate"];
  BOOST_TEST(p["buildDefinition"]["buildType"] ==
             "https://actions.github.io/buildtypes/workflow/v1");
  BOOST_TEST(p["runDetails"]["builder"]["id"] == "https://github.com/actions/runner/github-hosted");
  BOOST_TEST(p["buildDefinition"]["externalParameters"]["workflow"] ==
             *ParseJson(R"({"ref":"refs/tags/v1.0.0","repository":"https://github.com/octo/app",)"
                        R"("path":".github/workflows/rel.yml"})",
                        "x"));
  BOOST_TEST(p["buildDefinition"]["internalParameters"]["github"]["event_name"] == "push");
  BOOST_TEST(p["buildDefinition"]["resolvedDependencies"][0]["uri"] ==
             "git+https://github.com/octo/app@refs/tags/v1.0.0");
  BOOST_TEST(p["buildDefinition"]["resolvedDependencies"][0]["digest"]["gitCommit"] == kCommit);
  BOOST_TEST(p["runDetails"]["metadata"]["invocationId"] ==
             "https://github.com/octo/app/actions/runs/99/attempts/1");

  // Explicit flags override the environment.
  RunResult o2 = testing::Vouch(
      {"provenance", "--builder-id", "https://builder.test/x", "--source-ref", "refs/heads/hotfix"},
      o);
  BOOST_REQUIRE_MESSAGE(o2.exit_code == 0, o2.err);
  Json p2 = *ParseJson(o2.out, "predicate");
  BOOST_TEST(p2["runDetails"]["builder"]["id"] == "https://builder.test/x");
  BOOST_TEST(p2["buildDefinition"]["resolvedDependencies"][0]["uri"] ==
             "git+https://github.com/octo/app@refs/heads/hotfix");

  // A variable the mapping needs is named when missing.
  o.unset_env.push_back("GITHUB_SHA");
  o.env.erase("GITHUB_SHA");
  RunResult m = testing::Vouch({"provenance"}, o);
  BOOST_TEST(m.exit_code == 2);
  BOOST_TEST(m.err.find("GITHUB_SHA is not set") != std::string::npos, m.err);
}

BOOST_AUTO_TEST_CASE(gitlab_ci_environment) {
  RunOptions o;
  o.env = {{"GITLAB_CI", "true"},
           {"CI_SERVER_URL", "https://gitlab.example"},
           {"CI_PROJECT_URL", "https://gitlab.example/grp/app"},
           {"CI_COMMIT_SHA", kCommit},
           {"CI_COMMIT_REF_NAME", "main"},
           {"CI_JOB_NAME", "build"},
           {"CI_JOB_ID", "5"},
           {"CI_JOB_URL", "https://gitlab.example/grp/app/-/jobs/5"},
           {"CI_RUNNER_ID", "3"},
           {"CI_JOB_STARTED_AT", "2026-02-03T04:05:06Z"}};
  o.unset_env = {"GITHUB_ACTIONS", "CI_COMMIT_TAG", "CI_CONFIG_PATH"};
  RunResult r = testing::Vouch({"provenance"}, o);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  Json p = *ParseJson(r.out, "predicate");
  BOOST_TEST(p["buildDefinition"]["buildType"] == "https://vouch.example/buildtypes/gitlab-ci/v1");
  BOOST_TEST(p["runDetails"]["builder"]["id"] == "https://gitlab.example/grp/app/-/runners/3");
  BOOST_TEST(p["buildDefinition"]["externalParameters"] ==
             *ParseJson(R"({"workflow":{"ref":"refs/heads/main",)"
                        R"("repository":"https://gitlab.example/grp/app","path":".gitlab-ci.yml"},)"
                        R"("job":"build"})",
                        "x"));
  BOOST_TEST(p["buildDefinition"]["resolvedDependencies"][0]["uri"] ==
             "git+https://gitlab.example/grp/app@refs/heads/main");
  BOOST_TEST(p["runDetails"]["metadata"]["invocationId"] ==
             "https://gitlab.example/grp/app/-/jobs/5");
  BOOST_TEST(p["runDetails"]["metadata"]["startedOn"] == "2026-02-03T04:05:06Z");
}

// Generated provenance goes through attest-blob and verifies with the typed checks.
BOOST_AUTO_TEST_CASE(generated_provenance_attests_and_verifies) {
  Env env;
  std::vector<std::string> args = {"provenance"};
  args.insert(args.end(), kFlags.begin(), kFlags.end());
  args.insert(args.end(), {"--source-ref", "refs/heads/main", "--output-file", env.predicate});
  BOOST_REQUIRE(Vouch(args).exit_code == 0);
  BOOST_REQUIRE(env.Attest().exit_code == 0);
  std::vector<std::string> v = env.VerifyArgs(env.artifact);
  v.insert(v.end(), {"--builder-id", "https://builder.test/b", "--source-uri",
                     "github.com/org/repo", "--source-ref", "main", "--max-age", "1d"});
  RunResult r = Vouch(v);
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(r.out.find("builder id: https://builder.test/b\n") != std::string::npos, r.out);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch
