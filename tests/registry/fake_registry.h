// FakeRegistry: an in-memory OCI distribution registry behind the Transport seam, with auth
// (none, Basic, Bearer with a token endpoint), the referrers API (optional), If-Match on tag
// writes (optional), blob redirects to another host, and a fault hook. Unit tests never open a
// socket (style rule 7).
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "vouch/registry/transport.h"

namespace vouch::registry::testing {

class FakeRegistry : public Transport {
 public:
  enum class Auth { kNone, kBasic, kBearer };

  // --- settings (set before use) ---
  std::string host = "reg.test";                 // the registry answers https://reg.test
  Auth auth = Auth::kNone;
  std::string user = "alice";
  std::string pass = "s3cret";
  bool token_refuses = false;                    // the token endpoint answers 401
  bool token_allows_anonymous = true;            // anonymous tokens get pull only
  int token_expires_in = 300;
  bool referrers_api = false;                    // serve GET /v2/<n>/referrers/<d>
  bool honor_if_match = true;                    // 412 on If-Match mismatch
  bool refuse_mounts = false;                    // mount requests open a session (202)
  bool redirect_blobs = false;                   // 307 blob GETs to <blob_redirect_base>/blobs/...
  std::string blob_redirect_base = "https://cdn.test";  // cdn.test serves every blob
  size_t tags_page_size = 0;                     // >0: paginate tags/list with Link
  // link_base, when set, makes the Link of tags and referrers pages absolute on this
  // scheme://host[:port] (another host, or http:// for a downgrade).
  std::string link_base;
  // mirror_hosts serve the same repositories as |host|, without auth (where a Link may point).
  std::set<std::string> mirror_hosts;
  // short_bodies cuts the next N 2xx GET bodies to half, as a server that closes the
  // connection mid-body. With short_bodies_announce_length the response keeps the full
  // Content-Length (a real transport turns that into TruncatedResponseError itself); without
  // it, only the expected size (a descriptor's) can tell.
  int short_bodies = 0;
  bool short_bodies_announce_length = false;
  // fault is consulted first for every request; a value short-circuits the fake.
  std::function<std::optional<Result<HttpResponse>>(const HttpRequest&)> fault;
  // observe runs (unlocked) after every request with its outcome, before it is returned.
  std::function<void(const HttpRequest&, const Result<HttpResponse>&)> observe;
  // before_tag_put runs (unlocked) before a manifest PUT by tag is applied: tests use it to
  // simulate a concurrent writer.
  std::function<void(const std::string& repo, const std::string& tag)> before_tag_put;

  // --- observations ---
  std::vector<std::string> requests;  // "METHOD /path?query" (host-relative), in order
  int token_requests = 0;
  // Streaming observations: bodies pulled from HttpRequest::body_source and pushed into
  // HttpRequest::body_sink go in pieces of at most kStreamPiece bytes.
  static constexpr size_t kStreamPiece = 64 << 10;
  uint64_t max_request_body = 0;    // largest in-memory HttpRequest::body seen
  uint64_t max_response_body = 0;   // largest in-memory HttpResponse::body returned
  uint64_t streamed_up_pieces = 0;  // pieces read from body_source
  uint64_t streamed_down_pieces = 0;  // pieces given to body_sink
  int uploads_cancelled = 0;        // DELETEs of upload sessions
  // OpenUploads returns the number of upload sessions still open.
  size_t OpenUploads();
  bool cdn_saw_authorization = false;
  // authorized_urls lists the full URL of every request that carried Authorization.
  std::vector<std::string> authorized_urls;

  // --- content helpers ---
  std::string AddBlob(const std::string& repo, const std::string& data);
  std::string AddManifest(const std::string& repo, const std::string& tag, const std::string& bytes,
                          const std::string& media_type);
  bool HasBlob(const std::string& repo, const std::string& digest);
  std::optional<std::string> TagDigest(const std::string& repo, const std::string& tag);
  std::optional<std::string> ManifestBytes(const std::string& repo, const std::string& ref);
  // ExpireTokens makes every issued token invalid (the next use gets a 401).
  void ExpireTokens();
  // CountRequests returns how many logged requests start with |prefix|.
  int CountRequests(const std::string& prefix);

  Result<HttpResponse> RoundTrip(const HttpRequest& request) override;
  // ProbeTls answers |tls_probe_answer| when set (counting probes), else kUnimplemented.
  Result<bool> ProbeTls(const std::string& host_port, const AddressFilter& filter) override;
  std::optional<bool> tls_probe_answer;
  int tls_probes = 0;

 private:
  Result<HttpResponse> Serve(const HttpRequest& request);
  struct Stored {
    std::string bytes;
    std::string media_type;
  };
  struct Repo {
    std::map<std::string, std::string> blobs;
    std::map<std::string, Stored> manifests;  // by digest
    std::map<std::string, std::string> tags;  // tag -> digest
  };
  HttpResponse Handle(const std::string& method, const std::string& path,
                      const std::map<std::string, std::string>& query, const HttpRequest& req,
                      bool check_auth);
  std::optional<HttpResponse> CheckAuth(const std::string& repo, bool push,
                                        const std::string& from, const HttpRequest& req);
  HttpResponse Token(const std::map<std::string, std::vector<std::string>>& query,
                     const HttpRequest& req);

  std::mutex mu_;
  std::map<std::string, Repo> repos_;
  std::map<std::string, std::string> uploads_;  // uuid -> repo + "\n" + data
  std::map<std::string, std::set<std::string>> tokens_;  // token -> scopes
  int next_id_ = 0;
};

}  // namespace vouch::registry::testing
