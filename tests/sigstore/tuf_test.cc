// The TUF client (tuf/): canonical JSON, signature thresholds on the pinned Sigstore roots, and
// the update workflow against an in-memory repository behind a fake Transport (fault injection:
// HTTP errors, caps, rollback, tampered files). The same checks against a real repository that
// tuf-js's models produce run on loopback in tests/keyless/tuf_test.cc.
#include "vouch/tuf/tuf.h"

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "canonical_json.h"
#include "core/internal/json.h"
#include "metadata.h"
#include "testutil/fake_clock.h"
#include "testutil/testutil.h"
#include "vouch/core/digest.h"
#include "vouch/core/file.h"
#include "vouch/keys/keys.h"

namespace vouch::tuf {
namespace {

namespace bdata = boost::unit_test::data;

BOOST_AUTO_TEST_SUITE(tuf_client)

// --- canonical JSON ---------------------------------------------------------------------------

struct CanonicalCase {
  const char* input;
  const char* canonical;
};
std::ostream& operator<<(std::ostream& os, const CanonicalCase& c) { return os << c.input; }

const CanonicalCase kCanonical[] = {
    {R"({ "b": 1, "a": [true, null, false] })", R"({"a":[true,null,false],"b":1})"},
    {R"({"z": {"y": 2, "x": -3}, "A": "s"})", R"({"A":"s","z":{"x":-3,"y":2}})"},
    // Only '\' and '"' are escaped; a control character and non-ASCII are written raw.
    {R"({"k": "a\"b\\c\nd\u00e9"})", "{\"k\":\"a\\\"b\\\\c\nd\xc3\xa9\"}"},
    {R"({"": 0, "a": [], "b": {}})", R"({"":0,"a":[],"b":{}})"},
    {R"([18446744073709551615, -9223372036854775808])",
     R"([18446744073709551615,-9223372036854775808])"},
    // Keys sort by code point: upper case before lower, "é" (U+00E9) after "z".
    {R"({"é": 1, "z": 2, "Z": 3})", "{\"Z\":3,\"z\":2,\"\xc3\xa9\":1}"},
};

BOOST_DATA_TEST_CASE(canonical_json_matches_securesystemslib, bdata::make(kCanonical), c) {
  Result<Json> j = ParseJson(c.input, "test");
  BOOST_REQUIRE(j.ok());
  Result<std::string> out = internal::CanonicalJson(*j);
  BOOST_REQUIRE_MESSAGE(out.ok(), out.status().ToString());
  BOOST_TEST(*out == c.canonical);
}

BOOST_AUTO_TEST_CASE(canonical_json_refuses_floats) {
  Result<Json> j = ParseJson(R"({"a": 1.5})", "test");
  BOOST_REQUIRE(j.ok());
  BOOST_TEST(IsInvalidArgument(internal::CanonicalJson(*j).status()));
}

// --- the pinned Sigstore roots ----------------------------------------------------------------

Bytes VectorFile(const std::string& which) {
  return ToBytes(
      testing::ReadText(testing::VectorsDir() + "/sigstore-trust-roots/" + which + "/root.json"));
}

// Both embedded roots are the pinned vectors' roots, and each is signed by its own root keys
// (ECDSA P-256 over canonical JSON): the check the client starts every update with.
BOOST_DATA_TEST_CASE(embedded_roots_verify_under_their_own_keys,
                     bdata::make({std::string(kPublicGoodUrl), std::string(kStagingUrl)}) ^
                         bdata::make({std::string("production"), std::string("staging")}),
                     url, which) {
  std::optional<std::string_view> embedded = EmbeddedRoot(url + "/");
  BOOST_REQUIRE(embedded.has_value());
  BOOST_TEST(ToBytes(*embedded) == VectorFile(which));
  Result<internal::Metadata> root = internal::ParseMetadata(AsBytes(*embedded), "root");
  BOOST_REQUIRE_MESSAGE(root.ok(), root.status().ToString());
  BOOST_TEST(root->consistent_snapshot);
  Status st = internal::VerifyRole(*root, "root", *root);
  BOOST_TEST(st.ok(), st.ToString());
}

BOOST_AUTO_TEST_CASE(no_embedded_root_for_other_urls) {
  BOOST_TEST(!EmbeddedRoot("https://tuf.example.com").has_value());
}

// A root one signature short of its threshold (3 of 5) is refused, as is one whose signed part
// changed after signing, and one whose signatures repeat a single key.
BOOST_AUTO_TEST_CASE(production_root_mutations_are_refused) {
  Result<Json> doc = ParseJson(AsChars(VectorFile("production")), "root");
  BOOST_REQUIRE(doc.ok());

  Json few = *doc;
  auto verify = [](const Json& j) {
    Result<internal::Metadata> md = internal::ParseMetadata(AsBytes(DumpJson(j)), "root");
    BOOST_REQUIRE(md.ok());
    return internal::VerifyRole(*md, "root", *md);
  };
  few["signatures"] = Json::array({(*doc)["signatures"][0], (*doc)["signatures"][1]});
  Status st = verify(few);
  BOOST_TEST(IsVerificationFailed(st));
  BOOST_TEST(st.message().find("2 of the 3 required signatures") != std::string::npos,
             st.message());

  Json changed = *doc;
  changed["signed"]["version"] = 16;
  st = verify(changed);
  BOOST_TEST(IsVerificationFailed(st));
  BOOST_TEST(st.message().find("0 of the 3") != std::string::npos, st.message());

  Json repeated = *doc;
  repeated["signatures"] =
      Json::array({(*doc)["signatures"][0], (*doc)["signatures"][0], (*doc)["signatures"][0]});
  st = verify(repeated);
  BOOST_TEST(st.message().find("1 of the 3") != std::string::npos, st.message());
}

BOOST_AUTO_TEST_CASE(malformed_metadata_is_a_rejection) {
  for (const char* text : {"not json", R"({"signed": {"_type": "timestamp"}})",
                           R"({"signed": {"_type": "root", "spec_version": "2.0.0"}})"}) {
    Status st = internal::ParseMetadata(AsBytes(std::string_view(text)), "root").status();
    BOOST_TEST(IsVerificationFailed(st), text << ": " << st.ToString());
  }
}

BOOST_AUTO_TEST_CASE(cache_folder_is_the_escaped_url) {
  BOOST_TEST(RepositoryCacheDir("/c", "https://tuf-repo-cdn.sigstore.dev/") ==
             "/c/https%3A%2F%2Ftuf-repo-cdn.sigstore.dev");
  BOOST_TEST(RepositoryCacheDir("/c", "http://127.0.0.1:8080/a b") ==
             "/c/http%3A%2F%2F127.0.0.1%3A8080%2Fa%20b");
}

// --- the workflow over a fake Transport -------------------------------------------------------

using testing::FixedClock;

// FakeRepo serves |files| (paths under the repository URL) and counts the requests.
class FakeRepo final : public registry::Transport {
 public:
  static constexpr std::string_view kUrl = "https://tuf.example.test";

  Result<registry::HttpResponse> RoundTrip(const registry::HttpRequest& req) override {
    requests.push_back(req);
    if (fault) {
      Result<registry::HttpResponse> r = fault(req);
      if (r.ok() || r.status().message() != "pass") {
        return r;
      }
    }
    registry::HttpResponse resp;
    auto it = files.find(req.url.substr(kUrl.size() + 1));
    resp.status = it == files.end() ? 404 : 200;
    if (it != files.end()) {
      if (it->second.size() > req.max_response_bytes) {
        return ResourceExhaustedError("response over the cap");
      }
      resp.body = it->second;
    }
    return resp;
  }

  std::map<std::string, Bytes> files;
  std::vector<registry::HttpRequest> requests;
  // fault, when set, answers instead of the files when it returns a response or an error; an
  // InternalError("pass") lets the request through.
  std::function<Result<registry::HttpResponse>(const registry::HttpRequest&)> fault;
};

std::unique_ptr<keys::Signer> NewKey() {
  auto k = keys::Generate(keys::KeyAlgorithm::kEcdsaP256);
  BOOST_REQUIRE(k.ok());
  return std::move(k).value();
}

// Now is the tests' fixed "now", before the publisher's expiry dates.
TimePoint Now() { return *ParseRfc3339("2026-06-01T00:00:00Z"); }

// Publisher writes a consistent-snapshot repository into a FakeRepo, one key per role.
struct Publisher {
  std::unique_ptr<keys::Signer> root = NewKey(), timestamp = NewKey(), snapshot = NewKey(),
                                targets = NewKey();
  std::string expires = "2027-01-01T00:00:00Z";
  // root_version is the root Publish writes (N.root.json) with the current keys, signed by the
  // root key (which never changes here, so it signs as the old root and as the new one).
  uint64_t root_version = 1;

  Json Envelope(Json signed_part, const keys::Signer& key) const {
    Result<std::string> canonical = internal::CanonicalJson(signed_part);
    BOOST_REQUIRE(canonical.ok());
    Result<Bytes> sig = key.Sign(AsBytes(*canonical));
    BOOST_REQUIRE(sig.ok());
    return Json{{"signed", std::move(signed_part)},
                {"signatures",
                 Json::array({{{"keyid", key.PublicKey().KeyId()}, {"sig", HexEncode(*sig)}}})}};
  }
  Json Common(const char* type, uint64_t version) const {
    return Json{
        {"_type", type}, {"spec_version", "1.0.31"}, {"version", version}, {"expires", expires}};
  }
  Bytes Root(uint64_t version) const {
    Json s = Common("root", version);
    s["consistent_snapshot"] = true;
    for (const auto& [name, key] : {std::pair{"root", root.get()},
                                    {"timestamp", timestamp.get()},
                                    {"snapshot", snapshot.get()},
                                    {"targets", targets.get()}}) {
      const keys::Verifier& v = key->PublicKey();
      s["keys"][v.KeyId()] = {{"keytype", "ecdsa"},
                              {"scheme", "ecdsa-sha2-nistp256"},
                              {"keyval", {{"public", v.ToPem()}}}};
      s["roles"][name] = {{"keyids", Json::array({v.KeyId()})}, {"threshold", 1}};
    }
    return ToBytes(DumpJson(Envelope(s, *root)));
  }
  // Publish writes root |root_version| and timestamp/snapshot/targets at |version| with the
  // target trusted_root.json holding |content|.
  void Publish(FakeRepo& repo, uint64_t version, const std::string& content) const {
    repo.files[std::to_string(root_version) + ".root.json"] = Root(root_version);
    const Bytes target = ToBytes(content);
    const std::string sha = Digest::Of(target).Hex();
    repo.files["targets/" + sha + ".trusted_root.json"] = target;
    Json t = Common("targets", version);
    t["targets"]["trusted_root.json"] = {{"length", target.size()}, {"hashes", {{"sha256", sha}}}};
    const Bytes tbytes = ToBytes(DumpJson(Envelope(t, *targets)));
    repo.files[std::to_string(version) + ".targets.json"] = tbytes;
    Json s = Common("snapshot", version);
    s["meta"]["targets.json"] = {{"version", version}};
    const Bytes sbytes = ToBytes(DumpJson(Envelope(s, *snapshot)));
    repo.files[std::to_string(version) + ".snapshot.json"] = sbytes;
    Json ts = Common("timestamp", version);
    ts["meta"]["snapshot.json"] = {{"version", version},
                                   {"length", sbytes.size()},
                                   {"hashes", {{"sha256", Digest::Of(sbytes).Hex()}}}};
    repo.files["timestamp.json"] = ToBytes(DumpJson(Envelope(ts, *timestamp)));
  }
};

struct Fixture {
  testing::TempDir cache;
  FakeRepo repo;
  Publisher pub;
  FixedClock clock{Now()};

  Result<UpdateResult> Update() {
    UpdateRequest req;
    req.url = std::string(FakeRepo::kUrl);
    req.cache_dir = cache.path();
    req.initial_root = ToString(pub.Root(1));
    req.clock = &clock;
    return tuf::Update(repo, req);
  }
  std::string Cached(const std::string& name) const {
    return RepositoryCacheDir(cache.path(), FakeRepo::kUrl) + "/" + name;
  }
  // Snapshot returns every cache file with its content.
  std::map<std::string, std::string> Snapshot() const {
    std::map<std::string, std::string> out;
    for (const char* name : {"root.json", "timestamp.json", "snapshot.json", "targets.json",
                             "targets/trusted_root.json"}) {
      out[name] = PathExists(Cached(name)) ? testing::ReadText(Cached(name)) : "(none)";
    }
    return out;
  }
};

BOOST_FIXTURE_TEST_CASE(update_fetches_and_caches, Fixture) {
  pub.Publish(repo, 2, R"({"root": 1})");
  Result<UpdateResult> r = Update();
  BOOST_REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  BOOST_TEST(r->root_version == 1u);
  BOOST_TEST(r->timestamp_version == 2u);
  BOOST_TEST(r->targets_version == 2u);
  BOOST_TEST(testing::ReadText(Cached("targets/trusted_root.json")) == R"({"root": 1})");
  BOOST_TEST(r->absent_targets == std::vector<std::string>{"signing_config.v0.2.json"});
  BOOST_TEST(r->files_written.size() == 5u);  // root, timestamp, snapshot, targets, the target
  // The caps: timestamp's fixed one, the snapshot's length from timestamp, the target's own.
  for (const registry::HttpRequest& req : repo.requests) {
    if (req.url.ends_with("/timestamp.json")) {
      BOOST_TEST(req.max_response_bytes == kMaxTimestampBytes);
    } else if (req.url.ends_with(".trusted_root.json")) {
      BOOST_TEST(req.max_response_bytes == 11u);
    } else if (req.url.ends_with("2.snapshot.json")) {
      BOOST_TEST(req.max_response_bytes == repo.files["2.snapshot.json"].size());
    }
  }

  // Nothing new: nothing rewritten, the target is not downloaded again.
  repo.requests.clear();
  r = Update();
  BOOST_REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  BOOST_TEST(r->files_written.empty());
  for (const registry::HttpRequest& req : repo.requests) {
    BOOST_TEST(req.url.find("/targets/") == std::string::npos, req.url);
  }
}

BOOST_FIXTURE_TEST_CASE(timestamp_rollback_is_refused_and_the_cache_kept, Fixture) {
  pub.Publish(repo, 3, "three");
  BOOST_REQUIRE(Update().ok());
  const auto before = Snapshot();
  pub.Publish(repo, 2, "two");
  Status st = Update().status();
  BOOST_TEST(IsVerificationFailed(st));
  BOOST_TEST(st.message().find("timestamp version 2 is older than the cached version 3") !=
                 std::string::npos,
             st.message());
  BOOST_TEST(Snapshot() == before);
}

BOOST_FIXTURE_TEST_CASE(tampered_target_is_refused, Fixture) {
  pub.Publish(repo, 2, "good");
  for (auto& [path, data] : repo.files) {
    if (path.starts_with("targets/")) {
      data = ToBytes("evil");
    }
  }
  Status st = Update().status();
  BOOST_TEST(IsVerificationFailed(st));
  BOOST_TEST(
      st.message().find("target trusted_root.json: sha256 hash mismatch") != std::string::npos,
      st.message());
  BOOST_TEST(!PathExists(Cached("timestamp.json")));
}

// A root whose version is not the one its file name promises, and a snapshot that is not what
// timestamp describes, are refused.
BOOST_FIXTURE_TEST_CASE(version_and_length_mismatches_are_refused, Fixture) {
  pub.Publish(repo, 2, "x");
  repo.files["2.root.json"] = pub.Root(3);
  Status st = Update().status();
  BOOST_TEST(IsVerificationFailed(st));
  BOOST_TEST(st.message().find("2.root.json holds root version 3, not 2") != std::string::npos,
             st.message());

  repo.files.erase("2.root.json");
  repo.files["2.snapshot.json"].push_back(' ');
  st = Update().status();
  BOOST_TEST(IsVerificationFailed(st));
  BOOST_TEST(st.message().find("2.snapshot.json: longer than the") != std::string::npos,
             st.message());
  repo.files["2.snapshot.json"].resize(repo.files["2.snapshot.json"].size() - 2);
  st = Update().status();
  BOOST_TEST(IsVerificationFailed(st));
  BOOST_TEST(st.message().find("snapshot.json: length") != std::string::npos, st.message());
  BOOST_TEST(!PathExists(Cached("timestamp.json")));
}

// New timestamp keys (spec 5.3.11) drop the cached timestamp and snapshot: versions a
// compromised key inflated (a fast-forward attack) do not block the repository for ever. The
// same versions without a key rotation are a rollback.
BOOST_FIXTURE_TEST_CASE(timestamp_key_rotation_resets_the_versions, Fixture) {
  pub.Publish(repo, 10, "ten");
  BOOST_REQUIRE(Update().ok());
  pub.Publish(repo, 1, "one");
  BOOST_TEST(IsVerificationFailed(Update().status()));

  pub.timestamp = NewKey();
  pub.root_version = 2;
  pub.Publish(repo, 1, "one");
  Result<UpdateResult> r = Update();
  BOOST_REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  BOOST_TEST(r->root_version == 2u);
  BOOST_TEST(r->timestamp_version == 1u);
  BOOST_TEST(testing::ReadText(Cached("targets/trusted_root.json")) == "one");
}

// An HTTP failure is "could not check" (exit 3), never a rejection; an oversized answer is the
// transport's kResourceExhausted.
BOOST_FIXTURE_TEST_CASE(network_failures_are_operational, Fixture) {
  pub.Publish(repo, 2, "x");
  repo.fault = [](const registry::HttpRequest& req) -> Result<registry::HttpResponse> {
    if (req.url.ends_with("/timestamp.json")) {
      registry::HttpResponse r;
      r.status = 503;
      return r;
    }
    return InternalError("pass");
  };
  Status st = Update().status();
  BOOST_TEST(IsUnavailable(st), st.ToString());
  BOOST_TEST(st.message().find("HTTP 503") != std::string::npos, st.message());

  repo.fault = nullptr;
  repo.files["timestamp.json"] = Bytes(kMaxTimestampBytes + 1, ' ');
  BOOST_TEST(IsResourceExhausted(Update().status()));
  BOOST_TEST(!PathExists(Cached("timestamp.json")));
}

// Redirects (a CDN's, an object store's) are followed, a bounded number of times.
BOOST_FIXTURE_TEST_CASE(redirects_are_followed_a_few_times, Fixture) {
  pub.Publish(repo, 2, "x");
  repo.files["mirror/timestamp.json"] = repo.files["timestamp.json"];
  int hops = 0;
  repo.fault = [&](const registry::HttpRequest& req) -> Result<registry::HttpResponse> {
    if (req.url.ends_with("/timestamp.json") && !req.url.ends_with("/mirror/timestamp.json")) {
      ++hops;
      registry::HttpResponse r;
      r.status = 302;
      r.headers.Add("Location", hops > 1 ? "timestamp.json" : "/mirror/timestamp.json");
      return r;
    }
    return InternalError("pass");
  };
  Result<UpdateResult> updated = Update();
  BOOST_REQUIRE_MESSAGE(updated.ok(), updated.status().ToString());
  BOOST_TEST(hops == 1);

  // A redirect loop ends as a network error.
  repo.files.erase("mirror/timestamp.json");
  repo.fault = [](const registry::HttpRequest& req) -> Result<registry::HttpResponse> {
    if (req.url.ends_with("/timestamp.json")) {
      registry::HttpResponse r;
      r.status = 307;
      r.headers.Add("Location", "timestamp.json");
      return r;
    }
    return InternalError("pass");
  };
  Status st = Update().status();
  BOOST_TEST(IsUnavailable(st), st.ToString());
  BOOST_TEST(st.message().find("HTTP 307") != std::string::npos, st.message());
}

// The embedded production root (v15) expired on 2026-11-20: the client still starts from it,
// asks for 16.root.json, and refuses only because the root it ends on has expired. Before
// that date the same start goes on to timestamp.json.
BOOST_AUTO_TEST_CASE(expired_embedded_root_is_a_starting_point) {
  testing::TempDir cache;
  struct Nothing final : registry::Transport {
    Result<registry::HttpResponse> RoundTrip(const registry::HttpRequest& req) override {
      urls.push_back(req.url);
      registry::HttpResponse r;
      r.status = 404;
      return r;
    }
    std::vector<std::string> urls;
  } transport;
  UpdateRequest req;
  req.url = std::string(kPublicGoodUrl);
  req.cache_dir = cache.path();
  FixedClock after(*ParseRfc3339("2026-12-01T00:00:00Z"));
  req.clock = &after;
  Status st = Update(transport, req).status();
  BOOST_TEST(IsVerificationFailed(st));
  BOOST_TEST(
      st.message().find("root version 15 expired at 2026-11-20T13:58:18Z") != std::string::npos,
      st.message());
  BOOST_TEST(transport.urls ==
             std::vector<std::string>{std::string(kPublicGoodUrl) + "/16.root.json"});

  FixedClock before(*ParseRfc3339("2026-11-01T00:00:00Z"));
  req.clock = &before;
  st = Update(transport, req).status();
  BOOST_TEST(IsUnavailable(st), st.ToString());
  BOOST_TEST(transport.urls.back() == std::string(kPublicGoodUrl) + "/timestamp.json");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::tuf
