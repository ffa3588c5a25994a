// Fleet verification (vouch/verify/batch.h): input lines, shards, resume, scheduling, and the
// engine verifier with its tag and decision caches.
#include "vouch/verify/batch.h"

#include <algorithm>
#include <charconv>
#include <utility>

#include "core/internal/json.h"
#include "evidence/evidence.h"
#include "render/shapes.h"
#include "vouch/core/text.h"
#include "vouch/policy/policy.h"

namespace vouch::verify {
namespace {

// ParseJsonLine fills |e| from {"ref": ..., "scope": ..., "platform": ...}. Unknown fields are
// an error rather than ignored: a misspelt override must not silently check something else.
Status ParseJsonLine(std::string_view text, BatchEntry& e) {
  VOUCH_ASSIGN_OR_RETURN(Json j, ParseJson(text, "batch line"));
  if (!j.is_object()) {
    return InvalidArgumentError("batch line: not a JSON object");
  }
  for (const auto& [key, value] : j.items()) {
    if (key != "ref" && key != "scope" && key != "platform") {
      return InvalidArgumentError("batch line: unknown field \"" + key +
                                  "\" (known: ref, scope, platform)");
    }
  }
  VOUCH_ASSIGN_OR_RETURN(e.ref, GetString(j, "ref", "batch line"));
  VOUCH_ASSIGN_OR_RETURN(std::optional<std::string> scope, OptString(j, "scope", "batch line"));
  e.scope = scope.value_or("");
  VOUCH_ASSIGN_OR_RETURN(std::optional<std::string> platform,
                         OptString(j, "platform", "batch line"));
  if (platform) {
    VOUCH_ASSIGN_OR_RETURN(e.platform, registry::ParsePlatform(*platform));
  }
  return OkStatus();
}

// ErrorDecision is the decision on an entry that could not be checked at all: a malformed line
// or a repository that does not open. |code| is the requirement that could not be evaluated.
ImageDecision ErrorDecision(const BatchEntry& e, const std::string& requirement, Status status) {
  ImageDecision d;
  d.image = e.ref;
  d.decision = Decision::kError;
  RequirementResult r;
  r.requirement = requirement;
  r.outcome = Outcome::kError;
  r.code = requirement == "input" ? Reason::kNone : Reason::kLookupFailed;
  r.reason = status.message();
  d.results.push_back(std::move(r));
  d.status = std::move(status);
  return d;
}

// ResolvedRepository answers Resolve(tag) with the descriptor the batch already resolved (and
// shares among entries), so Evaluate does not send that HEAD a second time. Everything else
// goes to the repository it wraps.
class ResolvedRepository final : public registry::Repository {
 public:
  ResolvedRepository(registry::Repository& inner, registry::Descriptor resolved)
      : inner_(inner), resolved_(std::move(resolved)) {}

  const registry::Reference& reference() const override { return inner_.reference(); }
  Result<registry::Descriptor> Resolve(std::string_view identifier) override {
    if (identifier == inner_.reference().tag && !inner_.reference().digest) {
      return resolved_;
    }
    return inner_.Resolve(identifier);
  }
  Result<registry::Manifest> FetchManifest(std::string_view identifier) override {
    return inner_.FetchManifest(identifier);
  }
  Result<bool> BlobExists(const Digest& digest) override { return inner_.BlobExists(digest); }
  Result<Bytes> FetchBlob(const Digest& digest, int64_t expected_size) override {
    return inner_.FetchBlob(digest, expected_size);
  }
  Status PushBlob(const Digest& digest, ByteView data) override {
    return inner_.PushBlob(digest, data);
  }
  Status FetchBlobStream(const Digest& digest, int64_t expected_size,
                         const registry::BlobSink& sink) override {
    return inner_.FetchBlobStream(digest, expected_size, sink);
  }
  Status PushBlobStream(const Digest& digest, uint64_t size,
                        const registry::BlobSource& source) override {
    return inner_.PushBlobStream(digest, size, source);
  }
  Result<bool> MountBlob(const Digest& digest, const registry::Reference& from) override {
    return inner_.MountBlob(digest, from);
  }
  Result<bool> PushManifest(std::string_view identifier, ByteView bytes,
                            std::string_view media_type) override {
    return inner_.PushManifest(identifier, bytes, media_type);
  }
  Status DeleteManifest(const Digest& digest) override { return inner_.DeleteManifest(digest); }
  Result<std::vector<std::string>> ListTags() override { return inner_.ListTags(); }
  Result<registry::Referrers> ListReferrers(const Digest& subject,
                                            std::string_view artifact_type) override {
    return inner_.ListReferrers(subject, artifact_type);
  }
  Status PushReferrer(ByteView bytes, std::string_view media_type) override {
    return inner_.PushReferrer(bytes, media_type);
  }
  Result<std::optional<registry::TaggedManifest>> FetchTaggedManifest(
      std::string_view tag) override {
    return inner_.FetchTaggedManifest(tag);
  }
  Result<bool> PushTaggedManifest(std::string_view tag, ByteView bytes,
                                  std::string_view media_type,
                                  const registry::TagCondition& condition) override {
    return inner_.PushTaggedManifest(tag, bytes, media_type, condition);
  }

 private:
  registry::Repository& inner_;
  registry::Descriptor resolved_;
};

// Shared runs |compute| once per |key| in |flights|: the first caller computes (outside the
// lock), concurrent callers wait for its result. |keep| says whether a finished result stays
// for later callers. |hit| is set when the result came from another caller.
template <typename T>
T Shared(std::mutex& mu, std::map<std::string, std::shared_future<T>>& flights,
         const std::string& key, const std::function<T()>& compute,
         const std::function<bool(const T&)>& keep, bool* hit) {
  std::promise<T> promise;
  std::unique_lock<std::mutex> lock(mu);
  auto it = flights.find(key);
  if (it != flights.end()) {
    std::shared_future<T> f = it->second;
    lock.unlock();
    *hit = true;
    return f.get();
  }
  flights.emplace(key, promise.get_future().share());
  lock.unlock();
  *hit = false;
  T value = compute();
  promise.set_value(value);
  if (!keep(value)) {
    lock.lock();
    flights.erase(key);
  }
  return value;
}

}  // namespace

std::vector<BatchEntry> ParseBatchInput(std::string_view text) {
  std::vector<BatchEntry> out;
  size_t line = 0;
  while (!text.empty()) {
    ++line;
    const size_t nl = text.find('\n');
    std::string_view raw = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    std::string_view s = TrimAsciiSpace(raw);
    if (s.empty() || s.front() == '#') {
      continue;
    }
    BatchEntry e;
    e.index = out.size();
    e.line = line;
    if (s.front() == '{') {
      e.error = ParseJsonLine(s, e);
    } else {
      e.ref = std::string(s);
    }
    if (e.error.ok()) {
      Result<registry::Reference> ref = registry::ParseReference(e.ref);
      if (!ref.ok()) {
        e.error = ref.status();
      }
    }
    if (!e.error.ok() && e.ref.empty() && s.front() != '{') {
      e.ref = std::string(s);
    }
    out.push_back(std::move(e));
  }
  return out;
}

Result<BatchShard> ParseBatchShard(std::string_view text) {
  const size_t slash = text.find('/');
  BatchShard s;
  auto number = [](std::string_view t, size_t& v) {
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    return !t.empty() && ec == std::errc() && p == t.data() + t.size();
  };
  if (slash == std::string_view::npos || !number(text.substr(0, slash), s.index) ||
      !number(text.substr(slash + 1), s.count) || s.count == 0 || s.index >= s.count) {
    return InvalidArgumentError("--shard " + std::string(text) +
                                ": want i/n with 0 <= i < n (e.g. 0/4)");
  }
  return s;
}

BatchResume ParseBatchResume(std::string_view text) {
  BatchResume out;
  for (const JsonDocument& doc : JsonDocuments(text)) {
    Result<Json> j = ParseJson(doc.text, "resume line");
    if (!j.ok() || !j->is_object()) {
      continue;
    }
    const Json* line = FindField(*j, "line");
    const Json* ref = FindField(*j, "ref");
    const Json* result = FindField(*j, "result");
    if (line == nullptr || !line->is_number_unsigned() || ref == nullptr || !ref->is_string() ||
        result == nullptr || !result->is_string()) {
      continue;
    }
    const std::string r = result->get<std::string>();
    if (r == DecisionName(Decision::kAccepted)) {
      out[line->get<size_t>()] = {ref->get<std::string>(), Decision::kAccepted};
    } else if (r == DecisionName(Decision::kRejected)) {
      out[line->get<size_t>()] = {ref->get<std::string>(), Decision::kRejected};
    }
  }
  return out;
}

std::string RenderBatchLine(const BatchEntry& entry, const ImageDecision& d) {
  OrderedJson j = OrderedJson::object();
  j["schemaVersion"] = 1;  // each line is a document (docs/output.md)
  j["line"] = entry.line;
  j["ref"] = entry.ref;
  j["digest"] = d.digest ? OrderedJson(d.digest->ToString()) : OrderedJson(nullptr);
  j["result"] = std::string(DecisionName(d.decision));
  j["policy"] = d.policy_name;
  j["scope"] = d.scope;
  j["mode"] = d.mode;
  j["error"] = d.status.ok() ? "" : d.status.message();
  j["errorCode"] = d.status.ok() ? "" : std::string(ErrorCodeName(d.status.code()));
  j["reasons"] = internal::ResultsJson(d.results);
  j["evidence"] = internal::InputsJson(d.inputs);
  return DumpJson(j);
}

BatchSummary RunBatch(const std::vector<BatchEntry>& entries, const BatchOptions& options,
                      const BatchVerifier& verify,
                      const std::function<void(const std::string&)>& write) {
  BatchSummary summary;
  std::string first_error;
  std::string first_rejection;
  auto count = [&](const BatchEntry& e, Decision d, const std::string& why) {
    std::string& first = d == Decision::kError ? first_error : first_rejection;
    if (d == Decision::kAccepted) {
      ++summary.accepted;
    } else if (d == Decision::kRejected) {
      ++summary.rejected;
    } else {
      ++summary.errors;
    }
    if (d != Decision::kAccepted && first.empty()) {
      first = "line " + std::to_string(e.line) + ": " + e.ref + (why.empty() ? "" : ": " + why);
    }
  };

  // What this shard checks, in input order; resumed entries are counted, not written again.
  std::vector<const BatchEntry*> todo;
  for (const BatchEntry& e : entries) {
    if (e.index % options.shard.count != options.shard.index) {
      continue;
    }
    ++summary.entries;
    if (options.resume != nullptr && e.error.ok()) {
      auto it = options.resume->find(e.line);
      if (it != options.resume->end() && it->second.first == e.ref) {
        ++summary.resumed;
        count(e, it->second.second, "(resumed)");
        continue;
      }
    }
    todo.push_back(&e);
  }

  // Workers decide entries in any order; whoever completes the entry at |next| writes every
  // finished line from there on, under |mu|: one writer at a time, input order.
  std::vector<std::optional<ImageDecision>> done(todo.size());
  std::mutex mu;
  size_t next = 0;
  auto report = [&] {
    if (options.progress) {
      options.progress(summary.resumed + next, summary.entries);
    }
  };
  report();
  internal::RunParallel(todo.size(), options.jobs, [&](size_t i) {
    const BatchEntry& e = *todo[i];
    ImageDecision d = e.error.ok() ? verify(e) : ErrorDecision(e, "input", e.error);
    std::lock_guard<std::mutex> lock(mu);
    done[i] = std::move(d);
    for (; next < todo.size() && done[next]; ++next) {
      const ImageDecision& out = *done[next];
      count(*todo[next], out.decision, out.status.ok() ? "" : out.status.message());
      write(RenderBatchLine(*todo[next], out));
      done[next].reset();  // written: memory is held only for lines still waiting
    }
    report();
  });

  const size_t problems = summary.errors + summary.rejected;
  if (summary.errors > 0) {
    summary.overall = UnavailableError(std::to_string(summary.errors) + " of " +
                                       std::to_string(summary.entries) +
                                       " images could not be checked (first: " + first_error +
                                       ")");
  } else if (problems > 0) {
    summary.overall = VerificationFailedError(std::to_string(summary.rejected) + " of " +
                                              std::to_string(summary.entries) +
                                              " images rejected (first: " + first_rejection + ")");
  }
  return summary;
}

EngineBatchVerifier::EngineBatchVerifier(registry::Client& client,
                                         std::shared_ptr<const TrustPolicy> trust,
                                         EvaluateOptions options, bool allow_platform)
    : client_(client),
      trust_(std::move(trust)),
      options_(std::move(options)),
      allow_platform_(allow_platform) {}

ImageDecision EngineBatchVerifier::Verify(const BatchEntry& entry) {
  if (!entry.error.ok()) {
    return ErrorDecision(entry, "input", entry.error);
  }
  Result<registry::Reference> ref = registry::ParseReference(entry.ref);
  if (!ref.ok()) {
    return ErrorDecision(entry, "input", ref.status());
  }
  EvaluateOptions options = options_;
  options.scope_image = entry.scope;
  if (entry.platform) {
    if (!allow_platform_) {
      return ErrorDecision(entry, "input",
                           InvalidArgumentError("\"platform\" needs --key or identity trust: "
                                                "with --policy the policy says which platforms "
                                                "are checked"));
    }
    options.platform = entry.platform;
  }
  ImageDecision d = Decide(entry, *ref, options);
  d.image = entry.ref;
  return d;
}

ImageDecision EngineBatchVerifier::Decide(const BatchEntry& entry, const registry::Reference& ref,
                                          const EvaluateOptions& options) {
  // The policy alone decides (no scope, mode reject or accept, a denied digest): no request.
  if (std::optional<ImageDecision> d = DecideOutright(ref, *trust_, options)) {
    return std::move(*d);
  }
  Result<std::unique_ptr<registry::Repository>> repo = client_.Open(ref);
  if (!repo.ok()) {
    Status s = repo.status();
    if (s.code() == ErrorCode::kInvalidArgument || s.code() == ErrorCode::kVerificationFailed) {
      s = Status(ErrorCode::kInternal, s.message());  // could not check, never a usage error
    }
    return ErrorDecision(entry, "resolve", std::move(s));
  }
  if (ref.is_layout()) {  // a local directory: nothing worth sharing
    ++evaluations_;
    return Evaluate(**repo, *trust_, options);
  }
  std::optional<Digest> digest = ref.digest;
  std::optional<registry::Descriptor> resolved;
  if (!digest) {
    bool hit = false;
    Result<registry::Descriptor> desc = Shared<Result<registry::Descriptor>>(
        mu_, tags_, ref.ToString(), [&] { return (*repo)->Resolve(ref.tag); },
        [](const Result<registry::Descriptor>& r) { return r.ok(); }, &hit);
    if (!desc.ok()) {
      // Evaluate resolves again and says, as `vouch verify` does, whether that is a rejection
      // (no such image) or "could not check".
      ++evaluations_;
      return Evaluate(**repo, *trust_, options);
    }
    digest = desc->digest;
    resolved = *desc;
  }
  // The key names everything the decision depends on besides the trust policy, which is the
  // same for the whole run: the scope policy selected, the repository (evidence lives there),
  // the digest and the platform asked for.
  const std::string scope_image = options.scope_image.empty() ? ref.ToString() : options.scope_image;
  const policy::ScopePolicy* scope = policy::SelectPolicy(trust_->policy(), scope_image);
  const std::string key = (scope != nullptr ? scope->name : "") + "\n" + ref.RepositoryName() +
                          "@" + digest->ToString() + "\n" +
                          (options.platform ? options.platform->ToString() : "");
  bool hit = false;
  ImageDecision d = Shared<ImageDecision>(
      mu_, decisions_, key,
      [&] {
        ++evaluations_;
        if (resolved) {
          ResolvedRepository r(**repo, *resolved);
          return Evaluate(r, *trust_, options);
        }
        return Evaluate(**repo, *trust_, options);
      },
      [](const ImageDecision& v) { return v.decision != Decision::kError; }, &hit);
  if (hit) {
    ++cache_hits_;
  }
  return d;
}

}  // namespace vouch::verify
