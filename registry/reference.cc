// Image reference grammar: distribution/reference (reference.go, normalize.go), formats.md 1.1.
#include "vouch/registry/reference.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace vouch::registry {
namespace {

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// component := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
bool IsValidComponent(std::string_view c) {
  if (c.empty() || !IsLowerAlnum(c.front()) || !IsLowerAlnum(c.back())) {
    return false;
  }
  size_t i = 0;
  while (i < c.size()) {
    if (IsLowerAlnum(c[i])) {
      ++i;
      continue;
    }
    size_t start = i;
    while (i < c.size() && !IsLowerAlnum(c[i])) {
      ++i;
    }
    std::string_view sep = c.substr(start, i - start);
    bool ok = sep == "." || sep == "_" || sep == "__" ||
              std::all_of(sep.begin(), sep.end(), [](char x) { return x == '-'; });
    if (!ok) {
      return false;
    }
  }
  return true;
}

bool IsValidPath(std::string_view path) {
  if (path.empty()) {
    return false;
  }
  size_t start = 0;
  while (true) {
    size_t slash = path.find('/', start);
    std::string_view comp =
        path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (!IsValidComponent(comp)) {
      return false;
    }
    if (slash == std::string_view::npos) {
      return true;
    }
    start = slash + 1;
  }
}

// domain := host [":" port]; host := dns-name | IPv4 | "[" IPv6 "]".
bool IsValidDomain(std::string_view d) {
  if (d.empty()) {
    return false;
  }
  std::string_view host = d;
  std::string_view port;
  if (d.front() == '[') {
    size_t close = d.find(']');
    if (close == std::string_view::npos) {
      return false;
    }
    host = d.substr(1, close - 1);
    std::string_view rest = d.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return false;
      }
      port = rest.substr(1);
      if (port.empty()) {
        return false;
      }
    }
    if (host.empty() || !std::all_of(host.begin(), host.end(), [](char c) {
          return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
        })) {
      return false;
    }
  } else {
    size_t colon = d.find(':');
    if (colon != std::string_view::npos) {
      host = d.substr(0, colon);
      port = d.substr(colon + 1);
      if (port.empty()) {
        return false;
      }
    }
    if (host.empty()) {
      return false;
    }
    // dns labels: [A-Za-z0-9] ( [A-Za-z0-9-]* [A-Za-z0-9] )? separated by dots.
    size_t start = 0;
    while (true) {
      size_t dot = host.find('.', start);
      std::string_view label = host.substr(
          start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
      if (label.empty() || !std::isalnum(static_cast<unsigned char>(label.front())) ||
          !std::isalnum(static_cast<unsigned char>(label.back())) ||
          !std::all_of(label.begin(), label.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
          })) {
        return false;
      }
      if (dot == std::string_view::npos) {
        break;
      }
      start = dot + 1;
    }
  }
  if (!port.empty() && (port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) {
                          return c >= '0' && c <= '9';
                        }))) {
    return false;
  }
  return true;
}

// CanonicalDomain spells a valid domain one way, so one registry written two ways is one scope,
// one deny-list entry and one cache key: host lowercased (DNS names are case-insensitive), an IPv6
// literal in RFC 5952 text, the port without leading zeros and without the https default 443
// (kept for loopback hosts, which vouch may speak plain HTTP to, and for single-label hosts), and
// Docker Hub's other names (index.docker.io, registry-1.docker.io) as docker.io. A port outside
// 1..65535 is kInvalidArgument.
Result<std::string> CanonicalDomain(std::string_view d) {
  std::string host;
  std::string_view port;
  if (d.front() == '[') {
    size_t close = d.find(']');
    std::string literal(d.substr(1, close - 1));
    in6_addr addr{};
    char text[INET6_ADDRSTRLEN] = {};
    if (inet_pton(AF_INET6, literal.c_str(), &addr) != 1 ||
        inet_ntop(AF_INET6, &addr, text, sizeof(text)) == nullptr) {
      return InvalidArgumentError("invalid IPv6 address [" + literal + "]");
    }
    host = "[" + std::string(text) + "]";
    port = close + 1 < d.size() ? d.substr(close + 2) : std::string_view();
  } else {
    size_t colon = d.find(':');
    host = std::string(d.substr(0, colon));
    port = colon == std::string_view::npos ? std::string_view() : d.substr(colon + 1);
    std::string lower = host;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    // A single-label host is a domain only while it has an uppercase letter ("Registry/app"):
    // lowercased it would read as a Docker Hub repository, so it keeps its case.
    if (d.find_first_of(".:") != std::string_view::npos || lower == "localhost") {
      host = std::move(lower);
    }
  }
  if (host == "index.docker.io" || host == "registry-1.docker.io") {
    host = std::string(kDockerHubDomain);
  }
  if (port.empty()) {
    return host;
  }
  unsigned long number = std::stoul(std::string(port));  // IsValidDomain: 1 to 5 digits
  if (number == 0 || number > 65535) {
    return InvalidArgumentError("invalid port " + std::string(port));
  }
  // Without its port a single-label host ("registry:443") would read as a Docker Hub
  // namespace, so only a host that still reads as one drops the default port.
  bool reads_as_domain = host.find_first_of(".:") != std::string::npos;
  if (number == 443 && !IsLoopbackHost(host) && reads_as_domain) {
    return host;
  }
  return host + ":" + std::to_string(number);
}

Result<Reference> ParseLayoutReference(std::string_view text) {
  Reference ref;
  std::string_view rest = text;
  size_t at = rest.rfind('@');
  if (at != std::string_view::npos) {
    auto d = Digest::Parse(rest.substr(at + 1));
    if (!d.ok()) {
      return InvalidArgumentError("invalid digest in \"oci:" + std::string(text) +
                                  "\": " + d.status().message());
    }
    ref.digest = *d;
    rest = rest.substr(0, at);
  } else {
    size_t colon = rest.rfind(':');
    size_t slash = rest.rfind('/');
    if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
      ref.tag = std::string(rest.substr(colon + 1));
      rest = rest.substr(0, colon);
      if (!IsValidTag(ref.tag)) {
        return InvalidArgumentError("invalid tag \"" + ref.tag + "\" in reference \"oci:" +
                                    std::string(text) + "\"");
      }
    } else {
      ref.tag = "latest";
    }
  }
  if (rest.empty()) {
    return InvalidArgumentError("oci: reference needs a directory path");
  }
  ref.layout_path = std::string(rest);
  return ref;
}

}  // namespace

bool IsValidTag(std::string_view tag) {
  if (tag.empty() || tag.size() > 128) {
    return false;
  }
  auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  if (!word(tag.front())) {
    return false;
  }
  return std::all_of(tag.begin(), tag.end(),
                     [&](char c) { return word(c) || c == '.' || c == '-'; });
}

Result<Reference> ParseReference(std::string_view text) {
  if (text.starts_with("oci:")) {
    return ParseLayoutReference(text.substr(4));
  }
  if (text.empty()) {
    return InvalidArgumentError("empty image reference");
  }
  const std::string quoted = "\"" + std::string(text) + "\"";
  Reference ref;
  std::string_view rest = text;
  // Split off @digest first (formats.md 1.1).
  size_t at = rest.find('@');
  if (at != std::string_view::npos) {
    std::string_view dtext = rest.substr(at + 1);
    auto d = Digest::Parse(dtext);
    if (!d.ok()) {
      return InvalidArgumentError("invalid digest in reference " + quoted + ": " +
                                  d.status().message());
    }
    ref.digest = *d;
    rest = rest.substr(0, at);
  }
  // A tag only if the last ':' comes after the last '/', so a port is never read as a tag.
  size_t colon = rest.rfind(':');
  size_t slash = rest.rfind('/');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    ref.tag = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
    if (!IsValidTag(ref.tag)) {
      return InvalidArgumentError("invalid tag \"" + ref.tag + "\" in reference " + quoted);
    }
  }
  std::string_view domain;
  std::string_view path = rest;
  size_t first_slash = rest.find('/');
  if (first_slash != std::string_view::npos) {
    std::string_view first = rest.substr(0, first_slash);
    bool is_domain = first.find('.') != std::string_view::npos ||
                     first.find(':') != std::string_view::npos || first == "localhost" ||
                     std::any_of(first.begin(), first.end(),
                                 [](char c) { return c >= 'A' && c <= 'Z'; });
    if (is_domain) {
      domain = first;
      path = rest.substr(first_slash + 1);
    }
  }
  if (domain.empty()) {
    domain = kDockerHubDomain;
  }
  if (!IsValidDomain(domain)) {
    return InvalidArgumentError("invalid registry \"" + std::string(domain) + "\" in reference " +
                                quoted);
  }
  if (!IsValidPath(path)) {
    return InvalidArgumentError(
        "invalid repository \"" + std::string(path) + "\" in reference " + quoted +
        " (lowercase letters, digits and separators . _ __ - only)");
  }
  Result<std::string> canonical = CanonicalDomain(domain);
  if (!canonical.ok()) {
    return InvalidArgumentError("invalid registry \"" + std::string(domain) + "\" in reference " +
                                quoted + ": " + canonical.status().message());
  }
  ref.registry = *std::move(canonical);
  ref.repository = std::string(path);
  if (ref.registry == kDockerHubDomain && ref.repository.find('/') == std::string::npos) {
    ref.repository = "library/" + ref.repository;
  }
  if (ref.registry.size() + 1 + ref.repository.size() > 255) {
    return InvalidArgumentError("repository name longer than 255 characters in " + quoted);
  }
  if (ref.tag.empty() && !ref.digest) {
    ref.tag = "latest";
  }
  return ref;
}

std::string Reference::Identifier() const { return digest ? digest->ToString() : tag; }

std::string Reference::RepositoryName() const {
  if (layout_path) {
    return "oci:" + *layout_path;
  }
  return registry + "/" + repository;
}

std::string Reference::ToString() const {
  std::string s = RepositoryName();
  if (!tag.empty()) {
    s += ":" + tag;
  }
  if (digest) {
    s += "@" + digest->ToString();
  }
  return s;
}

Reference Reference::WithDigest(const Digest& d) const {
  Reference r = *this;
  r.digest = d;
  return r;
}

Reference Reference::WithTag(std::string new_tag) const {
  Reference r = *this;
  r.tag = std::move(new_tag);
  r.digest.reset();
  return r;
}

bool Reference::SameRepository(const Reference& other) const {
  if (layout_path || other.layout_path) {
    return layout_path == other.layout_path;
  }
  return registry == other.registry && repository == other.repository;
}

std::string ApiHost(std::string_view registry) {
  if (registry == kDockerHubDomain) {
    return std::string(kDockerHubApiHost);
  }
  return std::string(registry);
}

bool IsLoopbackHost(std::string_view host_port) {
  std::string_view host = host_port;
  if (!host.empty() && host.front() == '[') {
    size_t close = host.find(']');
    host = host.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1);
    return host == "::1";
  }
  size_t colon = host.find(':');
  if (colon != std::string_view::npos) {
    if (host.find(':', colon + 1) != std::string_view::npos) {
      return host == "::1";  // bare IPv6
    }
    host = host.substr(0, colon);
  }
  if (host == "localhost") {
    return true;
  }
  if (!host.starts_with("127.")) {
    return false;
  }
  // 127.a.b.c with numeric octets.
  int dots = 0;
  for (char c : host) {
    if (c == '.') {
      ++dots;
    } else if (c < '0' || c > '9') {
      return false;
    }
  }
  return dots == 3;
}

std::string FallbackTag(const Digest& subject) {
  std::string alg(HashAlgorithmName(subject.algorithm()));
  return alg.substr(0, 32) + "-" + subject.Hex().substr(0, 64);
}

std::string CosignTag(const Digest& subject, CosignAttachment kind) {
  switch (kind) {
    case CosignAttachment::kSignature:
      return FallbackTag(subject) + ".sig";
    case CosignAttachment::kAttestation:
      return FallbackTag(subject) + ".att";
    case CosignAttachment::kSbom:
      return FallbackTag(subject) + ".sbom";
  }
  return FallbackTag(subject);
}

}  // namespace vouch::registry
