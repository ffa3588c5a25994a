// A TUF 1.0 client for Sigstore trust roots (theupdateframework specification, section 5
// "Detailed client workflow"): it walks the root rotation chain, then fetches and verifies
// timestamp, snapshot and top-level targets metadata, and downloads the targets a Sigstore
// client needs (trusted_root.json, signing_config.v0.2.json) into a local cache. Verification
// reads the cache offline; nothing here runs unless a command asks for an update.
//
// What is checked (spec 5.3 to 5.7): signature thresholds per role, counting each listed key
// once (distinct key ids and distinct public keys); exact version steps of roots (N -> N+1,
// signed by the old root's root role and by the new one's); freeze (expiry of the final root, of
// timestamp, snapshot and targets against the clock); rollback against the cached metadata
// (timestamp version, the snapshot version it names, the targets version snapshot names);
// snapshot version and hashes against timestamp's entry; targets version and hashes against
// snapshot's entry; target lengths and hashes; size limits on every download. Consistent
// snapshots are followed (N.root.json, V.snapshot.json, V.targets.json, targets stored as
// targets/<sha256 hex>.<name>). Key types: ecdsa / ecdsa-sha2-nistp256 (PEM public key, DER
// signature), ed25519 (hex public key) and rsa / rsassa-pss-sha256 (PEM).
//
// Not supported: delegated targets roles (Sigstore's repository does not use them): a target
// absent from the top-level targets metadata is absent, whatever delegations say.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vouch/core/clock.h"
#include "vouch/core/status.h"
#include "vouch/registry/transport.h"

namespace vouch::tuf {

// kPublicGoodUrl is the TUF repository of Sigstore's public-good instance; kStagingUrl its
// staging twin. The initial root of both is built into vouch (EmbeddedRoot).
inline constexpr std::string_view kPublicGoodUrl = "https://tuf-repo-cdn.sigstore.dev";
inline constexpr std::string_view kStagingUrl = "https://tuf-repo-cdn.sigstage.dev";

// The targets a Sigstore client fetches.
inline constexpr std::string_view kTrustedRootTarget = "trusted_root.json";
inline constexpr std::string_view kSigningConfigTarget = "signing_config.v0.2.json";

// Download caps (python-tuf's ngclient defaults). A target's own length, from the targets
// metadata, caps its download.
inline constexpr uint64_t kMaxRootBytes = 512000;
inline constexpr uint64_t kMaxTimestampBytes = 16384;
inline constexpr uint64_t kMaxSnapshotBytes = 2000000;
inline constexpr uint64_t kMaxTargetsBytes = 5000000;
// kMaxRootRotations bounds the root versions one update walks (spec 5.3.3's "fixed number").
inline constexpr int kMaxRootRotations = 256;

// EmbeddedRoot returns the initial root.json built into vouch for the repository at |url|
// (kPublicGoodUrl or kStagingUrl, a trailing '/' ignored), else nullopt. The copies come from
// sigstore-python (tuf/roots/README.md); they may have expired: the update starts from them and
// requires only the root it ends on to be current (spec 5.3.10).
std::optional<std::string_view> EmbeddedRoot(std::string_view url);

// DefaultCacheDir returns ${XDG_CACHE_HOME:-$HOME/.cache}/vouch/tuf, "" when neither is set.
std::string DefaultCacheDir();

// RepositoryCacheDir returns the folder of the repository at |url| under |cache_dir|: the URL
// percent-encoded into one path component (every byte but RFC 3986 unreserved ones), as
// sigstore-python names its folders ("https%3A%2F%2Ftuf-repo-cdn.sigstore.dev"). It holds
// root.json, timestamp.json, snapshot.json, targets.json and targets/<name>.
std::string RepositoryCacheDir(const std::string& cache_dir, std::string_view url);

// CachedTarget returns the path of target |name| in the cache of the repository at |url| when
// the file exists, else nullopt. Nothing is fetched or verified: the file was verified when an
// update wrote it.
std::optional<std::string> CachedTarget(const std::string& cache_dir, std::string_view url,
                                        std::string_view name);

// TargetRequest names a target to fetch. A required target absent from the targets metadata
// fails the update (kVerificationFailed); an optional one is reported in
// UpdateResult::absent_targets.
struct TargetRequest {
  std::string name;
  bool required = true;
};

// UpdateRequest says which repository to update from and where its cache lives.
struct UpdateRequest {
  // url is the repository base: metadata at <url>/<file>, targets at <url>/targets/<file>.
  std::string url;
  // cache_dir is the cache base (DefaultCacheDir() by default at the CLI); the repository's
  // files go to RepositoryCacheDir(cache_dir, url).
  std::string cache_dir;
  // initial_root is the root.json to trust when the cache holds none. A cached root.json, which
  // an earlier update verified through the chain, wins over it. Empty: EmbeddedRoot(url).
  std::string initial_root;
  std::vector<TargetRequest> targets = {{std::string(kTrustedRootTarget), true},
                                        {std::string(kSigningConfigTarget), false}};
  // clock decides expiry; nullptr is the system clock. Borrowed.
  const Clock* clock = nullptr;
  int max_root_rotations = kMaxRootRotations;
};

// UpdateResult reports what an update reached.
struct UpdateResult {
  std::string repository_dir;  // RepositoryCacheDir(cache_dir, url)
  uint64_t root_version = 0;
  uint64_t timestamp_version = 0;
  uint64_t snapshot_version = 0;
  uint64_t targets_version = 0;
  // targets maps each target fetched (or found current in the cache) to its cached path.
  std::map<std::string, std::string> targets;
  // absent_targets lists optional targets the repository does not have.
  std::vector<std::string> absent_targets;
  // files_written lists the cache files this update wrote (unchanged files are not rewritten).
  std::vector<std::string> files_written;
};

// Update runs the TUF client workflow against the repository and refreshes the cache.
//
// The trusted root comes from the cache, else |request.initial_root|, else the embedded root of
// the URL; none of them is kInvalidArgument ("no trusted TUF root for URL: pass --root"). It must
// verify under its own root role. The cache changes only after everything verifies, except that
// root.json advances to each new root once that root verified (spec 5.3.8), and a root rotation
// that changes the timestamp or snapshot keys drops the cached timestamp and snapshot (5.3.11).
// Writes are atomic (WriteFileAtomic); after a failure the other cache files are as they were.
//
// Errors: metadata that does not verify (signature threshold, version, rollback, expiry, hash or
// length mismatch, malformed metadata) is kVerificationFailed with the role and reason in the
// message; an HTTP error other than the 404 that ends the root chain (or marks an optional
// target absent), a refused connection or a truncated body is kUnavailable; a download over a
// fixed cap (root, timestamp, metadata listed without a length) is kResourceExhausted, while one
// longer than the length trusted metadata gives is kVerificationFailed; cache I/O failures keep
// their file error codes.
Result<UpdateResult> Update(registry::Transport& transport, const UpdateRequest& request);

}  // namespace vouch::tuf
