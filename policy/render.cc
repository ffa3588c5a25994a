// Rendering policies and findings for people and machines: Explain, Summarize, the lint JSON
// report, and the policy file's names for enums.
#include <algorithm>
#include <sstream>

#include "internal.h"
#include "vouch/core/duration.h"

namespace vouch::policy {
namespace {

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) {
    out += (out.empty() ? "" : ", ") + n;
  }
  return out;
}

// DescribeAuthorities names each authority of |names| with what it trusts: key ids, the keyless
// identity and issuer ("~" before a regexp), or the number of x509 roots.
std::string DescribeAuthorities(const Policy& policy, const std::vector<std::string>& names) {
  std::string s;
  for (const std::string& n : names) {
    auto it = policy.authorities.find(n);
    s += (s.empty() ? "" : ", ") + n;
    if (it == policy.authorities.end()) {
      continue;
    }
    const Authority& a = it->second;
    if (a.kind == AuthorityKind::kKey) {
      s += " (" + std::to_string(a.keys.size()) + (a.keys.size() == 1 ? " key" : " keys");
      for (const keys::Verifier& k : a.keys) {
        s += " " + k.KeyId().substr(0, 12);
      }
      s += ")";
    } else if (a.kind == AuthorityKind::kKeyless) {
      s += " (keyless: identity " +
           (a.keyless.identity.empty() ? "~" + a.keyless.identity_regexp : a.keyless.identity) +
           ", issuer " +
           (a.keyless.issuer.empty() ? "~" + a.keyless.issuer_regexp : a.keyless.issuer) + ")";
    } else {
      s += " (x509: " + std::to_string(a.x509.roots.size()) + " root certificates)";
    }
  }
  return s;
}

// ExplainAttestation writes one attestation requirement and its typed checks.
void ExplainAttestation(std::ostream& out, const Policy& policy, const AttestationRequirement& a) {
  out << "  - attestation " << a.type << " (" << JoinNames(a.predicate_types)
      << "), signed by one of: " << DescribeAuthorities(policy, a.authorities);
  if (a.max_age) {
    out << ", at most " << FormatDuration(*a.max_age) << " old";
  }
  out << "\n";
  if (a.slsa) {
    if (!a.slsa->builder_ids.empty()) {
      out << "      builder id matches one of: " << JoinNames(a.slsa->builder_ids) << "\n";
    }
    if (!a.slsa->source_uris.empty()) {
      out << "      source repository matches one of: " << JoinNames(a.slsa->source_uris) << "\n";
    }
    if (!a.slsa->source_refs.empty()) {
      out << "      source ref matches one of: " << JoinNames(a.slsa->source_refs) << "\n";
    }
    if (a.slsa->build_level != 0) {
      out << "      the policy vouches for SLSA build level " << a.slsa->build_level << "\n";
    }
  }
  if (a.vulnerabilities) {
    out << "      newest vulnerability report: nothing above " << a.vulnerabilities->max_severity;
    if (!a.vulnerabilities->ignore.empty()) {
      out << ", ignoring " << JoinNames(a.vulnerabilities->ignore);
    }
    out << "\n";
  }
  if (a.vsa) {
    out << "      summary PASSED for policy "
        << (a.vsa->policy.empty() ? std::string("(any)") : a.vsa->policy);
    if (!a.vsa->verifier_id.empty()) {
      out << ", verifier " << a.vsa->verifier_id;
    }
    if (!a.vsa->min_level.empty()) {
      out << ", level at least " << a.vsa->min_level;
    }
    out << "\n";
  }
}

// ExplainRequirements writes what an enforce or audit scope requires, and its platforms.
void ExplainRequirements(std::ostream& out, const Policy& policy, const ScopePolicy& chosen) {
  out << "requires:\n";
  if (chosen.signatures) {
    const SignatureRequirement& s = *chosen.signatures;
    out << "  - signatures: valid signatures from at least " << s.threshold << " of "
        << s.authorities.size() << " authorities: " << DescribeAuthorities(policy, s.authorities)
        << "\n";
    for (const auto& [k, v] : s.annotations) {
      out << "      each counted signature carries annotation " << k << "=" << v << "\n";
    }
  }
  for (const AttestationRequirement& a : chosen.attestations) {
    ExplainAttestation(out, policy, a);
  }
  if (chosen.base_images) {
    out << "  - base images recorded in the verified provenance, each with a digest, match one "
           "of: "
        << JoinNames(chosen.base_images->allowed) << "\n";
  }
  out << "platforms: " << PlatformsName(chosen.platforms)
      << (chosen.platforms == Platforms::kAll
              ? ": the index and every platform manifest must pass\n"
              : ": only the index (or the single manifest) is checked\n");
}

}  // namespace

namespace internal {

size_t CountErrors(const std::vector<LintFinding>& findings) {
  return static_cast<size_t>(
      std::count_if(findings.begin(), findings.end(),
                    [](const LintFinding& f) { return f.severity == Severity::kError; }));
}

}  // namespace internal

std::string_view SeverityName(Severity severity) {
  return severity == Severity::kWarning ? "warning" : "error";
}

std::string FormatFinding(const LintFinding& finding) {
  return (finding.path.empty() ? std::string("/") : finding.path) + ": " +
         (finding.severity == Severity::kWarning ? "warning: " : "") + finding.message;
}

std::string_view ModeName(Mode mode) {
  switch (mode) {
    case Mode::kEnforce:
      return "enforce";
    case Mode::kAudit:
      return "audit";
    case Mode::kAccept:
      return "accept";
    case Mode::kReject:
      return "reject";
  }
  return "reject";
}

std::string_view PlatformsName(Platforms platforms) {
  return platforms == Platforms::kIndex ? "index" : "all";
}

std::string_view FailurePolicyName(FailurePolicy failure_policy) {
  return failure_policy == FailurePolicy::kAllow ? "allow" : "deny";
}

std::string_view FetchFailureName(FetchFailure fetch_failure) {
  return fetch_failure == FetchFailure::kWarn ? "warn" : "deny";
}

std::string_view AuthorityKindName(AuthorityKind kind) {
  switch (kind) {
    case AuthorityKind::kKey:
      return "key";
    case AuthorityKind::kKeyless:
      return "keyless";
    case AuthorityKind::kX509:
      return "x509";
    case AuthorityKind::kNotation:
      return "notation";
  }
  return "key";
}

std::string Summarize(const Policy& policy) {
  std::ostringstream out;
  out << policy.authorities.size()
      << (policy.authorities.size() == 1 ? " authority" : " authorities");
  if (!policy.authorities.empty()) {
    out << " (";
    bool first = true;
    for (const auto& [name, a] : policy.authorities) {
      out << (first ? "" : ", ") << name << ": " << AuthorityKindName(a.kind);
      if (a.kind == AuthorityKind::kKey) {
        out << " x" << a.keys.size();
      }
      first = false;
    }
    out << ")";
  }
  out << "; " << policy.policies.size() << (policy.policies.size() == 1 ? " policy" : " policies")
      << ":";
  for (const ScopePolicy& sp : policy.policies) {
    out << "\n  " << sp.name << "  scope " << sp.scope << "  mode " << ModeName(sp.mode);
    if (sp.signatures) {
      out << "  signatures " << sp.signatures->threshold << "/"
          << sp.signatures->authorities.size();
    }
    if (!sp.attestations.empty()) {
      out << "  attestations";
      for (const AttestationRequirement& a : sp.attestations) {
        out << " " << a.type;
      }
    }
    if (sp.base_images) {
      out << "  baseImages " << sp.base_images->allowed.size();
    }
  }
  out << "\n  deny: " << policy.deny.digests.size() << " digests, " << policy.deny.key_ids.size()
      << " key ids";
  out << "\n  admission: unknownKinds "
      << (policy.admission.unknown_kinds == UnknownKinds::kAllow ? "allow" : "deny");
  return out.str();
}

std::string LintReportJson(std::string_view file, const Policy* policy,
                           const std::vector<LintFinding>& findings) {
  OrderedJson j;
  j["schemaVersion"] = 1;
  j["file"] = std::string(file);
  j["valid"] = policy != nullptr && internal::CountErrors(findings) == 0;
  if (policy != nullptr) {
    j["digest"] = policy->digest.ToString();
    j["authorities"] = policy->authorities.size();
    OrderedJson pols = OrderedJson::array();
    for (const ScopePolicy& sp : policy->policies) {
      pols.push_back({{"name", sp.name}, {"scope", sp.scope}, {"mode", ModeName(sp.mode)}});
    }
    j["policies"] = pols;
  }
  OrderedJson fs = OrderedJson::array();
  for (const LintFinding& f : findings) {
    fs.push_back(
        {{"path", f.path}, {"severity", SeverityName(f.severity)}, {"message", f.message}});
  }
  j["findings"] = fs;
  return DumpJsonPretty(j) + "\n";
}

std::string Explain(const Policy& policy, std::string_view image) {
  std::ostringstream out;
  out << "image: " << image << "\n";
  const ScopePolicy* chosen = SelectPolicy(policy, image);
  if (chosen == nullptr) {
    out << "no scope matches: the image is rejected\n";
    return out.str();
  }
  out << "policy: " << chosen->name << " (scope " << chosen->scope << ", " << chosen->json_path
      << ")\n";
  for (const ScopePolicy& sp : policy.policies) {
    if (&sp != chosen && ScopeMatches(sp.scope, image)) {
      out << "also matches, less specific: " << sp.name << " (scope " << sp.scope << ")\n";
    }
  }
  out << "mode: " << ModeName(chosen->mode);
  switch (chosen->mode) {
    case Mode::kEnforce:
      out << ": every requirement below must pass, or the image is rejected\n";
      break;
    case Mode::kAudit:
      out << ": every requirement below is checked; failures are reported as warnings and the "
             "image is accepted\n";
      break;
    case Mode::kAccept:
      out << ": the image is accepted without checks\n";
      break;
    case Mode::kReject:
      out << ": the image is rejected without checks\n";
      break;
  }
  if (chosen->mode == Mode::kEnforce || chosen->mode == Mode::kAudit) {
    ExplainRequirements(out, policy, *chosen);
  }
  out << "denied everywhere: " << policy.deny.digests.size() << " digests, "
      << policy.deny.key_ids.size() << " signer keys\n";
  for (const Digest& d : policy.deny.digests) {
    if (image.find(d.ToString()) != std::string_view::npos) {
      out << "this image's digest is denied: it is rejected whatever the scope says\n";
    }
  }
  out << "failure policy (vouch serve): " << FailurePolicyName(chosen->failure_policy) << "\n";
  out << "fetch failure (vouch serve): " << FetchFailureName(chosen->fetch_failure) << "\n";
  return out.str();
}

}  // namespace vouch::policy
