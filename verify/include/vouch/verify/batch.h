// Fleet verification: `vouch verify --batch FILE|-` (docs/batch.md). A list of image references
// in, one JSON decision per line out, with the engine (vouch/verify/engine.h) deciding each.
//
//   entries  = ParseBatchInput(text)            one per non-blank, non-comment line
//   shard    = entries whose index % n == i     (--shard i/n, so an Indexed Job splits a list)
//   resumed  = ParseBatchResume(previous out)   lines already accepted or rejected: skipped
//   RunBatch(entries, options, verifier, write) --jobs at once, written in input order
//
// The verifier is a function so the scheduling can be tested without a registry;
// EngineBatchVerifier is the real one, with the caches a list of many images needs.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vouch/core/status.h"
#include "vouch/registry/client.h"
#include "vouch/registry/manifest.h"
#include "vouch/verify/decision.h"
#include "vouch/verify/engine.h"

namespace vouch::verify {

// BatchEntry is one entry of a batch input: a line that is neither blank nor a comment.
struct BatchEntry {
  size_t index = 0;  // 0-based among the entries: what --shard divides
  size_t line = 0;   // 1-based line number in the input
  // ref is the image reference as written (a bare line, or the "ref" of a JSON line).
  std::string ref;
  // scope, from a JSON line's "scope", selects the scope policy as for this reference instead of
  // |ref| (EvaluateOptions::scope_image): "would this image pass where it is promoted to?".
  std::string scope;
  // platform, from a JSON line's "platform" ("os/arch[/variant]"), checks that platform's
  // manifest of an index (EvaluateOptions::platform).
  std::optional<registry::Platform> platform;
  // error is not OK for a malformed line (bad JSON, no "ref", an unknown field, a bad platform):
  // that entry is decided as an error without any registry request.
  Status error = OkStatus();
};

// ParseBatchInput splits |text| into entries. A line is trimmed of surrounding whitespace
// (and a trailing CR); empty lines and lines starting with '#' are skipped. A line starting with
// '{' is a JSON object {"ref": "...", "scope": "...", "platform": "..."}; any other line is a
// reference. Never fails: a malformed line becomes an entry with |error| set.
std::vector<BatchEntry> ParseBatchInput(std::string_view text);

// BatchShard is --shard i/n: the entries whose index % count == index.
struct BatchShard {
  size_t index = 0;
  size_t count = 1;
};

// ParseBatchShard parses "i/n" (0 <= i < n, n >= 1); anything else is kInvalidArgument.
Result<BatchShard> ParseBatchShard(std::string_view text);

// BatchResume holds what a previous run decided: line number -> (ref, decision). Only accepted
// and rejected lines are kept; errors ("could not check") are checked again.
using BatchResume = std::map<size_t, std::pair<std::string, Decision>>;

// ParseBatchResume reads a previous run's JSON Lines output. Lines that are not batch results
// (the partial last line of a killed run, anything else) are ignored: their entries are checked
// again.
BatchResume ParseBatchResume(std::string_view text);

// RenderBatchLine renders one output line (JSON, no newline): line, ref, digest, result
// (accepted|rejected|error), policy, scope, mode, error, errorCode, reasons (every requirement
// result) and evidence (the verified inputs that counted). docs/batch.md has the shape.
std::string RenderBatchLine(const BatchEntry& entry, const ImageDecision& decision);

// BatchVerifier decides one well-formed entry; called from several threads at once.
using BatchVerifier = std::function<ImageDecision(const BatchEntry&)>;

struct BatchOptions {
  int jobs = 8;  // entries decided at once
  BatchShard shard;
  const BatchResume* resume = nullptr;  // entries decided there are not checked again
  // progress, when set, is called after each line is written (and once before any), from one
  // thread at a time, with the entries of the shard decided so far (resumed ones included)
  // and the shard's total.
  std::function<void(size_t done, size_t total)> progress;
};

// BatchSummary counts the entries of the shard. |overall| is OK when every entry is accepted,
// else "could not check" (kUnavailable) when some entry is an error (malformed lines included),
// else kVerificationFailed: the exit code of `vouch verify` with several images.
struct BatchSummary {
  size_t entries = 0;  // in the shard
  size_t resumed = 0;  // taken from BatchOptions::resume (counted in accepted/rejected too)
  size_t accepted = 0;
  size_t rejected = 0;
  size_t errors = 0;
  Status overall = OkStatus();
};

// RunBatch decides the entries of the shard that |options.resume| has not decided, at most
// |options.jobs| at once, and calls |write| with each one's RenderBatchLine in input order, from
// one thread at a time (never interleaved), as soon as it and every entry before it are decided.
BatchSummary RunBatch(const std::vector<BatchEntry>& entries, const BatchOptions& options,
                      const BatchVerifier& verify,
                      const std::function<void(const std::string&)>& write);

// EngineBatchVerifier decides entries with Evaluate through one registry::Client (its
// connections and token cache), sharing across entries: a tag's resolution (one HEAD per
// distinct tag), and each decision by (scope policy, repository@digest, platform), made once
// however many lines name that image, by digest or by any tag; concurrent entries for one image
// wait for the one verification. A decision in error is not kept: a later entry tries again.
class EngineBatchVerifier {
 public:
  // |allow_platform| false makes an entry with "platform" an error (`--policy` excludes
  // --platform: the policy says which platforms are checked).
  EngineBatchVerifier(registry::Client& client, std::shared_ptr<const TrustPolicy> trust,
                      EvaluateOptions options, bool allow_platform);

  ImageDecision Verify(const BatchEntry& entry);

  size_t evaluations() const { return evaluations_; }  // Evaluate calls
  size_t cache_hits() const { return cache_hits_; }    // decisions shared with an earlier entry

 private:
  ImageDecision Decide(const BatchEntry& entry, const registry::Reference& ref,
                       const EvaluateOptions& options);

  registry::Client& client_;
  std::shared_ptr<const TrustPolicy> trust_;
  EvaluateOptions options_;
  bool allow_platform_;
  std::mutex mu_;
  std::map<std::string, std::shared_future<Result<registry::Descriptor>>> tags_;
  std::map<std::string, std::shared_future<ImageDecision>> decisions_;
  std::atomic<size_t> evaluations_{0};
  std::atomic<size_t> cache_hits_{0};
};

}  // namespace vouch::verify
