#include "gate.h"

#include <boost/asio/post.hpp>
#include <set>
#include <thread>
#include <utility>

#include "core/internal/json.h"
#include "vouch/core/clock.h"
#include "vouch/core/duration.h"

namespace vouch::serve::internal {
namespace {

using Clock = std::chrono::steady_clock;

// Pinned returns |ref| naming |digest| without its tag: what the gate evaluates and caches, and
// what /mutate writes, so that the mutated pod hits the cache entry its verification made.
registry::Reference Pinned(const registry::Reference& ref, const Digest& digest) {
  registry::Reference p = ref;
  p.tag.clear();
  p.digest = digest;
  return p;
}

std::shared_ptr<const verify::ImageDecision> MakeDecision(const std::string& image,
                                                          verify::Decision decision,
                                                          const std::string& requirement,
                                                          const Status& status) {
  auto d = std::make_shared<verify::ImageDecision>();
  d->image = image;
  d->decision = decision;
  d->status = status;
  verify::RequirementResult r;
  r.requirement = requirement;
  r.outcome =
      decision == verify::Decision::kError ? verify::Outcome::kError : verify::Outcome::kFail;
  r.reason = status.message();
  d->results.push_back(std::move(r));
  return d;
}

std::shared_ptr<Flight> Completed(std::shared_ptr<Verdict> v) {
  auto f = std::make_shared<Flight>();
  f->Complete(std::move(v));
  return f;
}

// DigestScopeMayApply reports whether a scope pinned to a digest matches the repository |repo|
// at that digest: once a tag of |repo| resolves, such a scope may win over the one chosen now.
bool DigestScopeMayApply(const policy::Policy& p, const std::string& repo) {
  for (const policy::ScopePolicy& sp : p.policies) {
    size_t at = sp.scope.find('@');
    if (at != std::string::npos && policy::ScopeMatches(sp.scope, repo + sp.scope.substr(at))) {
      return true;
    }
  }
  return false;
}

// Evidence lists what counted toward |d| (ImageDecision::inputs, the VSA's inputAttestations),
// each with the key id or identity of the signer that verified it: what an auditor needs to
// answer "admitted on what evidence".
OrderedJson Evidence(const verify::ImageDecision* d) {
  OrderedJson out = OrderedJson::array();
  if (d == nullptr) {
    return out;
  }
  for (const verify::VerifiedInput& in : d->inputs) {
    const verify::Signer* signer = nullptr;
    for (const verify::RequirementResult& r : d->results) {
      for (const verify::EvidenceFinding& f : r.findings) {
        if (signer == nullptr && f.valid && f.digest == in.digest && f.location == in.location &&
            f.signer.authority == in.authority) {
          signer = &f.signer;
        }
      }
    }
    OrderedJson e;
    e["kind"] = in.kind;
    e["predicateType"] = in.predicate_type;
    e["authority"] = in.authority;
    e["keyId"] = signer != nullptr ? signer->key_id : "";
    e["identity"] = signer != nullptr ? signer->identity : "";
    e["digest"] = in.digest.ToString();
    e["location"] = in.location;
    out.push_back(std::move(e));
  }
  return out;
}

std::string Requirement(const verify::RequirementResult& r) {
  std::string s = r.requirement;
  if (!r.platform.empty()) {
    s += " [" + r.platform + "]";
  }
  return s + ": " + r.reason;
}

}  // namespace

void Flight::OnDone(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!verdict_) {
      waiters_.push_back(std::move(fn));
      return;
    }
  }
  fn();
}

std::shared_ptr<const Verdict> Flight::result() const {
  std::lock_guard<std::mutex> lock(mu_);
  return verdict_;
}

void Flight::Complete(std::shared_ptr<const Verdict> verdict) {
  std::vector<std::function<void()>> waiters;
  {
    std::lock_guard<std::mutex> lock(mu_);
    verdict_ = std::move(verdict);
    waiters.swap(waiters_);
  }
  for (auto& w : waiters) {
    w();
  }
}

Gate::Gate(const GateOptions& options, Metrics& metrics, registry::Client& client)
    : options_(options),
      metrics_(metrics),
      client_(client),
      pool_(static_cast<size_t>(std::max(1, options.worker_threads))) {}

Gate::~Gate() {
  pool_.stop();
  pool_.join();
}

bool Gate::Shutdown(std::chrono::milliseconds grace) {
  pool_.stop();
  {
    std::lock_guard<std::mutex> lock(flights_mu_);
    for (auto& [key, flight] : flights_) {
      flight->cancellation().Cancel();
    }
  }
  auto until = Clock::now() + grace;
  while (metrics_.verifications_in_flight.load() > 0) {
    if (Clock::now() >= until) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  pool_.join();
  return true;
}

std::shared_ptr<const LoadedPolicy> Gate::policy() const {
  std::lock_guard<std::mutex> lock(policy_mu_);
  return policy_;
}

void Gate::SetPolicy(std::shared_ptr<const LoadedPolicy> policy) {
  std::lock_guard<std::mutex> lock(policy_mu_);
  policy_ = std::move(policy);
}

// Live returns |m|'s entry for |key| while it has not expired (an expired one is erased), else
// nullptr. The caller holds cache_mu_.
template <typename Map>
static const typename Map::mapped_type* Live(Map& m, const std::string& key) {
  auto it = m.find(key);
  if (it == m.end()) {
    return nullptr;
  }
  if (it->second.expires <= Clock::now()) {
    m.erase(it);
    return nullptr;
  }
  return &it->second;
}

std::shared_ptr<const verify::ImageDecision> Gate::LookupDecision(const std::string& key) {
  std::lock_guard<std::mutex> lock(cache_mu_);
  const Entry* e = Live(decisions_, key);
  return e == nullptr ? nullptr : e->decision;
}

// Both caches are bounded: when full, expired entries go first, then everything (a cold cache
// costs verifications, never correctness).
template <typename Map>
static void MakeRoom(Map& m, size_t max) {
  if (m.size() < max) {
    return;
  }
  auto now = Clock::now();
  std::erase_if(m, [&](const auto& kv) { return kv.second.expires <= now; });
  if (m.size() >= max) {
    m.clear();
  }
}

void Gate::StoreDecision(const std::string& key,
                         const std::shared_ptr<const verify::ImageDecision>& decision,
                         std::optional<Clock::time_point> until) {
  Clock::time_point expires = Clock::now() + options_.cache_ttl;
  if (until && *until < expires) {
    expires = *until;
  }
  std::lock_guard<std::mutex> lock(cache_mu_);
  MakeRoom(decisions_, options_.max_cache_entries);
  decisions_[key] = Entry{decision, expires};
}

std::shared_ptr<const verify::ImageDecision> Gate::LookupError(const std::string& key) {
  if (options_.error_cache_ttl.count() <= 0) {
    return nullptr;
  }
  std::lock_guard<std::mutex> lock(cache_mu_);
  const Entry* e = Live(errors_, key);
  return e == nullptr ? nullptr : e->decision;
}

void Gate::StoreError(const std::string& key,
                      const std::shared_ptr<const verify::ImageDecision>& decision) {
  // Only "could not check" that was a complete attempt: a cancellation says nothing about the
  // image (no request waited any more), so the next request must try again.
  if (options_.error_cache_ttl.count() <= 0 || decision->decision != verify::Decision::kError ||
      registry::IsCancelled(decision->status)) {
    return;
  }
  std::lock_guard<std::mutex> lock(cache_mu_);
  MakeRoom(errors_, options_.max_cache_entries);
  errors_[key] = Entry{decision, Clock::now() + options_.error_cache_ttl};
}

std::shared_ptr<const verify::ImageDecision> Gate::LookupShared(const LoadedPolicy& policy,
                                                                const std::string& pinned) {
  if (options_.shared == nullptr) {
    return nullptr;
  }
  Result<std::optional<std::string>> got =
      options_.shared->Get(SharedDecisionKey(policy.trust_digest, pinned));
  if (!got.ok()) {
    ++metrics_.shared_cache_errors;
    return nullptr;
  }
  const auto now = std::chrono::system_clock::now();
  std::optional<SharedDecision> d =
      got->has_value() ? DecodeSharedDecision(**got, now) : std::nullopt;
  // The key names the image; a value naming another one is not this image's decision.
  if (!d || d->decision->image != pinned) {
    ++metrics_.shared_cache_misses;
    return nullptr;
  }
  ++metrics_.shared_cache_hits;
  StoreDecision(policy.trust_digest + " " + pinned, d->decision,
                Clock::now() + std::chrono::duration_cast<Clock::duration>(d->expires - now));
  return d->decision;
}

void Gate::ShareDecision(const LoadedPolicy& policy, const std::string& pinned,
                         const verify::ImageDecision& decision) {
  if (options_.shared == nullptr || decision.decision == verify::Decision::kError) {
    return;
  }
  Status s = options_.shared->Set(
      SharedDecisionKey(policy.trust_digest, pinned),
      EncodeSharedDecision(decision, std::chrono::system_clock::now() + options_.cache_ttl),
      options_.cache_ttl);
  ++(s.ok() ? metrics_.shared_cache_writes : metrics_.shared_cache_errors);
}

std::optional<Digest> Gate::LookupTag(const std::string& ref) {
  std::lock_guard<std::mutex> lock(cache_mu_);
  const TagEntry* e = Live(tags_, ref);
  return e == nullptr ? std::nullopt : std::optional<Digest>(e->digest);
}

void Gate::StoreTag(const std::string& ref, const Digest& digest) {
  std::lock_guard<std::mutex> lock(cache_mu_);
  MakeRoom(tags_, options_.max_cache_entries);
  tags_.insert_or_assign(ref, TagEntry{digest, Clock::now() + options_.tag_ttl});
}

std::shared_ptr<Flight> Gate::Verify(const std::string& image,
                                     const std::shared_ptr<const LoadedPolicy>& policy,
                                     Clock::time_point deadline) {
  auto v = std::make_shared<Verdict>();
  Result<registry::Reference> parsed = registry::ParseReference(image);
  if (!parsed.ok() || parsed->is_layout()) {
    Status s = parsed.ok() ? VerificationFailedError("an oci: layout is not a pullable image")
                           : VerificationFailedError(parsed.status().message());
    v->decision = MakeDecision(image, verify::Decision::kRejected, "reference", s);
    return Completed(std::move(v));
  }
  const registry::Reference& ref = *parsed;
  v->reference = ref.ToString();
  // A scope that decides outright (reject, accept, a denied digest, no scope) costs no registry
  // request, not even the tag's resolution: a pod spec cannot make the gate connect anywhere
  // its policy does not ask to look. Scopes are matched against repo@digest, as Run does.
  registry::Reference scoped = ref;
  scoped.tag.clear();
  if (ref.digest || !DigestScopeMayApply(policy->trust->policy(), scoped.RepositoryName())) {
    if (auto d = verify::DecideOutright(scoped, *policy->trust, {})) {
      d->image = v->reference;
      if (ref.digest) {
        v->digest = ref.digest;
        v->pinned = scoped.ToString();
      }
      v->decision = std::make_shared<const verify::ImageDecision>(std::move(*d));
      return Completed(std::move(v));
    }
  }
  std::optional<Digest> digest = ref.digest;
  if (!digest) {
    digest = LookupTag(v->reference);
    if (digest) {
      ++metrics_.tag_cache_hits;
    }
  }
  if (digest) {
    v->digest = digest;
    v->pinned = Pinned(ref, *digest).ToString();
    if (auto hit = LookupDecision(policy->trust_digest + " " + v->pinned)) {
      ++metrics_.cache_hits;
      v->decision = std::move(hit);
      v->cached = true;
      return Completed(std::move(v));
    }
  }
  const std::string key = policy->trust_digest + " " + v->reference;
  if (auto error = LookupError(key)) {
    // A "could not check" made moments ago: still "could not check", never a rejection.
    ++metrics_.error_cache_hits;
    v->decision = std::move(error);
    v->cached = true;
    return Completed(std::move(v));
  }
  ++metrics_.cache_misses;
  std::shared_ptr<Flight> flight;
  {
    std::lock_guard<std::mutex> lock(flights_mu_);
    auto it = flights_.find(key);
    if (it != flights_.end()) {
      it->second->cancellation().ExtendTo(deadline);
      if (!it->second->cancellation().cancelled()) {
        ++metrics_.shared_flights;
        return it->second;
      }
      // Already cut short for requests that gave up: this one gets a verification of its own.
    }
    flight = std::make_shared<Flight>(deadline);
    flights_[key] = flight;
  }
  Schedule(Job{flight, key, ref, policy});
  return flight;
}

std::optional<AdmissionDecision> Gate::OverImageCap(const AdmissionRequest& request,
                                                    bool mutate) const {
  std::set<std::string> distinct;
  for (const ContainerImage& ci : request.images) {
    distinct.insert(ci.image);
  }
  if (distinct.size() <= options_.max_images_per_review) {
    return std::nullopt;
  }
  AdmissionDecision out;
  out.refused = "the object names " + std::to_string(distinct.size()) +
                " distinct images, over the cap of " +
                std::to_string(options_.max_images_per_review) +
                " per review (--max-images-per-review); none was verified";
  out.response.allowed = mutate;
  if (mutate) {
    out.response.warnings.push_back("images not pinned: " + out.refused);
  } else {
    out.response.code = 403;
    out.response.message = "vouch: " + out.refused;
  }
  return out;
}

std::optional<AdmissionDecision> DecideUnverified(const AdmissionRequest& request, bool mutate,
                                                  const policy::Policy& policy) {
  AdmissionDecision out;
  if (Skip skip = SkipFor(request); skip != Skip::kNone) {
    out.skipped = std::string(SkipName(skip));
    out.refused = SkipDescription(skip, request);
    out.response.allowed = true;
    return out;
  }
  if (request.known_kind) {
    return std::nullopt;
  }
  // A kind whose pod template vouch does not know (a custom resource the operator routed to the
  // webhook): its images cannot be seen, so they cannot be verified.
  std::string kind = request.group.empty() ? "" : request.group + "/";
  kind += request.version.empty() ? request.kind : request.version + " " + request.kind;
  const bool allow = policy.admission.unknown_kinds == policy::UnknownKinds::kAllow;
  out.skipped = "unknown-kind";
  out.refused = "kind " + kind + " has no pod template vouch knows, so its images cannot be " +
                "verified (policy admission.unknownKinds: " + (allow ? "allow" : "deny") + ")";
  out.response.allowed = allow || mutate;
  if (!out.response.allowed) {
    out.response.code = 403;
    out.response.message = "vouch: " + out.refused;
  } else if (!mutate) {
    out.response.warnings.push_back("admitted unverified: " + out.refused);
  }
  return out;
}

void Gate::Schedule(Job job) {
  std::vector<Job> abandoned;
  bool run_now = false;
  {
    std::lock_guard<std::mutex> lock(registries_mu_);
    Registry& r = registries_[job.ref.registry];
    if (r.running < std::max(1, options_.registry_concurrency)) {
      ++r.running;
      run_now = true;
    } else {
      // Jobs whose requests have all given up leave the queue here too, so that a registry
      // that never answers holds at most one deadline's worth of them.
      for (auto it = r.queued.begin(); it != r.queued.end();) {
        if (it->flight->cancellation().cancelled()) {
          abandoned.push_back(std::move(*it));
          it = r.queued.erase(it);
        } else {
          ++it;
        }
      }
      r.queued.push_back(std::move(job));
      metrics_.verifications_queued += 1 - static_cast<int64_t>(abandoned.size());
    }
  }
  for (const Job& j : abandoned) {
    Abandoned(j);
  }
  if (run_now) {
    boost::asio::post(pool_, [this, job = std::move(job)] { Run(job); });
  }
}

void Gate::Release(const std::string& registry) {
  std::vector<Job> abandoned;
  std::optional<Job> next;
  {
    std::lock_guard<std::mutex> lock(registries_mu_);
    auto it = registries_.find(registry);
    if (it == registries_.end()) {
      return;
    }
    Registry& r = it->second;
    while (!r.queued.empty() && !next) {
      Job j = std::move(r.queued.front());
      r.queued.pop_front();
      --metrics_.verifications_queued;
      if (j.flight->cancellation().cancelled()) {
        abandoned.push_back(std::move(j));
      } else {
        next = std::move(j);
      }
    }
    if (!next && --r.running <= 0) {
      registries_.erase(it);
    }
  }
  for (const Job& j : abandoned) {
    Abandoned(j);
  }
  if (next) {
    boost::asio::post(pool_, [this, job = std::move(*next)] { Run(job); });
  }
}

void Gate::Abandoned(const Job& job) {
  ++metrics_.verifications_cancelled;
  auto v = std::make_shared<Verdict>();
  v->reference = job.ref.ToString();
  v->decision = MakeDecision(v->reference, verify::Decision::kError, "registry",
                             registry::CancelledError("no request waits for " + v->reference +
                                                      " any more (past its deadline)"));
  Land(job, std::move(v));
}

void Gate::Land(const Job& job, std::shared_ptr<Verdict> verdict) {
  {
    std::lock_guard<std::mutex> lock(flights_mu_);
    auto it = flights_.find(job.key);
    if (it != flights_.end() && it->second == job.flight) {
      flights_.erase(it);
    }
  }
  job.flight->Complete(std::move(verdict));
}

void Gate::Run(const Job& job) {
  const std::shared_ptr<Flight>& flight = job.flight;
  const registry::Reference& ref = job.ref;
  const std::shared_ptr<const LoadedPolicy>& policy = job.policy;
  if (flight->cancellation().cancelled()) {
    Abandoned(job);  // waited past its deadline for a worker
    Release(ref.registry);
    return;
  }
  ++metrics_.verifications_in_flight;
  registry::ScopedCancellation scope(flight->cancellation());
  auto v = std::make_shared<Verdict>();
  v->reference = ref.ToString();
  std::optional<Digest> digest = ref.digest;
  std::optional<registry::Descriptor> resolved;  // what the tag resolved to, when done here
  if (!digest) {
    ++metrics_.tag_cache_misses;
    ++metrics_.tag_resolutions;
    Result<std::unique_ptr<registry::Repository>> repo = client_.Open(ref);
    Result<registry::Descriptor> desc =
        repo.ok() ? (*repo)->Resolve(ref.tag) : Result<registry::Descriptor>(repo.status());
    if (desc.ok()) {
      digest = desc->digest;
      resolved = *desc;
      StoreTag(v->reference, *digest);
    } else {
      // "Not found" is a fact about the image (it cannot run): a rejection. Anything else is
      // "could not check".
      bool missing = IsNotFound(desc.status());
      if (registry::IsCancelled(desc.status())) {
        ++metrics_.verifications_cancelled;
      }
      v->decision = MakeDecision(v->reference,
                                 missing ? verify::Decision::kRejected : verify::Decision::kError,
                                 "resolve", desc.status().WithContext("resolving tag " + ref.tag));
    }
  }
  if (digest) {
    v->digest = digest;
    registry::Reference pinned = Pinned(ref, *digest);
    v->pinned = pinned.ToString();
    const std::string cache_key = policy->trust_digest + " " + v->pinned;
    if (auto hit = LookupDecision(cache_key)) {
      v->decision = std::move(hit);
      v->cached = true;
    } else if (auto shared = LookupShared(*policy, v->pinned)) {
      v->decision = std::move(shared);
      v->cached = true;
    } else {
      ++metrics_.verifications;
      Result<std::unique_ptr<registry::Repository>> repo = client_.Open(pinned);
      if (repo.ok()) {
        verify::EvaluateOptions eo;
        eo.resolved = resolved;
        std::shared_ptr<const verify::ImageDecision> d =
            std::make_shared<verify::ImageDecision>(verify::Evaluate(**repo, *policy->trust, eo));
        if (flight->cancellation().cancelled()) {
          // Whatever a cut-short evaluation concluded, it was not a complete check.
          ++metrics_.verifications_cancelled;
          d = MakeDecision(v->pinned, verify::Decision::kError, "registry",
                           registry::CancelledError("verification of " + v->pinned +
                                                    " stopped: no request waits for it any more"));
        } else if (d->decision != verify::Decision::kError) {
          StoreDecision(cache_key, d);
        }
        v->decision = std::move(d);
      } else {
        v->decision = MakeDecision(v->pinned, verify::Decision::kError, "registry", repo.status());
      }
    }
  }
  --metrics_.verifications_in_flight;
  const bool verified_here = !v->cached && v->decision->decision != verify::Decision::kError &&
                             !v->pinned.empty() && !flight->cancellation().cancelled();
  std::shared_ptr<const verify::ImageDecision> decided = v->decision;
  const std::string pinned = v->pinned;
  if (decided->decision == verify::Decision::kError && !flight->cancellation().cancelled()) {
    StoreError(job.key, decided);
  }
  Land(job, std::move(v));
  // Written after the waiters have their answer: a slow Redis delays no request.
  if (verified_here) {
    ShareDecision(*policy, pinned, *decided);
  }
  Release(ref.registry);
}

AdmissionDecision Gate::Decide(const AdmissionRequest& request, bool mutate,
                               const std::map<std::string, std::shared_ptr<Flight>>& flights,
                               const LoadedPolicy& policy) const {
  AdmissionDecision out;
  std::map<std::string, const ImageVerdict*> by_image;
  std::set<std::string> seen;
  for (const ContainerImage& ci : request.images) {
    if (!seen.insert(ci.image).second) {
      continue;
    }
    ImageVerdict iv;
    iv.image = ci.image;
    auto fit = flights.find(ci.image);
    std::shared_ptr<const Verdict> v = fit == flights.end() ? nullptr : fit->second->result();
    std::string scope_ref = ci.image;
    bool could_not_check = false;
    bool fetch_failure = false;  // the registry could not be read (throttled or unavailable)
    if (v == nullptr) {
      iv.result = "timeout";
      iv.reasons.push_back("could not verify within the deadline (" +
                           FormatDuration(options_.deadline) + ")");
      could_not_check = true;
      if (auto r = registry::ParseReference(ci.image); r.ok()) {
        scope_ref = r->ToString();
      }
    } else {
      iv.pinned = v->pinned;
      iv.digest = v->digest ? v->digest->ToString() : "";
      iv.cached = v->cached;
      iv.decision = v->decision;
      scope_ref = !v->pinned.empty() ? v->pinned : v->reference;
      const verify::ImageDecision& d = *v->decision;
      iv.policy = d.policy_name;
      iv.result = std::string(verify::DecisionName(d.decision));
      for (const verify::RequirementResult& r : d.results) {
        if (r.outcome == verify::Outcome::kWarn) {
          iv.warnings.push_back(Requirement(r));
        } else if (r.outcome == verify::Outcome::kFail || r.outcome == verify::Outcome::kError) {
          iv.reasons.push_back(Requirement(r));
        }
      }
      switch (d.decision) {
        case verify::Decision::kAccepted:
          iv.allowed = true;
          break;
        case verify::Decision::kRejected:
          if (iv.reasons.empty()) {
            iv.reasons.push_back(d.status.message().empty() ? "rejected by the policy"
                                                            : d.status.message());
          }
          break;
        case verify::Decision::kError:
          could_not_check = true;
          // Its own status, so that a registry refusing to serve is told apart from one that
          // is down (and never from a rejection) in the answer, the log and the metrics.
          if (registry::IsThrottled(d.status)) {
            iv.result = "throttled";
          }
          fetch_failure = IsUnavailable(d.status);
          if (iv.reasons.empty()) {
            iv.reasons.push_back("could not verify: " + d.status.ToString());
          }
          break;
      }
    }
    if (could_not_check && !scope_ref.empty()) {
      const policy::ScopePolicy* sp = policy::SelectPolicy(policy.trust->policy(), scope_ref);
      if (sp != nullptr) {
        iv.policy = sp->name;
        if (sp->failure_policy == policy::FailurePolicy::kAllow) {
          iv.allowed = true;
          iv.warnings.push_back("could not verify (" + iv.reasons.front() +
                                "); admitted by failurePolicy allow of policy \"" + sp->name +
                                "\"");
        } else if (fetch_failure && sp->fetch_failure == policy::FetchFailure::kWarn) {
          iv.allowed = true;
          iv.warnings.push_back("could not verify (" + iv.reasons.front() +
                                "); admitted by fetchFailure warn of policy \"" + sp->name +
                                "\"");
        }
      }
    }
    out.images.push_back(std::move(iv));
  }
  for (const ImageVerdict& iv : out.images) {
    by_image[iv.image] = &iv;
  }

  AdmissionResponse& resp = out.response;
  if (mutate) {
    // /mutate only pins; enforcement is /validate's. An image is pinned only when it was
    // verified and accepted, and only when written without a digest.
    resp.allowed = true;
    for (ImageVerdict& iv : out.images) {
      // Accepted by a scope that checks nothing (mode accept): the tag was never resolved, so
      // there is no verified digest to pin; said rather than silently left as written.
      if (iv.result == "accepted" && iv.pinned.empty() && iv.image.find('@') == std::string::npos) {
        iv.warnings.push_back("not pinned to a digest: policy \"" + iv.policy +
                              "\" accepts it without checks (mode accept), so its tag was not "
                              "resolved");
        resp.warnings.push_back(iv.image + ": " + iv.warnings.back());
      }
    }
    for (const ContainerImage& ci : request.images) {
      const ImageVerdict* iv = by_image[ci.image];
      if (iv != nullptr && iv->result == "accepted" && !iv->pinned.empty() &&
          ci.image.find('@') == std::string::npos) {
        resp.patch.push_back(PatchOperation{ci.pointer, iv->pinned});
      }
    }
    return out;
  }
  resp.allowed = true;
  std::string message;
  for (const ImageVerdict& iv : out.images) {
    for (const std::string& w : iv.warnings) {
      resp.warnings.push_back(iv.image + ": " + w);
    }
    if (iv.allowed) {
      continue;
    }
    resp.allowed = false;
    if (!message.empty()) {
      message += "\n";
    }
    message += "image " + iv.image;
    if (!iv.policy.empty()) {
      message += " (policy \"" + iv.policy + "\")";
    }
    if (iv.result == "rejected") {
      message += " rejected: ";
    } else if (iv.result == "error") {
      message += " could not be verified: ";
    } else if (iv.result == "throttled") {
      message += " could not be verified (registry throttled): ";
    } else {
      message += " not admitted: ";  // timeout: the reason says so
    }
    for (size_t i = 0; i < iv.reasons.size(); ++i) {
      message += (i > 0 ? "; " : "") + iv.reasons[i];
    }
  }
  if (!resp.allowed) {
    resp.code = 403;
    resp.message = "vouch: " + message;
  }
  return out;
}

std::string DecisionLogLine(const AdmissionRequest& request, bool mutate,
                            const AdmissionDecision& decision, const std::string& policy_digest) {
  OrderedJson j;
  j["time"] = FormatRfc3339Millis(std::chrono::system_clock::now());
  j["webhook"] = mutate ? "mutate" : "validate";
  j["uid"] = request.uid;
  j["namespace"] = request.namespace_name;
  j["kind"] = request.group.empty() ? request.kind : request.group + "/" + request.kind;
  j["name"] = request.name;
  j["operation"] = request.operation;
  j["subResource"] = request.sub_resource;
  OrderedJson user;
  user["username"] = request.username;
  user["groups"] = request.groups;
  j["user"] = std::move(user);
  j["result"] = decision.response.allowed ? "allowed" : "denied";
  if (!decision.skipped.empty()) {
    j["skipped"] = decision.skipped;
  }
  OrderedJson images = OrderedJson::array();
  std::vector<std::string> reasons;
  for (const ImageVerdict& iv : decision.images) {
    OrderedJson i;
    i["image"] = iv.image;
    i["reference"] = iv.pinned;
    i["digest"] = iv.digest;
    i["policy"] = iv.policy;
    i["result"] = iv.result;
    i["admitted"] = iv.allowed;
    i["cached"] = iv.cached;
    i["reasons"] = iv.reasons;
    i["warnings"] = iv.warnings;
    i["evidence"] = Evidence(iv.decision.get());
    for (const std::string& r : iv.reasons) {
      reasons.push_back(iv.image + ": " + r);
    }
    images.push_back(std::move(i));
  }
  j["images"] = std::move(images);
  if (!decision.refused.empty()) {
    reasons.push_back(decision.refused);
  }
  j["reasons"] = reasons;
  if (!decision.response.patch.empty()) {
    j["patch"] = decision.response.patch.size();
  }
  j["policyDigest"] = policy_digest;
  return DumpJson(j);
}

}  // namespace vouch::serve::internal
