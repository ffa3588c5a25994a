// `vouch attest`, `vouch verify-attestation`, `vouch inspect` and `vouch tree` against the real
// docker-registry fixture (tests/fixtures/registry.sh): both storage forms, every rejection with
// its exit code and the check it names, the auditor's listing, BuildKit attestations (listed,
// never evidence), and every form tree lists with whether verification reads it.
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "images/common.h"
#include "vouch/core/bytes.h"
#include "vouch/core/clock.h"

namespace vouch::images_test {
namespace {

using Json = nlohmann::json;

constexpr char kCommit[] = "0123456789abcdef0123456789abcdef01234567";
constexpr char kBaseDigest[] = "1111111111111111111111111111111111111111111111111111111111111111";
constexpr char kBuilder[] = "https://builder.example/b@v1";

// Provenance writes a SLSA v1 predicate that finished |age| ago and returns its path.
std::string Provenance(const Env& env, std::chrono::seconds age = std::chrono::seconds(0)) {
  auto finished = std::chrono::system_clock::now() - age;
  std::string p = R"({"buildDefinition":{"buildType":"https://builder.example/type/v1",)"
                  R"("externalParameters":{"source":{"repository":"github.com/org/repo","ref":"refs/heads/main"}},)"
                  R"("resolvedDependencies":[{"uri":"git+https://github.com/org/repo@refs/heads/main","digest":{"gitCommit":")" +
                  std::string(kCommit) +
                  R"("}},{"uri":"docker.io/library/alpine:3.19","digest":{"sha256":")" +
                  std::string(kBaseDigest) +
                  R"("}}]},"runDetails":{"builder":{"id":")" + std::string(kBuilder) +
                  R"("},"metadata":{"startedOn":")" + FormatRfc3339(finished - std::chrono::minutes(5)) +
                  R"(","finishedOn":")" + FormatRfc3339(finished) + R"("}}})";
  std::string path = env.dir.File("prov-" + std::to_string(age.count()) + ".json");
  WriteText(path, p);
  return path;
}

std::string Curl(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"curl", "-fsS"};
  argv.insert(argv.end(), args.begin(), args.end());
  RunResult r = Run(argv);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, "curl: " << r.err);
  return r.out;
}

std::string GetManifest(const std::string& repo, const std::string& tag) {
  return Curl({"-H", "Accept: application/vnd.oci.image.manifest.v1+json",
               "http://" + Reg() + "/v2/" + repo + "/manifests/" + tag});
}

void PutManifest(const Env& env, const std::string& repo, const std::string& tag,
                 const std::string& bytes,
                 const std::string& type = "application/vnd.oci.image.manifest.v1+json") {
  std::string path = env.dir.File("manifest.json");
  WriteText(path, bytes);
  Curl({"-X", "PUT", "-H", "Content-Type: " + type, "--data-binary", "@" + path,
        "http://" + Reg() + "/v2/" + repo + "/manifests/" + tag});
}

// PushBlob uploads |data| with curl (POST, then PUT with the digest) and returns its digest.
std::string PushBlob(const Env& env, const std::string& repo, const std::string& data) {
  std::string digest = Digest::Of(AsBytes(data)).ToString();
  std::string headers = Curl({"-X", "POST", "-D", "-", "-o", "/dev/null",
                              "http://" + Reg() + "/v2/" + repo + "/blobs/uploads/"});
  size_t at = headers.find("Location: ");
  if (at == std::string::npos) {
    at = headers.find("location: ");
  }
  BOOST_REQUIRE(at != std::string::npos);
  std::string location = headers.substr(at + 10, headers.find('\r', at) - at - 10);
  if (location.rfind("http", 0) != 0) {
    location = "http://" + Reg() + location;
  }
  std::string path = env.dir.File("blob.bin");
  WriteText(path, data);
  Curl({"-X", "PUT", "-H", "Content-Type: application/octet-stream", "--data-binary", "@" + path,
        location + (location.find('?') == std::string::npos ? "?" : "&") + "digest=" + digest});
  return digest;
}

std::string AttTag(const std::string& digest) { return "sha256-" + digest.substr(7) + ".att"; }

BOOST_AUTO_TEST_SUITE(ImageAttestations)

BOOST_AUTO_TEST_CASE(RoundTripBothForms) {
  Env env;
  std::string key = env.Key("k1");
  std::string prov = Provenance(env);
  for (std::string format : {"bundle", "legacy"}) {
    std::string img = env.Image("single", RepoName("att-roundtrip-" + format));
    RunResult a = env.MustVouch({"attest", img, "--key", key, "--predicate", prov, "--type",
                                 "slsaprovenance", "--format", format});
    BOOST_TEST(a.out.find(format == "bundle" ? "-> referrer sha256:" : "-> tag " + AttTag(Known("single"))) !=
                   std::string::npos,
               a.out);
    RunResult v = env.Vouch({"verify-attestation", img, "--key", env.Pub("k1"), "--type",
                             "slsaprovenance", "--builder-id", "https://builder.example/b",
                             "--source-uri", "github.com/org/repo", "--source-ref", "main",
                             "--max-age", "1h"});
    BOOST_TEST(v.exit_code == 0, format << ": " << v.out << v.err);
    BOOST_TEST(v.out.find("Verified " + format) != std::string::npos, v.out);
    BOOST_TEST(v.out.find("https://slsa.dev/provenance/v1") != std::string::npos, v.out);
    // A signature is not an attestation, and the image signature stays verifiable alone.
    RunResult none = env.Vouch({"verify", img, "--key", env.Pub("k1")});
    BOOST_TEST(none.exit_code == 1, none.out << none.err);
  }
}

BOOST_AUTO_TEST_CASE(RejectionsNameTheFailedCheck) {
  Env env;
  std::string key = env.Key("k1");
  env.Key("other");
  std::string img = env.Image("single", RepoName("att-reject"));
  env.MustVouch({"attest", img, "--key", key, "--predicate", Provenance(env), "--type",
                 "slsaprovenance", "--format", "legacy"});
  env.MustVouch({"attest", img, "--key", key, "--predicate", Provenance(env), "--type",
                 "slsaprovenance"});
  auto verify = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {"verify-attestation", img, "--key", env.Pub("k1")};
    args.insert(args.end(), extra.begin(), extra.end());
    return env.Vouch(args);
  };
  // Attestations of another type are not the kind asked for: no rejection is printed for them.
  RunResult t = verify({"--type", "https://example.com/other/v1"});
  BOOST_TEST(t.exit_code == 1, t.err);
  BOOST_TEST(t.err.find("no attestation of type https://example.com/other/v1 found for " +
                        Known("single")) != std::string::npos,
             t.err);
  BOOST_TEST(t.out.find("Rejected") == std::string::npos, t.out);
  BOOST_TEST(t.err.find("predicate type") == std::string::npos, t.err);
  RunResult b = verify({"--type", "slsaprovenance", "--builder-id", "https://evil.example/b"});
  BOOST_TEST(b.exit_code == 1, b.err);
  BOOST_TEST(Count(b.err, ": builder id \"" + std::string(kBuilder) + "\"") == 2u, b.err);
  RunResult s = verify({"--type", "slsaprovenance", "--source-uri", "github.com/org/other"});
  BOOST_TEST(s.exit_code == 1, s.err);
  BOOST_TEST(s.err.find(": source ") != std::string::npos, s.err);
  RunResult k = env.Vouch({"verify-attestation", img, "--key", env.Pub("other"), "--type",
                           "slsaprovenance"});
  BOOST_TEST(k.exit_code == 1, k.err);
  BOOST_TEST(k.err.find("signature") != std::string::npos, k.err);

  std::string stale = env.Image("single", RepoName("att-stale"));
  env.MustVouch({"attest", stale, "--key", key, "--predicate",
                 Provenance(env, std::chrono::hours(1)), "--type", "slsaprovenance"});
  RunResult o = env.Vouch({"verify-attestation", stale, "--key", env.Pub("k1"), "--type",
                           "slsaprovenance", "--max-age", "1s"});
  BOOST_TEST(o.exit_code == 1, o.err);
  BOOST_TEST(o.err.find("attestation is older than") != std::string::npos, o.err);

  std::string bare = env.Image("single", RepoName("att-none"));
  RunResult n = env.Vouch({"verify-attestation", bare, "--key", env.Pub("k1"), "--type",
                           "slsaprovenance"});
  BOOST_TEST(n.exit_code == 1, n.err);
  BOOST_TEST(n.err.find("no attestation of type https://slsa.dev/provenance/v1 found for " +
                        Known("single")) != std::string::npos,
             n.err);
}

// The tag moved to another image and the old `.att` manifest was copied next to it: the
// statement is about the old digest.
BOOST_AUTO_TEST_CASE(AttestationForAnotherDigest) {
  Env env;
  std::string key = env.Key("k1");
  std::string img = env.Image("single", RepoName("att-moved"));
  env.MustVouch({"attest", img, "--key", key, "--predicate", Provenance(env), "--type",
                 "slsaprovenance", "--format", "legacy"});
  env.Image("multi", RepoName("att-moved"));  // same tag, now the index
  std::string repo = RepoOf(img);
  PutManifest(env, repo, AttTag(Known("multi")), GetManifest(repo, AttTag(Known("single"))));
  RunResult v = env.Vouch({"verify-attestation", img, "--key", env.Pub("k1"), "--type",
                           "slsaprovenance"});
  BOOST_TEST(v.exit_code == 1, v.err);
  BOOST_TEST(v.err.find("subject: no subject of the statement has digest " + Known("multi")) !=
                 std::string::npos,
             v.err);
}

// The envelope blob of a legacy attestation is replaced with one whose payload was edited.
BOOST_AUTO_TEST_CASE(TamperedLegacyPayload) {
  Env env;
  std::string key = env.Key("k1");
  std::string img = env.Image("single", RepoName("att-tamper"));
  env.MustVouch({"attest", img, "--key", key, "--predicate", Provenance(env), "--type",
                 "slsaprovenance", "--format", "legacy"});
  std::string repo = RepoOf(img);
  std::string tag = AttTag(Known("single"));
  std::string manifest = GetManifest(repo, tag);
  // The layer is the last descriptor with the DSSE media type; find its digest.
  size_t layer = manifest.find("application/vnd.dsse.envelope.v1+json");
  BOOST_REQUIRE(layer != std::string::npos);
  size_t d = manifest.find("sha256:", manifest.find("\"digest\"", layer));
  std::string old_digest = manifest.substr(d, 71);
  std::string envelope = Curl({"http://" + Reg() + "/v2/" + repo + "/blobs/" + old_digest});
  size_t p = envelope.find("\"payload\":\"") + 11;
  std::string b64 = envelope.substr(p, envelope.find('"', p) - p);
  auto payload = Base64Decode(b64);
  BOOST_REQUIRE(payload.ok());
  std::string text(AsChars(*payload));
  text.replace(text.find("builder.example/b@v1"), 20, "builder.example/x@v1");
  std::string forged = envelope.substr(0, p) + Base64Encode(AsBytes(text)) +
                       envelope.substr(envelope.find('"', p));
  std::string new_digest = PushBlob(env, repo, forged);
  std::string edited = manifest;
  edited.replace(edited.find(old_digest), old_digest.size(), new_digest);
  std::string old_size = "\"size\":" + std::to_string(envelope.size());
  if (edited.find(old_size) != std::string::npos) {
    edited.replace(edited.find(old_size), old_size.size(),
                   "\"size\":" + std::to_string(forged.size()));
  }
  PutManifest(env, repo, tag, edited);
  RunResult v = env.Vouch({"verify-attestation", img, "--key", env.Pub("k1"), "--type",
                           "slsaprovenance"});
  BOOST_TEST(v.exit_code == 1, v.err);
  BOOST_TEST(v.err.find("signature does not verify") != std::string::npos, v.err);
}

BOOST_AUTO_TEST_CASE(LookupFailureIsNotNoAttestation) {
  Env env;
  env.Key("k1");
  RunResult v = env.Vouch({"verify-attestation", "127.0.0.1:1/nothing:v1", "--key",
                           env.Pub("k1"), "--type", "slsaprovenance"});
  BOOST_TEST(v.exit_code == 3, v.err);
  BOOST_TEST(v.err.find("no attestation") == std::string::npos, v.err);
  RunResult i = env.Vouch({"inspect", "127.0.0.1:1/nothing:v1"});
  BOOST_TEST(i.exit_code == 3, i.err);
}

BOOST_AUTO_TEST_CASE(InspectListsSignatureAndProvenance) {
  Env env;
  std::string key = env.Key("k1");
  std::string img = env.Image("single", RepoName("att-inspect"));
  env.MustVouch({"sign", img, "--key", key});
  env.MustVouch({"attest", img, "--key", key, "--predicate", Provenance(env), "--type",
                 "slsaprovenance", "--format", "legacy"});
  RunResult r = env.Vouch({"inspect", img, "--key", env.Pub("k1"), "--output", "json"});
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(Count(r.out, "\"kind\": \"signature\"") == 1u, r.out);
  BOOST_TEST(Count(r.out, "\"kind\": \"attestation\"") == 1u, r.out);
  BOOST_TEST(Count(r.out, "\"verified\": true") == 2u, r.out);
  BOOST_TEST(r.out.find("\"builderId\": \"" + std::string(kBuilder) + "\"") != std::string::npos, r.out);
  size_t src = r.out.find("\"sourceUri\": \"");
  BOOST_TEST((src != std::string::npos &&
              r.out.substr(src, r.out.find('\n', src) - src).find("github.com/org/repo") !=
                  std::string::npos),
             r.out);
  BOOST_TEST(r.out.find(kCommit) != std::string::npos, r.out);
  BOOST_TEST(r.out.find("docker.io/library/alpine:3.19@sha256:" + std::string(kBaseDigest)) !=
                 std::string::npos,
             r.out);
  // Without keys nothing is verified, but everything is listed.
  RunResult u = env.Vouch({"inspect", img, "--output", "json"});
  BOOST_TEST(u.exit_code == 0, u.err);
  BOOST_TEST(Count(u.out, "\"verified\": null") == 2u, u.out);
}

// inspect names a signer by the key id vouch prints everywhere, with and without --key (the
// bundle's hint names it unverified), and walks the platform manifests of an index.
BOOST_AUTO_TEST_CASE(InspectNamesSignersAlikeAndWalksPlatforms) {
  Env env;
  std::string key = env.Key("k1");
  RunResult info = env.MustVouch({"key", "info", "--key", env.Pub("k1"), "--output", "json"});
  const std::string key_id = Json::parse(info.out)["keyId"];
  std::string img = env.Image("multi", RepoName("att-inspect-multi"));
  env.MustVouch({"sign", img, "--key", key, "--recursive"});
  RunResult with = env.Vouch({"inspect", img, "--key", env.Pub("k1"), "--output", "json"});
  BOOST_TEST(with.exit_code == 0, with.err);
  RunResult without = env.Vouch({"inspect", img, "--output", "json"});
  BOOST_TEST(without.exit_code == 0, without.err);
  for (const RunResult* r : {&with, &without}) {
    Json j = Json::parse(r->out);
    // The index and each of its two platforms carry one signature.
    BOOST_TEST(j["manifests"].size() == 3u, r->out);
    BOOST_TEST(j["objects"].size() == 3u, r->out);
    for (const Json& o : j["objects"]) {
      BOOST_TEST(o["signer"] == key_id, o.dump());
    }
    BOOST_TEST(r->out.find("\"platform\": \"linux/arm64/v8\"") != std::string::npos, r->out);
  }
  BOOST_TEST(Count(with.out, "\"verified\": true") == 3u, with.out);
  BOOST_TEST(Count(without.out, "\"verified\": null") == 3u, without.out);
  RunResult text = env.Vouch({"inspect", img});
  BOOST_TEST(text.out.find("signer: " + key_id + "  (claimed, not verified)") != std::string::npos,
             text.out);
  BOOST_TEST(text.out.find("linux/arm64/v8 " + Known("arm64")) != std::string::npos, text.out);
}

// A BuildKit provenance (pushed by skopeo from the fixture layout, as buildx writes it) is the
// image's only provenance: inspect lists it, unsigned, with what it says; a policy requiring
// provenance rejects the image without ever fetching it; verify-attestation finds nothing.
BOOST_AUTO_TEST_CASE(BuildKitProvenanceIsListedNeverEvidence) {
  Env env;
  env.Key("k1");
  std::string img = env.Image("buildkit", RepoName("att-buildkit"));
  const std::string attestation = Known("buildkit-attestation");
  for (bool with_key : {true, false}) {
    std::vector<std::string> args = {"inspect", img, "--output", "json"};
    if (with_key) {
      args.insert(args.end(), {"--key", env.Pub("k1")});
    }
    RunResult r = env.Vouch(args);
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    Json j = Json::parse(r.out);
    BOOST_REQUIRE_EQUAL(j["objects"].size(), 1u);
    const Json& o = j["objects"][0];
    BOOST_TEST(o["format"] == "buildkit");
    BOOST_TEST(o["kind"] == "attestation");
    BOOST_TEST(o["location"] == "attestation manifest " + attestation + " layer 0");
    BOOST_TEST(o["manifest"] == Known("single"));
    BOOST_TEST(o["signer"] == "none (unsigned)");
    BOOST_TEST(o["verified"] == (with_key ? Json(false) : Json(nullptr)), o.dump());
    BOOST_TEST(o["predicateType"] == "https://slsa.dev/provenance/v0.2");
    BOOST_TEST(o["provenance"]["builderId"] == "https://github.com/docker/buildx@v0.12.1");
  }
  std::string policy = env.dir.File("policy.json");
  WriteText(policy, R"({"version": 1,
    "authorities": {"ci": {"key": {"path": ")" + env.Pub("k1") + R"("}}},
    "policies": [{"name": "p", "scope": ")" + Reg() + R"(/**", "mode": "enforce",
                  "attestations": [{"type": "slsaprovenance", "authorities": ["ci"]}],
                  "platforms": "all"}]})");
  size_t before = LogSize();
  RunResult v = env.Vouch({"verify", "--policy", policy, img});
  BOOST_TEST(v.exit_code == 1, v.out << v.err);
  BOOST_TEST((v.out + v.err).find("no verified slsaprovenance attestation") != std::string::npos,
             v.out << v.err);
  const std::vector<std::string> requests = RequestsSince(before);
  BOOST_TEST(!requests.empty());
  for (const std::string& req : requests) {
    BOOST_TEST(req.find(attestation) == std::string::npos, req);
  }
  RunResult a =
      env.Vouch({"verify-attestation", img, "--key", env.Pub("k1"), "--type", "slsaprovenance02"});
  BOOST_TEST(a.exit_code == 1, a.out << a.err);
  BOOST_TEST(a.err.find("no attestation of type https://slsa.dev/provenance/v0.2 found") !=
                 std::string::npos,
             a.err);
}

// PushNotationSignature attaches a Notation-typed referrer (formats.md 8) to |subject| in |repo|
// by hand, as notation does on a registry without the referrers API: the manifest by digest,
// then an entry in the subject's fallback index.
void PushNotationSignature(const Env& env, const std::string& repo, const std::string& subject) {
  const std::string subject_bytes = GetManifest(repo, subject);
  const std::string envelope = R"({"payload":"","protected":"","signature":""})";
  const std::string jws = PushBlob(env, repo, envelope);
  PushBlob(env, repo, "{}");
  const std::string manifest =
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
      R"("artifactType":"application/vnd.cncf.notary.signature",)"
      R"("config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},)"
      R"("layers":[{"mediaType":"application/jose+json","digest":")" + jws + R"(","size":)" +
      std::to_string(envelope.size()) +
      R"(}],"subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" +
      subject + R"(","size":)" + std::to_string(subject_bytes.size()) + "}}";
  const std::string digest = Digest::Of(AsBytes(manifest)).ToString();
  PutManifest(env, repo, digest, manifest);
  PutManifest(env, repo, "sha256-" + subject.substr(7),
              R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",)"
              R"("manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
              R"("digest":")" + digest + R"(","size":)" + std::to_string(manifest.size()) +
                  R"(,"artifactType":"application/vnd.cncf.notary.signature"}]})",
              "application/vnd.oci.image.index.v1+json");
}

// Every form on one image, each on the manifest it belongs to: the index has a bundle signature
// and a legacy `.att`; its linux/amd64 image a legacy `.sig`, a Notation signature and a
// BuildKit provenance. tree lists each, in text and JSON, with whether verification reads it.
BOOST_AUTO_TEST_CASE(TreeListsEveryFormWithWhatVerificationReads) {
  Env env;
  std::string key = env.Key("k1");
  std::string img = env.Image("buildkit", RepoName("tree-forms"));
  const std::string repo = RepoOf(img);
  const std::string image = Known("single");  // the index's linux/amd64 image
  env.MustVouch({"sign", img, "--key", key});
  env.MustVouch({"attest", img, "--key", key, "--predicate", Provenance(env), "--type",
                 "slsaprovenance", "--format", "legacy"});
  env.MustVouch({"sign", Reg() + "/" + repo + "@" + image, "--key", key, "--format", "legacy"});
  PushNotationSignature(env, repo, image);

  RunResult r = env.MustVouch({"tree", img, "--output", "json"});
  Json j = Json::parse(r.out);
  BOOST_REQUIRE_EQUAL(j["manifests"].size(), 2u);
  BOOST_TEST(j["manifests"][0]["digest"] == Known("buildkit"));
  BOOST_TEST(j["manifests"][1]["digest"] == image);
  BOOST_TEST(j["manifests"][1]["platform"] == "linux/amd64");
  auto forms = [](const Json& attachments) {
    std::string out;
    for (const Json& a : attachments) {
      out += a["format"].get<std::string>() + " " + a["kind"].get<std::string>() +
             (a["read"] == true ? " read" : " not-read") +
             (a["signed"] == false ? " unsigned" : "") + ";";
    }
    return out;
  };
  BOOST_TEST(forms(j["manifests"][0]["attachments"]) ==
                 "sigstore-bundle signature read;cosign-tag attestation read;",
             r.out);
  BOOST_TEST(forms(j["manifests"][1]["attachments"]) ==
                 "notation signature read;cosign-tag signature read;"
                 "buildkit attestation not-read unsigned;",
             r.out);
  BOOST_TEST(j["manifests"][1]["attachments"][2]["describes"] == image);
  BOOST_TEST(j["legacyTags"] == Json::array({AttTag(Known("buildkit"))}));

  RunResult t = env.MustVouch({"tree", img});
  BOOST_TEST(t.out.find("`-- linux/amd64 " + image) != std::string::npos, t.out);
  BOOST_TEST(t.out.find("[notation signature, read]") != std::string::npos, t.out);
  BOOST_TEST(t.out.find(Known("buildkit-attestation") +
                        " (1 layer: https://slsa.dev/provenance/v0.2)  [buildkit attestation, "
                        "unsigned, not read: listed by vouch inspect, never evidence]") !=
                 std::string::npos,
             t.out);
  // What tree says is read is what verification reads: the Notation referrer changes nothing.
  RunResult v = env.Vouch({"verify", img, "--key", env.Pub("k1"), "--all-platforms"});
  BOOST_TEST(v.exit_code == 0, v.out << v.err);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::images_test
