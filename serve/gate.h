// The decision engine of `vouch serve`: the policy in force, the decision and tag caches, single
// flight, the verification worker pool, and turning per-image verdicts into an admission
// answer. Internal; independent of HTTP.
#pragma once

#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "metrics.h"
#include "shared_cache.h"
#include "vouch/core/digest.h"
#include "vouch/policy/policy.h"
#include "vouch/registry/client.h"
#include "vouch/serve/admission.h"
#include "vouch/verify/engine.h"

namespace vouch::serve::internal {

// LoadedPolicy is one version of the policy file. Requests take a snapshot (shared_ptr) when
// they start, so a reload never changes the policy under a request.
struct LoadedPolicy {
  // trust is the compiled policy: trust material (keys, roots) read once, at load.
  std::shared_ptr<const verify::TrustPolicy> trust;
  std::string digest;  // "sha256:<hex>" of the file's bytes (metrics, decision log)
  // trust_digest covers the file and its trust material: the decision cache's key, so a
  // changed key file or trusted root never answers with a decision made under the old one.
  std::string trust_digest;
};

// Verdict is the outcome of verifying one image reference.
struct Verdict {
  std::string reference;         // the normalized reference as written ("" if it did not parse)
  std::optional<Digest> digest;  // what the reference resolved to
  std::string pinned;            // "registry/repo@sha256:…": what was evaluated
  std::shared_ptr<const verify::ImageDecision> decision;
  bool cached = false;  // answered from the decision cache
};

// Flight is one verification, shared by every request that asks for the same image while it
// runs.
class Flight {
 public:
  // A flight starts wanted until |deadline| (the first waiting request's).
  explicit Flight(
      std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max())
      : cancellation_(deadline) {}
  // OnDone calls |fn| once the verdict is in: at once, on this thread, when it already is;
  // otherwise later, on the worker thread that completes it.
  void OnDone(std::function<void()> fn);
  // result returns the verdict, or nullptr while the verification runs.
  std::shared_ptr<const Verdict> result() const;
  void Complete(std::shared_ptr<const Verdict> verdict);
  // cancellation governs the verification's registry exchanges: its deadline is the latest
  // deadline of the requests waiting for this flight, so the verification stops once none waits.
  registry::Cancellation& cancellation() { return cancellation_; }

 private:
  registry::Cancellation cancellation_;
  mutable std::mutex mu_;
  std::shared_ptr<const Verdict> verdict_;
  std::vector<std::function<void()>> waiters_;
};

struct GateOptions {
  std::chrono::seconds cache_ttl{300};
  // error_cache_ttl keeps a "could not check" verdict (never a cancellation) for this long, in
  // this process only; 0 keeps none.
  std::chrono::seconds error_cache_ttl{5};
  // shared, when set, is the cache the replicas share (not owned; outlives the Gate): a local
  // miss asks it, on a worker, before verifying; a verdict made here is written to it.
  SharedCache* shared = nullptr;
  std::chrono::seconds tag_ttl{30};
  std::chrono::milliseconds deadline{8000};
  int worker_threads = 16;
  size_t max_cache_entries = 50000;
  // registry_concurrency is how many verifications of images on one registry (host[:port] as
  // written in the reference) run at once; the rest wait in that registry's queue, not on a
  // worker, so a slow or dead registry cannot take every worker.
  int registry_concurrency = 4;
  // max_images_per_review caps the distinct images of one AdmissionReview; a review over it is
  // answered without verifying any of them.
  size_t max_images_per_review = 64;
};

// ImageVerdict is one image's part of an admission answer.
struct ImageVerdict {
  std::string image;   // as written
  std::string pinned;  // what was verified ("" when it never resolved)
  std::string digest;
  std::string policy;    // scope policy name
  // result: "accepted", "rejected", "error", "throttled" (an error because the registry
  // throttled: 429, circuit open, rate limit), "timeout".
  std::string result;
  // allowed: admitted (accepted; error, throttled or timeout with failurePolicy allow; error or
  // throttled from an unavailable registry with fetchFailure warn).
  bool allowed = false;
  bool cached = false;
  std::vector<std::string> reasons;
  std::vector<std::string> warnings;
  // decision is the engine's decision (nullptr on timeout): the decision log's evidence.
  std::shared_ptr<const verify::ImageDecision> decision;
};

// AdmissionDecision is the answer to one AdmissionReview.
struct AdmissionDecision {
  AdmissionResponse response;
  std::vector<ImageVerdict> images;
  // refused says why the review was answered without verifying its images ("" when it was not).
  std::string refused;
  // skipped names, when the review needed no verification or its kind cannot be read, why:
  // SkipName's spelling or "unknown-kind" (decision log "skipped", metric label "reason").
  std::string skipped;
};

// DecideUnverified returns the answer to a review that is not verified (SkipFor: allowed), or
// whose kind vouch cannot read (per the policy's admission.unknownKinds; /mutate always allows
// it, unpatched). nullopt when its images are to be verified.
std::optional<AdmissionDecision> DecideUnverified(const AdmissionRequest& request, bool mutate,
                                                  const policy::Policy& policy);

class Gate {
 public:
  Gate(const GateOptions& options, Metrics& metrics, registry::Client& client);
  ~Gate();
  Gate(const Gate&) = delete;
  Gate& operator=(const Gate&) = delete;

  // policy returns the policy in force (nullptr before the first one is set).
  std::shared_ptr<const LoadedPolicy> policy() const;
  void SetPolicy(std::shared_ptr<const LoadedPolicy> policy);

  // Verify returns the flight that verifies |image| under |policy| for a request that waits
  // until |deadline|: already complete when the caches answer it; otherwise the verification
  // already running for the same reference and policy (its deadline extended to |deadline|), or
  // a new one, queued for its registry's slot (GateOptions::registry_concurrency) and then for a
  // worker. A verification nobody waits for any more (past its deadline) is cancelled: it ends
  // as "could not check" (Decision::kError), which is never cached. Any other "could not check"
  // is reused for GateOptions::error_cache_ttl (still "could not check"). With a shared cache,
  // the worker asks it after a local miss and before verifying, and writes what it verified.
  std::shared_ptr<Flight> Verify(const std::string& image,
                                 const std::shared_ptr<const LoadedPolicy>& policy,
                                 std::chrono::steady_clock::time_point deadline);

  // OverImageCap returns the answer to a review that names more distinct images than
  // GateOptions::max_images_per_review, made without verifying any of them: /validate denies
  // it naming the cap, /mutate allows it unpatched with a warning. nullopt within the cap.
  std::optional<AdmissionDecision> OverImageCap(const AdmissionRequest& request, bool mutate) const;

  // Decide builds the answer for |request| from |flights| (image as written -> flight); a
  // flight without a result has missed the deadline. |mutate| selects the /mutate answer
  // (always allowed, with a JSONPatch pinning accepted images) over /validate's.
  AdmissionDecision Decide(const AdmissionRequest& request, bool mutate,
                           const std::map<std::string, std::shared_ptr<Flight>>& flights,
                           const LoadedPolicy& policy) const;

  // Shutdown drops queued work, cancels the verifications that are running and waits up to
  // |grace| for them to stop. Returns false when some are still running: the pool is then not
  // joined, and the caller must end the process rather than destroy the Gate.
  bool Shutdown(std::chrono::milliseconds grace);

 private:
  struct Entry {
    // decision keeps the verified evidence with the verdict (requirement results, findings,
    // inputs), so a cached answer says what decided as the first one did.
    std::shared_ptr<const verify::ImageDecision> decision;
    std::chrono::steady_clock::time_point expires;
  };
  struct TagEntry {
    Digest digest;
    std::chrono::steady_clock::time_point expires;
  };

  // Job is one verification waiting for, or holding, a slot of its registry.
  struct Job {
    std::shared_ptr<Flight> flight;
    std::string key;  // flights_ key
    registry::Reference ref;
    std::shared_ptr<const LoadedPolicy> policy;
  };
  // Registry is one registry's slots: how many of its verifications run, and those waiting.
  struct Registry {
    int running = 0;
    std::deque<Job> queued;
  };

  // Schedule runs |job| on the pool when its registry has a free slot, else queues it there.
  void Schedule(Job job);
  // Release gives |registry|'s slot to the next queued job still wanted, if any.
  void Release(const std::string& registry);
  void Run(const Job& job);
  // Land completes |job|'s flight with |verdict| and forgets the flight.
  void Land(const Job& job, std::shared_ptr<Verdict> verdict);
  // Abandoned completes a job cancelled before it ran.
  void Abandoned(const Job& job);
  std::shared_ptr<const verify::ImageDecision> LookupDecision(const std::string& key);
  // StoreDecision keeps |decision| for GateOptions::cache_ttl, or until |until| when sooner (a
  // decision read from the shared cache keeps its first expiry).
  void StoreDecision(const std::string& key,
                     const std::shared_ptr<const verify::ImageDecision>& decision,
                     std::optional<std::chrono::steady_clock::time_point> until = std::nullopt);
  // LookupShared asks the shared cache for |pinned| under |policy| (on a worker: it may wait up
  // to the Redis command timeout). nullptr on a miss, a failure or a value that does not parse.
  std::shared_ptr<const verify::ImageDecision> LookupShared(const LoadedPolicy& policy,
                                                           const std::string& pinned);
  // ShareDecision writes a verdict made here to the shared cache (accepted or rejected only).
  void ShareDecision(const LoadedPolicy& policy, const std::string& pinned,
                     const verify::ImageDecision& decision);
  // LookupError / StoreError: the short negative cache of "could not check", by flight key.
  std::shared_ptr<const verify::ImageDecision> LookupError(const std::string& key);
  void StoreError(const std::string& key,
                  const std::shared_ptr<const verify::ImageDecision>& decision);
  std::optional<Digest> LookupTag(const std::string& ref);
  void StoreTag(const std::string& ref, const Digest& digest);

  GateOptions options_;
  Metrics& metrics_;
  registry::Client& client_;
  boost::asio::thread_pool pool_;

  mutable std::mutex policy_mu_;
  std::shared_ptr<const LoadedPolicy> policy_;

  std::mutex cache_mu_;
  std::unordered_map<std::string, Entry> decisions_;  // "<policy digest> <pinned>"
  std::unordered_map<std::string, TagEntry> tags_;    // normalized "repo:tag"
  std::unordered_map<std::string, Entry> errors_;     // flights_ key -> "could not check"
  std::mutex flights_mu_;
  std::unordered_map<std::string, std::shared_ptr<Flight>> flights_;
  std::mutex registries_mu_;
  std::unordered_map<std::string, Registry> registries_;  // only those with work
};

// DecisionLogLine renders one decision log record (a JSON object, no newline; docs/gate.md,
// "Decision log", has the fields).
std::string DecisionLogLine(const AdmissionRequest& request, bool mutate,
                            const AdmissionDecision& decision, const std::string& policy_digest);

}  // namespace vouch::serve::internal
