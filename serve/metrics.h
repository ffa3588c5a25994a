// Prometheus counters of `vouch serve` (text exposition format 0.0.4). Internal.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "vouch/registry/throttle.h"

namespace vouch::serve::internal {

class Metrics {
 public:
  // Request counts one HTTP answer; |path| is one of the served paths or "other".
  void Request(const std::string& path, int code);
  // Latency adds an admission request's duration (seconds) to the histogram.
  void Latency(double seconds);
  // Decision counts one admission answer: "allowed" or "denied".
  void Decision(const std::string& result);
  // ImageDecision counts one image's verdict: "accepted", "rejected", "error", "throttled",
  // "timeout".
  void ImageDecision(const std::string& result);
  // Skipped counts one /validate answer made without verifying the object's images, by
  // AdmissionDecision::skipped ("delete", "unchanged-images", "unknown-kind", ...).
  void Skipped(const std::string& reason);
  // PolicyReload counts a reload attempt: "ok" or "error".
  void PolicyReload(const std::string& result);

  std::atomic<uint64_t> cache_hits{0};
  std::atomic<uint64_t> cache_misses{0};
  std::atomic<uint64_t> tag_cache_hits{0};
  std::atomic<uint64_t> tag_cache_misses{0};
  std::atomic<uint64_t> verifications{0};
  std::atomic<uint64_t> tag_resolutions{0};
  std::atomic<uint64_t> shared_flights{0};
  std::atomic<uint64_t> registry_requests{0};
  std::atomic<uint64_t> registry_errors{0};
  std::atomic<int64_t> verifications_in_flight{0};
  // verifications_queued wait for a slot of their registry (GateOptions::registry_concurrency).
  std::atomic<int64_t> verifications_queued{0};
  // verifications_cancelled stopped, or never started, because no request waited any more.
  std::atomic<uint64_t> verifications_cancelled{0};
  std::atomic<uint64_t> reviews_over_image_cap{0};
  std::atomic<int64_t> connections{0};
  // connections_refused were closed at once because --max-connections were open.
  std::atomic<uint64_t> connections_refused{0};
  // accept_errors are failed accepts (EMFILE, ENFILE, ENOBUFS, ENOMEM), each followed by a pause.
  std::atomic<uint64_t> accept_errors{0};
  // error_cache_hits are "could not check" answers reused within --error-cache-ttl.
  std::atomic<uint64_t> error_cache_hits{0};
  // The shared cache (--cache): lookups answered, lookups without a usable value, values
  // written, and calls that failed (Redis down, slow, refusing) or were not made because it is
  // down. shared_cache_up is 1 or 0, and -1 when no shared cache is configured (not rendered).
  std::atomic<uint64_t> shared_cache_hits{0};
  std::atomic<uint64_t> shared_cache_misses{0};
  std::atomic<uint64_t> shared_cache_writes{0};
  std::atomic<uint64_t> shared_cache_errors{0};
  std::atomic<int> shared_cache_up{-1};
  // throttle is the registry client's back-pressure state (set once, before serving).
  std::shared_ptr<const registry::Throttle> throttle;

  // Render returns the exposition text; |policy_digest| (the file's bytes) and |trust_digest|
  // (the file and its trust material) label vouch_serve_policy_info.
  std::string Render(const std::string& policy_digest, const std::string& trust_digest) const;

 private:
  static constexpr std::array<double, 14> kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  std::map<std::string, uint64_t> decisions_;
  std::map<std::string, uint64_t> image_decisions_;
  std::map<std::string, uint64_t> skipped_;
  std::map<std::string, uint64_t> reloads_;
  std::array<uint64_t, kBuckets.size()> bucket_counts_{};
  uint64_t latency_count_ = 0;
  double latency_sum_ = 0;
};

}  // namespace vouch::serve::internal
