// registries.conf as podman, skopeo and buildah read it (containers-registries.conf(5), version 2
// format): per-prefix registry locations, mirrors, insecure and blocked registries, and the
// rule that turns one image reference into the endpoints to read it from and write it to.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "vouch/core/status.h"
#include "vouch/registry/reference.h"

namespace vouch::registry {

// MirrorPull says which reads a mirror serves (pull-from-mirror).
enum class MirrorPull {
  kAll,         // "all" (the default)
  kDigestOnly,  // "digest-only": only manifests and blobs asked for by digest
  kTagOnly,     // "tag-only": only what is asked for by tag (manifests by tag, tag lists)
};

struct RegistryMirror {
  // location is host[:port][/path]: it replaces the matched prefix.
  std::string location;
  bool insecure = false;
  MirrorPull pull = MirrorPull::kAll;
};

// RegistryConfig is one [[registry]] table.
struct RegistryConfig {
  // prefix is matched against "host/repository" of a reference: equal, or followed by '/'.
  // "*.example.com" matches every host under example.com (and no path).
  std::string prefix;
  // location replaces the matched prefix for the primary endpoint; "" keeps the prefix.
  std::string location;
  // insecure allows plain HTTP and unverified TLS for the location's host.
  bool insecure = false;
  // blocked refuses every access to matching references.
  bool blocked = false;
  std::vector<RegistryMirror> mirrors;
  // source is the file the table came from (messages).
  std::string source;
};

// RegistriesConf is what the configuration files say, merged.
struct RegistriesConf {
  std::vector<RegistryConfig> registries;

  // Match returns the entry whose prefix matches |ref| (a registry reference), the longest
  // prefix winning, or nullptr.
  const RegistryConfig* Match(const Reference& ref) const;
  // InsecureHosts returns the host[:port] of every location and mirror marked insecure.
  std::set<std::string> InsecureHosts() const;
};

// ParseRegistriesConf parses the TOML |text| of the file |file| into |conf|: a [[registry]]
// whose prefix (or location, when it has no prefix) is already there replaces that entry, as a
// drop-in file does. Version 1 tables ([registries.*]) and the keys vouch has no use for
// (unqualified-search-registries, short names, aliases) are ignored. A malformed file, a wrong
// type, an empty prefix and location, a wildcard prefix with a location, or an unknown
// pull-from-mirror value is kInvalidArgument naming |file|.
Status ParseRegistriesConf(std::string_view text, const std::string& file, RegistriesConf& conf);

// RegistriesConfPaths returns the files read, in order: $CONTAINERS_REGISTRIES_CONF alone when
// set; else the first of $XDG_CONFIG_HOME/containers/registries.conf
// (~/.config/containers/registries.conf) and /etc/containers/registries.conf that exists,
// followed by the *.conf files of the registries.conf.d directory beside it, in name order.
std::vector<std::string> RegistriesConfPaths();

// LoadRegistriesConf reads and merges |paths| in order; missing files are skipped.
Result<RegistriesConf> LoadRegistriesConf(const std::vector<std::string>& paths);

// Endpoint is one place a repository is read from or written to.
struct Endpoint {
  // ref is |ref| with its registry and repository rewritten (tag and digest kept).
  Reference ref;
  bool insecure = false;
  bool mirror = false;
  MirrorPull pull = MirrorPull::kAll;

  // Serves reports whether this endpoint is asked for |identifier|: a digest ("sha256:..."),
  // or a tag (also "" for a tag list).
  bool Serves(std::string_view identifier) const;
};

// PullEndpoints returns where reads of |ref|'s repository go, in order: the mirrors of the
// entry matching it, then the primary (its location). Without a matching entry: |ref| alone.
// A blocked entry is kPermissionDenied naming the file.
Result<std::vector<Endpoint>> PullEndpoints(const RegistriesConf& conf, const Reference& ref);

// PushEndpoint returns where writes go: the primary, never a mirror. Blocked as above.
Result<Endpoint> PushEndpoint(const RegistriesConf& conf, const Reference& ref);

}  // namespace vouch::registry
