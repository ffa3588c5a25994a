// Vulnerability reports: cosign's vuln/v1 and in-toto vulns v0.1 / v0.2 predicates (scanner.result
// as a finding list, or a Trivy JSON report), read into severity levels; the newest verified
// report decides. docs/policy.md ("Vulnerability reports").
#include <algorithm>
#include <cstdlib>
#include <utility>

#include "core/internal/json.h"
#include "requirements/requirements.h"
#include "vouch/core/duration.h"

namespace vouch::verify::internal {
namespace {

constexpr std::string_view kCosignVulnType = "https://cosign.sigstore.dev/attestation/vuln/v1";
constexpr std::string_view kInTotoVulnsPrefix = "https://in-toto.io/attestation/vulns/";

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

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

// Severity renders the second result: the newest report's findings against the limit.
RequirementResult Severity(const VulnReport& report, const policy::VulnerabilityRequirement& v) {
  const int max = SeverityFromName(v.max_severity);
  int counts[5] = {0, 0, 0, 0, 0};
  std::vector<std::string> over;
  for (const auto& [id, level] : report.findings) {
    if (std::find(v.ignore.begin(), v.ignore.end(), id) != v.ignore.end()) {
      continue;
    }
    ++counts[level];
    if (level > max) {
      over.push_back(id + " (" + kSevNames[level] + ")");
    }
  }
  const std::string summary = "critical " + std::to_string(counts[4]) + ", high " +
                              std::to_string(counts[3]) + ", medium " + std::to_string(counts[2]) +
                              ", low " + std::to_string(counts[1]) + ", none " +
                              std::to_string(counts[0]);
  RequirementResult r;
  r.requirement = "vulnerabilities";
  if (over.empty()) {
    r.outcome = Outcome::kPass;
    r.reason = summary + " (max allowed " + v.max_severity + ")";
    return r;
  }
  std::vector<std::string> shown(over.begin(), over.begin() + std::min<size_t>(over.size(), 5));
  r.outcome = Outcome::kFail;
  r.code = Reason::kVulnerable;
  r.reason = std::to_string(over.size()) + " vulnerabilities above " + v.max_severity + ": " +
             Join(shown, ", ") + (over.size() > 5 ? ", …" : "") + " (" + summary + ")";
  return r;
}

}  // namespace

bool IsVulnerabilityType(std::string_view t) {
  return t == kCosignVulnType || t.starts_with(kInTotoVulnsPrefix);
}

VulnerabilityVerdict DecideVulnerabilities(const std::vector<const attest::Statement*>& statements,
                                           const std::vector<std::string>& locations,
                                           const policy::AttestationRequirement& req,
                                           TimePoint now) {
  VulnerabilityVerdict out;
  std::optional<VulnReport> newest;
  std::string malformed;
  std::vector<std::string> future;
  for (size_t i = 0; i < statements.size(); ++i) {
    auto r = ReadVulns(statements[i]->predicate_json());
    if (!r.ok()) {
      malformed = locations[i] + ": vulnerability predicate is malformed: " + r.status().message();
      continue;
    }
    // A scan dated in the future never decides: it would be the newest until that date came,
    // and hide every current report.
    if (r->finished && IsFutureDated(*r->finished, now)) {
      Check skip{Reason::kFutureDated,
                 "vulnerability report is future-dated: metadata.scanFinishedOn " +
                     FormatRfc3339(*r->finished) + " is after now (" + FormatRfc3339(now) +
                     ") plus the allowed clock skew of " + FormatDuration(kClaimedTimeSkew)};
      future.push_back(locations[i] + ": " + skip.detail);
      out.skipped.emplace_back(i, std::move(skip));
      continue;
    }
    if (!newest || (r->finished && (!newest->finished || *r->finished > *newest->finished))) {
      out.newest = i;
      newest = std::move(*r);
    }
  }
  if (!newest) {
    out.check = future.empty() ? Check{Reason::kMalformedPayload, malformed}
                               : Check{Reason::kFutureDated, Join(future, "; ")};
    return out;
  }
  if (req.max_age) {
    if (!newest->finished) {
      out.check = {Reason::kAgeUnknown,
                   "attestation age cannot be checked: the vulnerability report records no "
                   "metadata.scanFinishedOn"};
      return out;
    }
    if (now - *newest->finished > *req.max_age) {
      out.check = {Reason::kTooOld, "attestation is older than " + FormatDuration(*req.max_age) +
                                        ": the newest scan finished at " +
                                        FormatRfc3339(*newest->finished)};
      return out;
    }
  }
  if (req.vulnerabilities) {
    out.severity = Severity(*newest, *req.vulnerabilities);
  }
  return out;
}

}  // namespace vouch::verify::internal
