// A repository on a registry, over the OCI distribution API (formats.md 1.2 - 1.8).
#include <algorithm>
#include <atomic>
#include <limits>
#include <map>
#include <mutex>

#include "client_impl.h"
#include "link_header.h"
#include "url.h"
#include "core/internal/json.h"
#include "fallback.h"
#include "vouch/registry/tag_update.h"

namespace vouch::registry {
namespace {

std::string StripParams(std::string_view ct) {
  std::string_view s = ct.substr(0, ct.find(';'));
  while (!s.empty() && s.back() == ' ') {
    s.remove_suffix(1);
  }
  return std::string(s);
}

// ResolveLocation makes an upload/redirect Location absolute against |base| ("scheme://host").
std::string ResolveLocation(const std::string& base_url, const std::string& loc) {
  if (loc.starts_with("http://") || loc.starts_with("https://")) {
    return loc;
  }
  size_t p = base_url.find("://");
  size_t path = base_url.find('/', p == std::string::npos ? 0 : p + 3);
  std::string origin = path == std::string::npos ? base_url : base_url.substr(0, path);
  if (loc.starts_with("/")) {
    return origin + loc;
  }
  // Relative to the directory of base_url.
  std::string dir = path == std::string::npos ? origin + "/" : base_url.substr(0, base_url.rfind('/') + 1);
  return dir + loc;
}

bool IsRedirect(int s) { return s == 301 || s == 302 || s == 303 || s == 307 || s == 308; }

class RemoteRepository final : public Repository {
 public:
  RemoteRepository(std::shared_ptr<Client::Impl> impl, Reference ref, Access access)
      : impl_(std::move(impl)), ref_(std::move(ref)), host_(ApiHost(ref_.registry)) {
    scope_ = "repository:" + ref_.repository + (access == Access::kPullPush ? ":pull,push" : ":pull");
  }

  const Reference& reference() const override { return ref_; }

  Result<Descriptor> Resolve(std::string_view identifier) override {
    HttpRequest req;
    req.method = "HEAD";
    req.headers.Add("Accept", std::string(kManifestAccept));
    VOUCH_ASSIGN_OR_RETURN(HttpResponse resp, Do(Path("manifests/", identifier), req));
    if (resp.status == 405 || resp.status == 400) {
      // Registries without HEAD support: fall back to GET (checked like any fetch).
      VOUCH_ASSIGN_OR_RETURN(Manifest m, FetchManifest(identifier));
      return m.ToDescriptor();
    }
    if (resp.status != 200) {
      return StatusFromResponse(resp, What("resolve", identifier));
    }
    auto dcd = resp.headers.Get("Docker-Content-Digest");
    if (!dcd) {
      VOUCH_ASSIGN_OR_RETURN(Manifest m, FetchManifest(identifier));
      return m.ToDescriptor();
    }
    auto digest = Digest::Parse(*dcd);
    if (!digest.ok()) {
      return DataLossError(What("resolve", identifier) + ": invalid Docker-Content-Digest " + *dcd);
    }
    if (auto want = Digest::Parse(identifier); want.ok() && !(*want == *digest)) {
      return DataLossError(What("resolve", identifier) + ": registry answered digest " +
                           digest->ToString());
    }
    Descriptor d;
    d.digest = *digest;
    d.media_type = StripParams(resp.headers.Get("Content-Type").value_or(""));
    d.size = std::strtoll(resp.headers.Get("Content-Length").value_or("0").c_str(), nullptr, 10);
    return d;
  }

  Result<Manifest> FetchManifest(std::string_view identifier) override {
    HttpRequest req;
    req.headers.Add("Accept", std::string(kManifestAccept));
    req.max_response_bytes = impl_->opts.max_manifest_bytes;
    VOUCH_ASSIGN_OR_RETURN(HttpResponse resp, Do(Path("manifests/", identifier), req));
    if (resp.status != 200) {
      return StatusFromResponse(resp, What("fetch manifest", identifier));
    }
    std::optional<Digest> expected;
    if (auto d = Digest::Parse(identifier); d.ok()) {
      expected = *d;
    } else if (auto dcd = resp.headers.Get("Docker-Content-Digest"); dcd) {
      auto hd = Digest::Parse(*dcd);
      if (!hd.ok()) {
        return DataLossError(What("fetch manifest", identifier) +
                             ": invalid Docker-Content-Digest " + *dcd);
      }
      expected = *hd;
    }
    return CheckManifestBytes(std::move(resp.body), expected,
                              resp.headers.Get("Content-Type").value_or(""),
                              What("manifest", identifier));
  }

  Result<bool> BlobExists(const Digest& digest) override {
    HttpRequest req;
    req.method = "HEAD";
    VOUCH_ASSIGN_OR_RETURN(HttpResponse resp, Do(Path("blobs/", digest.ToString()), req));
    if (resp.status == 200) {
      return true;
    }
    if (resp.status == 404) {
      return false;
    }
    return StatusFromResponse(resp, What("stat blob", digest.ToString()));
  }

  Result<Bytes> FetchBlob(const Digest& digest, int64_t expected_size) override {
    uint64_t cap = impl_->opts.max_blob_bytes;
    if (expected_size >= 0) {
      if (static_cast<uint64_t>(expected_size) > cap) {
        return ResourceExhaustedError(What("blob", digest.ToString()) + " is " +
                                      std::to_string(expected_size) + " bytes, over the cap of " +
                                      std::to_string(cap));
      }
      cap = static_cast<uint64_t>(expected_size);
    }
    HttpRequest req;
    req.max_response_bytes = cap;
    if (expected_size >= 0) {
      req.expected_body_bytes = static_cast<uint64_t>(expected_size);  // shorter: retried
    }
    VOUCH_ASSIGN_OR_RETURN(HttpResponse resp, GetBlob(digest, req));
    if (expected_size >= 0 && static_cast<int64_t>(resp.body.size()) != expected_size) {
      return DataLossError(What("blob", digest.ToString()) + " has " +
                           std::to_string(resp.body.size()) + " bytes, expected " +
                           std::to_string(expected_size));
    }
    Digest got = Digest::Of(resp.body, digest.algorithm());
    if (!(got == digest)) {
      return DataLossError(What("blob", digest.ToString()) + " content does not match its digest"
                           " (got " + got.ToString() + ")");
    }
    return std::move(resp.body);
  }

  Status FetchBlobStream(const Digest& digest, int64_t expected_size,
                         const BlobSink& sink) override {
    std::unique_ptr<Hasher> hasher;
    uint64_t got = 0;
    HttpRequest req;
    req.max_response_bytes = expected_size >= 0 ? static_cast<uint64_t>(expected_size)
                                                : std::numeric_limits<uint64_t>::max();
    if (expected_size >= 0) {
      req.expected_body_bytes = static_cast<uint64_t>(expected_size);
    }
    req.body_sink = [&](uint64_t offset, ByteView piece) -> Status {
      if (offset == 0) {
        hasher = std::make_unique<Hasher>(digest.algorithm());  // (re)started body
        got = 0;
      }
      if (offset != got || !hasher) {
        return DataLossError(What("blob", digest.ToString()) + ": body pieces out of order");
      }
      hasher->Update(piece);
      got += piece.size();
      return sink(offset, piece);
    };
    VOUCH_RETURN_IF_ERROR(GetBlob(digest, req).status());
    if (expected_size >= 0 && got != static_cast<uint64_t>(expected_size)) {
      return DataLossError(What("blob", digest.ToString()) + " has " + std::to_string(got) +
                           " bytes, expected " + std::to_string(expected_size));
    }
    Digest actual = hasher ? hasher->Finish() : Digest::Of({}, digest.algorithm());
    if (!(actual == digest)) {
      return DataLossError(What("blob", digest.ToString()) + " content does not match its digest"
                           " (got " + actual.ToString() + ")");
    }
    return OkStatus();
  }

  Status PushBlob(const Digest& digest, ByteView data) override {
    if (!(Digest::Of(data, digest.algorithm()) == digest)) {
      return InvalidArgumentError("blob does not match digest " + digest.ToString());
    }
    BlobSource source = [data](uint64_t offset, std::span<uint8_t> buf) -> Result<size_t> {
      size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), data.size() - offset));
      std::copy_n(data.begin() + static_cast<std::ptrdiff_t>(offset), n, buf.begin());
      return n;
    };
    return Upload(digest, data.size(), source);
  }

  Status PushBlobStream(const Digest& digest, uint64_t size, const BlobSource& source) override {
    return Upload(digest, size, source);
  }

  Result<bool> MountBlob(const Digest& digest, const Reference& from) override {
    if (from.is_layout() || ApiHost(from.registry) != host_) {
      return false;
    }
    HttpRequest req;
    req.method = "POST";
    std::string target = Path("blobs/uploads/", "") +
                         "?mount=" + internal::QueryEscape(digest.ToString()) +
                         "&from=" + internal::QueryEscape(from.repository);
    // The token must also allow pulling the source (formats.md pitfall 14).
    VOUCH_ASSIGN_OR_RETURN(
        HttpResponse resp,
        impl_->Exchange(host_, {scope_, "repository:" + from.repository + ":pull"}, target, req));
    if (resp.status == 201) {
      return true;
    }
    if (resp.status == 202) {
      // The registry opened an ordinary upload session instead (formats.md 1.6). Keep it: the
      // next upload of this digest continues in it instead of opening (and leaking) another.
      auto loc = Location(resp, "upload");
      if (loc.ok()) {
        std::lock_guard<std::mutex> lock(pending_mu_);
        pending_uploads_[digest.ToString()] = *loc;
      }
      return false;
    }
    return StatusFromResponse(resp, What("mount blob", digest.ToString()));
  }

  Result<bool> PushManifest(std::string_view identifier, ByteView bytes,
                            std::string_view media_type) override {
    HttpRequest req;
    req.method = "PUT";
    req.body.assign(bytes.begin(), bytes.end());
    req.headers.Add("Content-Type", std::string(media_type));
    VOUCH_ASSIGN_OR_RETURN(HttpResponse resp, PutManifestBytes(Path("manifests/", identifier), req));
    if (resp.status != 201 && resp.status != 200 && resp.status != 202) {
      return StatusFromResponse(resp, What("push manifest", identifier));
    }
    Digest mine = Digest::Of(bytes);
    if (auto dcd = resp.headers.Get("Docker-Content-Digest"); dcd) {
      auto got = Digest::Parse(*dcd);
      if (got.ok() && got->algorithm() == mine.algorithm() && !(*got == mine)) {
        return DataLossError(What("push manifest", identifier) + ": registry stored digest " +
                             *dcd + ", expected " + mine.ToString());
      }
    }
    return resp.headers.Get("OCI-Subject").has_value();
  }

  Status DeleteManifest(const Digest& digest) override {
    HttpRequest req;
    req.method = "DELETE";
    VOUCH_ASSIGN_OR_RETURN(HttpResponse resp, Do(Path("manifests/", digest.ToString()), req));
    if (resp.status != 202 && resp.status != 200 && resp.status != 204) {
      return StatusFromResponse(resp, What("delete manifest", digest.ToString()));
    }
    return OkStatus();
  }

  Result<std::vector<std::string>> ListTags() override {
    std::vector<std::string> tags;
    std::string target = Path("tags/list", "");
    for (int page = 0; page < 10000 && !target.empty(); ++page) {
      HttpRequest req;
      req.max_response_bytes = impl_->opts.max_manifest_bytes;
      VOUCH_ASSIGN_OR_RETURN(HttpResponse resp, Do(target, req));
      if (resp.status != 200) {
        return StatusFromResponse(resp, What("list tags", ""));
      }
      auto j = ParseJson(AsChars(resp.body), "tags list");
      if (!j.ok()) {
        return DataLossError(What("list tags", "") + ": " + j.status().message());
      }
      const Json* t = FindField(*j, "tags");
      if (t != nullptr && !t->is_null()) {
        if (!t->is_array()) {
          return DataLossError(What("list tags", "") + ": tags is not an array");
        }
        for (const Json& e : *t) {
          if (e.is_string()) {
            tags.push_back(e.get<std::string>());
          }
        }
      }
      target = internal::ParseLinkNext(resp.headers.GetAll("Link"));
      if (!target.empty() && !target.starts_with("/") && !target.starts_with("http")) {
        target = "/" + target;
      }
    }
    return tags;
  }

  Result<Referrers> ListReferrers(const Digest& subject, std::string_view artifact_type) override {
    Referrers out;
    if (impl_->NoReferrersApi(host_)) {
      return ReadFallback(subject, artifact_type);
    }
    std::string target = Path("referrers/", subject.ToString());
    if (!artifact_type.empty()) {
      target += "?artifactType=" + internal::QueryEscape(artifact_type);  // '+' becomes %2B
    }
    bool first = true;
    for (int page = 0; page < 1000 && !target.empty(); ++page) {
      HttpRequest req;
      req.headers.Add("Accept", std::string(kOciIndex));
      req.max_response_bytes = impl_->opts.max_manifest_bytes;
      VOUCH_ASSIGN_OR_RETURN(HttpResponse resp, Do(target, req));
      if (first && resp.status == 404) {
        // Only a 404 means "no referrers API" (distribution-spec; a registry with the API
        // answers 200 with an empty index for unknown subjects). Remember it for this
        // registry host, for the rest of this client's life, and use the tag schema.
        impl_->MarkNoReferrersApi(host_);
        return ReadFallback(subject, artifact_type);
      }
      first = false;
      if (resp.status != 200) {
        return StatusFromResponse(resp, What("list referrers", subject.ToString()));
      }
      bool filtered = resp.headers.Get("OCI-Filters-Applied").value_or("").find("artifactType") !=
                      std::string::npos;
      VOUCH_ASSIGN_OR_RETURN(auto ds, internal::ParseReferrersIndex(
                                          resp.body, filtered ? "" : artifact_type, false));
      out.descriptors.insert(out.descriptors.end(), ds.begin(), ds.end());
      target = internal::ParseLinkNext(resp.headers.GetAll("Link"));
    }
    out.scheme = ReferrersScheme::kApi;
    return out;
  }

  Status PushReferrer(ByteView bytes, std::string_view media_type) override {
    Digest digest = Digest::Of(bytes);
    VOUCH_ASSIGN_OR_RETURN(Descriptor entry,
                           internal::ReferrerDescriptor(bytes, media_type, digest));
    VOUCH_ASSIGN_OR_RETURN(ManifestView view, ParseManifest(bytes, media_type));
    VOUCH_ASSIGN_OR_RETURN(bool indexed, PushManifest(digest.ToString(), bytes, media_type));
    if (indexed) {
      return OkStatus();
    }
    TagUpdateOptions options;
    options.sleep = impl_->opts.retry.sleep;
    options.jitter = impl_->opts.retry.jitter;
    return internal::AddToFallbackIndex(*this, FallbackTag(view.subject->digest), entry, options);
  }

  Result<std::optional<TaggedManifest>> FetchTaggedManifest(std::string_view tag) override {
    HttpRequest req;
    req.headers.Add("Accept", std::string(kManifestAccept));
    req.max_response_bytes = impl_->opts.max_manifest_bytes;
    VOUCH_ASSIGN_OR_RETURN(HttpResponse resp, Do(Path("manifests/", tag), req));
    if (resp.status == 404) {
      return std::optional<TaggedManifest>();
    }
    if (resp.status != 200) {
      return StatusFromResponse(resp, What("read tag", tag));
    }
    std::optional<Digest> expected;
    if (auto dcd = resp.headers.Get("Docker-Content-Digest"); dcd) {
      auto d = Digest::Parse(*dcd);
      if (!d.ok()) {
        return DataLossError(What("read tag", tag) + ": invalid Docker-Content-Digest " + *dcd);
      }
      expected = *d;
    }
    TaggedManifest out;
    out.etag = resp.headers.Get("ETag").value_or("");
    VOUCH_ASSIGN_OR_RETURN(out.manifest,
                           CheckManifestBytes(std::move(resp.body), expected,
                                              resp.headers.Get("Content-Type").value_or(""),
                                              What("tag", tag)));
    return std::optional<TaggedManifest>(std::move(out));
  }

  Result<bool> PushTaggedManifest(std::string_view tag, ByteView bytes,
                                  std::string_view media_type,
                                  const TagCondition& condition) override {
    HttpRequest req;
    req.method = "PUT";
    req.body.assign(bytes.begin(), bytes.end());
    req.headers.Add("Content-Type", std::string(media_type));
    if (!condition.if_match.empty()) {
      req.headers.Add("If-Match", condition.if_match);
    } else if (condition.if_none_match) {
      req.headers.Add("If-None-Match", "*");
    }
    VOUCH_ASSIGN_OR_RETURN(HttpResponse resp, PutManifestBytes(Path("manifests/", tag), req));
    if (resp.status == 412) {
      return AbortedError(What("write tag", tag) + ": precondition failed (changed concurrently)");
    }
    if (resp.status != 201 && resp.status != 200 && resp.status != 202) {
      return StatusFromResponse(resp, What("write tag", tag));
    }
    return false;  // a registry may have ignored the precondition; the caller confirms
  }

 private:
  // PutManifestBytes PUTs a manifest. distribution 2.8 sometimes answers 400 DIGEST_INVALID while
  // another writer is committing a blob that the manifest references (seen with concurrent
  // signers pushing the same empty config blob). The bytes and their digest are ours, so the PUT
  // is repeated, a bounded number of times with growing pauses; any other answer is returned.
  Result<HttpResponse> PutManifestBytes(const std::string& target, const HttpRequest& req) {
    constexpr int kMaxRepeats = 4;
    for (int repeat = 0;; ++repeat) {
      VOUCH_ASSIGN_OR_RETURN(HttpResponse resp, Do(target, req));
      bool digest_race = resp.status == 400 &&
                         AsChars(resp.body).find("DIGEST_INVALID") != std::string_view::npos;
      if (!digest_race || repeat >= kMaxRepeats) {
        return resp;
      }
      impl_->opts.retry.sleep(std::chrono::milliseconds(50 << repeat));
    }
  }

  // GetBlob GETs a blob, following redirects (Authorization only where MaySendCredentials
  // allows), and
  // returns the final 200 response (its body empty when |req| streams to a sink).
  Result<HttpResponse> GetBlob(const Digest& digest, const HttpRequest& req) {
    std::string target = Path("blobs/", digest.ToString());
    VOUCH_ASSIGN_OR_RETURN(HttpResponse resp, Do(target, req));
    std::string url = impl_->BaseUrl(host_) + target;
    for (int hop = 0; IsRedirect(resp.status); ++hop) {
      if (hop >= impl_->opts.max_redirects) {
        return UnavailableError(What("fetch blob", digest.ToString()) + ": more than " +
                                std::to_string(impl_->opts.max_redirects) + " redirects");
      }
      auto loc = resp.headers.Get("Location");
      if (!loc || loc->empty()) {
        return StatusFromResponse(resp, What("fetch blob", digest.ToString()) +
                                            ": redirect without Location");
      }
      url = ResolveLocation(url, *loc);
      // Exchange sends credentials only where MaySendCredentials allows (not to a CDN, not
      // down to plain HTTP).
      VOUCH_ASSIGN_OR_RETURN(resp, impl_->Exchange(host_, {scope_}, url, req));
    }
    if (resp.status != 200) {
      return StatusFromResponse(resp, What("fetch blob", digest.ToString()));
    }
    return resp;
  }

  // Upload pushes |size| bytes from |source| as blob |digest|: in the session a 202 mount left
  // open, else in a new one (POST); monolithic PUT, or PATCH chunks above the chunk size. A
  // failure after the session exists cancels it with DELETE (best effort), so that failed
  // copies do not leave sessions open on the registry.
  Status Upload(const Digest& digest, uint64_t size, const BlobSource& source) {
    std::string location;
    {
      std::lock_guard<std::mutex> lock(pending_mu_);
      auto it = pending_uploads_.find(digest.ToString());
      if (it != pending_uploads_.end()) {
        location = it->second;
        pending_uploads_.erase(it);
      }
    }
    uint64_t chunk = std::max<uint64_t>(impl_->opts.chunk_size, 1);
    if (location.empty()) {
      HttpRequest start;
      start.method = "POST";
      VOUCH_ASSIGN_OR_RETURN(HttpResponse resp, Do(Path("blobs/uploads/", ""), start));
      if (resp.status != 202) {
        return StatusFromResponse(resp, What("start upload", digest.ToString()));
      }
      VOUCH_ASSIGN_OR_RETURN(location, Location(resp, "upload"));
      if (auto min = resp.headers.Get("OCI-Chunk-Min-Length"); min) {
        chunk = std::max<uint64_t>(chunk, std::strtoull(min->c_str(), nullptr, 10));
      }
    }
    Status s = UploadInSession(digest, size, source, chunk, location);
    if (!s.ok()) {
      // distribution-spec "Canceling an Upload"; the outcome does not change the error.
      HttpRequest cancel;
      cancel.method = "DELETE";
      cancel.max_response_bytes = 1 << 16;
      (void)impl_->Exchange(host_, {scope_}, location, cancel);
    }
    return s;
  }

  static void SetSourceBody(HttpRequest& req, const BlobSource& source, uint64_t base,
                            uint64_t n) {
    req.body_source = [&source, base](uint64_t offset, std::span<uint8_t> buf) {
      return source(base + offset, buf);
    };
    req.body_source_size = n;
  }

  Status UploadInSession(const Digest& digest, uint64_t size, const BlobSource& source,
                         uint64_t chunk, std::string& location) {
    uint64_t offset = 0;
    int resumes = 0;
    const bool chunked = size > chunk;
    while (chunked && size - offset > chunk) {
      // Chunked: PATCH with inclusive Content-Range, no "bytes " prefix (formats.md 1.6).
      HttpRequest patch;
      patch.method = "PATCH";
      SetSourceBody(patch, source, offset, chunk);
      patch.headers.Add("Content-Type", "application/octet-stream");
      patch.headers.Add("Content-Range",
                        std::to_string(offset) + "-" + std::to_string(offset + chunk - 1));
      VOUCH_ASSIGN_OR_RETURN(HttpResponse pr, impl_->Exchange(host_, {scope_}, location, patch));
      if (pr.status == 416 && resumes < 3) {
        // The registry holds a different amount than we think: ask it (GET <location>, Range)
        // and resume from there.
        ++resumes;
        VOUCH_ASSIGN_OR_RETURN(offset, UploadOffset(digest, location));
        if (offset > size) {
          return DataLossError(What("upload", digest.ToString()) +
                               ": registry reports more bytes than the blob has");
        }
        continue;
      }
      if (pr.status != 202) {
        return StatusFromResponse(pr, What("upload chunk", digest.ToString()));
      }
      VOUCH_ASSIGN_OR_RETURN(location, Location(pr, "upload"));
      offset += chunk;
    }
    HttpRequest put;
    put.method = "PUT";
    put.headers.Add("Content-Type", "application/octet-stream");
    SetSourceBody(put, source, offset, size - offset);
    if (chunked && offset < size) {
      put.headers.Add("Content-Range", std::to_string(offset) + "-" + std::to_string(size - 1));
    }
    std::string url = location + (location.find('?') == std::string::npos ? "?" : "&") +
                      "digest=" + internal::QueryEscape(digest.ToString());
    VOUCH_ASSIGN_OR_RETURN(HttpResponse done, impl_->Exchange(host_, {scope_}, url, put));
    if (done.status != 201 && done.status != 204) {
      return StatusFromResponse(done, What("finish upload", digest.ToString()));
    }
    return OkStatus();
  }

  // UploadOffset asks for an upload's progress (GET <location>: 204, Range: 0-<last>) and
  // returns the offset to continue from, updating |location|.
  Result<uint64_t> UploadOffset(const Digest& digest, std::string& location) {
    HttpRequest req;
    req.max_response_bytes = 1 << 16;
    VOUCH_ASSIGN_OR_RETURN(HttpResponse resp, impl_->Exchange(host_, {scope_}, location, req));
    if (resp.status != 204 && resp.status != 200) {
      return StatusFromResponse(resp, What("upload status", digest.ToString()));
    }
    if (resp.headers.Get("Location")) {
      VOUCH_ASSIGN_OR_RETURN(location, Location(resp, "upload"));
    }
    std::string range = resp.headers.Get("Range").value_or("");
    if (range.starts_with("bytes=")) {
      range = range.substr(6);
    }
    size_t dash = range.find('-');
    if (range.empty() || dash == std::string::npos) {
      return uint64_t{0};
    }
    return std::strtoull(range.c_str() + dash + 1, nullptr, 10) + 1;
  }

  Result<Referrers> ReadFallback(const Digest& subject, std::string_view artifact_type) {
    Referrers out;
    out.scheme = ReferrersScheme::kFallbackTag;
    HttpRequest req;
    req.headers.Add("Accept", std::string(kManifestAccept));
    req.max_response_bytes = impl_->opts.max_manifest_bytes;
    const std::string tag = FallbackTag(subject);
    VOUCH_ASSIGN_OR_RETURN(HttpResponse resp, Do(Path("manifests/", tag), req));
    if (resp.status == 404) {
      return out;
    }
    if (resp.status != 200) {
      return StatusFromResponse(resp, What("read referrers tag", tag));
    }
    if (auto dcd = resp.headers.Get("Docker-Content-Digest"); dcd) {
      auto d = Digest::Parse(*dcd);
      if (!d.ok() || !(Digest::Of(resp.body, d->algorithm()) == *d)) {
        return DataLossError(What("referrers tag", tag) + " does not match its digest");
      }
    }
    VOUCH_ASSIGN_OR_RETURN(out.descriptors,
                           internal::ParseReferrersIndex(resp.body, artifact_type, true));
    return out;
  }

  Result<HttpResponse> Do(const std::string& target, const HttpRequest& req) {
    return impl_->Exchange(host_, {scope_}, target, req);
  }

  Result<std::string> Location(const HttpResponse& resp, const char* what) {
    auto loc = resp.headers.Get("Location");
    if (!loc || loc->empty()) {
      return DataLossError(std::string("registry sent no Location for the ") + what);
    }
    return ResolveLocation(impl_->BaseUrl(host_) + "/v2/", *loc);
  }

  std::string Path(std::string_view kind, std::string_view id) const {
    return "/v2/" + ref_.repository + "/" + std::string(kind) + std::string(id);
  }
  std::string What(std::string_view op, std::string_view id) const {
    return std::string(op) + " " + ref_.RepositoryName() +
           (id.empty() ? "" : (id.find(':') != std::string_view::npos ? "@" : ":") + std::string(id));
  }

  std::shared_ptr<Client::Impl> impl_;
  Reference ref_;
  std::string host_;
  std::string scope_;
  std::mutex pending_mu_;
  std::map<std::string, std::string> pending_uploads_;  // digest -> session left by a mount
};

}  // namespace

Result<Manifest> CheckManifestBytes(Bytes bytes, const std::optional<Digest>& expected,
                                    std::string_view content_type, const std::string& what) {
  Manifest m;
  m.digest = Digest::Of(bytes, expected ? expected->algorithm() : HashAlgorithm::kSha256);
  if (expected && !(m.digest == *expected)) {
    return DataLossError(what + ": bytes do not match digest " + expected->ToString() + " (got " +
                         m.digest.ToString() + ")");
  }
  if (m.digest.algorithm() != HashAlgorithm::kSha256) {
    m.digest = Digest::Of(bytes);
  }
  // Parse only after the digest check (style rule 8).
  auto view = ParseManifest(bytes, content_type);
  if (!view.ok()) {
    return view.status().WithContext(what);
  }
  m.media_type = view->media_type;
  m.bytes = std::move(bytes);
  return m;
}

Descriptor Manifest::ToDescriptor() const {
  Descriptor d;
  d.media_type = media_type;
  d.digest = digest;
  d.size = static_cast<int64_t>(bytes.size());
  return d;
}

std::unique_ptr<Repository> NewRemoteRepository(std::shared_ptr<Client::Impl> impl,
                                                Reference ref, Access access) {
  return std::make_unique<RemoteRepository>(std::move(impl), std::move(ref), access);
}

}  // namespace vouch::registry
