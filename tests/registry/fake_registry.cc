#include "registry/fake_registry.h"

#include <algorithm>

#include "vouch/core/bytes.h"
#include "vouch/core/digest.h"

namespace vouch::registry::testing {
namespace {

std::string Sha(const std::string& s) { return Digest::Of(AsBytes(s)).ToString(); }

HttpResponse Resp(int status, const std::string& body = "") {
  HttpResponse r;
  r.status = status;
  r.body = ToBytes(body);
  return r;
}

HttpResponse Err(int status, const std::string& code, const std::string& msg) {
  HttpResponse r = Resp(status, R"({"errors":[{"code":")" + code + R"(","message":")" + msg +
                                    R"("}]})");
  r.headers.Add("Content-Type", "application/json");
  return r;
}

std::string Unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i] == '+' ? ' ' : s[i]);
    }
  }
  return out;
}

std::string ArtifactTypeOf(const std::string& bytes) {
  // Tiny extraction good enough for the fake: "artifactType":"..." else config mediaType.
  auto find = [&](const std::string& key, size_t from) -> std::string {
    size_t p = bytes.find("\"" + key + "\":\"", from);
    if (p == std::string::npos) {
      return "";
    }
    p += key.size() + 4;
    return bytes.substr(p, bytes.find('"', p) - p);
  };
  std::string at = find("artifactType", 0);
  if (!at.empty()) {
    return at;
  }
  size_t c = bytes.find("\"config\"");
  return c == std::string::npos ? "" : find("mediaType", c);
}

std::string SubjectOf(const std::string& bytes) {
  size_t s = bytes.find("\"subject\"");
  if (s == std::string::npos) {
    return "";
  }
  size_t p = bytes.find("\"digest\":\"", s);
  if (p == std::string::npos) {
    return "";
  }
  p += 10;
  return bytes.substr(p, bytes.find('"', p) - p);
}

}  // namespace

std::string FakeRegistry::AddBlob(const std::string& repo, const std::string& data) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string d = Sha(data);
  repos_[repo].blobs[d] = data;
  return d;
}

std::string FakeRegistry::AddManifest(const std::string& repo, const std::string& tag,
                                      const std::string& bytes, const std::string& media_type) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string d = Sha(bytes);
  repos_[repo].manifests[d] = Stored{bytes, media_type};
  if (!tag.empty()) {
    repos_[repo].tags[tag] = d;
  }
  return d;
}

bool FakeRegistry::HasBlob(const std::string& repo, const std::string& digest) {
  std::lock_guard<std::mutex> lock(mu_);
  return repos_[repo].blobs.count(digest) > 0;
}

std::optional<std::string> FakeRegistry::TagDigest(const std::string& repo, const std::string& tag) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& r = repos_[repo];
  auto it = r.tags.find(tag);
  if (it == r.tags.end()) {
    return std::nullopt;
  }
  return it->second;
}

std::optional<std::string> FakeRegistry::ManifestBytes(const std::string& repo,
                                                       const std::string& ref) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& r = repos_[repo];
  std::string d = r.tags.count(ref) > 0 ? r.tags[ref] : ref;
  auto it = r.manifests.find(d);
  if (it == r.manifests.end()) {
    return std::nullopt;
  }
  return it->second.bytes;
}

void FakeRegistry::ExpireTokens() {
  std::lock_guard<std::mutex> lock(mu_);
  tokens_.clear();
}

int FakeRegistry::CountRequests(const std::string& prefix) {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(std::count_if(requests.begin(), requests.end(), [&](const std::string& r) {
    return r.starts_with(prefix);
  }));
}

Result<bool> FakeRegistry::ProbeTls(const std::string& host_port, const AddressFilter&) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!tls_probe_answer) {
    return UnimplementedError("fake: no TLS probe answer set for " + host_port);
  }
  ++tls_probes;
  return *tls_probe_answer;
}

size_t FakeRegistry::OpenUploads() {
  std::lock_guard<std::mutex> lock(mu_);
  return uploads_.size();
}

Result<HttpResponse> FakeRegistry::RoundTrip(const HttpRequest& in) {
  const HttpRequest* request = &in;
  HttpRequest pulled;
  {
    std::lock_guard<std::mutex> lock(mu_);
    max_request_body = std::max<uint64_t>(max_request_body, in.body.size());
  }
  if (in.body_source) {
    // Pull the body the way a socket would: in bounded pieces.
    pulled = in;
    pulled.body_source = nullptr;
    pulled.body.clear();
    std::vector<uint8_t> piece(kStreamPiece);
    while (pulled.body.size() < in.body_source_size) {
      size_t want = static_cast<size_t>(
          std::min<uint64_t>(kStreamPiece, in.body_source_size - pulled.body.size()));
      auto n = in.body_source(pulled.body.size(), std::span<uint8_t>(piece.data(), want));
      if (!n.ok()) {
        return n.status();
      }
      if (*n == 0) {
        return DataLossError("fake: request body ended early");
      }
      pulled.body.insert(pulled.body.end(), piece.begin(),
                         piece.begin() + static_cast<std::ptrdiff_t>(*n));
      std::lock_guard<std::mutex> lock(mu_);
      ++streamed_up_pieces;
    }
    request = &pulled;
  }
  Result<HttpResponse> r = Serve(*request);
  if (r.ok() && in.method == "GET" && r->status >= 200 && r->status <= 299 &&
      r->body.size() >= 2) {
    std::lock_guard<std::mutex> lock(mu_);
    if (short_bodies > 0) {
      --short_bodies;
      if (short_bodies_announce_length) {
        r->headers.Set("Content-Length", std::to_string(r->body.size()));
      }
      r->body.resize(r->body.size() / 2);
    }
  }
  if (r.ok() && in.body_sink && r->status >= 200 && r->status <= 299) {
    Bytes body = std::move(r->body);
    r->body.clear();
    for (size_t off = 0; off < body.size(); off += kStreamPiece) {
      size_t n = std::min(kStreamPiece, body.size() - off);
      Status s = in.body_sink(off, ByteView(body).subspan(off, n));
      if (!s.ok()) {
        r = s;
        break;
      }
      std::lock_guard<std::mutex> lock(mu_);
      ++streamed_down_pieces;
    }
  }
  if (r.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    max_response_body = std::max<uint64_t>(max_response_body, r->body.size());
  }
  if (observe) {
    observe(in, r);
  }
  return r;
}

Result<HttpResponse> FakeRegistry::Serve(const HttpRequest& request) {
  // Split the URL.
  const std::string& url = request.url;
  size_t p = url.find("://");
  std::string rest = url.substr(p + 3);
  size_t slash = rest.find('/');
  std::string url_host = rest.substr(0, slash);
  std::string path_query = slash == std::string::npos ? "/" : rest.substr(slash);
  {
    std::lock_guard<std::mutex> lock(mu_);
    requests.push_back(request.method + " " + (url_host == host ? "" : url_host) + path_query);
    if (request.headers.Get("Authorization")) {
      authorized_urls.push_back(url);
    }
  }
  if (fault) {
    if (auto r = fault(request); r) {
      return *r;
    }
  }
  if (url.starts_with("http://")) {
    return UnavailableError("tls-mismatch: fake registry speaks only https");
  }
  size_t q = path_query.find('?');
  std::string path = path_query.substr(0, q);
  std::map<std::string, std::string> query;
  std::map<std::string, std::vector<std::string>> multi;
  if (q != std::string::npos) {
    std::string qs = path_query.substr(q + 1);
    size_t start = 0;
    while (start <= qs.size()) {
      size_t amp = qs.find('&', start);
      std::string kv = qs.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
      size_t eq = kv.find('=');
      std::string k = Unescape(kv.substr(0, eq));
      std::string v = eq == std::string::npos ? "" : Unescape(kv.substr(eq + 1));
      query[k] = v;
      multi[k].push_back(v);
      if (amp == std::string::npos) {
        break;
      }
      start = amp + 1;
    }
  }
  HttpResponse resp;
  if (url_host == "auth.test" && path == "/token") {
    resp = Token(multi, request);
  } else if (url_host == "cdn.test") {
    std::lock_guard<std::mutex> lock(mu_);
    if (request.headers.Get("Authorization")) {
      cdn_saw_authorization = true;
    }
    std::string d = path.substr(path.rfind('/') + 1);
    resp = Resp(404);
    for (auto& [name, r] : repos_) {
      if (r.blobs.count(d) > 0) {
        resp = Resp(200, r.blobs[d]);
      }
    }
  } else if (url_host != host && mirror_hosts.count(url_host) == 0) {
    return UnavailableError("could not resolve host " + url_host);
  } else {
    resp = Handle(request.method, path, query, request, /*check_auth=*/url_host == host);
  }
  if (request.method == "HEAD") {
    resp.headers.Set("Content-Length", std::to_string(resp.body.size()));
    resp.body.clear();
  }
  if (resp.status >= 200 && resp.status <= 299 && resp.body.size() > request.max_response_bytes) {
    return ResourceExhaustedError("response larger than the cap");
  }
  return resp;
}

HttpResponse FakeRegistry::Token(const std::map<std::string, std::vector<std::string>>& query,
                                 const HttpRequest& req) {
  std::lock_guard<std::mutex> lock(mu_);
  ++token_requests;
  if (token_refuses) {
    return Resp(401, "refused");
  }
  bool authed = false;
  if (auto a = req.headers.Get("Authorization"); a) {
    if (*a != "Basic " + Base64Encode(AsBytes(user + ":" + pass))) {
      return Resp(401, "bad credentials");
    }
    authed = true;
  } else if (!token_allows_anonymous) {
    return Resp(401, "credentials required");
  }
  std::string token = "tok-" + std::to_string(++next_id_);
  auto& scopes = tokens_[token];
  if (auto it = query.find("scope"); it != query.end()) {
    for (const std::string& s : it->second) {
      // repository:NAME:pull,push -> one entry per action
      size_t last = s.rfind(':');
      std::string base = s.substr(0, last);
      std::string actions = s.substr(last + 1);
      size_t start = 0;
      while (true) {
        size_t comma = actions.find(',', start);
        std::string a = actions.substr(start, comma == std::string::npos ? std::string::npos
                                                                          : comma - start);
        if (a == "pull" || authed) {
          scopes.insert(base + ":" + a);
        }
        if (comma == std::string::npos) {
          break;
        }
        start = comma + 1;
      }
    }
  }
  return Resp(200, R"({"token":")" + token + R"(","expires_in":)" +
                       std::to_string(token_expires_in) + "}");
}

std::optional<HttpResponse> FakeRegistry::CheckAuth(const std::string& repo, bool push,
                                                    const std::string& from,
                                                    const HttpRequest& req) {
  if (auth == Auth::kNone) {
    return std::nullopt;
  }
  auto a = req.headers.Get("Authorization");
  if (auth == Auth::kBasic) {
    if (a && *a == "Basic " + Base64Encode(AsBytes(user + ":" + pass))) {
      return std::nullopt;
    }
    HttpResponse r = Err(401, "UNAUTHORIZED", "authentication required");
    r.headers.Add("WWW-Authenticate", "Basic realm=\"fake, registry\"");
    return r;
  }
  std::string scope = "repository:" + repo + ":" + (push ? "pull,push" : "pull");
  std::string challenge = "Bearer realm=\"https://auth.test/token\",service=\"fake\",scope=\"" +
                          scope + "\"";
  if (!a || !a->starts_with("Bearer ")) {
    HttpResponse r = Err(401, "UNAUTHORIZED", "authentication required");
    r.headers.Add("WWW-Authenticate", challenge);
    return r;
  }
  std::string token = a->substr(7);
  auto it = tokens_.find(token);
  bool ok = it != tokens_.end() && (repo.empty() || it->second.count("repository:" + repo + ":pull") > 0) &&
            (!push || it->second.count("repository:" + repo + ":push") > 0) &&
            (from.empty() || it->second.count("repository:" + from + ":pull") > 0);
  if (!ok) {
    HttpResponse r = Err(401, "UNAUTHORIZED", "insufficient scope");
    r.headers.Add("WWW-Authenticate", challenge + (it == tokens_.end() ? "" : ",error=\"insufficient_scope\""));
    return r;
  }
  return std::nullopt;
}

HttpResponse FakeRegistry::Handle(const std::string& method, const std::string& path,
                                  const std::map<std::string, std::string>& query,
                                  const HttpRequest& req, bool check_auth) {
  std::unique_lock<std::mutex> lock(mu_);
  if (path == "/v2/" || path == "/v2") {
    if (auto a = check_auth ? CheckAuth("", false, "", req) : std::nullopt; a) {
      return *a;
    }
    return Resp(200, "{}");
  }
  if (!path.starts_with("/v2/")) {
    return Resp(404, "404 page not found\n");
  }
  std::string p = path.substr(4);
  std::string name;
  std::string kind;
  std::string ref;
  for (const char* k : {"/manifests/", "/blobs/uploads/", "/blobs/", "/referrers/", "/tags/list"}) {
    size_t at = p.rfind(k);
    if (at != std::string::npos) {
      name = p.substr(0, at);
      kind = k;
      ref = p.substr(at + std::string(k).size());
      break;
    }
  }
  if (kind.empty()) {
    return Resp(404, "404 page not found\n");
  }
  bool push = method == "PUT" || method == "POST" || method == "PATCH" || method == "DELETE";
  std::string from = kind == "/blobs/uploads/" && query.count("from") ? query.at("from") : "";
  if (auto a = check_auth ? CheckAuth(name, push, from, req) : std::nullopt; a) {
    return *a;
  }
  Repo& repo = repos_[name];
  if (kind == "/manifests/") {
    std::string digest = ref.starts_with("sha256:") ? ref : "";
    if (digest.empty() && repo.tags.count(ref) > 0) {
      digest = repo.tags[ref];
    }
    if (method == "GET" || method == "HEAD") {
      auto it = repo.manifests.find(digest);
      if (it == repo.manifests.end()) {
        return Err(404, "MANIFEST_UNKNOWN", "manifest unknown");
      }
      HttpResponse r = Resp(200, it->second.bytes);
      r.headers.Add("Content-Type", it->second.media_type);
      r.headers.Add("Docker-Content-Digest", digest);
      r.headers.Add("ETag", "\"" + digest + "\"");
      return r;
    }
    if (method == "PUT") {
      std::string bytes = ToString(req.body);
      std::string d = Sha(bytes);
      bool by_tag = !ref.starts_with("sha256:");
      if (!by_tag && ref != d) {
        return Err(400, "DIGEST_INVALID", "digest mismatch");
      }
      if (by_tag) {
        if (before_tag_put) {
          lock.unlock();
          before_tag_put(name, ref);
          lock.lock();
        }
        Repo& r2 = repos_[name];
        if (honor_if_match) {
          auto im = req.headers.Get("If-Match");
          auto inm = req.headers.Get("If-None-Match");
          bool exists = r2.tags.count(ref) > 0;
          if (im && (!exists || *im != "\"" + r2.tags[ref] + "\"")) {
            return Resp(412, "precondition failed");
          }
          if (inm && *inm == "*" && exists) {
            return Resp(412, "precondition failed");
          }
        }
        r2.manifests[d] = Stored{bytes, req.headers.Get("Content-Type").value_or("")};
        r2.tags[ref] = d;
      } else {
        repo.manifests[d] = Stored{bytes, req.headers.Get("Content-Type").value_or("")};
      }
      HttpResponse r = Resp(201);
      r.headers.Add("Docker-Content-Digest", d);
      r.headers.Add("Location", "/v2/" + name + "/manifests/" + d);
      if (referrers_api) {
        std::string subject = SubjectOf(bytes);
        if (!subject.empty()) {
          r.headers.Add("OCI-Subject", subject);
        }
      }
      return r;
    }
    if (method == "DELETE") {
      if (!ref.starts_with("sha256:")) {
        return Err(400, "UNSUPPORTED", "delete by tag");
      }
      if (repo.manifests.erase(ref) == 0) {
        return Err(404, "MANIFEST_UNKNOWN", "manifest unknown");
      }
      std::erase_if(repo.tags, [&](const auto& kv) { return kv.second == ref; });
      return Resp(202);
    }
  }
  if (kind == "/blobs/") {
    auto it = repo.blobs.find(ref);
    if (it == repo.blobs.end()) {
      return Err(404, "BLOB_UNKNOWN", "blob unknown");
    }
    if (method == "GET" && redirect_blobs) {
      HttpResponse r = Resp(307);
      r.headers.Add("Location", blob_redirect_base + "/blobs/" + ref);
      return r;
    }
    HttpResponse r = Resp(200, it->second);
    r.headers.Add("Docker-Content-Digest", ref);
    return r;
  }
  if (kind == "/blobs/uploads/") {
    if (method == "POST" && ref.empty()) {
      if (query.count("mount") > 0 && !refuse_mounts) {
        auto& src = repos_[query.at("from")];
        if (src.blobs.count(query.at("mount")) > 0) {
          repo.blobs[query.at("mount")] = src.blobs[query.at("mount")];
          return Resp(201);
        }
      }
      std::string uuid = "u" + std::to_string(++next_id_);
      uploads_[uuid] = "";
      HttpResponse r = Resp(202);
      r.headers.Add("Location", "/v2/" + name + "/blobs/uploads/" + uuid + "?_state=abc");
      return r;
    }
    auto it = uploads_.find(ref);
    if (it == uploads_.end()) {
      return Err(404, "BLOB_UPLOAD_UNKNOWN", "upload unknown");
    }
    if (method == "DELETE") {
      uploads_.erase(it);
      ++uploads_cancelled;
      return Resp(204);
    }
    if (method == "GET") {
      HttpResponse r = Resp(204);
      r.headers.Add("Location", "/v2/" + name + "/blobs/uploads/" + ref + "?_state=st");
      if (!it->second.empty()) {
        r.headers.Add("Range", "0-" + std::to_string(it->second.size() - 1));
      }
      return r;
    }
    if (method == "PATCH") {
      auto range = req.headers.Get("Content-Range");
      if (range && *range != std::to_string(it->second.size()) + "-" +
                                 std::to_string(it->second.size() + req.body.size() - 1)) {
        return Resp(416);
      }
      it->second += ToString(req.body);
      HttpResponse r = Resp(202);
      r.headers.Add("Location", "/v2/" + name + "/blobs/uploads/" + ref + "?_state=def");
      r.headers.Add("Range", "0-" + std::to_string(it->second.size() - 1));
      return r;
    }
    if (method == "PUT") {
      if (query.count("_state") == 0) {
        return Err(400, "BLOB_UPLOAD_INVALID", "lost _state");
      }
      std::string data = it->second + ToString(req.body);
      if (Sha(data) != query.at("digest")) {
        return Err(400, "DIGEST_INVALID", "digest mismatch");
      }
      repo.blobs[Sha(data)] = data;
      uploads_.erase(it);
      return Resp(201);
    }
  }
  if (kind == "/tags/list") {
    std::vector<std::string> tags;
    for (const auto& [t, d] : repo.tags) {
      if (query.count("last") == 0 || t > query.at("last")) {
        tags.push_back(t);
      }
    }
    bool more = tags_page_size > 0 && tags.size() > tags_page_size;
    if (more) {
      tags.resize(tags_page_size);
    }
    std::string body = R"({"name":")" + name + R"(","tags":[)";
    for (size_t i = 0; i < tags.size(); ++i) {
      body += (i ? "," : "") + std::string("\"") + tags[i] + "\"";
    }
    body += "]}";
    HttpResponse r = Resp(200, body);
    if (more) {
      r.headers.Add("Link", "<" + link_base + "/v2/" + name + "/tags/list?n=" +
                                std::to_string(tags_page_size) + "&last=" + tags.back() +
                                ">; rel=\"next\"");
    }
    return r;
  }
  if (kind == "/referrers/") {
    if (!referrers_api) {
      HttpResponse r = Resp(404, "404 page not found\n");
      r.headers.Add("Content-Type", "text/plain");
      return r;
    }
    std::string want = query.count("artifactType") ? query.at("artifactType") : "";
    std::string body =
        R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[)";
    bool first = true;
    for (const auto& [d, m] : repo.manifests) {
      if (SubjectOf(m.bytes) != ref) {
        continue;
      }
      std::string at = ArtifactTypeOf(m.bytes);
      if (!want.empty() && at != want) {
        continue;
      }
      body += std::string(first ? "" : ",") + R"({"mediaType":")" + m.media_type +
              R"(","digest":")" + d + R"(","size":)" + std::to_string(m.bytes.size()) +
              R"(,"artifactType":")" + at + R"("})";
      first = false;
    }
    body += "]}";
    HttpResponse r = Resp(200, body);
    r.headers.Add("Content-Type", "application/vnd.oci.image.index.v1+json");
    if (!want.empty()) {
      r.headers.Add("OCI-Filters-Applied", "artifactType");
    }
    return r;
  }
  return Resp(405);
}

}  // namespace vouch::registry::testing
