// The policy evaluator: one resolution per image, one CollectAttached per manifest, every
// requirement of the selected scope policy checked against that collection. Matching rules and
// the report format are documented in docs/policy.md ("Evaluation report" and the requirement
// sections); the authority seam is authority.h.
#include "vouch/verify/policy_eval.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <utility>

#include "authority.h"
#include "core/internal/json.h"
#include "lookup.h"
#include "object_checks.h"
#include "vouch/attest/provenance.h"
#include "vouch/attest/statement.h"
#include "vouch/registry/manifest.h"
#include "vouch/registry/reference.h"
#include "vouch/verify/slsa.h"
#include "vouch/verify/vsa.h"

namespace vouch::verify {
namespace {

using internal::AttachedObject;
using internal::AttachedObjects;
using internal::AttestationMatch;
using internal::AuthorityVerifier;
using internal::Signer;

constexpr std::string_view kVsaPredicateType = "https://slsa.dev/verification_summary/v1";
constexpr std::string_view kCosignVulnType = "https://cosign.sigstore.dev/attestation/vuln/v1";
constexpr std::string_view kInTotoVulnsPrefix = "https://in-toto.io/attestation/vulns/";

// Glob matches '*' as any run of characters (including none and '/').
bool Glob(std::string_view pattern, std::string_view text) {
  size_t p = 0;
  size_t t = 0;
  size_t star = std::string_view::npos;
  size_t mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') {
    ++p;
  }
  return p == pattern.size();
}

std::vector<std::string> Split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      out.emplace_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

// NormalizeRepoPattern adds docker.io[/library] to a pattern written as a Docker Hub short name.
std::string NormalizeRepoPattern(std::string_view repo) {
  std::vector<std::string> seg = Split(repo, '/');
  const std::string& first = seg[0];
  if (first.find('*') != std::string::npos || first.find('.') != std::string::npos ||
      first.find(':') != std::string::npos || first == "localhost") {
    return std::string(repo);
  }
  return seg.size() == 1 ? "docker.io/library/" + std::string(repo)
                         : "docker.io/" + std::string(repo);
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') {
          return c - '0';
        }
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
      };
      int hi = hex(s[i + 1]);
      int lo = hex(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

// BaseImage is one image dependency read from provenance.
struct BaseImage {
  std::string shown;  // as recorded
  std::string repo;   // normalized "registry/repository"
  std::optional<Digest> digest;
};

// ImageDependency reads an image entry of resolvedDependencies: a pkg:docker purl, an oci:// or
// docker-image:// URI, or a plain image reference. Anything else (git, other purls, URLs) is
// not an image: nullopt.
std::optional<BaseImage> ImageDependency(const attest::ResourceDescriptor& rd) {
  std::string_view uri = rd.uri;
  if (uri.empty()) {
    return std::nullopt;
  }
  BaseImage b;
  b.shown = std::string(uri);
  std::string ref_text;
  std::string version;
  if (uri.starts_with("pkg:")) {
    if (!uri.starts_with("pkg:docker/")) {
      return std::nullopt;
    }
    std::string_view rest = uri.substr(11);
    std::string_view qualifiers;
    if (size_t h = rest.find('#'); h != std::string_view::npos) {
      rest = rest.substr(0, h);
    }
    if (size_t q = rest.find('?'); q != std::string_view::npos) {
      qualifiers = rest.substr(q + 1);
      rest = rest.substr(0, q);
    }
    if (size_t at = rest.find('@'); at != std::string_view::npos) {
      version = PercentDecode(rest.substr(at + 1));
      rest = rest.substr(0, at);
    }
    ref_text = PercentDecode(rest);
    for (const std::string& kv : Split(qualifiers, '&')) {
      if (kv.starts_with("repository_url=")) {
        std::string host = PercentDecode(kv.substr(15));
        if (!host.empty()) {
          ref_text = host + "/" + ref_text;
        }
      }
    }
  } else if (uri.starts_with("oci://") || uri.starts_with("docker-image://")) {
    ref_text = std::string(uri.substr(uri.find("://") + 3));
  } else if (uri.find("://") == std::string_view::npos && !uri.starts_with("git+")) {
    ref_text = std::string(uri);
  } else {
    return std::nullopt;
  }
  auto ref = registry::ParseReference(ref_text);
  if (!ref.ok() || ref->registry.empty()) {
    return std::nullopt;  // not an image reference
  }
  b.repo = ref->RepositoryName();
  if (ref->digest) {
    b.digest = *ref->digest;
  }
  if (version.starts_with("sha256:")) {
    if (auto d = Digest::Parse(version); d.ok()) {
      b.digest = *d;
    }
  }
  if (auto it = rd.digest.find("sha256"); it != rd.digest.end()) {
    if (auto d = Digest::Parse("sha256:" + it->second); d.ok()) {
      b.digest = *d;
    }
  }
  return b;
}

// BaseImageAllowed matches "repo@*", "repo@sha256:<hex>" or "repo" patterns.
bool BaseImageAllowed(const BaseImage& b, const std::string& pattern) {
  std::string_view p = pattern;
  std::string_view want_digest;
  if (size_t at = p.find('@'); at != std::string_view::npos) {
    want_digest = p.substr(at + 1);
    p = p.substr(0, at);
  }
  // The repository part is a scope pattern without tag (docs/policy.md, "Base images"): the
  // policy module's matcher decides, so lint and evaluation agree. A Docker Hub short name is
  // expanded first.
  bool repo_ok = p == "*" || p == "**" || policy::ScopeMatches(p, b.repo) ||
                 policy::ScopeMatches(NormalizeRepoPattern(p), b.repo);
  if (!repo_ok) {
    return false;
  }
  if (want_digest.empty() || want_digest == "*") {
    return true;
  }
  return b.digest && b.digest->ToString() == want_digest;
}

// ---------------------------------------------------------------------------------------------
// Vulnerability predicates.

constexpr int kSevNone = 0;
constexpr int kSevLow = 1;
constexpr int kSevMedium = 2;
constexpr int kSevHigh = 3;
constexpr int kSevCritical = 4;
constexpr const char* kSevNames[] = {"none", "low", "medium", "high", "critical"};

// SeverityLevel reads a level name or a CVSS score. Unreadable -> critical (fail closed).
int SeverityLevel(const Json& v) {
  double score = -1;
  if (v.is_number()) {
    score = v.get<double>();
  } else if (v.is_string()) {
    std::string s = Lower(v.get<std::string>());
    if (s == "none" || s == "negligible") {
      return kSevNone;
    }
    if (s == "low") {
      return kSevLow;
    }
    if (s == "medium" || s == "moderate") {
      return kSevMedium;
    }
    if (s == "high") {
      return kSevHigh;
    }
    if (s == "critical") {
      return kSevCritical;
    }
    char* end = nullptr;
    score = std::strtod(s.c_str(), &end);
    if (s.empty() || end == nullptr || *end != '\0') {
      return kSevCritical;
    }
  } else {
    return kSevCritical;
  }
  if (score < 0 || score > 10) {
    return kSevCritical;
  }
  if (score == 0) {
    return kSevNone;
  }
  if (score < 4.0) {
    return kSevLow;
  }
  if (score < 7.0) {
    return kSevMedium;
  }
  if (score < 9.0) {
    return kSevHigh;
  }
  return kSevCritical;
}

int SeverityFromName(std::string_view name) {
  for (int i = 0; i <= kSevCritical; ++i) {
    if (name == kSevNames[i]) {
      return i;
    }
  }
  return kSevCritical;
}

struct VulnReport {
  std::optional<TimePoint> finished;
  std::vector<std::pair<std::string, int>> findings;  // id, level
};

bool IsVulnType(std::string_view t) {
  return t == kCosignVulnType || t.starts_with(kInTotoVulnsPrefix);
}

// ReadFindingList reads [{id, severity: [{method, score}]}] (in-toto vulns), also accepting a
// plain "severity" string or number.
void ReadFindingList(const Json& list, VulnReport& out) {
  for (const Json& r : list) {
    if (!r.is_object()) {
      out.findings.emplace_back("(malformed entry)", kSevCritical);
      continue;
    }
    std::string id = "(no id)";
    if (auto it = r.find("id"); it != r.end() && it->is_string()) {
      id = it->get<std::string>();
    }
    int level = -1;
    if (auto it = r.find("severity"); it != r.end()) {
      if (it->is_array()) {
        for (const Json& s : *it) {
          if (s.is_object() && s.contains("score")) {
            level = std::max(level, SeverityLevel(s["score"]));
          } else {
            level = std::max(level, SeverityLevel(s));
          }
        }
      } else {
        level = SeverityLevel(*it);
      }
    }
    out.findings.emplace_back(id, level < 0 ? kSevCritical : level);
  }
}

Result<VulnReport> ReadVulns(std::string_view predicate_json) {
  auto j = ParseJson(predicate_json, "vulnerability predicate");
  if (!j.ok()) {
    return j.status();
  }
  if (!j->is_object()) {
    return InvalidArgumentError("vulnerability predicate is not an object");
  }
  VulnReport out;
  if (auto m = j->find("metadata"); m != j->end() && m->is_object()) {
    if (auto f = m->find("scanFinishedOn"); f != m->end() && f->is_string()) {
      auto t = ParseRfc3339(f->get<std::string>());
      if (!t.ok()) {
        return InvalidArgumentError("metadata.scanFinishedOn: " + t.status().message());
      }
      out.finished = *t;
    }
  }
  auto sc = j->find("scanner");
  if (sc == j->end() || !sc->is_object()) {
    return InvalidArgumentError("scanner is missing");
  }
  auto res = sc->find("result");
  if (res == sc->end() || res->is_null()) {
    return out;  // a scan without result: no findings recorded
  }
  if (res->is_array()) {
    ReadFindingList(*res, out);
    return out;
  }
  if (!res->is_object()) {
    return InvalidArgumentError("scanner.result is neither a list nor a Trivy report");
  }
  // A Trivy JSON report: Results[].Vulnerabilities[] {VulnerabilityID, Severity}.
  auto results = res->find("Results");
  if (results == res->end() || results->is_null()) {
    return out;
  }
  if (!results->is_array()) {
    return InvalidArgumentError("scanner.result.Results is not a list");
  }
  for (const Json& r : *results) {
    if (!r.is_object()) {
      continue;
    }
    auto vs = r.find("Vulnerabilities");
    if (vs == r.end() || !vs->is_array()) {
      continue;
    }
    for (const Json& v : *vs) {
      std::string id = "(no id)";
      if (v.is_object()) {
        if (auto it = v.find("VulnerabilityID"); it != v.end() && it->is_string()) {
          id = it->get<std::string>();
        }
      }
      int level = kSevCritical;
      if (v.is_object()) {
        if (auto it = v.find("Severity"); it != v.end()) {
          level = SeverityLevel(*it);
        }
      }
      out.findings.emplace_back(id, level);
    }
  }
  return out;
}

std::string FormatAge(std::chrono::seconds s) {
  auto n = s.count();
  if (n % 86400 == 0) {
    return std::to_string(n / 86400) + "d";
  }
  if (n % 3600 == 0) {
    return std::to_string(n / 3600) + "h";
  }
  if (n % 60 == 0) {
    return std::to_string(n / 60) + "m";
  }
  return std::to_string(n) + "s";
}

std::string Short(const Digest& d) { return d.ToString().substr(0, 19) + "…"; }

// ---------------------------------------------------------------------------------------------

// Subject is one manifest the policy looks at, with everything attached to it.
struct Subject {
  Digest digest = Digest::Of({});
  std::string platform;  // "" for the index or single manifest
  AttachedObjects found;
};

// Unit is what one attestation evaluation sees: the manifests whose attestations count.
struct Unit {
  std::string platform;
  std::vector<const Subject*> subjects;
};

// Candidate is an attestation that verified for one of a requirement's authorities.
struct Candidate {
  AttestationMatch match;
  const AttachedObject* object = nullptr;
  const Subject* subject = nullptr;
};

class Evaluator {
 public:
  Evaluator(const policy::Policy& policy, const policy::ScopePolicy& scope,
            const EvaluateOptions& options, ImageDecision& d)
      : policy_(policy),
        scope_(scope),
        options_(options),
        now_((options.clock != nullptr ? *options.clock : SystemClock()).Now()),
        authorities_(policy),
        d_(d) {}

  // Run checks every requirement; with |deny_only| (accept mode) only deny.digests.
  void Run(registry::Repository& repo, bool deny_only = false);
  // first_error is the operational Status of the first requirement that could not be checked.
  const Status& first_error() const { return first_error_; }

 private:
  void Add(std::string requirement, std::string platform, Outcome outcome, std::string reason,
           const Status& error = OkStatus());
  void AddInput(std::string kind, std::string predicate_type, const std::string& authority,
                const AttachedObject& o);
  void CheckSignatures(const Subject& s);
  // CheckAttestation evaluates one requirement for one unit; returns true when it passed.
  bool CheckAttestation(const policy::AttestationRequirement& req, const Unit& unit);
  void CheckBaseImages(const Unit& unit);
  std::vector<Candidate> Verified(const policy::AttestationRequirement& req, const Unit& unit,
                                  std::vector<std::string>& reasons, Status& unsupported);
  const policy::Authority* FindAuthority(const std::string& name);

  const policy::Policy& policy_;
  const policy::ScopePolicy& scope_;
  const EvaluateOptions& options_;
  TimePoint now_;
  AuthorityVerifier authorities_;
  ImageDecision& d_;
  Status first_error_ = OkStatus();
  std::set<std::string> input_keys_;
  // provenance_ holds, per unit platform, the provenance that verified and passed its checks.
  std::map<std::string, std::vector<attest::NormalizedProvenance>> provenance_;
  bool provenance_required_ = false;
};

void Evaluator::Add(std::string requirement, std::string platform, Outcome outcome,
                    std::string reason, const Status& error) {
  if (outcome == Outcome::kFail && scope_.mode == policy::Mode::kAudit) {
    outcome = Outcome::kWarn;
  }
  if (outcome == Outcome::kError && first_error_.ok()) {
    first_error_ = error.ok() ? Status(ErrorCode::kInternal, reason) : error;
  }
  d_.results.push_back({std::move(requirement), std::move(platform), outcome, std::move(reason)});
}

void Evaluator::AddInput(std::string kind, std::string predicate_type, const std::string& authority,
                         const AttachedObject& o) {
  if (!input_keys_.insert(kind + " " + o.location + " " + o.digest.ToString()).second) {
    return;
  }
  d_.inputs.push_back(
      {std::move(kind), std::move(predicate_type), authority, o.location, o.digest});
}

const policy::Authority* Evaluator::FindAuthority(const std::string& name) {
  auto it = policy_.authorities.find(name);
  return it == policy_.authorities.end() ? nullptr : &it->second;
}

bool IsSignatureCandidate(const AttachedObject& o) {
  if (o.legacy_signature) {
    return true;
  }
  return o.format == "bundle" &&
         (o.annotated_type.empty() || o.annotated_type == attest::kCosignSignPredicateType);
}

bool IsAttestationCandidate(const AttachedObject& o) {
  return !o.legacy_signature && o.annotated_type != attest::kCosignSignPredicateType;
}

void Evaluator::CheckSignatures(const Subject& s) {
  const policy::SignatureRequirement& req = *scope_.signatures;
  std::vector<std::string> signed_by;
  std::vector<std::string> missing;
  Status unsupported = OkStatus();
  size_t candidates = 0;
  for (const std::string& name : req.authorities) {
    const policy::Authority* a = FindAuthority(name);
    if (a == nullptr) {
      missing.push_back(name + ": unknown authority");
      continue;
    }
    std::vector<std::string> reasons;
    bool ok = false;
    for (const AttachedObject& o : s.found.objects) {
      if (!IsSignatureCandidate(o)) {
        continue;
      }
      ++candidates;
      Result<Signer> r = authorities_.VerifySignature(*a, o, s.digest, req.annotations);
      if (r.ok()) {
        if (!ok) {
          signed_by.push_back(r->Describe());
        }
        ok = true;
        AddInput("signature", "", name, o);
        continue;
      }
      if (r.status().code() == ErrorCode::kUnimplemented) {
        unsupported = r.status();
        reasons.assign(1, r.status().message());
        break;
      }
      if (std::find(reasons.begin(), reasons.end(), r.status().message()) == reasons.end()) {
        reasons.push_back(r.status().message());
      }
    }
    if (!ok) {
      std::string why;
      for (const std::string& r : reasons) {
        why += (why.empty() ? "" : "; ") + r;
      }
      missing.push_back(name + ": " + (why.empty() ? "no signature" : why));
    }
  }
  std::string missing_text;
  for (const std::string& m : missing) {
    missing_text += (missing_text.empty() ? "" : "; ") + m;
  }
  if (signed_by.size() >= req.threshold) {
    std::string by;
    for (const std::string& b : signed_by) {
      by += (by.empty() ? "" : ", ") + b;
    }
    Add("signatures", s.platform, Outcome::kPass, "signed by " + by);
    return;
  }
  if (!unsupported.ok()) {
    Add("signatures", s.platform, Outcome::kError, unsupported.message(), unsupported);
    return;
  }
  if (!s.found.status.ok()) {
    Add("signatures", s.platform, Outcome::kError,
        "could not check the signatures of " + s.digest.ToString() + ": " +
            s.found.status.message(),
        s.found.status);
    return;
  }
  if (candidates == 0) {
    Add("signatures", s.platform, Outcome::kFail,
        "no signatures found for " + s.digest.ToString() + " (looked in referrers (" +
            s.found.referrers_scheme + ") and the .sig tag)");
    return;
  }
  Add("signatures", s.platform, Outcome::kFail,
      std::to_string(signed_by.size()) + " of " + std::to_string(req.threshold) +
          " required authorities signed " + Short(s.digest) + ": " + missing_text);
}

std::vector<Candidate> Evaluator::Verified(const policy::AttestationRequirement& req,
                                           const Unit& unit, std::vector<std::string>& reasons,
                                           Status& unsupported) {
  std::vector<Candidate> out;
  auto note = [&](const std::string& r) {
    if (std::find(reasons.begin(), reasons.end(), r) == reasons.end()) {
      reasons.push_back(r);
    }
  };
  for (const Subject* s : unit.subjects) {
    for (const AttachedObject& o : s->found.objects) {
      if (!IsAttestationCandidate(o)) {
        continue;
      }
      if (!o.fetched) {
        if (o.problem != "not fetched") {
          note(o.location + ": " + o.problem);
        }
        continue;
      }
      if (!o.annotated_type.empty() &&
          std::find(req.predicate_types.begin(), req.predicate_types.end(), o.annotated_type) ==
              req.predicate_types.end()) {
        continue;  // another kind of attestation (fetched for another requirement)
      }
      bool matched = false;
      std::vector<std::string> why;
      for (const std::string& name : req.authorities) {
        const policy::Authority* a = FindAuthority(name);
        if (a == nullptr) {
          continue;
        }
        auto r = authorities_.VerifyAttestation(*a, o, s->digest, req.predicate_types);
        if (r.ok()) {
          out.push_back({std::move(*r), &o, s});
          matched = true;
          break;
        }
        if (r.status().code() == ErrorCode::kUnimplemented) {
          unsupported = r.status();
          continue;
        }
        why.push_back(r.status().message());
      }
      if (!matched && !why.empty()) {
        // A statement of another predicate type is not a candidate for this requirement.
        bool other_type = std::all_of(why.begin(), why.end(), [](const std::string& w) {
          return w.starts_with("predicate type ");
        });
        if (!other_type) {
          note(o.location + ": " + why.front());
        }
      }
    }
  }
  return out;
}

bool Evaluator::CheckAttestation(const policy::AttestationRequirement& req, const Unit& unit) {
  const std::string name = "attestation " + req.type;
  std::vector<std::string> reasons;
  Status unsupported = OkStatus();
  std::vector<Candidate> found = Verified(req, unit, reasons, unsupported);
  auto lookup_status = [&]() {
    for (const Subject* s : unit.subjects) {
      if (!s->found.status.ok()) {
        return s->found.status;
      }
    }
    return OkStatus();
  };
  auto not_met = [&](std::string reason) {
    if (!unsupported.ok()) {
      Add(name, unit.platform, Outcome::kError, unsupported.message(), unsupported);
    } else if (Status ls = lookup_status(); !ls.ok()) {
      Add(name, unit.platform, Outcome::kError, "could not check the attestations: " + ls.message(),
          ls);
    } else {
      Add(name, unit.platform, Outcome::kFail, std::move(reason));
    }
    return false;
  };
  std::string authorities;
  for (const std::string& a : req.authorities) {
    authorities += (authorities.empty() ? "" : ", ") + a;
  }
  if (found.empty()) {
    std::string why;
    for (const std::string& r : reasons) {
      why += "; " + r;
    }
    return not_met("no verified " + req.type + " attestation signed by " + authorities + why);
  }
  const bool vuln = req.vulnerabilities.has_value() ||
                    std::all_of(req.predicate_types.begin(), req.predicate_types.end(),
                                [](const std::string& t) { return IsVulnType(t); });
  const bool vsa = req.vsa.has_value() ||
                   (req.predicate_types.size() == 1 && req.predicate_types[0] == kVsaPredicateType);

  if (vuln) {
    // The newest verified vulnerability attestation decides (by scan finish time; attestations
    // without one count as oldest).
    const Candidate* newest = nullptr;
    std::optional<VulnReport> newest_report;
    std::string malformed;
    for (const Candidate& c : found) {
      auto r = ReadVulns(c.match.verified.statement.predicate_json());
      if (!r.ok()) {
        malformed =
            c.object->location + ": vulnerability predicate is malformed: " + r.status().message();
        continue;
      }
      if (newest == nullptr ||
          (r->finished && (!newest_report->finished || *r->finished > *newest_report->finished))) {
        newest = &c;
        newest_report = std::move(*r);
      }
    }
    if (newest == nullptr) {
      return not_met(malformed);
    }
    if (req.max_age) {
      if (!newest_report->finished) {
        return not_met(
            "attestation age cannot be checked: the vulnerability report records no "
            "metadata.scanFinishedOn");
      }
      if (now_ - *newest_report->finished > *req.max_age) {
        return not_met("attestation is older than " + FormatAge(*req.max_age) +
                       ": the newest scan finished at " + FormatRfc3339(*newest_report->finished));
      }
    }
    Add(name, unit.platform, Outcome::kPass,
        newest->match.signer.Describe() + ", " + newest->object->location);
    AddInput("attestation", newest->match.verified.statement.predicate_type(),
             newest->match.signer.authority, *newest->object);
    if (req.vulnerabilities) {
      const policy::VulnerabilityRequirement& v = *req.vulnerabilities;
      const int max = SeverityFromName(v.max_severity);
      int counts[5] = {0, 0, 0, 0, 0};
      std::vector<std::string> over;
      for (const auto& [id, level] : newest_report->findings) {
        if (std::find(v.ignore.begin(), v.ignore.end(), id) != v.ignore.end()) {
          continue;
        }
        ++counts[level];
        if (level > max) {
          over.push_back(id + " (" + kSevNames[level] + ")");
        }
      }
      std::string summary = "critical " + std::to_string(counts[4]) + ", high " +
                            std::to_string(counts[3]) + ", medium " + std::to_string(counts[2]) +
                            ", low " + std::to_string(counts[1]) + ", none " +
                            std::to_string(counts[0]);
      if (over.empty()) {
        Add("vulnerabilities", unit.platform, Outcome::kPass,
            summary + " (max allowed " + v.max_severity + ")");
      } else {
        std::string ids;
        for (size_t i = 0; i < over.size() && i < 5; ++i) {
          ids += (i == 0 ? "" : ", ") + over[i];
        }
        if (over.size() > 5) {
          ids += ", …";
        }
        Add("vulnerabilities", unit.platform, Outcome::kFail,
            std::to_string(over.size()) + " vulnerabilities above " + v.max_severity + ": " + ids +
                " (" + summary + ")");
      }
    }
    return true;
  }

  // Other types: any candidate that passes every check satisfies the requirement.
  std::vector<std::string> failures;
  bool passed = false;
  for (const Candidate& c : found) {
    const std::string& type = c.match.verified.statement.predicate_type();
    const std::string where = c.object->location + ": ";
    if (attest::IsProvenanceType(type)) {
      auto p = attest::NormalizeProvenance(type, c.match.verified.statement.predicate_json());
      if (!p.ok()) {
        failures.push_back(where + "provenance is malformed: " + p.status().message());
        continue;
      }
      std::string failed;
      if (req.slsa) {
        auto any = [](const std::vector<std::string>& pats, auto&& match) {
          return pats.empty() || std::any_of(pats.begin(), pats.end(), match);
        };
        const std::string builder_no_version = p->builder_id.substr(0, p->builder_id.find('@'));
        if (!any(req.slsa->builder_ids, [&](const std::string& pat) {
              return Glob(pat, p->builder_id) || Glob(pat, builder_no_version);
            })) {
          failed = "builder id " + p->builder_id + " is not allowed";
        } else if (!any(req.slsa->source_uris, [&](const std::string& pat) {
                     return !p->source_uri.empty() &&
                            Glob(NormalizeSourceUri(pat), NormalizeSourceUri(p->source_uri));
                   })) {
          failed = "source " + (p->source_uri.empty() ? "(none recorded)" : p->source_uri) +
                   " is not allowed";
        } else if (!any(req.slsa->source_refs, [&](const std::string& pat) {
                     const std::string& ref = p->source_ref;
                     return !ref.empty() && (Glob(pat, ref) || (!pat.starts_with("refs/") &&
                                                                (Glob("refs/heads/" + pat, ref) ||
                                                                 Glob("refs/tags/" + pat, ref))));
                   })) {
          failed = "ref " + (p->source_ref.empty() ? "(none recorded)" : p->source_ref) +
                   " is not allowed";
        }
      }
      if (failed.empty() && req.max_age) {
        SlsaExpectations want;
        want.max_age = req.max_age;
        want.now = now_;
        if (Status st = CheckProvenance(*p, want); !st.ok()) {
          failed = st.message();
        }
      }
      if (!failed.empty()) {
        failures.push_back(where + failed);
        continue;
      }
      provenance_[unit.platform].push_back(std::move(*p));
    } else if (vsa) {
      // The VSA's own checks (result, verifier, policy, level, age): verify/vsa.h.
      const policy::VsaRequirement want = req.vsa ? *req.vsa : policy::VsaRequirement{};
      if (Status st = CheckVsa(c.match.verified, c.subject->digest, want, req.max_age, now_);
          !st.ok()) {
        failures.push_back(where + st.message());
        continue;
      }
    } else if (req.max_age) {
      failures.push_back(where + "attestation age cannot be checked for predicate type " + type);
      continue;
    }
    // Passed. The first passing attestation is the input; every passing provenance counts
    // for baseImages, so provenance candidates are all examined.
    if (!passed) {
      Add(name, unit.platform, Outcome::kPass,
          c.match.signer.Describe() + ", " + c.object->location);
      AddInput("attestation", type, c.match.signer.authority, *c.object);
      passed = true;
    }
    if (!attest::IsProvenanceType(type)) {
      break;
    }
  }
  if (passed) {
    return true;
  }
  std::string why;
  for (const std::string& f : failures) {
    why += (why.empty() ? "" : "; ") + f;
  }
  return not_met(why);
}

void Evaluator::CheckBaseImages(const Unit& unit) {
  const policy::BaseImageRequirement& req = *scope_.base_images;
  auto it = provenance_.find(unit.platform);
  if (it == provenance_.end() || it->second.empty()) {
    if (!provenance_required_) {
      Add("baseImages", unit.platform, Outcome::kFail,
          "no slsaprovenance attestation requirement: base images cannot be read from verified "
          "provenance");
    } else {
      Add("baseImages", unit.platform, Outcome::kFail,
          "no verified provenance passed its requirement: base images cannot be checked");
    }
    return;
  }
  size_t checked = 0;
  for (const attest::NormalizedProvenance& p : it->second) {
    for (const attest::ResourceDescriptor& rd : p.dependencies) {
      std::optional<BaseImage> b = ImageDependency(rd);
      if (!b) {
        continue;
      }
      ++checked;
      if (!b->digest) {
        Add("baseImages", unit.platform, Outcome::kFail,
            "base image " + b->shown + " has no digest");
        return;
      }
      bool ok = std::any_of(req.allowed.begin(), req.allowed.end(),
                            [&](const std::string& pat) { return BaseImageAllowed(*b, pat); });
      if (!ok) {
        Add("baseImages", unit.platform, Outcome::kFail,
            "base image " + b->repo + "@" + b->digest->ToString() + " is not allowed");
        return;
      }
    }
  }
  Add("baseImages", unit.platform, Outcome::kPass,
      std::to_string(checked) + " base image" + (checked == 1 ? "" : "s") + " allowed");
}

void Evaluator::Run(registry::Repository& repo, bool deny_only) {
  auto root = repo.Resolve(repo.reference().Identifier());
  if (!root.ok()) {
    Add("resolve", "", Outcome::kError, root.status().message(), root.status());
    return;
  }
  d_.digest = root->digest;
  std::vector<Subject> subjects(1);
  subjects[0].digest = root->digest;
  std::vector<Digest> platform_digests;
  if (registry::IsIndexMediaType(root->media_type) &&
      ((!deny_only && scope_.platforms == policy::Platforms::kAll) ||
       !policy_.deny.digests.empty())) {
    auto index = repo.FetchManifest(root->digest.ToString());
    if (!index.ok()) {
      Add("platforms", "", Outcome::kError, index.status().message(), index.status());
      return;
    }
    auto view = registry::ParseManifest(index->bytes, index->media_type);
    if (!view.ok()) {
      Add("platforms", "", Outcome::kError, view.status().message(), view.status());
      return;
    }
    for (const registry::Descriptor& c : view->manifests) {
      platform_digests.push_back(c.digest);
      if (deny_only || scope_.platforms != policy::Platforms::kAll ||
          (c.platform && (c.platform->os == "unknown" || c.platform->architecture == "unknown"))) {
        continue;
      }
      Subject s;
      s.digest = c.digest;
      s.platform = c.platform ? c.platform->ToString() : c.digest.ToString();
      subjects.push_back(std::move(s));
    }
  }
  // deny.digests: the image or any of its platforms.
  if (!policy_.deny.digests.empty()) {
    std::vector<Digest> all = platform_digests;
    all.insert(all.begin(), root->digest);
    for (const Digest& dg : all) {
      if (std::find(policy_.deny.digests.begin(), policy_.deny.digests.end(), dg) !=
          policy_.deny.digests.end()) {
        // Denied everywhere, whatever the mode.
        d_.results.push_back(
            {"deny", "", Outcome::kFail, "digest " + dg.ToString() + " is denied (deny.digests)"});
        return;
      }
    }
    Add("deny", "", Outcome::kPass, "no digest of the image is denied");
  }
  if (deny_only) {
    return;
  }
  const bool want_sig = scope_.signatures.has_value();
  const bool want_att = !scope_.attestations.empty();
  std::set<std::string> types;
  for (const policy::AttestationRequirement& a : scope_.attestations) {
    types.insert(a.predicate_types.begin(), a.predicate_types.end());
    if (std::any_of(a.predicate_types.begin(), a.predicate_types.end(),
                    [](const std::string& t) { return attest::IsProvenanceType(t); })) {
      provenance_required_ = true;
    }
  }
  if (want_sig || want_att) {
    auto fetch = [&](std::string_view t) {
      return t.empty() || (want_sig && t == attest::kCosignSignPredicateType) ||
             types.count(std::string(t)) > 0;
    };
    internal::RunParallel(subjects.size(), options_.parallelism, [&](size_t i) {
      subjects[i].found = internal::CollectAttached(repo, subjects[i].digest, want_sig, want_att,
                                                    fetch, options_.parallelism);
    });
  }
  if (want_sig) {
    for (const Subject& s : subjects) {
      CheckSignatures(s);
    }
  }
  std::vector<Unit> units;
  if (subjects.size() == 1) {
    units.push_back({"", {&subjects[0]}});
  } else {
    for (size_t i = 1; i < subjects.size(); ++i) {
      units.push_back({subjects[i].platform, {&subjects[0], &subjects[i]}});
    }
  }
  int level = 0;
  for (const policy::AttestationRequirement& a : scope_.attestations) {
    bool all = true;
    for (const Unit& u : units) {
      all = CheckAttestation(a, u) && all;
    }
    bool provenance = std::any_of(a.predicate_types.begin(), a.predicate_types.end(),
                                  [](const std::string& t) { return attest::IsProvenanceType(t); });
    if (all && provenance) {
      int l = 1;
      if (a.slsa) {
        l = a.slsa->build_level > 0 ? a.slsa->build_level : (a.slsa->builder_ids.empty() ? 1 : 2);
      }
      level = std::max(level, l);
    }
  }
  if (scope_.base_images) {
    for (const Unit& u : units) {
      CheckBaseImages(u);
    }
  }
  if (level > 0) {
    d_.verified_levels.push_back("SLSA_BUILD_LEVEL_" + std::to_string(level));
  }
}

std::string RequirementLine(const RequirementResult& r) {
  std::string word;
  switch (r.outcome) {
    case Outcome::kPass:
      word = "pass ";
      break;
    case Outcome::kFail:
      word = "FAIL ";
      break;
    case Outcome::kWarn:
      word = "warn ";
      break;
    case Outcome::kError:
      word = "error";
      break;
  }
  return "  " + word + "  " + r.requirement + (r.platform.empty() ? "" : " [" + r.platform + "]") +
         ": " + r.reason + "\n";
}

void Decide(ImageDecision& d, const Status& first_error) {
  const RequirementResult* fail = nullptr;
  const RequirementResult* error = nullptr;
  for (const RequirementResult& r : d.results) {
    if (r.outcome == Outcome::kFail && fail == nullptr) {
      fail = &r;
    }
    if (r.outcome == Outcome::kError && error == nullptr) {
      error = &r;
    }
  }
  if (fail != nullptr) {
    d.decision = Decision::kRejected;
    d.status = VerificationFailedError(fail->requirement +
                                       (fail->platform.empty() ? "" : " [" + fail->platform + "]") +
                                       ": " + fail->reason);
  } else if (error != nullptr) {
    d.decision = Decision::kError;
    // The code is the operational one (exit 3), never a rejection's or a usage error's.
    ErrorCode code = first_error.ok() ? ErrorCode::kInternal : first_error.code();
    if (code == ErrorCode::kVerificationFailed || code == ErrorCode::kInvalidArgument ||
        code == ErrorCode::kFailedPrecondition || code == ErrorCode::kAlreadyExists) {
      code = ErrorCode::kInternal;
    }
    d.status = Status(code, error->requirement +
                                (error->platform.empty() ? "" : " [" + error->platform + "]") +
                                ": " + error->reason);
  } else {
    d.decision = Decision::kAccepted;
    d.status = OkStatus();
  }
}

}  // namespace

std::string_view OutcomeName(Outcome o) {
  switch (o) {
    case Outcome::kPass:
      return "pass";
    case Outcome::kFail:
      return "fail";
    case Outcome::kWarn:
      return "warn";
    case Outcome::kError:
      return "error";
  }
  return "error";
}

std::string_view DecisionName(Decision d) {
  switch (d) {
    case Decision::kAccepted:
      return "accepted";
    case Decision::kRejected:
      return "rejected";
    case Decision::kError:
      return "error";
  }
  return "error";
}

ImageDecision EvaluateImage(registry::Repository& repo, const policy::Policy& policy,
                            const EvaluateOptions& options) {
  ImageDecision d;
  d.image = repo.reference().ToString();
  const std::string scope_image = options.scope_image.empty() ? d.image : options.scope_image;
  const policy::ScopePolicy* scope = policy::SelectPolicy(policy, scope_image);
  if (scope == nullptr) {
    d.results.push_back({"scope", "", Outcome::kFail, "no policy scope matches " + scope_image});
    d.decision = Decision::kRejected;
    d.status = VerificationFailedError("no policy scope matches " + scope_image);
    return d;
  }
  d.policy_name = scope->name;
  d.scope = scope->scope;
  d.mode = std::string(policy::ModeName(scope->mode));
  if (scope->mode == policy::Mode::kReject) {
    d.results.push_back({"mode", "", Outcome::kFail, "mode reject"});
    d.decision = Decision::kRejected;
    d.status = VerificationFailedError("policy " + scope->name + ": mode reject");
    return d;
  }
  if (scope->mode == policy::Mode::kAccept) {
    d.results.push_back({"mode", "", Outcome::kPass, "mode accept: no checks"});
    if (policy.deny.digests.empty()) {
      d.decision = Decision::kAccepted;  // nothing to look up
      return d;
    }
    // The deny list applies in accept mode too: resolve, and check the digests only.
    Evaluator e(policy, *scope, options, d);
    e.Run(repo, /*deny_only=*/true);
    Decide(d, e.first_error());
    return d;
  }
  Evaluator e(policy, *scope, options, d);
  e.Run(repo);
  Decide(d, e.first_error());
  if (d.decision != Decision::kAccepted) {
    d.verified_levels.clear();  // levels are only established by an accepted image
  }
  return d;
}

std::vector<ImageDecision> EvaluateImages(registry::Client& client,
                                          const std::vector<registry::Reference>& images,
                                          const policy::Policy& policy,
                                          const EvaluateOptions& options) {
  std::vector<ImageDecision> out(images.size());
  internal::RunParallel(images.size(), options.parallelism, [&](size_t i) {
    auto repo = client.Open(images[i]);
    if (!repo.ok()) {
      out[i].image = images[i].ToString();
      out[i].decision = Decision::kError;
      out[i].status = repo.status();
      out[i].results.push_back({"resolve", "", Outcome::kError, repo.status().message()});
      return;
    }
    out[i] = EvaluateImage(**repo, policy, options);
  });
  return out;
}

std::string DecisionsToText(const std::vector<ImageDecision>& decisions) {
  std::string out;
  for (const ImageDecision& d : decisions) {
    out += d.image;
    if (d.digest) {
      out += "@" + d.digest->ToString();
    }
    out += ": " + std::string(DecisionName(d.decision));
    if (!d.policy_name.empty()) {
      out += " (policy " + d.policy_name + ", scope " + d.scope + ", mode " + d.mode + ")";
    }
    out += "\n";
    for (const RequirementResult& r : d.results) {
      out += RequirementLine(r);
    }
    if (d.results.empty() && !d.status.ok()) {
      out += "  error  " + d.status.message() + "\n";
    }
    if (!d.verified_levels.empty()) {
      out += "  verified levels:";
      for (const std::string& l : d.verified_levels) {
        out += " " + l;
      }
      out += "\n";
    }
  }
  return out;
}

std::string DecisionsToJson(const std::vector<ImageDecision>& decisions,
                            const policy::Policy& policy) {
  OrderedJson j = OrderedJson::object();
  OrderedJson jp = OrderedJson::object();
  jp["source"] = policy.source;
  jp["digest"] = policy.digest.ToString();
  j["policy"] = std::move(jp);
  bool all = !decisions.empty();
  OrderedJson images = OrderedJson::array();
  for (const ImageDecision& d : decisions) {
    all = all && d.decision == Decision::kAccepted;
    OrderedJson ji = OrderedJson::object();
    ji["image"] = d.image;
    ji["digest"] = d.digest ? OrderedJson(d.digest->ToString()) : OrderedJson(nullptr);
    ji["policy"] = d.policy_name;
    ji["scope"] = d.scope;
    ji["mode"] = d.mode;
    ji["decision"] = std::string(DecisionName(d.decision));
    ji["error"] = d.status.ok() ? "" : d.status.message();
    ji["errorCode"] = d.status.ok() ? "" : std::string(ErrorCodeName(d.status.code()));
    OrderedJson results = OrderedJson::array();
    for (const RequirementResult& r : d.results) {
      OrderedJson jr = OrderedJson::object();
      jr["requirement"] = r.requirement;
      jr["platform"] = r.platform;
      jr["outcome"] = std::string(OutcomeName(r.outcome));
      jr["reason"] = r.reason;
      results.push_back(std::move(jr));
    }
    ji["results"] = std::move(results);
    ji["verifiedLevels"] = d.verified_levels;
    OrderedJson inputs = OrderedJson::array();
    for (const VerifiedInput& in : d.inputs) {
      OrderedJson jin = OrderedJson::object();
      jin["kind"] = in.kind;
      jin["predicateType"] = in.predicate_type;
      jin["authority"] = in.authority;
      jin["location"] = in.location;
      jin["digest"] = in.digest.ToString();
      inputs.push_back(std::move(jin));
    }
    ji["inputs"] = std::move(inputs);
    images.push_back(std::move(ji));
  }
  j["accepted"] = all;
  j["images"] = std::move(images);
  return DumpJsonPretty(j) + "\n";
}

}  // namespace vouch::verify
