#include "metrics.h"

#include <sstream>

namespace vouch::serve::internal {

void Metrics::Request(const std::string& path, int code) {
  std::lock_guard<std::mutex> lock(mu_);
  ++requests_[{path, code}];
}

void Metrics::Latency(double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      ++bucket_counts_[i];
    }
  }
  ++latency_count_;
  latency_sum_ += seconds;
}

void Metrics::Decision(const std::string& result) {
  std::lock_guard<std::mutex> lock(mu_);
  ++decisions_[result];
}

void Metrics::ImageDecision(const std::string& result) {
  std::lock_guard<std::mutex> lock(mu_);
  ++image_decisions_[result];
}

void Metrics::Skipped(const std::string& reason) {
  std::lock_guard<std::mutex> lock(mu_);
  ++skipped_[reason];
}

void Metrics::PolicyReload(const std::string& result) {
  std::lock_guard<std::mutex> lock(mu_);
  ++reloads_[result];
}

namespace {

void Counter(std::ostringstream& out, const char* name, const char* help, uint64_t value) {
  out << "# HELP " << name << " " << help << "\n# TYPE " << name << " counter\n"
      << name << " " << value << "\n";
}

void Gauge(std::ostringstream& out, const char* name, const char* help, int64_t value) {
  out << "# HELP " << name << " " << help << "\n# TYPE " << name << " gauge\n"
      << name << " " << value << "\n";
}

void Labelled(std::ostringstream& out, const char* name, const char* help, const char* label,
              const std::map<std::string, uint64_t>& values) {
  out << "# HELP " << name << " " << help << "\n# TYPE " << name << " counter\n";
  for (const auto& [k, v] : values) {
    out << name << "{" << label << "=\"" << k << "\"} " << v << "\n";
  }
}

}  // namespace

std::string Metrics::Render(const std::string& policy_digest,
                            const std::string& trust_digest) const {
  std::ostringstream out;
  std::lock_guard<std::mutex> lock(mu_);
  out << "# HELP vouch_serve_requests_total HTTP requests answered, by path and status code.\n"
         "# TYPE vouch_serve_requests_total counter\n";
  for (const auto& [k, v] : requests_) {
    out << "vouch_serve_requests_total{path=\"" << k.first << "\",code=\"" << k.second << "\"} "
        << v << "\n";
  }
  Labelled(out, "vouch_serve_decisions_total", "Admission answers, by result.", "result",
           decisions_);
  Labelled(out, "vouch_serve_image_decisions_total",
           "Per-image verdicts in admission answers, by result.", "result", image_decisions_);
  Labelled(out, "vouch_serve_reviews_skipped_total",
           "Validating admission answers made without verifying images, by reason.", "reason",
           skipped_);
  out << "# HELP vouch_serve_request_duration_seconds Admission request latency.\n"
         "# TYPE vouch_serve_request_duration_seconds histogram\n";
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    out << "vouch_serve_request_duration_seconds_bucket{le=\"" << kBuckets[i] << "\"} "
        << bucket_counts_[i] << "\n";
  }
  out << "vouch_serve_request_duration_seconds_bucket{le=\"+Inf\"} " << latency_count_ << "\n"
      << "vouch_serve_request_duration_seconds_sum " << latency_sum_ << "\n"
      << "vouch_serve_request_duration_seconds_count " << latency_count_ << "\n";
  Counter(out, "vouch_serve_cache_hits_total", "Image decisions answered from the cache.",
          cache_hits.load());
  Counter(out, "vouch_serve_cache_misses_total", "Image decisions not in the cache.",
          cache_misses.load());
  Counter(out, "vouch_serve_tag_cache_hits_total", "Tag resolutions answered from the cache.",
          tag_cache_hits.load());
  Counter(out, "vouch_serve_tag_cache_misses_total", "Tag resolutions not in the cache.",
          tag_cache_misses.load());
  Counter(out, "vouch_serve_shared_verifications_total",
          "Requests that joined a verification already running for the same image.",
          shared_flights.load());
  Counter(out, "vouch_serve_verifications_total", "Policy evaluations run against a registry.",
          verifications.load());
  Counter(out, "vouch_serve_tag_resolutions_total", "Tag to digest resolutions made.",
          tag_resolutions.load());
  Counter(out, "vouch_serve_registry_requests_total", "HTTP exchanges with registries.",
          registry_requests.load());
  Counter(out, "vouch_serve_registry_errors_total",
          "Registry exchanges that failed (no response, 429 or 5xx).", registry_errors.load());
  Gauge(out, "vouch_serve_verifications_in_flight", "Verifications running now.",
        verifications_in_flight.load());
  Gauge(out, "vouch_serve_verifications_queued",
        "Verifications waiting for a slot of their registry (--registry-concurrency).",
        verifications_queued.load());
  Counter(out, "vouch_serve_verifications_cancelled_total",
          "Verifications stopped or dropped because no request waited for them any more.",
          verifications_cancelled.load());
  Counter(out, "vouch_serve_reviews_over_image_cap_total",
          "Admission reviews refused unverified for naming too many images "
          "(--max-images-per-review).",
          reviews_over_image_cap.load());
  Gauge(out, "vouch_serve_connections", "Open client connections.", connections.load());
  Counter(out, "vouch_serve_connections_refused_total",
          "Connections closed at once because --max-connections were open.",
          connections_refused.load());
  Counter(out, "vouch_serve_accept_errors_total",
          "Failed accepts (out of file descriptors or memory), each followed by a pause.",
          accept_errors.load());
  Counter(out, "vouch_serve_error_cache_hits_total",
          "Image verdicts \"could not check\" reused within --error-cache-ttl.",
          error_cache_hits.load());
  if (int up = shared_cache_up.load(); up >= 0) {
    Gauge(out, "vouch_serve_shared_cache_up",
          "1 when the shared cache (--cache) answered its last call or health check, else 0.",
          up);
    Counter(out, "vouch_serve_shared_cache_hits_total",
            "Image decisions answered from the shared cache (made by a replica).",
            shared_cache_hits.load());
    Counter(out, "vouch_serve_shared_cache_misses_total",
            "Shared cache lookups without a usable decision.", shared_cache_misses.load());
    Counter(out, "vouch_serve_shared_cache_writes_total",
            "Decisions made here written to the shared cache.", shared_cache_writes.load());
    Counter(out, "vouch_serve_shared_cache_errors_total",
            "Shared cache calls that failed or were skipped because it is down.",
            shared_cache_errors.load());
  }
  if (throttle != nullptr) {
    std::vector<registry::HostThrottleState> hosts = throttle->Snapshot();
    out << "# HELP vouch_serve_registry_circuit_open Whether a registry host's circuit breaker is "
           "open (1: requests to it fail at once as throttled) or not (0; half-open included).\n"
           "# TYPE vouch_serve_registry_circuit_open gauge\n";
    for (const registry::HostThrottleState& h : hosts) {
      out << "vouch_serve_registry_circuit_open{registry=\"" << h.host << "\"} "
          << (h.circuit == registry::CircuitState::kOpen ? 1 : 0) << "\n";
    }
    out << "# HELP vouch_serve_registry_circuit_opened_total Times a registry host's circuit "
           "breaker opened.\n"
           "# TYPE vouch_serve_registry_circuit_opened_total counter\n";
    for (const registry::HostThrottleState& h : hosts) {
      out << "vouch_serve_registry_circuit_opened_total{registry=\"" << h.host << "\"} "
          << h.opened << "\n";
    }
    out << "# HELP vouch_serve_registry_throttled_total Registry exchanges throttled, by host "
           "and reason: answered 429, refused unsent by an open circuit (circuit_open) or by the "
           "rate limit (rate_limit).\n"
           "# TYPE vouch_serve_registry_throttled_total counter\n";
    for (const registry::HostThrottleState& h : hosts) {
      for (const auto& [reason, n] : h.throttled) {
        out << "vouch_serve_registry_throttled_total{registry=\"" << h.host << "\",reason=\""
            << reason << "\"} " << n << "\n";
      }
    }
  }
  Labelled(out, "vouch_serve_policy_reloads_total", "Policy reload attempts, by result.", "result",
           reloads_);
  out << "# HELP vouch_serve_policy_info The policy in force (digest of the file's bytes, and of\n"
         "# the file with its trust material: keys, trusted roots, CA roots).\n"
         "# TYPE vouch_serve_policy_info gauge\n"
         "vouch_serve_policy_info{digest=\""
      << policy_digest << "\",trust=\"" << trust_digest << "\"} 1\n";
  return out.str();
}

}  // namespace vouch::serve::internal
