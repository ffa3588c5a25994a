// The baseImages requirement: every image dependency recorded in the provenance that met a
// slsaprovenance requirement must match the allow list. docs/policy.md ("baseImages").
#include <algorithm>
#include <cctype>
#include <iterator>
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

// BaseImage is one image dependency read from provenance.
struct BaseImage {
  std::string shown;  // as recorded
  std::string repo;   // normalized "registry/repository"
  std::optional<Digest> digest;
};

// kNonImagePurlTypes are the registered package-URL types (purl-spec PURL-TYPES) that never name
// a container image: such dependencies are not base images. Any other type but docker and oci is
// one vouch cannot interpret, and fails the requirement rather than being skipped.
constexpr std::string_view kNonImagePurlTypes[] = {
    "alpm",    "apk",    "bitbucket", "bitnami", "cargo",     "cocoapods", "composer",
    "conan",   "conda",  "cpan",      "cran",    "deb",       "gem",       "generic",
    "github",  "golang", "hackage",   "hex",     "huggingface", "luarocks", "maven",
    "mlflow",  "npm",    "nuget",     "pub",     "pypi",      "qpkg",      "rpm",
    "swid",    "swift"};

Status Uninterpretable(std::string_view uri, const std::string& why) {
  return InvalidArgumentError("dependency " + std::string(uri) + " cannot be interpreted: " + why);
}

// PurlImage reads pkg:docker/NAMESPACE/NAME@VERSION and pkg:oci/NAME@DIGEST package URLs
// (purl-spec): the qualifier repository_url names the registry (docker: the host, prefixed to
// the name; oci: the whole repository), else Docker Hub. Sets |version| to the purl's version.
Result<std::optional<std::string>> PurlImage(std::string_view uri, std::string& version) {
  std::string_view rest = uri.substr(4);
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0) {
    return Uninterpretable(uri, "a package URL is pkg:TYPE/NAME");
  }
  std::string type(rest.substr(0, slash));
  std::transform(type.begin(), type.end(), type.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  if (std::find(std::begin(kNonImagePurlTypes), std::end(kNonImagePurlTypes), type) !=
      std::end(kNonImagePurlTypes)) {
    return std::optional<std::string>();
  }
  if (type != "docker" && type != "oci") {
    return Uninterpretable(uri, "unknown package URL type \"" + type + "\"");
  }
  rest = rest.substr(slash + 1);
  rest = rest.substr(0, rest.find('#'));
  std::string_view qualifiers;
  if (size_t q = rest.find('?'); q != std::string_view::npos) {
    qualifiers = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  std::string_view name = rest;
  if (size_t at = rest.find('@'); at != std::string_view::npos) {
    Result<std::string> v = PercentDecode(rest.substr(at + 1));
    if (!v.ok()) {
      return Uninterpretable(uri, v.status().message());
    }
    version = *std::move(v);
    name = rest.substr(0, at);
  }
  Result<std::string> decoded = PercentDecode(name);
  if (!decoded.ok() || decoded->empty()) {
    return Uninterpretable(uri, decoded.ok() ? "no name" : decoded.status().message());
  }
  std::string ref = *std::move(decoded);
  for (const std::string& kv : Split(qualifiers, '&')) {
    if (!kv.starts_with("repository_url=")) {
      continue;
    }
    Result<std::string> repo = PercentDecode(kv.substr(15));
    if (!repo.ok()) {
      return Uninterpretable(uri, repo.status().message());
    }
    if (!repo->empty()) {
      ref = type == "oci" ? *repo : *repo + "/" + ref;
    }
  }
  return std::optional<std::string>(ref);
}

// ImageDependency reads an image entry of resolvedDependencies: a pkg:docker or pkg:oci purl, an
// oci:// or docker-image:// URI, or a plain image reference. Git sources, other URLs and purls of
// a non-image type are not images: nullopt. What names an image but cannot be read (a malformed
// reference, an unknown purl type, a bad escape) is an error naming the dependency, so the
// requirement fails instead of skipping what it cannot check.
Result<std::optional<BaseImage>> ImageDependency(const attest::ResourceDescriptor& rd) {
  std::string_view uri = rd.uri;
  if (uri.empty()) {
    return std::optional<BaseImage>();
  }
  BaseImage b;
  b.shown = std::string(uri);
  std::string ref_text;
  std::string version;
  if (uri.starts_with("pkg:")) {
    VOUCH_ASSIGN_OR_RETURN(std::optional<std::string> image, PurlImage(uri, version));
    if (!image) {
      return std::optional<BaseImage>();
    }
    ref_text = *std::move(image);
  } else if (uri.starts_with("oci://") || uri.starts_with("docker-image://")) {
    ref_text = std::string(uri.substr(uri.find("://") + 3));
  } else if (uri.find("://") == std::string_view::npos && !uri.starts_with("git+")) {
    ref_text = std::string(uri);
  } else {
    return std::optional<BaseImage>();
  }
  auto ref = registry::ParseReference(ref_text);
  if (!ref.ok() || ref->is_layout()) {
    return Uninterpretable(uri, ref.ok() ? "an oci: layout is not a base image"
                                         : ref.status().message());
  }
  b.repo = ref->RepositoryName();
  if (ref->digest) {
    b.digest = *ref->digest;
  }
  if (version.starts_with("sha256:")) {
    Result<Digest> d = Digest::Parse(version);
    if (!d.ok()) {
      return Uninterpretable(uri, d.status().message());
    }
    b.digest = *d;
  }
  if (auto it = rd.digest.find("sha256"); it != rd.digest.end()) {
    if (auto d = Digest::Parse("sha256:" + it->second); d.ok()) {
      b.digest = *d;
    }
  }
  return std::optional<BaseImage>(std::move(b));
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
      Result<std::optional<BaseImage>> read = ImageDependency(rd);
      if (!read.ok()) {
        add(Outcome::kFail, Reason::kBaseImageNotAllowed, read.status().message());
        return;
      }
      const std::optional<BaseImage>& b = *read;
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
