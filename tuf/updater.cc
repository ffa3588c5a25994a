// The client workflow of the TUF specification, section 5 (5.3 root, 5.4 timestamp, 5.5
// snapshot, 5.6 targets, 5.7 target files). Everything is verified in memory first; the cache is
// written at the end, except root.json, which advances as each new root verifies (5.3.8).
#include <algorithm>
#include <filesystem>
#include <system_error>
#include <utility>

#include "core/internal/percent.h"
#include "embedded_roots.h"
#include "metadata.h"
#include "vouch/core/file.h"
#include "vouch/tuf/tuf.h"

namespace vouch::tuf {

namespace {

using internal::Metadata;

std::string TrimSlash(std::string_view url) {
  while (!url.empty() && url.back() == '/') {
    url.remove_suffix(1);
  }
  return std::string(url);
}

// kMaxRedirects bounds the redirects one download follows.
constexpr int kMaxRedirects = 5;

// ResolveLocation resolves a redirect's Location against the URL that answered: absolute URLs
// as they are, "/path" on the same origin, anything else relative to the answering URL's folder.
std::string ResolveLocation(const std::string& from, const std::string& location) {
  if (location.rfind("https://", 0) == 0 || location.rfind("http://", 0) == 0) {
    return location;
  }
  const size_t origin_end = from.find('/', from.find("://") + 3);
  if (!location.empty() && location[0] == '/') {
    return from.substr(0, origin_end) + location;
  }
  return from.substr(0, from.rfind('/') + 1) + location;
}

// Fetched is a download: its bytes, or nullopt when the server has no such file (404, or 403
// as object stores answer for a missing key).
using Fetched = std::optional<Bytes>;

class Updater {
 public:
  Updater(registry::Transport& transport, const UpdateRequest& request)
      : transport_(transport),
        request_(request),
        url_(TrimSlash(request.url)),
        now_((request.clock != nullptr ? *request.clock : SystemClock()).Now()) {
    result_.repository_dir = RepositoryCacheDir(request.cache_dir, url_);
  }

  Result<UpdateResult> Run() {
    VOUCH_RETURN_IF_ERROR(LoadTrustedRoot());
    VOUCH_RETURN_IF_ERROR(UpdateRoot());
    LoadCachedMetadata();
    VOUCH_RETURN_IF_ERROR(UpdateTimestamp());
    VOUCH_RETURN_IF_ERROR(UpdateSnapshot());
    VOUCH_RETURN_IF_ERROR(UpdateTargets());
    for (const TargetRequest& t : request_.targets) {
      VOUCH_RETURN_IF_ERROR(FetchTarget(t));
    }
    VOUCH_RETURN_IF_ERROR(Commit());
    result_.root_version = root_.version;
    result_.timestamp_version = timestamp_.version;
    result_.snapshot_version = snapshot_.version;
    result_.targets_version = targets_.version;
    return std::move(result_);
  }

 private:
  std::string CachePath(const std::string& name) const {
    return result_.repository_dir + "/" + name;
  }

  // Fetch GETs |path| under the repository URL. Redirects are followed (CDNs and object stores
  // use them; the transport never does): every byte is verified against trusted metadata, so
  // where it came from does not matter, but the number of hops is bounded.
  Result<Fetched> Fetch(const std::string& path, uint64_t cap) {
    registry::HttpRequest req;
    req.url = url_ + "/" + path;
    req.max_response_bytes = cap;
    for (int hop = 0;; ++hop) {
      Result<registry::HttpResponse> resp = transport_.RoundTrip(req);
      if (!resp.ok()) {
        return resp.status();  // the transport's message names the URL
      }
      if (resp->status == 404 || resp->status == 403) {
        return Fetched();
      }
      if (resp->status == 200) {
        return Fetched(std::move(resp->body));
      }
      std::optional<std::string> location = resp->headers.Get("Location");
      const bool redirect = resp->status == 301 || resp->status == 302 || resp->status == 303 ||
                            resp->status == 307 || resp->status == 308;
      if (!redirect || !location || hop >= kMaxRedirects) {
        return UnavailableError("GET " + req.url + ": HTTP " + std::to_string(resp->status));
      }
      req.url = ResolveLocation(req.url, *location);
    }
  }

  // FetchRequired fetches a file that must exist. When |trusted_length| is set, the cap is the
  // length trusted metadata gives, and a longer body is that metadata's mismatch (a rejection),
  // not a resource problem.
  Result<Bytes> FetchRequired(const std::string& path, uint64_t cap,
                              std::optional<uint64_t> trusted_length = std::nullopt) {
    Result<Fetched> fetched = Fetch(path, trusted_length.value_or(cap));
    if (trusted_length && IsResourceExhausted(fetched.status())) {
      return VerificationFailedError(path + ": longer than the " + std::to_string(*trusted_length) +
                                     " bytes the metadata gives");
    }
    VOUCH_ASSIGN_OR_RETURN(Fetched f, std::move(fetched));
    if (!f) {
      return UnavailableError("GET " + url_ + "/" + path + ": not found");
    }
    return std::move(*f);
  }

  // LoadTrustedRoot starts from the cached root, else the caller's, else the embedded one. It
  // must be signed by its own root keys; its expiry does not matter yet (5.3.1).
  Status LoadTrustedRoot() {
    std::string origin = CachePath("root.json");
    Bytes data;
    if (PathExists(origin)) {
      VOUCH_ASSIGN_OR_RETURN(data, ReadFile(origin, kMaxRootBytes));
    } else if (!request_.initial_root.empty()) {
      origin = "the initial root";
      data = ToBytes(request_.initial_root);
    } else if (std::optional<std::string_view> embedded = EmbeddedRoot(url_)) {
      origin = "the embedded root";
      data = ToBytes(*embedded);
    } else {
      return InvalidArgumentError("no trusted TUF root for " + url_ +
                                  ": pass the repository's root.json with --root");
    }
    Result<Metadata> root = internal::ParseMetadata(data, "root");
    Status st = root.ok() ? internal::VerifyRole(*root, "root", *root) : root.status();
    if (!st.ok()) {
      return st.WithContext(origin);
    }
    root_ = std::move(*root);
    root_bytes_ = std::move(data);
    return OkStatus();
  }

  // UpdateRoot walks N.root.json from the trusted version on (5.3.2 to 5.3.10).
  Status UpdateRoot() {
    const Metadata start = root_;
    for (int i = 0; i < request_.max_root_rotations; ++i) {
      const uint64_t next = root_.version + 1;
      VOUCH_ASSIGN_OR_RETURN(Fetched f, Fetch(std::to_string(next) + ".root.json", kMaxRootBytes));
      if (!f) {
        break;
      }
      VOUCH_ASSIGN_OR_RETURN(Metadata md, internal::ParseMetadata(*f, "root"));
      VOUCH_RETURN_IF_ERROR(internal::VerifyRole(root_, "root", md));
      VOUCH_RETURN_IF_ERROR(internal::VerifyRole(md, "root", md));
      if (md.version != next) {
        return VerificationFailedError(std::to_string(next) + ".root.json holds root version " +
                                       std::to_string(md.version) + ", not " +
                                       std::to_string(next));
      }
      root_ = std::move(md);
      root_bytes_ = std::move(*f);
      VOUCH_RETURN_IF_ERROR(Write("root.json", root_bytes_));
    }
    VOUCH_RETURN_IF_ERROR(internal::CheckExpiry(root_, now_));
    // 5.3.11: new timestamp or snapshot keys may be the answer to a fast-forward attack; the
    // cached files they signed must not hold the versions back.
    if (root_.version != start.version && (!internal::SameRoleKeys(start, root_, "timestamp") ||
                                           !internal::SameRoleKeys(start, root_, "snapshot"))) {
      for (const char* name : {"timestamp.json", "snapshot.json"}) {
        std::error_code ec;
        std::filesystem::remove(CachePath(name), ec);
      }
    }
    return OkStatus();
  }

  // CachedRole reads a cached metadata file that still verifies under the trusted root; a
  // missing, unreadable or no longer trusted one is ignored (its versions then bind nothing).
  std::optional<Metadata> CachedRole(const std::string& role) {
    Result<Bytes> data = ReadFile(CachePath(role + ".json"), kMaxSnapshotBytes);
    if (!data.ok()) {
      return std::nullopt;
    }
    Result<Metadata> md = internal::ParseMetadata(*data, role);
    if (!md.ok() || !internal::VerifyRole(root_, role, *md).ok()) {
      return std::nullopt;
    }
    return std::move(*md);
  }

  void LoadCachedMetadata() {
    cached_timestamp_ = CachedRole("timestamp");
    cached_snapshot_ = CachedRole("snapshot");
  }

  // UpdateTimestamp: 5.4.
  Status UpdateTimestamp() {
    VOUCH_ASSIGN_OR_RETURN(Bytes data, FetchRequired("timestamp.json", kMaxTimestampBytes));
    VOUCH_ASSIGN_OR_RETURN(timestamp_, internal::ParseMetadata(data, "timestamp"));
    VOUCH_RETURN_IF_ERROR(internal::VerifyRole(root_, "timestamp", timestamp_));
    if (cached_timestamp_) {
      if (timestamp_.version < cached_timestamp_->version) {
        return VerificationFailedError("timestamp version " + std::to_string(timestamp_.version) +
                                       " is older than the cached version " +
                                       std::to_string(cached_timestamp_->version) + " (rollback)");
      }
      const uint64_t was = cached_timestamp_->meta.at("snapshot.json").version;
      const uint64_t now = timestamp_.meta.at("snapshot.json").version;
      if (now < was) {
        return VerificationFailedError("timestamp names snapshot version " + std::to_string(now) +
                                       ", older than the cached snapshot version " +
                                       std::to_string(was) + " (rollback)");
      }
    }
    VOUCH_RETURN_IF_ERROR(internal::CheckExpiry(timestamp_, now_));
    new_bytes_["timestamp.json"] = std::move(data);
    return OkStatus();
  }

  std::string MetadataPath(const std::string& role, uint64_t version) const {
    return root_.consistent_snapshot ? std::to_string(version) + "." + role + ".json"
                                     : role + ".json";
  }

  // FetchListed downloads the metadata of |role| as |entry| (from the role above it) describes,
  // and checks its length, hashes, signatures and version (5.5.1 to 5.5.4, 5.6.1 to 5.6.4).
  Result<Metadata> FetchListed(const std::string& role, const internal::MetaFile& entry,
                               uint64_t cap) {
    VOUCH_ASSIGN_OR_RETURN(Bytes data,
                           FetchRequired(MetadataPath(role, entry.version), cap, entry.length));
    VOUCH_RETURN_IF_ERROR(internal::CheckFile(data, entry.length, entry.hashes, role + ".json"));
    VOUCH_ASSIGN_OR_RETURN(Metadata md, internal::ParseMetadata(data, role));
    VOUCH_RETURN_IF_ERROR(internal::VerifyRole(root_, role, md));
    if (md.version != entry.version) {
      return VerificationFailedError(role + " version " + std::to_string(md.version) +
                                     " is not the version " + std::to_string(entry.version) +
                                     " that the metadata above it names");
    }
    new_bytes_[role + ".json"] = std::move(data);
    return md;
  }

  // UpdateSnapshot: 5.5. Every role file the cached snapshot listed stays listed, at no lower
  // version (5.5.5).
  Status UpdateSnapshot() {
    VOUCH_ASSIGN_OR_RETURN(
        snapshot_, FetchListed("snapshot", timestamp_.meta.at("snapshot.json"), kMaxSnapshotBytes));
    if (cached_snapshot_) {
      for (const auto& [name, was] : cached_snapshot_->meta) {
        auto now = snapshot_.meta.find(name);
        if (now == snapshot_.meta.end()) {
          return VerificationFailedError("snapshot version " + std::to_string(snapshot_.version) +
                                         " no longer lists " + name + " (rollback)");
        }
        if (now->second.version < was.version) {
          return VerificationFailedError(
              "snapshot version " + std::to_string(snapshot_.version) + " lists " + name +
              " version " + std::to_string(now->second.version) + ", older than the cached " +
              std::to_string(was.version) + " (rollback)");
        }
      }
    }
    return internal::CheckExpiry(snapshot_, now_);
  }

  // UpdateTargets: 5.6 (top-level targets only; no delegations).
  Status UpdateTargets() {
    auto entry = snapshot_.meta.find("targets.json");
    if (entry == snapshot_.meta.end()) {
      return VerificationFailedError("snapshot version " + std::to_string(snapshot_.version) +
                                     " does not list targets.json");
    }
    VOUCH_ASSIGN_OR_RETURN(targets_, FetchListed("targets", entry->second, kMaxTargetsBytes));
    return internal::CheckExpiry(targets_, now_);
  }

  // FetchTarget: 5.7. A cached copy that matches the targets metadata is kept as is.
  Status FetchTarget(const TargetRequest& t) {
    if (t.name.empty() || t.name.find('/') != std::string::npos || t.name[0] == '.') {
      return InvalidArgumentError("target name \"" + t.name + "\" is not a plain file name");
    }
    auto it = targets_.targets.find(t.name);
    if (it == targets_.targets.end()) {
      if (!t.required) {
        result_.absent_targets.push_back(t.name);
        return OkStatus();
      }
      return VerificationFailedError(
          "targets version " + std::to_string(targets_.version) + " has no target " + t.name +
          (targets_.has_delegations ? " (delegated targets roles are not supported)" : ""));
    }
    const internal::TargetFile& want = it->second;
    const std::string what = "target " + t.name;
    const std::string cached = "targets/" + t.name;
    result_.targets[t.name] = CachePath(cached);
    Result<Bytes> have = ReadFile(CachePath(cached), want.length);
    if (have.ok() && internal::CheckFile(*have, want.length, want.hashes, what).ok()) {
      return OkStatus();
    }
    std::string path = "targets/" + t.name;
    if (root_.consistent_snapshot) {
      auto h = want.hashes.count("sha256") > 0 ? want.hashes.find("sha256") : want.hashes.begin();
      path = "targets/" + h->second + "." + t.name;
    }
    VOUCH_ASSIGN_OR_RETURN(Bytes data, FetchRequired(path, want.length, want.length));
    VOUCH_RETURN_IF_ERROR(internal::CheckFile(data, want.length, want.hashes, what));
    new_bytes_[cached] = std::move(data);
    return OkStatus();
  }

  // Write stores one cache file atomically, unless it already holds these bytes.
  Status Write(const std::string& name, const Bytes& data) {
    const std::string path = CachePath(name);
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
    if (ec) {
      return ErrnoToStatus(ec.value(), "creating the folder of " + path);
    }
    Result<Bytes> old = ReadFile(path, data.size());
    if (old.ok() && *old == data) {
      return OkStatus();
    }
    VOUCH_RETURN_IF_ERROR(WriteFileAtomic(path, data, 0644, WriteMode::kOverwrite));
    if (std::find(result_.files_written.begin(), result_.files_written.end(), path) ==
        result_.files_written.end()) {
      result_.files_written.push_back(path);  // root.json once, however many rotations
    }
    return OkStatus();
  }

  // Commit writes the verified files: the starting root when it did not come from the cache,
  // then targets, timestamp last, so that a crash in between leaves metadata that names at most
  // what is already there.
  Status Commit() {
    VOUCH_RETURN_IF_ERROR(Write("root.json", root_bytes_));
    for (const auto& [name, data] : new_bytes_) {
      if (name.rfind("targets/", 0) == 0) {
        VOUCH_RETURN_IF_ERROR(Write(name, data));
      }
    }
    for (const char* name : {"targets.json", "snapshot.json", "timestamp.json"}) {
      VOUCH_RETURN_IF_ERROR(Write(name, new_bytes_.at(name)));
    }
    return OkStatus();
  }

  registry::Transport& transport_;
  const UpdateRequest& request_;
  const std::string url_;
  const TimePoint now_;
  UpdateResult result_;
  Metadata root_;
  Bytes root_bytes_;  // root_ as its file holds it
  Metadata timestamp_;
  Metadata snapshot_;
  Metadata targets_;
  std::optional<Metadata> cached_timestamp_;
  std::optional<Metadata> cached_snapshot_;
  // new_bytes_ holds the verified downloads by cache name, until Commit.
  std::map<std::string, Bytes> new_bytes_;
};

}  // namespace

std::optional<std::string_view> EmbeddedRoot(std::string_view url) {
  const std::string u = TrimSlash(url);
  if (u == kPublicGoodUrl) {
    return internal::ProductionRoot();
  }
  if (u == kStagingUrl) {
    return internal::StagingRoot();
  }
  return std::nullopt;
}

std::string DefaultCacheDir() {
  const std::string base = XdgBaseDir("XDG_CACHE_HOME", ".cache");
  return base.empty() ? std::string() : base + "/vouch/tuf";
}

std::string RepositoryCacheDir(const std::string& cache_dir, std::string_view url) {
  return cache_dir + "/" + PercentEncode(TrimSlash(url));
}

std::optional<std::string> CachedTarget(const std::string& cache_dir, std::string_view url,
                                        std::string_view name) {
  std::string path = RepositoryCacheDir(cache_dir, url) + "/targets/" + std::string(name);
  if (!PathExists(path)) {
    return std::nullopt;
  }
  return path;
}

Result<UpdateResult> Update(registry::Transport& transport, const UpdateRequest& request) {
  if (request.url.rfind("https://", 0) != 0 && request.url.rfind("http://", 0) != 0) {
    return InvalidArgumentError("TUF repository URL " + request.url +
                                " must start with https:// or http://");
  }
  if (request.cache_dir.empty()) {
    return InvalidArgumentError(
        "no TUF cache folder: set HOME or XDG_CACHE_HOME, or pass --cache-dir");
  }
  Updater updater(transport, request);
  return updater.Run();
}

}  // namespace vouch::tuf
