// UpdateTaggedManifest: conditional PUT plus a confirming re-read (formats.md 3.5, pitfall 16).
#include "vouch/registry/tag_update.h"

#include <openssl/rand.h>

#include <algorithm>
#include <thread>

namespace vouch::registry {
namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

double RandomUnit() {
  uint32_t r = 0;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&r), sizeof(r)) != 1) {
    return 0.5;
  }
  return static_cast<double>(r) / 4294967296.0;
}

milliseconds Scale(milliseconds base, double factor) {
  return milliseconds(static_cast<int64_t>(static_cast<double>(base.count()) * factor));
}

}  // namespace

Status UpdateTaggedManifest(Repository& repo, std::string_view tag, const ManifestMutator& mutate,
                            const ManifestPresence& is_present, const TagUpdateOptions& options) {
  auto sleep = options.sleep ? options.sleep
                             : std::function<void(milliseconds)>(
                                   [](milliseconds d) { std::this_thread::sleep_for(d); });
  auto jitter = options.jitter ? options.jitter : std::function<double()>(&RandomUnit);
  auto now = options.now ? options.now
                         : std::function<SteadyClock::time_point()>(&SteadyClock::now);
  const std::string name(tag);
  const auto start = now();
  const int max_attempts = std::max(1, options.max_attempts);
  std::string last_reason = "no round completed";
  int rounds = 0;
  for (int attempt = 1; attempt <= max_attempts; ++attempt) {
    if (attempt > 1 && now() - start > options.max_total) {
      last_reason = "time budget of " + std::to_string(options.max_total.count()) +
                    " ms exhausted; " + last_reason;
      break;
    }
    ++rounds;
    const auto read_at = now();
    VOUCH_ASSIGN_OR_RETURN(std::optional<TaggedManifest> current, repo.FetchTaggedManifest(name));
    std::optional<Manifest> view;
    if (current) {
      view = current->manifest;
    }
    VOUCH_ASSIGN_OR_RETURN(std::optional<ManifestUpdate> next, mutate(view));
    if (!next) {
      return OkStatus();
    }
    TagCondition cond;
    if (current) {
      // Without an ETag there is nothing to match against; the confirmation read still
      // catches a lost write.
      cond.if_match = current->etag;
    } else {
      cond.if_none_match = true;
    }
    Result<bool> put = repo.PushTaggedManifest(name, next->bytes, next->media_type, cond);
    if (!put.ok() && put.status().code() == ErrorCode::kAborted) {
      last_reason = "the last write was refused with 412 (tag changed concurrently)";
      continue;  // someone else wrote between our read and our write: merge again at once
    }
    VOUCH_RETURN_IF_ERROR(put.status());
    const milliseconds window = std::chrono::duration_cast<milliseconds>(now() - read_at);
    if (!*put) {
      // A concurrent writer that read before our PUT landed writes within about its own
      // read-to-write window, which is about ours: wait a multiple of it before confirming.
      milliseconds base = std::max(options.min_confirm_delay,
                                   window * std::max(1, options.confirm_factor));
      sleep(base + Scale(base, jitter() / 2));
    }
    VOUCH_ASSIGN_OR_RETURN(std::optional<TaggedManifest> after, repo.FetchTaggedManifest(name));
    if (after && is_present(after->manifest)) {
      return OkStatus();
    }
    last_reason = after ? "the last write was overwritten by a concurrent writer"
                        : "the tag disappeared after the last write";
    // Back off a little (jittered) so that writers that keep colliding spread out.
    sleep(Scale(std::max(options.min_confirm_delay / 3, window), jitter()));
  }
  return AbortedError("could not update tag " + name + " of " + repo.reference().RepositoryName() +
                      " after " + std::to_string(rounds) +
                      " round(s) of concurrent writes: " + last_reason);
}

}  // namespace vouch::registry
