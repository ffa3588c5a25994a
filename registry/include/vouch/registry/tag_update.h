// A race-safe read-modify-write of a manifest that lives under a mutable tag: the referrers
// fallback index (`sha256-<hex>`), cosign's `sha256-<hex>.sig` / `.att` / `.sbom` manifests, or
// any other tag several writers append to (formats.md 3.5 and pitfall 16).
//
// Why this is more than GET + PUT: two writers that both read N entries and both write N+1
// lose one entry (cosign #2432). HTTP preconditions (If-Match / If-None-Match) close the race on
// registries that honour them, but some do not (distribution 2.8, the Debian `docker-registry`,
// accepts the PUT and overwrites). So every write is confirmed: after a successful PUT the
// writer waits longer than any concurrent writer's read-to-write window, re-reads the tag and
// checks that its own entry is still served; if it is not, the whole read-modify-write starts
// again.
//
// Example (append a layer to a cosign signature manifest):
//
//   auto mutate = [&](const std::optional<Manifest>& cur) -> Result<std::optional<ManifestUpdate>> {
//     if (cur && HasLayer(*cur, payload_digest)) return std::optional<ManifestUpdate>();  // done
//     VOUCH_ASSIGN_OR_RETURN(Bytes next, AppendLayer(cur, layer));  // blobs pushed beforehand
//     return std::optional<ManifestUpdate>(ManifestUpdate{std::move(next), std::string(kOciManifest)});
//   };
//   auto present = [&](const Manifest& served) { return HasLayer(served, payload_digest); };
//   VOUCH_RETURN_IF_ERROR(UpdateTaggedManifest(repo, SigTag(image_digest), mutate, present));
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "vouch/core/bytes.h"
#include "vouch/core/status.h"
#include "vouch/registry/client.h"

namespace vouch::registry {

// ManifestUpdate is the document a mutator wants stored under the tag: the exact bytes to PUT
// and their media type (sent as Content-Type). The bytes are pushed as they are; any blob they
// reference must already be in the repository.
struct ManifestUpdate {
  Bytes bytes;
  std::string media_type;
};

// ManifestMutator computes the new tag content from the current one. |current| is nullopt when
// the tag does not exist (yet), else the manifest as served (bytes digest-checked against
// Docker-Content-Digest). It returns:
//   * nullopt when there is nothing to write (this writer's entry is already there); the update
//     then ends with OK without a PUT and without the confirmation wait;
//   * the new document to write;
//   * an error, which ends the update with that error (e.g. kFailedPrecondition when the tag
//     holds something this writer must not overwrite).
// It may be called several times (once per attempt) and must not have side effects that cannot
// be repeated; it is called on the caller's thread.
using ManifestMutator =
    std::function<Result<std::optional<ManifestUpdate>>(const std::optional<Manifest>& current)>;

// ManifestPresence reports whether |served| (what the registry serves under the tag after this
// writer's PUT) still contains this writer's entry.
using ManifestPresence = std::function<bool(const Manifest& served)>;

// TagUpdateOptions bound the update and hold its seams. The defaults suit real registries.
struct TagUpdateOptions {
  // max_attempts bounds the read-mutate-write-confirm rounds (a 412 or a lost entry each use
  // one round).
  int max_attempts = 10;
  // max_total bounds the wall time of the whole update, measured with |now|; when the next
  // round would start after it, the update stops with kAborted.
  std::chrono::milliseconds max_total{60000};
  // min_confirm_delay is the floor of the wait between a successful PUT and the confirming
  // re-read. The wait is max(min_confirm_delay, confirm_factor x this writer's own measured
  // read-to-PUT-complete time), plus up to 50% random jitter: a concurrent writer that read the
  // tag before our PUT needs about as long as we did to write, so after the wait its write (if
  // any) is visible to the re-read.
  std::chrono::milliseconds min_confirm_delay{150};
  int confirm_factor = 3;
  // sleep waits (the confirmation delay and the backoff after a lost round); default
  // std::this_thread::sleep_for. Tests replace it to run without waiting.
  std::function<void(std::chrono::milliseconds)> sleep;
  // jitter returns a number in [0, 1); default: OpenSSL randomness.
  std::function<double()> jitter;
  // now is the clock for the read-to-PUT measurement and |max_total|; default
  // std::chrono::steady_clock::now.
  std::function<std::chrono::steady_clock::time_point()> now;
};

// UpdateTaggedManifest performs a race-safe read-modify-write of the manifest tagged |tag| in
// |repo|:
//
//   1. read the tag with Repository::FetchTaggedManifest (remembering its ETag);
//   2. call |mutate|; nullopt ends the update with OK;
//   3. PUT the result with Repository::PushTaggedManifest, conditional on If-Match: <ETag> when
//      the tag existed and the registry sent an ETag, or If-None-Match: * when it did not exist;
//      a 412 (kAborted from the push) starts the next round at once;
//   4. wait the confirmation delay (see TagUpdateOptions; skipped when the repository enforced
//      the precondition atomically, as OCI layouts do within one process), re-read the tag and
//      call |is_present|; true ends the update with OK, false (another writer that read before
//      our PUT overwrote it) starts the next round after a short jittered backoff.
//
// Returns OK when this writer's entry is confirmed present (or |mutate| found nothing to do).
// Errors: whatever |mutate| returns; read and write failures of the repository as they are
// (kNotFound is never returned for a missing tag, which is "current = nullopt");
// kAborted, with a message naming the tag and the number of rounds, when the entry could not be
// confirmed within |options.max_attempts| rounds or |options.max_total|.
//
// |repo| is borrowed for the duration of the call. |mutate| and |is_present| are called on the
// caller's thread. Thread-safe in the sense that any number of writers (threads, processes or
// hosts) may update the same tag at once; each confirms its own entry.
Status UpdateTaggedManifest(Repository& repo, std::string_view tag, const ManifestMutator& mutate,
                            const ManifestPresence& is_present,
                            const TagUpdateOptions& options = TagUpdateOptions());

}  // namespace vouch::registry
