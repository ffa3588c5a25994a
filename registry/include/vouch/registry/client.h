// The registry client: one interface over remote registries (OCI distribution API) and OCI image
// layouts on disk, so that every command works the same against both (air-gapped copies).
//
// Every manifest and blob fetched is checked against its digest before it is returned, and every
// response is capped. Error codes: a missing manifest/blob/tag is kNotFound; complete bodies that
// do not match their digest and malformed documents are kDataLoss; oversized bodies are
// kResourceExhausted; refused credentials are kUnauthenticated, 403 kPermissionDenied;
// connection failures, bodies cut short (IsTruncatedResponse: shorter than their Content-Length
// or their descriptor's size), 5xx and throttling that outlast the retry policy are
// kUnavailable (the message starts with "registry throttled" for 429, an open circuit and the
// rate limit: IsThrottled); an exchange past the transport's request deadline is
// kDeadlineExceeded (not retried).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vouch/core/bytes.h"
#include "vouch/core/digest.h"
#include "vouch/core/status.h"
#include "vouch/registry/auth.h"
#include "vouch/registry/manifest.h"
#include "vouch/registry/reference.h"
#include "vouch/registry/registries_conf.h"
#include "vouch/registry/throttle.h"
#include "vouch/registry/transport.h"

namespace vouch::registry {

// RetryPolicy bounds retries of 5xx, 429, connection errors and truncated bodies: at most |max_attempts| tries and
// |max_total| of sleeping, with exponential backoff from |initial_backoff| (doubling, capped at
// |max_backoff|, full jitter). A Retry-After longer than what is left of |max_total| ends the
// retries at once. |sleep| is the seam tests replace to run without waiting.
struct RetryPolicy {
  int max_attempts = 5;
  std::chrono::milliseconds initial_backoff{200};
  std::chrono::milliseconds max_backoff{5000};
  std::chrono::milliseconds max_total{30000};
  // sleep is also the wait of tag updates the client makes itself (the confirmation delay of
  // PushReferrer's fallback index, see tag_update.h).
  std::function<void(std::chrono::milliseconds)> sleep;  // default: std::this_thread::sleep_for
  // jitter returns a number in [0, 1); default: OpenSSL randomness.
  std::function<double()> jitter;
};

// ClientOptions configure a Client.
struct ClientOptions {
  // transport performs the HTTP exchanges; when null, a curl transport with |ca_file| is made.
  std::shared_ptr<Transport> transport;
  // ca_file replaces the system CA store; defaults to $SSL_CERT_FILE when that is set.
  std::optional<std::string> ca_file;
  // certs_d_roots are the per-host certificate directory roots whose CAs are added to the CA
  // store (CurlTransportOptions::certs_d_roots); nullopt: DefaultCertsDirRoots().
  std::optional<std::vector<std::string>> certs_d_roots;
  // request_timeout, when set, replaces the default curl transport's overall deadline of one
  // exchange (CurlTransportOptions::request_timeout, 10 minutes).
  std::optional<std::chrono::milliseconds> request_timeout;
  // insecure_registries may be spoken to over plain HTTP and with unverified TLS (and so may
  // the hosts registries_conf marks insecure).
  std::set<std::string> insecure_registries;
  // registries_conf, when set, decides where each remote repository is read and written
  // (registries_conf.h): Open with Access::kPull reads through the mirrors, then the primary;
  // writes go to the primary; a blocked reference fails to open (kPermissionDenied). Null: the
  // reference's own registry.
  std::shared_ptr<const RegistriesConf> registries_conf;
  // attachment_repository, when set, is where every opened image's signatures and attestations
  // are read and written (Repository::attachments): cosign tags and referrers alike, as cosign
  // does with COSIGN_REPOSITORY. Only its registry and repository (or layout path) are used.
  std::optional<Reference> attachment_repository;
  // credentials supplies login data; when null, the docker config files are used.
  std::shared_ptr<CredentialStore> credentials;
  RetryPolicy retry;
  // throttle, when set, paces and guards every exchange per host (token bucket, circuit
  // breaker: throttle.h); it may be shared by several clients. Null (the CLI's default): none.
  // A token wait sleeps through RetryPolicy::sleep and never past the Cancellation deadline.
  std::shared_ptr<Throttle> throttle;
  // max_manifest_bytes caps manifests and indexes; max_blob_bytes caps blobs held in memory
  // (FetchBlob); streamed transfers (FetchBlobStream, copies of large blobs) are not bound by it.
  uint64_t max_manifest_bytes = 4 << 20;
  uint64_t max_blob_bytes = uint64_t{1} << 30;
  // chunk_size: blobs larger than this are uploaded in PATCH chunks of this size.
  uint64_t chunk_size = 64 << 20;
  // max_redirects bounds redirect chains of blob downloads.
  int max_redirects = 10;
  // address_filter, when set, vets every connection of every exchange: registry, token realm,
  // redirect, pagination link (AddressFilter in transport.h). Unset (the CLI): any address.
  // `vouch serve` sets RestrictedAddressFilter.
  AddressFilter address_filter;
  // observer sees every exchange (for -v and request counting).
  RequestObserver observer;
  // warn receives user-facing warnings (registry "Warning" headers, deduplicated).
  std::function<void(const std::string&)> warn;
};

// Manifest is a fetched manifest or index: the exact bytes, their digest (verified) and type.
struct Manifest {
  Bytes bytes;
  Digest digest = Digest::Of({});
  std::string media_type;

  // Descriptor returns {media_type, digest, size}.
  registry::Descriptor ToDescriptor() const;
};

// BlobSink receives a blob's bytes in order: |offset| is where |piece| starts. A download that
// starts over (a retried exchange) calls it again from offset 0, so sinks write at |offset|
// (pwrite) rather than append. A non-OK status aborts the download with that status.
using BlobSink = std::function<Status(uint64_t offset, ByteView piece)>;

// BlobSource supplies blob bytes like pread: fill |buf| from |offset| and return the count
// (0 only at the end). It may be asked for the same range again when an exchange is retried.
using BlobSource = std::function<Result<size_t>(uint64_t offset, std::span<uint8_t> buf)>;

// ReferrersScheme says where referrers were found.
enum class ReferrersScheme {
  kApi,          // GET /v2/<name>/referrers/<digest>
  kFallbackTag,  // the sha256-<hex> tag index (registry without the API, and OCI layouts)
};

struct Referrers {
  std::vector<Descriptor> descriptors;
  ReferrersScheme scheme = ReferrersScheme::kApi;
};

// TaggedManifest is a manifest fetched by tag together with the validator a conditional
// replacement needs.
struct TaggedManifest {
  Manifest manifest;
  // etag is the ETag response header exactly as served (quotes included), "" when the registry
  // sent none.
  std::string etag;
};

// TagCondition is the precondition of a conditional tag write (RFC 9110 13.1). At most one of
// the two is set; neither means an unconditional write.
struct TagCondition {
  // if_match, when non-empty, is sent as If-Match: the write succeeds only while the tag still
  // has this ETag.
  std::string if_match;
  // if_none_match sends If-None-Match: *: the write succeeds only while the tag does not exist.
  bool if_none_match = false;
};

// Access is what a Repository will be used for; it decides the token scope asked for up front,
// so that a copy does not pay for a second token handshake when it starts pushing.
enum class Access { kPull, kPullPush };

// Repository is one repository on a registry, or one OCI layout directory.
// Implementations are safe for concurrent use.
class Repository {
 public:
  virtual ~Repository() = default;

  // reference returns the reference this repository was opened with.
  virtual const Reference& reference() const = 0;

  // Resolve returns the descriptor (digest, media type, size) that |identifier| (tag or digest
  // string) names, with one HEAD request. kNotFound when it does not exist.
  virtual Result<Descriptor> Resolve(std::string_view identifier) = 0;

  // FetchManifest returns the manifest bytes exactly as served, checked against the requested
  // digest (or against Docker-Content-Digest when fetched by tag) and capped.
  virtual Result<Manifest> FetchManifest(std::string_view identifier) = 0;

  // BlobExists reports whether the blob is present (HEAD).
  virtual Result<bool> BlobExists(const Digest& digest) = 0;

  // FetchBlob returns the blob, following redirects (credentials only where MaySendCredentials
  // allows), checking size (when |expected_size| >= 0) and digest. Capped by max_blob_bytes. A
  // body shorter than |expected_size| is a truncated response, retried, then kUnavailable.
  virtual Result<Bytes> FetchBlob(const Digest& digest, int64_t expected_size) = 0;

  // PushBlob uploads |data| whose digest is |digest| (monolithic POST+PUT, or PATCH chunks above
  // the chunk size). A failure after the upload session was opened cancels the session with
  // DELETE (best effort); a 416 on a chunk resumes from the offset the registry reports
  // (GET <location>, Range), at most 3 times.
  virtual Status PushBlob(const Digest& digest, ByteView data) = 0;

  // FetchBlobStream downloads the blob into |sink| piece by piece, with memory bounded
  // regardless of its size (no max_blob_bytes cap; |expected_size| >= 0 caps and checks the
  // length). Size and digest are checked as the bytes stream: a mismatch is kDataLoss after
  // the sink saw the bytes, so callers keep what the sink received apart (e.g. in a temp file)
  // until this returns OK. The default implementation goes through FetchBlob.
  virtual Status FetchBlobStream(const Digest& digest, int64_t expected_size,
                                 const BlobSink& sink);

  // PushBlobStream uploads |size| bytes read from |source| as blob |digest| without holding
  // them in memory (same sessions, chunking and cancellation as PushBlob). The bytes are not
  // re-hashed here: the registry (or the layout) rejects content that does not match |digest|.
  // The default implementation reads the source into memory and calls PushBlob.
  virtual Status PushBlobStream(const Digest& digest, uint64_t size, const BlobSource& source);

  // MountBlob asks the registry to link |digest| from repository |from| on the same registry.
  // Returns true when mounted (201); false when the registry opened an upload instead (the
  // caller then pushes the blob, and the push continues in that session) or when mounting is
  // impossible (another registry, a layout).
  virtual Result<bool> MountBlob(const Digest& digest, const Reference& from) = 0;

  // PushManifest stores |bytes| under |identifier| (a tag, or the digest string of |bytes|).
  // Returns true when the registry reports that it indexed the manifest's subject
  // (OCI-Subject), so no fallback index needs writing.
  virtual Result<bool> PushManifest(std::string_view identifier, ByteView bytes,
                                    std::string_view media_type) = 0;

  // DeleteManifest deletes by digest.
  virtual Status DeleteManifest(const Digest& digest) = 0;

  // ListTags returns every tag, following pagination.
  virtual Result<std::vector<std::string>> ListTags() = 0;

  // ListReferrers returns the manifests whose subject is |subject|, filtered to |artifact_type|
  // when non-empty. The referrers API is tried first; only a 404 means it is absent, and then
  // the sha256-<hex> tag index is read (a 404 there means no referrers). Any other failure is
  // an error, never "no referrers". After a 404 a remote repository remembers that the API is
  // absent and reads the tag directly.
  virtual Result<Referrers> ListReferrers(const Digest& subject,
                                          std::string_view artifact_type) = 0;

  // PushReferrer pushes the referrer manifest |bytes| by digest and, when the registry does not
  // index subjects itself, adds it to the subject's fallback tag index with
  // UpdateTaggedManifest (tag_update.h): If-Match guarded, confirmed by a delayed re-read,
  // bounded rounds (kAborted when the race is never won).
  virtual Status PushReferrer(ByteView bytes, std::string_view media_type) = 0;

  // FetchTaggedManifest returns the manifest tagged |tag| with its ETag, or nullopt when the tag
  // does not exist (a 404 is not an error here). The bytes are checked against
  // Docker-Content-Digest when the registry sends it, and capped like FetchManifest.
  // The default implementation uses FetchManifest and has no ETag.
  virtual Result<std::optional<TaggedManifest>> FetchTaggedManifest(std::string_view tag);

  // PushTaggedManifest PUTs |bytes| under |tag| with the precondition |condition|. A refused
  // precondition (HTTP 412) is kAborted. Returns true when the repository guarantees that it
  // enforced the precondition atomically (OCI layouts, within one process), false when it
  // cannot tell (remote registries: distribution 2.8 ignores If-Match), so callers must
  // confirm the write by re-reading. The default implementation ignores |condition| and
  // returns false.
  virtual Result<bool> PushTaggedManifest(std::string_view tag, ByteView bytes,
                                          std::string_view media_type,
                                          const TagCondition& condition);

  // attachments returns the repository this image's signatures and attestations live in (its
  // cosign `.sig` / `.att` / `.sbom` tags and its referrers): the one
  // ClientOptions::attachment_repository names, else this repository itself. The image's own
  // manifests and blobs are always read here.
  Repository& attachments() { return attachments_ ? *attachments_ : *this; }

 private:
  friend class Client;
  std::unique_ptr<Repository> attachments_;
};

// ResolveAttachmentRepository returns where attachments are kept (ClientOptions::
// attachment_repository): |flag| (--attachment-repository) when given, else $VOUCH_REPOSITORY,
// else cosign's $COSIGN_REPOSITORY, else nullopt (beside the image). |env| looks a variable up
// (null: the process environment). The value names a repository ("registry/path" or
// "oci:PATH"); a tag or digest, or a malformed name, is kInvalidArgument naming its source.
Result<std::optional<Reference>> ResolveAttachmentRepository(
    const std::optional<std::string>& flag,
    const std::function<std::optional<std::string>(std::string_view)>& env = nullptr);

// Client opens repositories and holds what they share: the transport, credentials, the token
// cache and the request counter. Thread-safe; must outlive the repositories it opens.
class Client {
 public:
  explicit Client(ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Open returns the repository |ref| names (a remote repository or an OCI layout). Opening
  // makes no request. A layout opened with kPullPush is created when missing. With
  // ClientOptions::registries_conf a remote repository is read from and written to the
  // endpoints it gives; its reference() is still |ref|.
  Result<std::unique_ptr<Repository>> Open(const Reference& ref, Access access = Access::kPull);

  // Ping checks that |registry| answers /v2/ with the given |credentials| (for `vouch login`):
  // OK when authenticated, kUnauthenticated when the credentials are refused.
  Status Ping(std::string_view registry, const Credentials& credentials);

  // request_count returns the number of HTTP exchanges made so far (including token requests).
  uint64_t request_count() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

// SelectPlatform picks |platform|'s child from the index |manifest| (entries without a platform
// and those IsPlatformImage refuses are skipped). kNotFound when no child matches; for a
// non-index manifest it returns the manifest's own descriptor.
Result<Descriptor> SelectPlatform(const Manifest& manifest, const Platform& platform);

// ExpandOptions says which manifests an image reference expands to.
struct ExpandOptions {
  // platform, for an index, selects that platform's manifest as the root (SelectPlatform).
  std::optional<Platform> platform;
  // children, for an index (and no |platform|), lists its entries.
  bool children = false;
  // resolved, when the caller has just resolved the reference's tag to the reference's digest
  // (the admission gate), is that descriptor: the HEAD by digest is skipped, a round trip on
  // every cold decision. Ignored unless its digest is the reference's.
  std::optional<Descriptor> resolved;
};

// ImageSubjects is what an image reference expands to: the manifests a verifier looks at.
struct ImageSubjects {
  // root is what the reference resolved to (the index of a multi-platform image), or the
  // child that ExpandOptions::platform selected.
  Descriptor root;
  // entries are every entry of the root index (ExpandOptions::children), in index order.
  std::vector<Descriptor> entries;
  // children are the entries that are images of the index (IsPlatformImage).
  std::vector<Descriptor> children;
};

// ExpandImage resolves |repo|'s reference (one HEAD, or one GET for a layout, unless
// ExpandOptions::resolved already holds it) and, for an index
// when |options| asks for a platform or the children, fetches the index (one GET). The one place
// that turns a reference into the manifests to verify (verify, verify-attestation, inspect, the
// policy evaluator). Errors are the registry's; a platform the index lacks is kNotFound.
Result<ImageSubjects> ExpandImage(Repository& repo, const ExpandOptions& options);

}  // namespace vouch::registry
