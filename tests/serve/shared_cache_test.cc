// The shared decision cache's pieces without Redis: the --cache URL, the key, the value's
// (de)serialisation and expiry, and the gate's use of a shared cache through an in-memory fake
// (hits served without verifying, a failing cache degrading to the replica's own checks, the
// negative cache of "could not check").
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unistd.h>

#include "gate.h"
#include "redis_link.h"
#include "shared_cache.h"
#include "testutil/testutil.h"
#include "vouch/serve/serve.h"

namespace vouch::serve {
namespace {

using internal::DecodeSharedDecision;
using internal::EncodeSharedDecision;
using internal::SharedDecisionKey;
using SysClock = std::chrono::system_clock;

BOOST_AUTO_TEST_SUITE(shared_cache)

BOOST_AUTO_TEST_CASE(cache_url_parses_host_port_and_db) {
  auto u = ParseCacheUrl("redis://127.0.0.1:6390/3");
  BOOST_REQUIRE(u.ok());
  BOOST_TEST(u->host == "127.0.0.1");
  BOOST_TEST(u->port == 6390);
  BOOST_TEST(u->db == 3);
  BOOST_TEST(u->ToString() == "redis://127.0.0.1:6390/3");
  auto d = ParseCacheUrl("redis://redis.vouch-system.svc");
  BOOST_REQUIRE(d.ok());
  BOOST_TEST(d->port == 6379);
  BOOST_TEST(d->db == 0);
  auto v6 = ParseCacheUrl("redis://[::1]:7000");
  BOOST_REQUIRE(v6.ok());
  BOOST_TEST(v6->host == "::1");
  BOOST_TEST(v6->ToString() == "redis://[::1]:7000/0");
}

BOOST_AUTO_TEST_CASE(cache_url_reads_tls_and_refuses_passwords_and_junk) {
  auto tls = ParseCacheUrl("rediss://redis.vouch-system.svc:6380/2");
  BOOST_REQUIRE(tls.ok());
  BOOST_TEST(tls->tls);
  BOOST_TEST(tls->host == "redis.vouch-system.svc");
  BOOST_TEST(tls->ToString() == "rediss://redis.vouch-system.svc:6380/2");
  BOOST_TEST(!ParseCacheUrl("redis://h")->tls);
  for (const char* secret : {"redis://:hunter2@redis:6379", "rediss://u:hunter2@redis",
                             "redis://redis/0?password=x@y"}) {
    auto pw = ParseCacheUrl(secret);
    BOOST_TEST(!pw.ok());
    BOOST_TEST(pw.status().message().find("VOUCH_CACHE_PASSWORD") != std::string::npos);
    BOOST_TEST(pw.status().message().find("hunter2") == std::string::npos);
  }
  for (const char* bad : {"http://redis:6379", "redis://", "redis://:6379", "redis://h:0",
                          "redis://h:70000", "redis://h:x", "redis://h:6379/x", "redis:/h",
                          "redis://[::1", "redis://h/ 1", "redis://a b:1", "redis://h/1?x=1",
                          "redis://h/1#f", "redis://h/1/2", "rediss//h"}) {
    auto u = ParseCacheUrl(bad);
    BOOST_TEST(!u.ok(), bad);
    BOOST_TEST(IsInvalidArgument(u.status()), bad);
  }
}

BOOST_AUTO_TEST_CASE(key_names_the_trust_digest_and_the_pinned_image) {
  const std::string a = SharedDecisionKey("sha256:aa", "reg/app@sha256:11");
  BOOST_TEST(a == "vouch:decision:v1:sha256:aa:reg/app@sha256:11");
  BOOST_TEST(a != SharedDecisionKey("sha256:bb", "reg/app@sha256:11"));
  BOOST_TEST(a != SharedDecisionKey("sha256:aa", "reg/app@sha256:22"));
}

verify::ImageDecision Accepted() {
  verify::ImageDecision d;
  d.image = "reg/app@sha256:" + std::string(64, '1');
  d.digest = Digest::Of(AsBytes(std::string("manifest")));
  d.policy_name = "signed-only";
  d.scope = "reg/**";
  d.mode = "enforce";
  d.decision = verify::Decision::kAccepted;
  verify::RequirementResult r;
  r.requirement = "signatures";
  r.outcome = verify::Outcome::kPass;
  r.reason = "release (key 0123)";
  r.signers = 1;
  r.threshold = 1;
  verify::EvidenceFinding valid;
  valid.location = "referrer sha256:abc";
  valid.digest = Digest::Of(AsBytes(std::string("sig")));
  valid.kind = "signature";
  valid.valid = true;
  valid.signer.authority = "release";
  valid.signer.key_id = "0123";
  r.findings.push_back(valid);
  verify::EvidenceFinding invalid = valid;
  invalid.valid = false;
  invalid.reason = verify::Reason::kUntrusted;
  r.findings.push_back(invalid);
  d.results.push_back(r);
  verify::VerifiedInput in;
  in.kind = "signature";
  in.authority = "release";
  in.location = "referrer sha256:abc";
  in.digest = valid.digest;
  d.inputs.push_back(in);
  d.verified_levels.push_back("SLSA_BUILD_LEVEL_3");
  return d;
}

BOOST_AUTO_TEST_CASE(value_round_trips_the_verdict_and_the_evidence) {
  const auto now = SysClock::now();
  const auto expires = now + std::chrono::seconds(300);
  auto got = DecodeSharedDecision(EncodeSharedDecision(Accepted(), expires), now);
  BOOST_REQUIRE(got.has_value());
  const verify::ImageDecision& d = *got->decision;
  BOOST_TEST(d.image == Accepted().image);
  BOOST_TEST(d.digest->ToString() == Accepted().digest->ToString());
  BOOST_TEST(d.policy_name == "signed-only");
  BOOST_TEST(d.scope == "reg/**");
  BOOST_TEST((d.decision == verify::Decision::kAccepted));
  BOOST_TEST(d.status.ok());
  BOOST_REQUIRE(d.results.size() == 1u);
  BOOST_TEST(d.results[0].reason == "release (key 0123)");
  BOOST_TEST(d.results[0].signers == 1u);
  BOOST_REQUIRE(d.results[0].findings.size() == 1u);  // the evidence that counted
  BOOST_TEST(d.results[0].findings[0].signer.key_id == "0123");
  BOOST_REQUIRE(d.inputs.size() == 1u);
  BOOST_TEST(d.inputs[0].digest.ToString() == Accepted().inputs[0].digest.ToString());
  BOOST_TEST(d.verified_levels == std::vector<std::string>{"SLSA_BUILD_LEVEL_3"});
  BOOST_TEST(std::chrono::duration_cast<std::chrono::seconds>(got->expires - expires).count() ==
             0);

  verify::ImageDecision rejected = Accepted();
  rejected.decision = verify::Decision::kRejected;
  rejected.status = VerificationFailedError("signatures: no valid signature");
  rejected.results[0].outcome = verify::Outcome::kFail;
  rejected.results[0].code = verify::Reason::kNoneValid;
  auto r = DecodeSharedDecision(EncodeSharedDecision(rejected, expires), now);
  BOOST_REQUIRE(r.has_value());
  BOOST_TEST((r->decision->decision == verify::Decision::kRejected));
  BOOST_TEST(IsVerificationFailed(r->decision->status));
  BOOST_TEST(r->decision->status.message() == "signatures: no valid signature");
  BOOST_TEST((r->decision->results[0].code == verify::Reason::kNoneValid));
}

BOOST_AUTO_TEST_CASE(expired_foreign_and_broken_values_are_misses) {
  const auto now = SysClock::now();
  const std::string good = EncodeSharedDecision(Accepted(), now + std::chrono::seconds(60));
  BOOST_TEST(DecodeSharedDecision(good, now).has_value());
  // Expiry: past its "expires", a value is a miss even if Redis still holds it.
  BOOST_TEST(!DecodeSharedDecision(good, now + std::chrono::seconds(61)).has_value());
  // Another version, "could not check", and anything that does not parse.
  std::string other = good;
  other.replace(other.find("\"version\":1"), 11, "\"version\":2");
  BOOST_TEST(!DecodeSharedDecision(other, now).has_value());
  verify::ImageDecision err = Accepted();
  err.decision = verify::Decision::kError;
  err.status = UnavailableError("registry down");
  BOOST_TEST(
      !DecodeSharedDecision(EncodeSharedDecision(err, now + std::chrono::seconds(60)), now)
           .has_value());
  for (const std::string& bad :
       {std::string(""), std::string("null"), std::string("[1]"), std::string("{\"version\":1}"),
        good.substr(0, good.size() / 2), std::string("{\"version\":\"1\",\"expires\":1}")}) {
    BOOST_TEST(!DecodeSharedDecision(bad, now).has_value(), bad);
  }
  std::string wrong_type = good;
  wrong_type.replace(wrong_type.find("\"signers\":1"), 11, "\"signers\":\"1\"");
  BOOST_TEST(!DecodeSharedDecision(wrong_type, now).has_value());
}

// FakeShared is the shared cache in memory; |fail| makes every call fail as a down Redis does.
class FakeShared : public internal::SharedCache {
 public:
  Result<std::optional<std::string>> Get(const std::string& key) override {
    std::lock_guard<std::mutex> lock(mu);
    ++gets;
    if (fail) {
      return UnavailableError("fake: down");
    }
    auto it = values.find(key);
    return it == values.end() ? std::optional<std::string>() : std::optional(it->second);
  }
  Status Set(const std::string& key, const std::string& value, std::chrono::seconds ttl) override {
    std::lock_guard<std::mutex> lock(mu);
    ++sets;
    if (fail) {
      return UnavailableError("fake: down");
    }
    values[key] = value;
    ttls[key] = ttl;
    return OkStatus();
  }
  bool Up() const override { return !fail; }
  std::string Describe() const override { return "fake"; }

  std::mutex mu;
  bool fail = false;
  int gets = 0, sets = 0;
  std::map<std::string, std::string> values;
  std::map<std::string, std::chrono::seconds> ttls;
};

// GateWorld is a gate whose registry is a closed loopback port: anything it would have to
// verify itself is "could not check", so a verdict can only come from a cache.
struct GateWorld {
  vouch::testing::TempDir dir;
  int closed_port = 0;
  std::string registry;
  FakeShared shared;
  internal::Metrics metrics;
  std::unique_ptr<registry::Client> client;
  std::unique_ptr<internal::Gate> gate;
  std::shared_ptr<const internal::LoadedPolicy> policy;

  explicit GateWorld(std::chrono::seconds error_ttl = std::chrono::seconds(5)) {
    int fd = vouch::testing::ListenOnLoopback(closed_port);
    ::close(fd);
    registry = "127.0.0.1:" + std::to_string(closed_port);
    auto g = vouch::testing::Run({"openssl", "ecparam", "-name", "prime256v1", "-genkey",
                                  "-noout", "-out", dir.File("key.pem")});
    BOOST_REQUIRE_MESSAGE(g.exit_code == 0, g.err);
    auto p = vouch::testing::Run(
        {"openssl", "ec", "-in", dir.File("key.pem"), "-pubout", "-out", dir.File("key.pub")});
    BOOST_REQUIRE_MESSAGE(p.exit_code == 0, p.err);
    vouch::testing::WriteText(
        dir.File("policy.json"),
        R"({"version":1,"authorities":{"release":{"key":{"path":")" + dir.File("key.pub") +
            R"("}}},"policies":[{"name":"signed","scope":")" + registry +
            R"(/**","mode":"enforce","signatures":{"authorities":["release"],"threshold":1}}]})");
    auto trust = verify::TrustPolicy::Load(dir.File("policy.json"), nullptr);
    BOOST_REQUIRE_MESSAGE(trust.ok(), trust.status().ToString());
    auto lp = std::make_shared<internal::LoadedPolicy>();
    lp->trust = *trust;
    lp->digest = lp->trust->policy().digest.ToString();
    lp->trust_digest = lp->trust->digest().ToString();
    policy = lp;
    registry::ClientOptions co;
    co.insecure_registries = {registry};
    client = std::make_unique<registry::Client>(std::move(co));
    internal::GateOptions go;
    go.shared = &shared;
    go.error_cache_ttl = error_ttl;
    go.worker_threads = 2;
    gate = std::make_unique<internal::Gate>(go, metrics, *client);
    gate->SetPolicy(policy);
  }

  std::string Pinned() const { return registry + "/app@sha256:" + std::string(64, 'a'); }

  std::shared_ptr<const internal::Verdict> Verify(const std::string& image) {
    auto f = gate->Verify(image, policy, std::chrono::steady_clock::now() + std::chrono::seconds(20));
    for (int i = 0; i < 400 && f->result() == nullptr; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    BOOST_REQUIRE(f->result() != nullptr);
    return f->result();
  }
};

BOOST_AUTO_TEST_CASE(gate_serves_a_shared_decision_without_verifying) {
  GateWorld w;
  verify::ImageDecision d = Accepted();
  d.image = w.Pinned();
  w.shared.values[SharedDecisionKey(w.policy->trust_digest, w.Pinned())] =
      EncodeSharedDecision(d, SysClock::now() + std::chrono::seconds(60));
  auto v = w.Verify(w.Pinned());
  BOOST_TEST((v->decision->decision == verify::Decision::kAccepted));
  BOOST_TEST(v->cached);
  BOOST_TEST(w.metrics.verifications.load() == 0u);
  BOOST_TEST(w.metrics.shared_cache_hits.load() == 1u);
  // Now in the local cache too: the next request does not ask the shared one.
  const int gets = w.shared.gets;
  auto again = w.Verify(w.Pinned());
  BOOST_TEST(again->cached);
  BOOST_TEST(w.shared.gets == gets);
}

BOOST_AUTO_TEST_CASE(gate_ignores_a_shared_decision_of_another_policy_or_image) {
  GateWorld w;
  verify::ImageDecision d = Accepted();
  d.image = w.Pinned();
  // Made under other trust material: another key.
  w.shared.values[SharedDecisionKey("sha256:" + std::string(64, '0'), w.Pinned())] =
      EncodeSharedDecision(d, SysClock::now() + std::chrono::seconds(60));
  // Under this policy's key, but naming another image.
  verify::ImageDecision other = Accepted();
  const std::string pinned_b = w.registry + "/b@sha256:" + std::string(64, 'b');
  w.shared.values[SharedDecisionKey(w.policy->trust_digest, pinned_b)] =
      EncodeSharedDecision(other, SysClock::now() + std::chrono::seconds(60));
  for (const std::string& image : {w.Pinned(), pinned_b}) {
    auto v = w.Verify(image);
    BOOST_TEST((v->decision->decision == verify::Decision::kError), image);
  }
  BOOST_TEST(w.metrics.shared_cache_hits.load() == 0u);
  BOOST_TEST(w.metrics.shared_cache_misses.load() == 2u);
}

BOOST_AUTO_TEST_CASE(gate_with_a_failing_shared_cache_decides_alone_and_never_allows) {
  GateWorld w;
  w.shared.fail = true;
  auto v = w.Verify(w.Pinned());
  // Its own check could not reach the registry: "could not check", not accepted or rejected.
  BOOST_TEST((v->decision->decision == verify::Decision::kError));
  BOOST_TEST(w.metrics.shared_cache_errors.load() == 1u);
  BOOST_TEST(w.metrics.verifications.load() == 1u);
  // "Could not check" is never written to the shared cache.
  BOOST_TEST(w.shared.sets == 0);
}

BOOST_AUTO_TEST_CASE(could_not_check_is_reused_for_the_error_ttl_and_stays_an_error) {
  GateWorld w;
  auto first = w.Verify(w.Pinned());
  BOOST_TEST((first->decision->decision == verify::Decision::kError));
  auto second = w.Verify(w.Pinned());
  BOOST_TEST((second->decision->decision == verify::Decision::kError));
  BOOST_TEST(second->cached);
  BOOST_TEST(w.metrics.error_cache_hits.load() == 1u);
  BOOST_TEST(w.metrics.verifications.load() == 1u);

  GateWorld off(std::chrono::seconds(0));
  off.Verify(off.Pinned());
  auto again = off.Verify(off.Pinned());
  BOOST_TEST(!again->cached);
  BOOST_TEST(off.metrics.error_cache_hits.load() == 0u);
  BOOST_TEST(off.metrics.verifications.load() == 2u);
}

// The Redis client against a closed loopback port: every call fails (a miss for the gate),
// Up() says so, and nothing throws or hangs.
BOOST_AUTO_TEST_CASE(redis_client_without_a_server_fails_every_call_and_is_down) {
  int port = 0;
  ::close(vouch::testing::ListenOnLoopback(port));
  CacheUrl url;
  url.host = "127.0.0.1";
  url.port = port;
  auto cache = internal::NewRedisCache(url, "pw-never-shown");
  BOOST_TEST(cache->Describe() == "redis://127.0.0.1:" + std::to_string(port) + "/0");
  for (int i = 0; i < 3; ++i) {
    auto got = cache->Get("k");
    BOOST_TEST(!got.ok());
    BOOST_TEST(got.status().message().find("pw-never-shown") == std::string::npos);
    BOOST_TEST(!cache->Set("k", "v", std::chrono::seconds(1)).ok());
  }
  BOOST_TEST(!cache->Up());
}

// A Redis that hangs (connection accepted, nothing answered), and one that answers with
// something that is not RESP: each call fails at its timeout ("timed out", not a hang: ctest's
// timeout would catch one), the cache is down, and nothing crashes. Over rediss://, a peer that never completes the handshake is the
// same.
BOOST_AUTO_TEST_CASE(hung_or_garbled_redis_fails_calls_within_the_timeouts) {
  internal::RedisTimeouts quick;
  quick.backoff_min = quick.backoff_max = std::chrono::milliseconds(0);
  vouch::testing::Blackhole hole;
  for (bool tls : {false, true}) {
    CacheUrl url;
    url.tls = tls;
    url.host = "127.0.0.1";
    url.port = hole.port();
    auto cache = internal::NewRedisCache(
        url, "", tls ? *internal::LoadRedisTls({}) : nullptr, quick);
    auto got = cache->Get("k");
    BOOST_TEST(!got.ok(), tls);
    BOOST_TEST(got.status().message().find("timed out") != std::string::npos,
               got.status().message());
    BOOST_TEST(!cache->Up());
  }

  int port = 0;
  const int listener = vouch::testing::ListenOnLoopback(port);
  std::thread peer([listener] {
    for (int i = 0; i < 2; ++i) {
      const int c = ::accept(listener, nullptr, nullptr);
      char buf[256];
      (void)::read(c, buf, sizeof(buf));
      const std::string junk = "HTTP/1.1 400 Bad Request\r\n\r\n";
      (void)::write(c, junk.data(), junk.size());
      ::close(c);
    }
  });
  CacheUrl url;
  url.host = "127.0.0.1";
  url.port = port;
  auto cache = internal::NewRedisCache(url, "", nullptr, quick);
  auto got = cache->Get("k");
  BOOST_TEST(!got.ok());
  BOOST_TEST(got.status().message().find("not a Redis reply") != std::string::npos,
             got.status().message());
  BOOST_TEST(!cache->Set("k", "v", std::chrono::seconds(1)).ok());
  peer.join();
  ::close(listener);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::serve
