#include "shared_cache.h"

#include <curl/curl.h>
#include <hiredis.h>

#include <charconv>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "core/internal/json.h"
#include "redis_link.h"

namespace vouch::serve {

std::string CacheUrl::ToString() const {
  const bool v6 = host.find(':') != std::string::npos;
  return std::string(tls ? "rediss://" : "redis://") + (v6 ? "[" + host + "]" : host) + ":" +
         std::to_string(port) + "/" + std::to_string(db);
}

namespace {

std::optional<int> Number(std::string_view s, int max) {
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size() || v < 0 || v > max) {
    return std::nullopt;
  }
  return v;
}

struct UrlFree {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
struct CurlFree {
  void operator()(char* p) const { curl_free(p); }
};

// Part returns one part of |u|, nullopt when the URL has none.
std::optional<std::string> Part(CURLU* u, CURLUPart part) {
  char* raw = nullptr;
  if (curl_url_get(u, part, &raw, 0) != CURLUE_OK) {
    return std::nullopt;
  }
  std::unique_ptr<char, CurlFree> owned(raw);
  return std::string(raw);
}

}  // namespace

Result<CacheUrl> ParseCacheUrl(std::string_view url) {
  // Before anything echoes the URL: it may hold a secret.
  if (url.find('@') != std::string_view::npos) {
    return InvalidArgumentError(
        "bad cache URL: no user or password in the URL (it would show in process listings); use "
        "--cache-password-file or VOUCH_CACHE_PASSWORD");
  }
  auto bad = [&](const std::string& why) {
    return InvalidArgumentError("bad cache URL \"" + std::string(url) + "\": " + why);
  };
  CacheUrl out;
  out.tls = url.starts_with("rediss://");
  if (!out.tls && !url.starts_with("redis://")) {
    return bad("write redis://HOST:PORT[/DB], or rediss://HOST:PORT[/DB] for TLS");
  }
  std::unique_ptr<CURLU, UrlFree> u(curl_url());
  if (u == nullptr) {
    return InternalError("curl_url: out of memory");
  }
  const std::string text(url);
  if (CURLUcode rc = curl_url_set(u.get(), CURLUPART_URL, text.c_str(), CURLU_NON_SUPPORT_SCHEME);
      rc != CURLUE_OK) {
    return bad(curl_url_strerror(rc));
  }
  if (Part(u.get(), CURLUPART_QUERY) || Part(u.get(), CURLUPART_FRAGMENT)) {
    return bad("no query or fragment");
  }
  out.host = Part(u.get(), CURLUPART_HOST).value_or("");
  if (out.host.size() > 2 && out.host.front() == '[' && out.host.back() == ']') {
    out.host = out.host.substr(1, out.host.size() - 2);
  }
  if (out.host.empty()) {
    return bad("no host");
  }
  if (std::optional<std::string> port = Part(u.get(), CURLUPART_PORT)) {
    auto n = Number(*port, 65535);
    if (!n || *n == 0) {
      return bad("the port \"" + *port + "\" is not 1-65535");
    }
    out.port = *n;
  }
  std::string db = Part(u.get(), CURLUPART_PATH).value_or("/");
  db.erase(0, db.starts_with('/') ? 1 : 0);
  if (!db.empty()) {
    auto n = Number(db, 1 << 20);
    if (!n) {
      return bad("the database \"" + db + "\" is not a number");
    }
    out.db = *n;
  }
  return out;
}

namespace internal {
namespace {

class RedisCache final : public SharedCache {
 public:
  RedisCache(CacheUrl url, std::string password, std::shared_ptr<const RedisTls> tls,
             RedisTimeouts timeouts)
      : url_(std::move(url)),
        password_(std::move(password)),
        tls_(std::move(tls)),
        timeouts_(timeouts),
        backoff_(timeouts.backoff_min) {
    health_ = std::thread([this] { Health(); });
  }

  ~RedisCache() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    health_.join();
  }

  Result<std::optional<std::string>> Get(const std::string& key) override {
    std::lock_guard<std::mutex> lock(mu_);
    VOUCH_RETURN_IF_ERROR(ReadyLocked());
    Result<ReplyPtr> r = link_->Command({"GET", key});
    if (!r.ok()) {
      return FailLocked("GET", r.status());
    }
    if ((*r)->type == REDIS_REPLY_NIL) {
      return std::optional<std::string>();
    }
    if ((*r)->type == REDIS_REPLY_STRING) {
      return std::optional<std::string>(std::string((*r)->str, (*r)->len));
    }
    return Refused("GET", r->get());
  }

  Status Set(const std::string& key, const std::string& value, std::chrono::seconds ttl) override {
    std::lock_guard<std::mutex> lock(mu_);
    VOUCH_RETURN_IF_ERROR(ReadyLocked());
    const std::string seconds = std::to_string(std::max<int64_t>(1, ttl.count()));
    Result<ReplyPtr> r = link_->Command({"SET", key, value, "EX", seconds});
    if (!r.ok()) {
      return FailLocked("SET", r.status());
    }
    if ((*r)->type == REDIS_REPLY_STATUS) {
      return OkStatus();
    }
    return Refused("SET", r->get());
  }

  bool Up() const override { return up_.load(); }
  std::string Describe() const override { return url_.ToString(); }

 private:
  // ReadyLocked makes sure there is a connection: at once when there is one, by connecting when
  // the backoff allows, else an error at once (Redis is down and not due for another try).
  Status ReadyLocked() {
    if (link_ != nullptr) {
      return OkStatus();
    }
    if (std::chrono::steady_clock::now() < next_attempt_) {
      return UnavailableError(Describe() + " is down (" + last_error_ + "); not retried yet");
    }
    return ConnectLocked();
  }

  Status ConnectLocked() {
    Result<std::unique_ptr<RedisLink>> link =
        ConnectRedis(url_, tls_, timeouts_.connect, timeouts_.command);
    if (!link.ok()) {
      return FailLocked("", link.status());
    }
    link_ = std::move(link).value();
    if (!password_.empty()) {
      VOUCH_RETURN_IF_ERROR(Setup("AUTH", {"AUTH", password_}));
    }
    if (url_.db != 0) {
      VOUCH_RETURN_IF_ERROR(Setup("SELECT", {"SELECT", std::to_string(url_.db)}));
    }
    // Up means "answers": a peer that accepts connections and then hangs is not up.
    VOUCH_RETURN_IF_ERROR(Setup("PING", {"PING"}));
    backoff_ = timeouts_.backoff_min;
    if (!up_.exchange(true)) {
      std::fprintf(stderr, "vouch serve: shared cache %s is up\n", Describe().c_str());
    }
    return OkStatus();
  }

  // Setup runs a command of the connection's start; an error reply (a wrong password: the
  // reply names the failure, "WRONGPASS ...", never the password) drops the connection too.
  Status Setup(const char* what, const std::vector<std::string_view>& argv) {
    Result<ReplyPtr> r = link_->Command(argv);
    if (!r.ok()) {
      return FailLocked(what, r.status());
    }
    if ((*r)->type == REDIS_REPLY_ERROR) {
      return FailLocked(std::string(what) + " refused: " + std::string((*r)->str, (*r)->len),
                        OkStatus());
    }
    return OkStatus();
  }

  // FailLocked drops the connection (its state is unknown after a timeout or a broken reply)
  // and holds calls off for the backoff. |what| is the step, |cause| why it failed.
  Status FailLocked(const std::string& what, const Status& cause) {
    std::string why = what;
    if (!cause.ok()) {
      why += (why.empty() ? "" : ": ") + cause.message();
    }
    link_.reset();
    last_error_ = why;
    next_attempt_ = std::chrono::steady_clock::now() + backoff_;
    backoff_ = std::min(2 * backoff_, timeouts_.backoff_max);
    if (up_.exchange(false) || !reported_down_) {
      reported_down_ = true;
      std::fprintf(stderr, "vouch serve: shared cache %s is down: %s\n", Describe().c_str(),
                   why.c_str());
    }
    return UnavailableError(Describe() + ": " + why);
  }

  // Refused is an error reply: Redis answered, so the connection stays.
  Status Refused(const char* command, const redisReply* r) const {
    std::string why = r->type == REDIS_REPLY_ERROR ? std::string(r->str, r->len)
                                                   : "unexpected reply type " +
                                                         std::to_string(r->type);
    return UnavailableError(Describe() + ": " + command + " refused: " + why);
  }

  void Health() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stop_) {
      if (link_ != nullptr) {
        if (Result<ReplyPtr> r = link_->Command({"PING"}); !r.ok()) {
          (void)FailLocked("PING", r.status());
        }
      } else if (std::chrono::steady_clock::now() >= next_attempt_) {
        (void)ConnectLocked();
      }
      cv_.wait_for(lock, timeouts_.health, [this] { return stop_; });
    }
  }

  const CacheUrl url_;
  const std::string password_;
  const std::shared_ptr<const RedisTls> tls_;
  const RedisTimeouts timeouts_;
  std::atomic<bool> up_{false};

  // mu_ serialises the one connection: calls are short (bounded by the command timeout) and
  // each holds it for one round trip on loopback or the cluster network.
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::unique_ptr<RedisLink> link_;
  std::chrono::steady_clock::time_point next_attempt_{};
  std::chrono::milliseconds backoff_;
  std::string last_error_;
  bool reported_down_ = false;
  std::thread health_;
};

int64_t UnixSeconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

// Enum spellings: the stable names the verify module gives, read back by search.
template <typename E, typename F>
std::optional<E> FromName(std::string_view name, E last, F namer) {
  for (int i = 0; i <= static_cast<int>(last); ++i) {
    if (namer(static_cast<E>(i)) == name) {
      return static_cast<E>(i);
    }
  }
  return std::nullopt;
}

// Small typed readers: a field of the wrong type makes the whole value a miss.
bool Str(const Json& j, const char* f, std::string& out) {
  auto it = j.find(f);
  if (it == j.end() || !it->is_string()) {
    return false;
  }
  out = it->get<std::string>();
  return true;
}

bool Uint(const Json& j, const char* f, size_t& out) {
  auto it = j.find(f);
  if (it == j.end() || !it->is_number_unsigned()) {
    return false;
  }
  out = it->get<size_t>();
  return true;
}

bool Dig(const Json& j, const char* f, Digest& out) {
  std::string s;
  if (!Str(j, f, s)) {
    return false;
  }
  Result<Digest> d = Digest::Parse(s);
  if (!d.ok()) {
    return false;
  }
  out = *d;
  return true;
}

const Json* Array(const Json& j, const char* f) {
  auto it = j.find(f);
  return it != j.end() && it->is_array() ? &*it : nullptr;
}

}  // namespace

std::unique_ptr<SharedCache> NewRedisCache(const CacheUrl& url, std::string password,
                                           std::shared_ptr<const RedisTls> tls,
                                           RedisTimeouts timeouts) {
  return std::make_unique<RedisCache>(url, std::move(password), std::move(tls), timeouts);
}

std::string SharedDecisionKey(std::string_view trust_digest, std::string_view pinned) {
  return "vouch:decision:v" + std::to_string(kSharedDecisionVersion) + ":" +
         std::string(trust_digest) + ":" + std::string(pinned);
}

std::string EncodeSharedDecision(const verify::ImageDecision& d,
                                 std::chrono::system_clock::time_point expires) {
  OrderedJson j;
  j["version"] = kSharedDecisionVersion;
  j["expires"] = UnixSeconds(expires);
  j["image"] = d.image;
  if (d.digest) {
    j["digest"] = d.digest->ToString();
  }
  j["policy"] = d.policy_name;
  j["scope"] = d.scope;
  j["mode"] = d.mode;
  j["decision"] = std::string(verify::DecisionName(d.decision));
  j["message"] = d.status.message();
  OrderedJson results = OrderedJson::array();
  for (const verify::RequirementResult& r : d.results) {
    OrderedJson o;
    o["requirement"] = r.requirement;
    o["platform"] = r.platform;
    o["subject"] = r.subject;
    o["outcome"] = std::string(verify::OutcomeName(r.outcome));
    o["code"] = std::string(verify::ReasonName(r.code));
    o["reason"] = r.reason;
    o["signers"] = r.signers;
    o["threshold"] = r.threshold;
    // The evidence that counted: valid objects with their verified signer; what did not count
    // is the verifying replica's detail, not needed to answer again.
    OrderedJson findings = OrderedJson::array();
    for (const verify::EvidenceFinding& f : r.findings) {
      if (!f.valid) {
        continue;
      }
      OrderedJson e;
      e["subject"] = f.subject;
      e["location"] = f.location;
      e["digest"] = f.digest.ToString();
      e["kind"] = f.kind;
      e["predicateType"] = f.predicate_type;
      e["authority"] = f.signer.authority;
      e["keyId"] = f.signer.key_id;
      e["identity"] = f.signer.identity;
      findings.push_back(std::move(e));
    }
    o["findings"] = std::move(findings);
    results.push_back(std::move(o));
  }
  j["results"] = std::move(results);
  OrderedJson inputs = OrderedJson::array();
  for (const verify::VerifiedInput& in : d.inputs) {
    OrderedJson o;
    o["kind"] = in.kind;
    o["predicateType"] = in.predicate_type;
    o["authority"] = in.authority;
    o["location"] = in.location;
    o["digest"] = in.digest.ToString();
    inputs.push_back(std::move(o));
  }
  j["inputs"] = std::move(inputs);
  j["verifiedLevels"] = d.verified_levels;
  return DumpJson(j);
}

std::optional<SharedDecision> DecodeSharedDecision(std::string_view value,
                                                   std::chrono::system_clock::time_point now) {
  Result<Json> parsed = ParseJson(value, "shared decision");
  if (!parsed.ok() || !parsed->is_object()) {
    return std::nullopt;
  }
  const Json& j = *parsed;
  auto version = j.find("version");
  auto expires = j.find("expires");
  if (version == j.end() || !version->is_number_integer() ||
      version->get<int64_t>() != kSharedDecisionVersion || expires == j.end() ||
      !expires->is_number_integer()) {
    return std::nullopt;
  }
  SharedDecision out;
  out.expires = std::chrono::system_clock::time_point(std::chrono::seconds(expires->get<int64_t>()));
  if (out.expires <= now) {
    return std::nullopt;
  }
  auto d = std::make_shared<verify::ImageDecision>();
  std::string decision, message;
  if (!Str(j, "image", d->image) || !Str(j, "policy", d->policy_name) ||
      !Str(j, "scope", d->scope) || !Str(j, "mode", d->mode) || !Str(j, "decision", decision) ||
      !Str(j, "message", message)) {
    return std::nullopt;
  }
  if (j.contains("digest")) {
    Digest dg = Digest::Of({});
    if (!Dig(j, "digest", dg)) {
      return std::nullopt;
    }
    d->digest = dg;
  }
  // Only verdicts are shared: "could not check" is a fact about the replica that could not.
  if (decision == verify::DecisionName(verify::Decision::kAccepted)) {
    d->decision = verify::Decision::kAccepted;
    d->status = OkStatus();
  } else if (decision == verify::DecisionName(verify::Decision::kRejected)) {
    d->decision = verify::Decision::kRejected;
    d->status = VerificationFailedError(message);
  } else {
    return std::nullopt;
  }
  const Json* results = Array(j, "results");
  const Json* inputs = Array(j, "inputs");
  const Json* levels = Array(j, "verifiedLevels");
  if (results == nullptr || inputs == nullptr || levels == nullptr) {
    return std::nullopt;
  }
  for (const Json& o : *results) {
    if (!o.is_object()) {
      return std::nullopt;
    }
    verify::RequirementResult r;
    std::string outcome, code;
    if (!Str(o, "requirement", r.requirement) || !Str(o, "platform", r.platform) ||
        !Uint(o, "subject", r.subject) || !Str(o, "outcome", outcome) || !Str(o, "code", code) ||
        !Str(o, "reason", r.reason) || !Uint(o, "signers", r.signers) ||
        !Uint(o, "threshold", r.threshold)) {
      return std::nullopt;
    }
    auto oc = FromName(outcome, verify::Outcome::kError, verify::OutcomeName);
    auto rc = FromName(code, verify::Reason::kTrustUnavailable, verify::ReasonName);
    const Json* findings = Array(o, "findings");
    if (!oc || !rc || findings == nullptr) {
      return std::nullopt;
    }
    r.outcome = *oc;
    r.code = *rc;
    for (const Json& e : *findings) {
      verify::EvidenceFinding f;
      if (!e.is_object() || !Uint(e, "subject", f.subject) || !Str(e, "location", f.location) ||
          !Dig(e, "digest", f.digest) || !Str(e, "kind", f.kind) ||
          !Str(e, "predicateType", f.predicate_type) ||
          !Str(e, "authority", f.signer.authority) || !Str(e, "keyId", f.signer.key_id) ||
          !Str(e, "identity", f.signer.identity)) {
        return std::nullopt;
      }
      f.valid = true;
      f.signer_verified = true;
      r.findings.push_back(std::move(f));
    }
    d->results.push_back(std::move(r));
  }
  for (const Json& o : *inputs) {
    verify::VerifiedInput in;
    if (!o.is_object() || !Str(o, "kind", in.kind) ||
        !Str(o, "predicateType", in.predicate_type) || !Str(o, "authority", in.authority) ||
        !Str(o, "location", in.location) || !Dig(o, "digest", in.digest)) {
      return std::nullopt;
    }
    d->inputs.push_back(std::move(in));
  }
  for (const Json& l : *levels) {
    if (!l.is_string()) {
      return std::nullopt;
    }
    d->verified_levels.push_back(l.get<std::string>());
  }
  out.decision = std::move(d);
  return out;
}

}  // namespace internal
}  // namespace vouch::serve
