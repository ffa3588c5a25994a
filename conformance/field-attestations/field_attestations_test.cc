// What producers publish every day, verified offline through the CLI: GitHub artifact
// attestations (public-good and GitHub's own Sigstore instance, the immutable-release
// attestation, `gh attestation download` JSONL files, `gh attestation trusted-root` JSONL roots)
// and npm package provenance and publish attestations (sha512 subjects, the registry keyring with
// validity windows). ${VOUCH_VECTORS}/github-attestations/README.md and
// npm-provenance/README.md give the cases and how their verdicts were established (every one
// cross-checked with @sigstore/verify 4.1.3).
//
// Every case runs through `vouch verify-bundle` and `vouch verify-blob-attestation` (its statement's
// predicate type), by path when the case has the artifact and always by digest. A pass case must
// exit 0, a fail case 1; only the "no key supplied" cases, which give vouch nothing to trust,
// end in a usage error (2). Mapping of the cases' policies: `san` -> --certificate-identity,
// `issuer` -> --certificate-oidc-issuer (absent: any issuer, --certificate-oidc-issuer-regexp .*,
// as the release attestation has no issuer extension), `tlog_threshold` -> --tlog-threshold,
// `ctlog_threshold` -> --ctlog-threshold; `timestamp_threshold` 1 means "one verified time
// source" (a log's integrated time or an RFC 3161 time), which vouch always requires for a
// certificate, so it is not passed as --timestamp-threshold (which counts RFC 3161 authorities).
#define BOOST_TEST_MODULE vouch_conformance_field_attestations
#include <boost/test/unit_test.hpp>

#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/internal/json.h"
#include "testutil/testutil.h"
#include "vouch/core/digest.h"

namespace vouch {
namespace {

using testing::ReadText;
using testing::RunResult;
using testing::TempDir;
using testing::VectorsDir;
using testing::Vouch;
using testing::WriteText;

std::string Str(const Json& c, const char* field) {
  const Json* v = FindField(c, field);
  return v != nullptr && v->is_string() ? v->get<std::string>() : std::string();
}

std::string Line(const std::string& text, size_t n) {
  size_t start = 0;
  for (size_t i = 0; i < n; ++i) {
    start = text.find('\n', start) + 1;
  }
  return text.substr(start, text.find('\n', start) - start);
}

// Statement reads the (unverified) DSSE statement of a bundle: which predicate type to ask
// verify-blob-attestation for, and which digest algorithm its subjects use.
Json Statement(const std::string& bundle_json) {
  Result<Json> b = ParseJson(bundle_json, "bundle");
  BOOST_REQUIRE(b.ok());
  const Json* env = FindField(*b, "dsseEnvelope");
  BOOST_REQUIRE(env != nullptr);
  Result<Bytes> payload = Base64Decode(Str(*env, "payload"), Base64Alphabet::kEither);
  BOOST_REQUIRE(payload.ok());
  // A tampered payload need not be JSON; the verdict is the verifier's, not this reader's.
  Result<Json> st = ParseJson(AsChars(*payload), "statement");
  return st.ok() ? *st : Json::object();
}

// FileDigest names |path| in the algorithm the statement's subjects use.
std::string FileDigest(const std::string& path, const Json& statement) {
  HashAlgorithm alg = HashAlgorithm::kSha256;
  const Json* subjects = FindField(statement, "subject");
  for (const Json& s : subjects != nullptr && subjects->is_array() ? *subjects : Json::array()) {
    const Json* digest = FindField(s, "digest");
    if (digest != nullptr && digest->contains("sha512") && !digest->contains("sha256")) {
      alg = HashAlgorithm::kSha512;
    }
  }
  return Digest::Of(AsBytes(ReadText(path)), alg).ToString();
}

// Case is one verification to run, in the form both commands share.
struct Case {
  std::string id;
  bool pass = false;
  bool usage_error_ok = false;  // nothing to trust was given
  std::string bundle;           // file
  std::vector<std::string> trust;
  std::string artifact;  // file, or ""
  std::string digest;    // always set
  std::string predicate_type;
};

struct Counts {
  size_t runs = 0, pass_ok = 0, fail_ok = 0, mismatches = 0;
};

void RunOne(const Case& c, const std::vector<std::string>& target_args, bool blob_attestation,
            Counts& n) {
  std::vector<std::string> args;
  if (blob_attestation) {
    args = {"verify-blob-attestation", "--bundle", c.bundle, "--type", c.predicate_type};
  } else {
    args = {"verify-bundle", "--bundle", c.bundle};
  }
  args.insert(args.end(), c.trust.begin(), c.trust.end());
  args.insert(args.end(), target_args.begin(), target_args.end());
  RunResult r = Vouch(args);
  ++n.runs;
  const bool ok = c.pass ? r.exit_code == 0
                         : (r.exit_code == 1 || (c.usage_error_ok && r.exit_code == 2));
  (c.pass ? n.pass_ok : n.fail_ok) += ok;
  n.mismatches += !ok;
  // --log_level=message shows why each case was rejected, to audit the reasons.
  BOOST_TEST_MESSAGE(c.id << " " << args[0] << " -> " << r.exit_code << " " << r.err);
  BOOST_CHECK_MESSAGE(ok, c.id << " (" << args[0] << " " << target_args.back()
                               << "): expected " << (c.pass ? "pass" : "fail") << ", exit "
                               << r.exit_code << ": " << r.err);
}

void RunCase(const Case& c, Counts& n) {
  for (bool blob : {false, true}) {
    if (!c.artifact.empty()) {
      RunOne(c, {c.artifact}, blob, n);
    }
    RunOne(c, blob ? std::vector<std::string>{"--digest", c.digest}
                   : std::vector<std::string>{c.digest},
           blob, n);
  }
}

// Policy maps a case's policy to flags (see the header comment).
std::vector<std::string> Policy(const Json& p) {
  std::vector<std::string> out;
  if (!Str(p, "san").empty()) {
    out = {"--certificate-identity", Str(p, "san")};
    if (!Str(p, "issuer").empty()) {
      out.insert(out.end(), {"--certificate-oidc-issuer", Str(p, "issuer")});
    } else {
      out.insert(out.end(), {"--certificate-oidc-issuer-regexp", ".*"});
    }
  }
  for (auto [field, flag] : {std::pair{"tlog_threshold", "--tlog-threshold"},
                             std::pair{"ctlog_threshold", "--ctlog-threshold"}}) {
    if (p.contains(field)) {
      out.insert(out.end(), {flag, std::to_string(p[field].get<int>())});
    }
  }
  return out;
}

void Report(const std::string& name, size_t cases, const Counts& n) {
  std::cout << name << ": " << cases << " cases, " << n.runs << " invocations: " << n.pass_ok
            << " pass as expected, " << n.fail_ok << " fail as expected, " << n.mismatches
            << " mismatches\n";
  BOOST_CHECK_EQUAL(n.mismatches, 0u);
}

// Cases reads |field| of |dir|/cases.json and checks it holds the README's |count| cases.
Json Cases(const std::string& dir, const char* field, size_t count) {
  Result<Json> doc = ParseJson(ReadText(dir + "/cases.json"), "cases.json");
  BOOST_REQUIRE_MESSAGE(doc.ok(), doc.status().ToString());
  const Json* cases = FindField(*doc, field);
  BOOST_REQUIRE(cases != nullptr && cases->is_array());
  BOOST_REQUIRE_EQUAL(cases->size(), count);
  return *cases;
}

BOOST_AUTO_TEST_CASE(github_attestations) {
  const std::string base = VectorsDir() + "/github-attestations";
  const Json cases = Cases(base, "bundle_cases", 29);  // README: 17 pass / 12 fail
  TempDir dir;
  Counts n;
  size_t i = 0;
  for (const Json& j : cases) {
    Case c;
    c.id = Str(j, "id");
    c.pass = Str(j, "expected") == "pass";
    const std::string bundle_file = base + "/" + Str(j, "bundle");
    std::string bundle_json = ReadText(bundle_file);
    c.bundle = bundle_file;
    if (j.contains("jsonl_line")) {
      bundle_json = Line(bundle_json, j["jsonl_line"].get<size_t>());
      c.bundle = dir.File("bundle-" + std::to_string(i) + ".json");
      WriteText(c.bundle, bundle_json);
    }
    std::string root = base + "/" + Str(j, "trusted_root");
    if (j.contains("trusted_root_jsonl_line")) {
      const std::string line = Line(ReadText(root), j["trusted_root_jsonl_line"].get<size_t>());
      root = dir.File("root-" + std::to_string(i) + ".json");
      WriteText(root, line);
    }
    c.trust = Policy(j["policy"]);
    if (c.trust.empty() || c.trust[0] != "--certificate-identity") {
      // No identity given (the malformed bundles): any identity, so the bundle itself decides.
      c.trust.insert(c.trust.begin(), {"--certificate-identity-regexp", ".*",
                                       "--certificate-oidc-issuer-regexp", ".*"});
    }
    c.trust.insert(c.trust.end(), {"--trusted-root", root});
    Result<Json> parsed = ParseJson(bundle_json, "bundle");
    const bool dsse = parsed.ok() && FindField(*parsed, "dsseEnvelope") != nullptr;
    const Json statement = dsse ? Statement(bundle_json) : Json::object();
    c.predicate_type = Str(statement, "predicateType");
    if (c.predicate_type.empty()) {
      c.predicate_type = "https://slsa.dev/provenance/v1";
    }
    if (!Str(j, "artifact").empty()) {
      c.artifact = base + "/" + Str(j, "artifact");
      c.digest = FileDigest(c.artifact, statement);
    } else {
      c.digest = Str(j, "artifact_digest");
    }
    if (c.digest.empty()) {
      c.digest = "sha256:" + std::string(64, '0');  // the invalid-signature case names none
    }
    RunCase(c, n);
    ++i;
  }
  Report("github-attestations", cases.size(), n);
}

// GhPolicy maps the effective checks of a `gh attestation verify` flag set to vouch's keyless
// flags: SAN exact or regexp, issuer, and SourceRepositoryURI https://github.com/O/R as
// --certificate-github-workflow-repository O/R (extension .1.5 holds the same `repository`
// claim). gh's --owner (extension .1.16) has no cosign flag; it is dropped, and a case only
// that check can reject is reported as not expressible rather than run.
std::optional<std::vector<std::string>> GhPolicy(const Json& checks) {
  std::vector<std::string> out;
  if (!Str(checks, "san_exact").empty()) {
    out = {"--certificate-identity", Str(checks, "san_exact")};
  } else if (!Str(checks, "san_regex").empty()) {
    out = {"--certificate-identity-regexp", Str(checks, "san_regex")};
  } else {
    return std::nullopt;  // gh refuses the flags before matching (unknown host)
  }
  out.insert(out.end(), {"--certificate-oidc-issuer", Str(checks, "issuer")});
  const std::string repo = Str(checks, "source_repository_uri");
  const std::string prefix = "https://github.com/";
  if (!repo.empty()) {
    BOOST_REQUIRE(repo.rfind(prefix, 0) == 0);
    out.insert(out.end(),
               {"--certificate-github-workflow-repository", repo.substr(prefix.size())});
  }
  return out;
}

BOOST_AUTO_TEST_CASE(github_cli_policies) {
  const std::string base = VectorsDir() + "/github-attestations";
  const Json cases = Cases(base, "gh_policy_cases", 19);
  // The one case whose verdict rests on --owner alone.
  const std::set<std::string> owner_only = {"gh-wrong-owner"};
  Counts n;
  size_t not_expressible = 0;
  for (const Json& j : cases) {
    Case c;
    c.id = Str(j, "id");
    c.pass = Str(j, "expected") == "pass";
    std::optional<std::vector<std::string>> flags = GhPolicy(j["effective_checks"]);
    if (owner_only.count(c.id) != 0) {
      ++not_expressible;
      continue;
    }
    if (!flags) {
      // gh rejects the flag set itself; vouch's nearest reading is the SAN regexp gh documents
      // for a hostname of github.com, which must reject too.
      BOOST_REQUIRE(!c.pass);
      flags = {{"--certificate-identity-regexp", "^https://github.com/foo/bar/",
                "--certificate-oidc-issuer", "https://token.actions.githubusercontent.com"}};
    }
    c.bundle = base + "/" + Str(j, "bundle");
    c.artifact = base + "/" + Str(j, "artifact");
    c.digest = FileDigest(c.artifact, Statement(ReadText(c.bundle)));
    c.predicate_type = Str(Statement(ReadText(c.bundle)), "predicateType");
    c.trust = *flags;
    c.trust.insert(c.trust.end(),
                   {"--trusted-root", base + "/cli-cli/pkg/cmd/attestation/test/data/trusted_root.json"});
    RunCase(c, n);
  }
  std::cout << "github-attestations gh policies: " << not_expressible
            << " not expressible with cosign's flags (--owner)\n";
  Report("github-attestations gh policies", cases.size() - not_expressible, n);
}

// Expect runs vouch and checks the exit code and that stderr names |reason|.
void Expect(const std::vector<std::string>& args, int code, const std::string& reason = "") {
  RunResult r = Vouch(args);
  BOOST_CHECK_MESSAGE(r.exit_code == code && r.err.find(reason) != std::string::npos,
                      args[0] << " " << args[2] << ": exit " << r.exit_code << " (want " << code
                              << ", \"" << reason << "\"): " << r.err);
}

// Thresholds default from the trusted root: GitHub's instance lists no log and no CT log, so its
// bundles verify without flags; the same bundles against a root that lists a log (or a CT log)
// must not, as sigstore-go's and gh's verifiers decide.
BOOST_AUTO_TEST_CASE(github_instance_thresholds_follow_the_root) {
  const std::string base = VectorsDir() + "/github-attestations/automata-slsa-sigstore-verifier";
  const std::string roots = ReadText(base + "/samples/trusted_root.jsonl");
  Result<Json> public_good = ParseJson(Line(roots, 0), "root 0");
  Result<Json> github = ParseJson(Line(roots, 1), "root 1");
  BOOST_REQUIRE(public_good.ok() && github.ok());
  BOOST_REQUIRE(FindField(*github, "tlogs") == nullptr || (*github)["tlogs"].empty());
  TempDir dir;
  auto root_file = [&](const char* name, const Json& root) {
    std::string path = dir.File(name);
    WriteText(path, DumpJson(root));
    return path;
  };
  const std::vector<std::string> identity = {
      "--certificate-identity",
      "https://github.com/actions/attest-build-provenance/.github/workflows/prober.yml@refs/heads/"
      "main",
      "--certificate-oidc-issuer", "https://token.actions.githubusercontent.com"};
  auto args = [&](const std::string& bundle, const std::string& digest, const std::string& root) {
    std::vector<std::string> a = {"verify-bundle", "--bundle", bundle};
    a.insert(a.end(), identity.begin(), identity.end());
    a.insert(a.end(), {"--trusted-root", root, digest});
    return a;
  };
  const std::string ghinst =
      base + "/samples/actions-attest-build-provenance-attestation-13531551.sigstore.json";
  const std::string ghinst_digest =
      "sha256:b03d18ed0a16864ef2d2e559c660159a2170b9d086a1f42f570b1679326b90e6";
  const std::string pg =
      base + "/samples/actions-attest-build-provenance-attestation-13532655.sigstore.json";
  const std::string pg_digest =
      "sha256:bb030cb9e028ff6d4051f2103b3b08f7e3928aa80a7d3626cef6e2553dc714b8";

  Expect(args(ghinst, ghinst_digest, root_file("github.json", *github)), 0);
  // Every root of `gh attestation trusted-root`'s JSONL: each bundle finds its instance.
  Expect(args(ghinst, ghinst_digest, base + "/samples/trusted_root.jsonl"), 0);
  Expect(args(pg, pg_digest, base + "/samples/trusted_root.jsonl"), 0);

  Json with_log = *github;
  with_log["tlogs"] = (*public_good)["tlogs"];
  Expect(args(ghinst, ghinst_digest, root_file("github-with-log.json", with_log)), 1,
         "0 distinct transparency log(s), 1 required");
  Json with_ct = *github;
  with_ct["ctlogs"] = (*public_good)["ctlogs"];
  Expect(args(ghinst, ghinst_digest, root_file("github-with-ct.json", with_ct)), 1, "SCT");
}

// A `gh attestation download` file holds one bundle per line; it verifies when any line does,
// and a rejection names every line's reason.
BOOST_AUTO_TEST_CASE(jsonl_bundle_files) {
  const std::string data = VectorsDir() + "/github-attestations/cli-cli/pkg/cmd/attestation/test/data";
  const std::string root = data + "/trusted_root.json";
  const std::string tgz = data + "/sigstore-js-2.1.0.tgz";
  const std::vector<std::string> sigstore_js = {
      "--certificate-identity",
      "https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main",
      "--certificate-oidc-issuer", "https://token.actions.githubusercontent.com",
      "--trusted-root", root};
  for (const char* command : {"verify-bundle", "verify-blob-attestation"}) {
    std::vector<std::string> a = {command, "--bundle",
                                  data + "/sigstore-js-2.1.0_with_2_bundles.jsonl"};
    a.insert(a.end(), sigstore_js.begin(), sigstore_js.end());
    if (std::string(command) == "verify-blob-attestation") {
      a.insert(a.end(), {"--type", "https://slsa.dev/provenance/v1"});
    }
    a.push_back(tgz);
    Expect(a, 0);
  }
  TempDir dir;
  const std::string demo = data + "/github_provenance_demo-0.0.12-py3-none-any";
  const std::string broken = ReadText(demo + "-bundle-missing-cert.jsonl") + "\n" +
                             ReadText(demo + "-bundle-missing-verification-material.jsonl");
  const std::string mixed = dir.File("mixed.jsonl");
  WriteText(mixed, broken + "\n" + ReadText(demo + "-bundle.jsonl"));
  const std::string bad = dir.File("bad.jsonl");
  WriteText(bad, broken);
  const std::vector<std::string> demo_identity = {
      "--certificate-identity-regexp", "^https://github.com/",
      "--certificate-oidc-issuer", "https://token.actions.githubusercontent.com",
      "--trusted-root",
      VectorsDir() + "/github-attestations/automata-slsa-sigstore-verifier/samples/"
                     "trusted_root.jsonl",
      demo + ".whl"};
  std::vector<std::string> a = {"verify-bundle", "--bundle", mixed};
  a.insert(a.end(), demo_identity.begin(), demo_identity.end());
  Expect(a, 0);
  a[2] = bad;
  Expect(a, 1, "bundle 1: bundle is malformed");
}

BOOST_AUTO_TEST_CASE(npm_provenance) {
  const std::string base = VectorsDir() + "/npm-provenance";
  const Json cases = Cases(base, "cases", 18);  // README: 8 pass / 10 fail
  TempDir dir;
  Counts n;
  size_t i = 0;
  for (const Json& j : cases) {
    Case c;
    c.id = Str(j, "id");
    c.pass = Str(j, "expected") == "pass";
    Result<Json> file = ParseJson(ReadText(base + "/" + Str(j, "bundle")), "bundle");
    BOOST_REQUIRE(file.ok());
    // A registry response ({"attestations": [{predicateType, bundle}]}) or a bundle.
    Json bundle = j.contains("attestations_index")
                      ? (*file)["attestations"][j["attestations_index"].get<size_t>()]["bundle"]
                      : *file;
    const std::string bundle_json = DumpJson(bundle);
    c.bundle = dir.File("bundle-" + std::to_string(i) + ".json");
    WriteText(c.bundle, bundle_json);
    c.trust = Policy(j["policy"]);
    if (!Str(j, "npm_keys").empty()) {
      c.trust.insert(c.trust.end(), {"--keyring", base + "/" + Str(j, "npm_keys"), "--key-usage",
                                     Str(j, "key_usage")});
    } else if (!Str(j, "public_key_pem").empty()) {
      c.trust.insert(c.trust.end(), {"--key", base + "/" + Str(j, "public_key_pem")});
    }
    c.usage_error_ok = Str(j, "npm_keys").empty() && Str(j, "public_key_pem").empty() &&
                       Str(j["policy"], "san").empty();
    c.trust.insert(c.trust.end(), {"--trusted-root", base + "/" + Str(j, "trusted_root")});
    c.predicate_type = Str(Statement(bundle_json), "predicateType");
    c.digest = Str(j, "artifact_digest");
    RunCase(c, n);
    ++i;
  }
  Report("npm-provenance", cases.size(), n);
}

}  // namespace
}  // namespace vouch
