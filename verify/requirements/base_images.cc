// The baseImages requirement: every image dependency recorded in the provenance that met a
// slsaprovenance requirement must match the allow list. docs/policy.md ("baseImages").
#include <algorithm>
#include <optional>
#include <utility>

#include "core/internal/percent.h"
#include "requirements/requirements.h"
#include "vouch/registry/reference.h"

namespace vouch::verify::internal {
namespace {

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

// Decoded percent-decodes a purl component; a malformed escape is kept as written.
std::string Decoded(std::string_view s) {
  Result<std::string> decoded = PercentDecode(s);
  return decoded.ok() ? *std::move(decoded) : std::string(s);
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
      version = Decoded(rest.substr(at + 1));
      rest = rest.substr(0, at);
    }
    ref_text = Decoded(rest);
    for (const std::string& kv : Split(qualifiers, '&')) {
      if (kv.starts_with("repository_url=")) {
        std::string host = Decoded(kv.substr(15));
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

}  // namespace

void CheckBaseImages(Context& c, const Unit& unit, const policy::BaseImageRequirement& req) {
  auto add = [&](Outcome outcome, Reason code, std::string reason) {
    RequirementResult r;
    r.requirement = "baseImages";
    r.platform = unit.platform;
    r.subject = unit.subject;
    r.outcome = outcome;
    r.code = code;
    r.reason = std::move(reason);
    c.Add(std::move(r));
  };
  auto it = c.provenance.find(unit.platform);
  if (it == c.provenance.end() || it->second.empty()) {
    add(Outcome::kFail, Reason::kNoProvenance,
        c.provenance_required
            ? "no verified provenance passed its requirement: base images cannot be checked"
            : "no slsaprovenance attestation requirement: base images cannot be read from "
              "verified provenance");
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
        add(Outcome::kFail, Reason::kBaseImageNotAllowed,
            "base image " + b->shown + " has no digest");
        return;
      }
      bool ok = std::any_of(req.allowed.begin(), req.allowed.end(),
                            [&](const std::string& pat) { return BaseImageAllowed(*b, pat); });
      if (!ok) {
        add(Outcome::kFail, Reason::kBaseImageNotAllowed,
            "base image " + b->repo + "@" + b->digest->ToString() + " is not allowed");
        return;
      }
    }
  }
  add(Outcome::kPass, Reason::kNone,
      std::to_string(checked) + " base image" + (checked == 1 ? "" : "s") + " allowed");
}

}  // namespace vouch::verify::internal
