// UpdateTaggedManifest: preconditions, the confirmation delay and its seams, bounded rounds,
// and eight concurrent writers against a registry that ignores If-Match while its reads and
// writes are interleaved adversarially.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <condition_variable>
#include <set>
#include <thread>

#include "core/internal/json.h"
#include "registry/fake_registry.h"
#include "registry/test_images.h"
#include "vouch/registry/tag_update.h"

namespace vouch::registry::testing {
namespace {

using std::chrono::milliseconds;

constexpr const char* kSigTag = "sha256-0000000000000000000000000000000000000000000000000000000000000000.sig";

// SigManifest is a cosign-style signature manifest with one layer per name in |payloads|.
std::string SigManifest(const std::vector<std::string>& payloads) {
  std::string layers;
  for (const std::string& p : payloads) {
    layers += std::string(layers.empty() ? "" : ",") +
              R"({"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","digest":")" +
              Sha(p) + R"(","size":)" + std::to_string(p.size()) + "}";
  }
  return R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[)" +
         layers + "]}";
}

// Layers returns the payload digests a signature manifest lists.
std::set<std::string> Layers(const Manifest& m) {
  std::set<std::string> out;
  auto view = ParseManifest(m.bytes, m.media_type);
  if (view.ok()) {
    for (const Descriptor& d : view->layers) {
      out.insert(d.digest.ToString());
    }
  }
  return out;
}

// AppendLayer is the mutator a cosign-style signer uses: add |payload| unless present.
ManifestMutator AppendLayer(const std::string& payload) {
  return [payload](const std::optional<Manifest>& cur) -> Result<std::optional<ManifestUpdate>> {
    if (cur) {
      if (Layers(*cur).count(Sha(payload)) > 0) {
        return std::optional<ManifestUpdate>();
      }
      // Keep the served document as it is (unknown fields included) and append our layer.
      auto j = ParseOrderedJson(AsChars(cur->bytes), "sig manifest");
      if (!j.ok()) {
        return j.status();
      }
      auto layer = ParseOrderedJson(
          R"({"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","digest":")" +
              Sha(payload) + R"(","size":)" + std::to_string(payload.size()) + "}",
          "layer");
      (*j)["layers"].push_back(*layer);
      return std::optional<ManifestUpdate>(
          ManifestUpdate{ToBytes(DumpJson(*j)), std::string(kOciManifest)});
    }
    return std::optional<ManifestUpdate>(
        ManifestUpdate{ToBytes(SigManifest({payload})), std::string(kOciManifest)});
  };
}

ManifestPresence HasLayer(const std::string& payload) {
  return [payload](const Manifest& m) { return Layers(m).count(Sha(payload)) > 0; };
}

struct Fixture {
  std::shared_ptr<FakeRegistry> reg = std::make_shared<FakeRegistry>();
  Client client{FastOptions(reg)};
  std::unique_ptr<Repository> repo =
      std::move(*client.Open(*ParseReference("reg.test/app:v1"), Access::kPullPush));
  std::vector<milliseconds> sleeps;
  TagUpdateOptions Options() {
    TagUpdateOptions o;
    o.sleep = [this](milliseconds d) { sleeps.push_back(d); };
    o.jitter = [] { return 0.5; };
    return o;
  }
};

BOOST_FIXTURE_TEST_SUITE(TagUpdateTests, Fixture)

BOOST_AUTO_TEST_CASE(CreatesWithIfNoneMatchThenAppendsWithIfMatch) {
  std::vector<std::string> conditions;
  reg->fault = [&](const HttpRequest& r) -> std::optional<Result<HttpResponse>> {
    if (r.method == "PUT") {
      conditions.push_back(r.headers.Get("If-Match").value_or("-") + "|" +
                           r.headers.Get("If-None-Match").value_or("-"));
    }
    return std::nullopt;
  };
  BOOST_REQUIRE(UpdateTaggedManifest(*repo, kSigTag, AppendLayer("one"), HasLayer("one"),
                                     Options())
                    .ok());
  std::string first = *reg->TagDigest("app", kSigTag);
  BOOST_REQUIRE(UpdateTaggedManifest(*repo, kSigTag, AppendLayer("two"), HasLayer("two"),
                                     Options())
                    .ok());
  BOOST_REQUIRE(conditions.size() == 2u);
  BOOST_TEST(conditions[0] == "-|*");
  BOOST_TEST(conditions[1] == "\"" + first + "\"|-");
  auto m = repo->FetchManifest(kSigTag);
  BOOST_REQUIRE(m.ok());
  BOOST_TEST(Layers(*m).size() == 2u);
}

BOOST_AUTO_TEST_CASE(NothingToDoMakesNoWriteAndNoWait) {
  BOOST_REQUIRE(UpdateTaggedManifest(*repo, kSigTag, AppendLayer("one"), HasLayer("one"),
                                     Options())
                    .ok());
  reg->requests.clear();
  sleeps.clear();
  BOOST_REQUIRE(UpdateTaggedManifest(*repo, kSigTag, AppendLayer("one"), HasLayer("one"),
                                     Options())
                    .ok());
  BOOST_TEST(reg->requests.size() == 1u);  // the GET
  BOOST_TEST(sleeps.empty());
}

BOOST_AUTO_TEST_CASE(ConfirmationDelayIsThreeTimesOwnWindowWithFloor) {
  // A fake clock that advances 100 ms per request: read-to-PUT-complete is 200 ms, so the wait
  // is 3 x 200 ms plus jitter 0.5 x 50 % = 750 ms.
  auto t = std::chrono::steady_clock::time_point();
  reg->fault = [&](const HttpRequest&) -> std::optional<Result<HttpResponse>> {
    t += milliseconds(100);
    return std::nullopt;
  };
  TagUpdateOptions o = Options();
  o.now = [&] { return t; };
  BOOST_REQUIRE(UpdateTaggedManifest(*repo, kSigTag, AppendLayer("one"), HasLayer("one"), o).ok());
  BOOST_REQUIRE(sleeps.size() == 1u);
  BOOST_TEST(sleeps[0].count() == 750);
  // A fast registry (the clock does not move): the 150 ms floor applies, plus 50 % x 0.5.
  reg->fault = nullptr;
  sleeps.clear();
  BOOST_REQUIRE(UpdateTaggedManifest(*repo, kSigTag, AppendLayer("two"), HasLayer("two"), o).ok());
  BOOST_REQUIRE(sleeps.size() == 1u);
  BOOST_TEST(sleeps[0].count() == 187);
}

BOOST_AUTO_TEST_CASE(PreconditionFailureRestartsAtOnce) {
  // Between our read and our write another writer adds its layer; the registry honours If-Match
  // and answers 412; we merge again without waiting.
  bool raced = false;
  reg->before_tag_put = [&](const std::string&, const std::string& tag) {
    if (!raced && tag == kSigTag) {
      raced = true;
      reg->AddManifest("app", kSigTag, SigManifest({"theirs"}), std::string(kOciManifest));
    }
  };
  BOOST_REQUIRE(UpdateTaggedManifest(*repo, kSigTag, AppendLayer("mine"), HasLayer("mine"),
                                     Options())
                    .ok());
  auto m = repo->FetchManifest(kSigTag);
  BOOST_REQUIRE(m.ok());
  BOOST_TEST(Layers(*m).size() == 2u);
  BOOST_TEST(reg->CountRequests(std::string("PUT /v2/app/manifests/") + kSigTag) == 2);
  BOOST_TEST(sleeps.size() == 1u);  // only the confirmation of the successful write
}

BOOST_AUTO_TEST_CASE(GivesUpWithAbortedAfterBoundedRounds) {
  // Every write is silently lost (someone always overwrites us).
  reg->honor_if_match = false;
  reg->observe = [&](const HttpRequest& r, const Result<HttpResponse>&) {
    if (r.method == "PUT" && r.url.ends_with(kSigTag)) {
      reg->AddManifest("app", kSigTag, SigManifest({"theirs"}), std::string(kOciManifest));
    }
  };
  Status s = UpdateTaggedManifest(*repo, kSigTag, AppendLayer("mine"), HasLayer("mine"),
                                  Options());
  BOOST_TEST(s.code() == ErrorCode::kAborted, s.ToString());
  BOOST_TEST(s.message().find(kSigTag) != std::string::npos);
  BOOST_TEST(s.message().find("10 round") != std::string::npos, s.message());
  BOOST_TEST(reg->CountRequests(std::string("PUT /v2/app/manifests/") + kSigTag) == 10);
}

BOOST_AUTO_TEST_CASE(GivesUpWhenTimeBudgetIsSpent) {
  reg->honor_if_match = false;
  reg->observe = [&](const HttpRequest& r, const Result<HttpResponse>&) {
    if (r.method == "PUT" && r.url.ends_with(kSigTag)) {
      reg->AddManifest("app", kSigTag, SigManifest({"theirs"}), std::string(kOciManifest));
    }
  };
  auto t = std::chrono::steady_clock::time_point();
  TagUpdateOptions o = Options();
  o.now = [&] { return t; };
  o.sleep = [&](milliseconds d) { t += d + milliseconds(20000); };
  Status s = UpdateTaggedManifest(*repo, kSigTag, AppendLayer("mine"), HasLayer("mine"), o);
  BOOST_TEST(s.code() == ErrorCode::kAborted, s.ToString());
  BOOST_TEST(s.message().find("time budget") != std::string::npos, s.message());
  BOOST_TEST(reg->CountRequests(std::string("PUT /v2/app/manifests/") + kSigTag) < 10);
}

BOOST_AUTO_TEST_CASE(MutatorErrorIsReturnedAsIs) {
  auto bad = [](const std::optional<Manifest>&) -> Result<std::optional<ManifestUpdate>> {
    return FailedPreconditionError("not mine to overwrite");
  };
  Status s = UpdateTaggedManifest(*repo, kSigTag, bad, HasLayer("x"), Options());
  BOOST_TEST(s.code() == ErrorCode::kFailedPrecondition);
  BOOST_TEST(reg->CountRequests("PUT") == 0);
}

BOOST_AUTO_TEST_SUITE_END()

// --- eight writers, If-Match ignored, adversarial interleaving ----------------------------------
//
// The fake holds the first write of every writer until all eight have read the (empty) tag and
// sent their write, then applies those writes in reverse arrival order, so seven of the eight are
// overwritten by a writer that read before them. Afterwards writers run freely. The injected
// sleep stands for "longer than any concurrent writer's read-to-write window": it returns when
// no other writer is between a read of the tag and the completion of its write, which is what a
// real delay of 3x the window achieves with real timing.
class Adversary {
 public:
  Adversary(FakeRegistry& reg, std::string tag, size_t writers)
      : reg_(reg), tag_(std::move(tag)), writers_(writers) {}

  void Install() {
    reg_.honor_if_match = false;
    reg_.fault = [this](const HttpRequest& r) -> std::optional<Result<HttpResponse>> {
      if (!r.url.ends_with("/manifests/" + tag_)) {
        return std::nullopt;
      }
      std::unique_lock<std::mutex> lock(mu_);
      auto self = std::this_thread::get_id();
      if (r.method == "GET") {
        in_window_.insert(self);
        return std::nullopt;
      }
      if (r.method == "PUT" && first_put_.insert(self).second) {
        size_t my = arrived_++;
        cv_.notify_all();
        // Released last-arrived first: the first writer to arrive is applied last and wins.
        cv_.wait(lock, [&] { return arrived_ == writers_ && applied_ == writers_ - 1 - my; });
        barrier_thread_ = self;
      }
      return std::nullopt;
    };
    reg_.observe = [this](const HttpRequest& r, const Result<HttpResponse>&) {
      if (!r.url.ends_with("/manifests/" + tag_) || r.method != "PUT") {
        return;
      }
      std::lock_guard<std::mutex> lock(mu_);
      in_window_.erase(std::this_thread::get_id());
      if (barrier_thread_ == std::this_thread::get_id()) {
        ++applied_;
        barrier_thread_.reset();
      }
      ++puts_;
      cv_.notify_all();
    };
  }

  // Sleep is the writers' sleep seam.
  void Sleep(milliseconds) {
    std::unique_lock<std::mutex> lock(mu_);
    in_window_.erase(std::this_thread::get_id());  // a sleeping writer discards what it read
    cv_.notify_all();
    cv_.wait(lock, [&] { return in_window_.empty(); });
  }

  // Done marks the calling writer finished (its last read opened no write window).
  void Done() {
    std::lock_guard<std::mutex> lock(mu_);
    in_window_.erase(std::this_thread::get_id());
    cv_.notify_all();
  }

  int puts() {
    std::lock_guard<std::mutex> lock(mu_);
    return puts_;
  }

 private:
  FakeRegistry& reg_;
  std::string tag_;
  size_t writers_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::set<std::thread::id> in_window_;
  std::set<std::thread::id> first_put_;
  std::optional<std::thread::id> barrier_thread_;
  size_t arrived_ = 0;
  size_t applied_ = 0;
  int puts_ = 0;
};

enum class Target { kCosignSigTag, kReferrersFallbackIndex };
std::ostream& operator<<(std::ostream& os, Target t) {
  return os << (t == Target::kCosignSigTag ? "cosign-sig-tag" : "fallback-index");
}

BOOST_DATA_TEST_CASE(EightWritersIgnoredIfMatchAdversarialInterleaving,
                     boost::unit_test::data::make({Target::kCosignSigTag,
                                                   Target::kReferrersFallbackIndex}),
                     target) {
  constexpr size_t kWriters = 8;
  auto reg = std::make_shared<FakeRegistry>();
  std::string subject_digest = PushImage(*reg, "app", "v1", "amd64");
  std::string subject_bytes = *reg->ManifestBytes("app", "v1");
  std::string tag = target == Target::kCosignSigTag
                        ? kSigTag
                        : FallbackTag(*Digest::Parse(subject_digest));
  Adversary adv(*reg, tag, kWriters);
  adv.Install();
  std::vector<Status> results(kWriters);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < kWriters; ++i) {
    threads.emplace_back([&, i] {
      ClientOptions o = FastOptions(reg);
      o.retry.sleep = [&](milliseconds d) { adv.Sleep(d); };
      Client c(o);
      auto repo = std::move(*c.Open(*ParseReference("reg.test/app:v1"), Access::kPullPush));
      std::string name = "writer-" + std::to_string(i);
      if (target == Target::kCosignSigTag) {
        TagUpdateOptions t;
        t.sleep = [&](milliseconds d) { adv.Sleep(d); };
        results[i] = UpdateTaggedManifest(*repo, tag, AppendLayer(name), HasLayer(name), t);
      } else {
        results[i] = repo->PushReferrer(
            AsBytes(ReferrerManifest(subject_bytes, "application/x-test", name, name)),
            kOciManifest);
      }
      adv.Done();
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  for (const Status& s : results) {
    BOOST_TEST(s.ok(), s.ToString());
  }
  // The adversary really overwrote writers: more writes than writers were needed.
  BOOST_TEST(adv.puts() > static_cast<int>(kWriters));
  reg->fault = nullptr;
  reg->observe = nullptr;
  Client c(FastOptions(reg));
  auto repo = std::move(*c.Open(*ParseReference("reg.test/app:v1"), Access::kPull));
  if (target == Target::kCosignSigTag) {
    auto m = repo->FetchManifest(tag);
    BOOST_REQUIRE(m.ok());
    BOOST_TEST(Layers(*m).size() == kWriters);
  } else {
    auto all = repo->ListReferrers(*Digest::Parse(subject_digest), "");
    BOOST_REQUIRE(all.ok());
    BOOST_TEST(all->descriptors.size() == kWriters);
  }
}

}  // namespace
}  // namespace vouch::registry::testing
