// Referrers: the API with artifactType filtering, the tag-schema fallback (read and write), and
// the fallback index under concurrent writers (If-Match honoured or ignored).
#include <boost/test/unit_test.hpp>
#include <map>
#include <optional>
#include <string>
#include <thread>

#include "registry/fake_registry.h"
#include "registry/test_images.h"
#include "vouch/registry/attachments.h"
#include "vouch/registry/client.h"
#include "vouch/registry/operations.h"

namespace vouch::registry::testing {
namespace {

constexpr const char* kBundle = "application/vnd.dev.sigstore.bundle.v0.3+json";
constexpr const char* kSbom = "application/spdx+json";

struct Fixture {
  std::shared_ptr<FakeRegistry> reg = std::make_shared<FakeRegistry>();
  std::string subject_digest;
  std::string subject_bytes;
  Fixture() {
    subject_digest = PushImage(*reg, "app", "v1", "amd64");
    subject_bytes = *reg->ManifestBytes("app", "v1");
  }
  std::unique_ptr<Repository> Repo(Client& c) {
    return std::move(*c.Open(*ParseReference("reg.test/app:v1"), Access::kPullPush));
  }
  std::string Referrer(const std::string& type, const std::string& layer) {
    return ReferrerManifest(subject_bytes, type, layer, layer);
  }
};

BOOST_FIXTURE_TEST_SUITE(ReferrersTests, Fixture)

BOOST_AUTO_TEST_CASE(FallbackWriteAndRead) {
  Client c(FastOptions(reg));
  auto repo = Repo(c);
  std::string r1 = Referrer(kBundle, "one");
  std::string r2 = Referrer(kSbom, "two");
  BOOST_REQUIRE(repo->PushReferrer(AsBytes(r1), kOciManifest).ok());
  BOOST_REQUIRE(repo->PushReferrer(AsBytes(r2), kOciManifest).ok());
  BOOST_REQUIRE(repo->PushReferrer(AsBytes(r1), kOciManifest).ok());  // no duplicate
  Digest subject = *Digest::Parse(subject_digest);
  auto tag = reg->ManifestBytes("app", FallbackTag(subject));
  BOOST_REQUIRE(tag.has_value());
  BOOST_TEST(tag->find("\"note\":\"one\"") != std::string::npos);  // annotations copied
  auto all = repo->ListReferrers(subject, "");
  BOOST_REQUIRE(all.ok());
  BOOST_TEST(all->scheme == ReferrersScheme::kFallbackTag);
  BOOST_TEST(all->descriptors.size() == 2u);
  auto bundles = repo->ListReferrers(subject, kBundle);
  BOOST_REQUIRE(bundles.ok());
  BOOST_REQUIRE(bundles->descriptors.size() == 1u);
  BOOST_TEST(bundles->descriptors[0].digest.ToString() == Sha(r1));
  BOOST_TEST(bundles->descriptors[0].artifact_type == kBundle);
  // A subject with no referrers: 404 on the API, 404 on the tag -> empty, not an error.
  auto none = repo->ListReferrers(Digest::Of(AsBytes("other")), "");
  BOOST_REQUIRE(none.ok());
  BOOST_TEST(none->descriptors.empty());
}

BOOST_AUTO_TEST_CASE(ApiWithFilter) {
  reg->referrers_api = true;
  Client c(FastOptions(reg));
  auto repo = Repo(c);
  std::string r1 = Referrer(kBundle, "one");
  BOOST_REQUIRE(repo->PushReferrer(AsBytes(r1), kOciManifest).ok());
  BOOST_REQUIRE(repo->PushReferrer(AsBytes(Referrer(kSbom, "two")), kOciManifest).ok());
  Digest subject = *Digest::Parse(subject_digest);
  // OCI-Subject came back: no fallback tag written.
  BOOST_TEST(!reg->ManifestBytes("app", FallbackTag(subject)).has_value());
  reg->requests.clear();
  auto got = repo->ListReferrers(subject, kBundle);
  BOOST_REQUIRE(got.ok());
  BOOST_TEST(got->scheme == ReferrersScheme::kApi);
  BOOST_REQUIRE(got->descriptors.size() == 1u);
  BOOST_TEST(got->descriptors[0].digest.ToString() == Sha(r1));
  BOOST_REQUIRE(reg->requests.size() == 1u);
  // '+' is percent-encoded in the query.
  BOOST_TEST(reg->requests[0].find("artifactType=application/vnd.dev.sigstore.bundle.v0.3%2Bjson") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(ConcurrentWriterWithIfMatchLosesNothing) {
  // Between our read and our PUT, another writer adds its entry: our conditional PUT gets 412,
  // we re-read, merge and write again.
  Client c(FastOptions(reg));
  auto repo = Repo(c);
  Digest subject = *Digest::Parse(subject_digest);
  std::string theirs = Referrer(kSbom, "theirs");
  bool raced = false;
  reg->before_tag_put = [&](const std::string& r, const std::string& tag) {
    if (raced || tag != FallbackTag(subject)) {
      return;
    }
    raced = true;
    Client other(FastOptions(reg));
    auto repo2 = std::move(*other.Open(*ParseReference("reg.test/" + r + ":v1"), Access::kPullPush));
    BOOST_REQUIRE(repo2->PushReferrer(AsBytes(theirs), kOciManifest).ok());
  };
  std::string mine = Referrer(kBundle, "mine");
  BOOST_REQUIRE(repo->PushReferrer(AsBytes(mine), kOciManifest).ok());
  BOOST_TEST(raced);
  auto all = repo->ListReferrers(subject, "");
  BOOST_REQUIRE(all.ok());
  BOOST_TEST(all->descriptors.size() == 2u);
  BOOST_TEST(reg->CountRequests("PUT /v2/app/manifests/" + FallbackTag(subject)) == 3);
}

BOOST_AUTO_TEST_CASE(RegistryIgnoringIfMatchStillConverges) {
  // distribution 2.8 ignores If-Match: a concurrent writer overwrites our index after our PUT.
  // The re-read after writing notices the missing entry and merges again.
  reg->honor_if_match = false;
  Client c(FastOptions(reg));
  auto repo = Repo(c);
  Digest subject = *Digest::Parse(subject_digest);
  std::string theirs_index;
  int puts = 0;
  std::string tag = FallbackTag(subject);
  std::string theirs = Referrer(kSbom, "theirs");
  reg->AddManifest("app", "", theirs, kOciManifest.data());
  reg->fault = [&](const HttpRequest& r) -> std::optional<Result<HttpResponse>> {
    // Right after our first index PUT lands, a stale writer replaces it with an index that
    // only has its own entry.
    if (r.method == "GET" && r.url.ends_with("/manifests/" + tag) && puts == 1) {
      ++puts;
      std::string idx = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" +
                        Sha(theirs) + R"(","size":)" + std::to_string(theirs.size()) + "}]}";
      reg->AddManifest("app", tag, idx, "application/vnd.oci.image.index.v1+json");
    }
    if (r.method == "PUT" && r.url.ends_with("/manifests/" + tag)) {
      ++puts;
    }
    return std::nullopt;
  };
  BOOST_REQUIRE(repo->PushReferrer(AsBytes(Referrer(kBundle, "mine")), kOciManifest).ok());
  reg->fault = nullptr;
  auto all = repo->ListReferrers(subject, "");
  BOOST_REQUIRE(all.ok());
  BOOST_TEST(all->descriptors.size() == 2u);
}

BOOST_AUTO_TEST_CASE(ManyConcurrentWriters) {
  // Eight clients attach at once; every entry survives.
  Digest subject = *Digest::Parse(subject_digest);
  std::vector<std::thread> threads;
  std::vector<Status> results(8);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      Client c(FastOptions(reg));
      auto repo = Repo(c);
      results[static_cast<size_t>(i)] =
          repo->PushReferrer(AsBytes(Referrer(kBundle, "w" + std::to_string(i))), kOciManifest);
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  for (const auto& s : results) {
    BOOST_TEST(s.ok(), s.ToString());
  }
  Client c(FastOptions(reg));
  auto all = Repo(c)->ListReferrers(subject, "");
  BOOST_REQUIRE(all.ok());
  BOOST_TEST(all->descriptors.size() == 8u);
}

BOOST_AUTO_TEST_CASE(TreeDescribesReferrersFromTheirManifestsWhenTheIndexLacksIt) {
  // A cosign-style fallback index written before ggcr v0.22.1: descriptors without
  // artifactType and annotations (formats.md pitfall 17).
  Digest subject = *Digest::Parse(subject_digest);
  std::vector<std::string> refs = {Referrer(kBundle, "one"), Referrer(kSbom, "two"),
                                   Referrer(kBundle, "three")};
  std::string entries;
  for (const std::string& r : refs) {
    reg->AddManifest("app", "", r, std::string(kOciManifest));
    entries += std::string(entries.empty() ? "" : ",") +
               R"({"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" + Sha(r) +
               R"(","size":)" + std::to_string(r.size()) + "}";
  }
  reg->AddManifest("app", FallbackTag(subject),
                   R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[)" +
                       entries + "]}",
                   std::string(kOciIndex));
  Client c(FastOptions(reg));
  reg->requests.clear();
  auto tree = ListTree(*Repo(c));
  BOOST_REQUIRE_MESSAGE(tree.ok(), tree.status().ToString());
  const std::vector<TreeNode>& found = tree->manifests[0].referrers;
  BOOST_REQUIRE(found.size() == 3u);
  for (const TreeNode& n : found) {
    BOOST_TEST(n.from_manifest);
    BOOST_TEST(n.unnamed_artifact_type);
    BOOST_TEST((n.label == kBundle || n.label == kSbom), n.label);
    BOOST_TEST(n.descriptor.annotations.count("note") == 1u);
    BOOST_TEST(n.layers.size() == 1u);
  }
  BOOST_TEST(found[2].descriptor.annotations.at("note") == "three");  // by label, then listing order
  BOOST_TEST(reg->CountRequests("GET /v2/app/manifests/sha256:") == 3);  // one per referrer
}

BOOST_AUTO_TEST_CASE(TreeMakesNoExtraRequestWhenTheIndexHasAnnotations) {
  Client c(FastOptions(reg));
  auto repo = Repo(c);
  BOOST_REQUIRE(repo->PushReferrer(AsBytes(Referrer(kBundle, "one")), kOciManifest).ok());
  BOOST_REQUIRE(repo->PushReferrer(AsBytes(Referrer(kSbom, "two")), kOciManifest).ok());
  reg->requests.clear();
  auto tree = ListTree(*repo);
  BOOST_REQUIRE(tree.ok());
  BOOST_REQUIRE(tree->manifests[0].referrers.size() == 2u);
  BOOST_TEST(!tree->manifests[0].referrers[0].from_manifest);
  BOOST_TEST(reg->CountRequests("GET /v2/app/manifests/sha256:") == 0);
  // manifest, referrers API probe, fallback tag, tags list
  BOOST_TEST(reg->requests.size() == 4u);
}

// Tree follows at most kMaxTreeManifests manifests: a bigger index is refused after its one GET,
// not listed in part.
BOOST_AUTO_TEST_CASE(TreeRefusesAnIndexOverItsBound) {
  std::string entries;
  for (size_t i = 0; i < kMaxTreeManifests; ++i) {
    entries += std::string(entries.empty() ? "" : ",") +
               R"({"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" +
               Sha(std::to_string(i)) + R"(","size":1,"platform":{"architecture":"arch)" +
               std::to_string(i) + R"(","os":"linux"}})";
  }
  reg->AddManifest("app", "big",
                   R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[)" +
                       entries + "]}",
                   std::string(kOciIndex));
  Client c(FastOptions(reg));
  reg->requests.clear();
  auto tree = ListTree(**c.Open(*ParseReference("reg.test/app:big")));
  BOOST_TEST(tree.status().code() == ErrorCode::kResourceExhausted, tree.status().ToString());
  BOOST_TEST(reg->requests.size() == 1u);
}

BOOST_AUTO_TEST_CASE(NonIndexTagIsNotOverwritten) {
  Digest subject = *Digest::Parse(subject_digest);
  reg->AddManifest("app", FallbackTag(subject), subject_bytes, kOciManifest.data());
  Client c(FastOptions(reg));
  auto s = Repo(c)->PushReferrer(AsBytes(Referrer(kBundle, "x")), kOciManifest);
  BOOST_TEST(s.code() == ErrorCode::kFailedPrecondition, s.ToString());
  // Readers treat it as "no referrers".
  auto all = Repo(c)->ListReferrers(subject, "");
  BOOST_REQUIRE(all.ok());
  BOOST_TEST(all->descriptors.empty());
}

BOOST_AUTO_TEST_CASE(ReferrerWithoutSubjectRejected) {
  Client c(FastOptions(reg));
  BOOST_TEST(IsInvalidArgument(Repo(c)->PushReferrer(AsBytes(subject_bytes), kOciManifest)));
}

// Deleting a referrer listed from the fallback tag takes its entry out of the index first and
// keeps the others: no reader is left with an entry whose manifest is gone.
BOOST_AUTO_TEST_CASE(DeleteReferrerLeavesNoDanglingEntry) {
  Client c(FastOptions(reg));
  auto repo = Repo(c);
  std::string r1 = Referrer(kBundle, "one");
  std::string r2 = Referrer(kSbom, "two");
  BOOST_REQUIRE(repo->PushReferrer(AsBytes(r1), kOciManifest).ok());
  BOOST_REQUIRE(repo->PushReferrer(AsBytes(r2), kOciManifest).ok());
  Digest subject = *Digest::Parse(subject_digest);
  Digest one = *Digest::Parse(Sha(r1));
  BOOST_REQUIRE(DeleteReferrer(*repo, subject, one, ReferrersScheme::kFallbackTag).ok());
  auto left = repo->ListReferrers(subject, "");
  BOOST_REQUIRE(left.ok());
  BOOST_REQUIRE(left->descriptors.size() == 1u);
  BOOST_TEST(left->descriptors[0].digest.ToString() == Sha(r2));
  BOOST_TEST(IsNotFound(repo->FetchManifest(one.ToString()).status()));
  // Deleting it again is no error: it is gone either way.
  BOOST_TEST(DeleteReferrer(*repo, subject, one, ReferrersScheme::kFallbackTag).ok());
}

// With an attachment repository, attachments() is that repository and the image stays where it
// is; without one, attachments() is the repository itself.
BOOST_AUTO_TEST_CASE(AttachmentRepositoryIsOpenedBesideTheImage) {
  ClientOptions o = FastOptions(reg);
  o.attachment_repository = *ParseReference("reg.test/signatures");
  Client c(o);
  auto repo = Repo(c);
  BOOST_TEST(repo->reference().RepositoryName() == "reg.test/app");
  BOOST_TEST(repo->attachments().reference().RepositoryName() == "reg.test/signatures");
  Client plain(FastOptions(reg));
  auto beside = Repo(plain);
  BOOST_TEST(&beside->attachments() == beside.get());
  // Naming the image's own repository is the same as naming none.
  o.attachment_repository = *ParseReference("reg.test/app");
  Client same(o);
  auto own = Repo(same);
  BOOST_TEST(&own->attachments() == own.get());
}

BOOST_AUTO_TEST_SUITE_END()

// The flag wins over VOUCH_REPOSITORY, which wins over cosign's COSIGN_REPOSITORY; a tag or a
// digest is refused, naming where the value came from.
BOOST_AUTO_TEST_CASE(AttachmentRepositoryPrecedence) {
  std::map<std::string, std::string> vars;
  auto env = [&](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  auto resolved = [&](std::optional<std::string> flag) {
    Result<std::optional<Reference>> r = ResolveAttachmentRepository(flag, env);
    BOOST_REQUIRE_MESSAGE(r.ok(), r.status().ToString());
    return *r ? (*r)->RepositoryName() : std::string("beside");
  };
  BOOST_TEST(resolved(std::nullopt) == "beside");
  vars["COSIGN_REPOSITORY"] = "reg.test/cosign";
  BOOST_TEST(resolved(std::nullopt) == "reg.test/cosign");
  vars["VOUCH_REPOSITORY"] = "reg.test/vouch";
  BOOST_TEST(resolved(std::nullopt) == "reg.test/vouch");
  BOOST_TEST(resolved("reg.test/flag") == "reg.test/flag");
  vars["VOUCH_REPOSITORY"] = "";  // set but empty: as if unset
  BOOST_TEST(resolved(std::nullopt) == "reg.test/cosign");
  for (const char* bad : {"reg.test/x:v1", "reg.test/x:latest",
                          "reg.test/x@sha256:"
                          "0000000000000000000000000000000000000000000000000000000000000000",
                          "reg.test/UPPER"}) {
    Result<std::optional<Reference>> r = ResolveAttachmentRepository(std::string(bad), env);
    BOOST_TEST(r.status().code() == ErrorCode::kInvalidArgument, bad);
    BOOST_TEST(r.status().message().find("--attachment-repository") != std::string::npos);
  }
  vars["COSIGN_REPOSITORY"] = "reg.test/x:v1";
  Result<std::optional<Reference>> r = ResolveAttachmentRepository(std::nullopt, env);
  BOOST_TEST(r.status().message().find("$COSIGN_REPOSITORY") != std::string::npos,
             r.status().message());
}

}  // namespace
}  // namespace vouch::registry::testing
