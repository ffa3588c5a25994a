// registries.conf (containers-registries.conf(5)) parsing and the endpoint rule.
#include "vouch/registry/registries_conf.h"

#include <dirent.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <type_traits>

#include "dir_names.h"
#include "vouch/core/file.h"

namespace vouch::registry {
namespace {

constexpr size_t kMaxConfBytes = 1 << 20;

std::string HostOf(std::string_view location) {
  return std::string(location.substr(0, location.find('/')));
}

bool IsWildcard(std::string_view prefix) { return prefix.starts_with("*."); }

// Field reads |key| of |t| as a T, leaving |out| alone when the key is absent; a value of
// another type is kInvalidArgument naming |where|.
template <class T>
Status Field(const toml::table& t, const char* key, const std::string& where, T& out) {
  const toml::node* n = t.get(key);
  if (n == nullptr) {
    return OkStatus();
  }
  std::optional<T> v = n->value_exact<T>();
  if (!v) {
    return InvalidArgumentError(where + ": \"" + key + "\" must be a " +
                                (std::is_same_v<T, bool> ? "boolean" : "string"));
  }
  out = std::move(*v);
  return OkStatus();
}

Result<MirrorPull> ParsePull(const std::string& text, const std::string& where) {
  if (text.empty() || text == "all") {
    return MirrorPull::kAll;
  }
  if (text == "digest-only") {
    return MirrorPull::kDigestOnly;
  }
  if (text == "tag-only") {
    return MirrorPull::kTagOnly;
  }
  return InvalidArgumentError(where +
                              ": pull-from-mirror must be \"all\", \"digest-only\" or "
                              "\"tag-only\", not \"" +
                              text + "\"");
}

Result<std::vector<RegistryMirror>> ParseMirrors(const toml::table& t, const std::string& where,
                                                 bool digest_only) {
  std::vector<RegistryMirror> out;
  const toml::node* n = t.get("mirror");
  if (n == nullptr) {
    return out;
  }
  const toml::array* arr = n->as_array();
  if (arr == nullptr) {
    return InvalidArgumentError(where + ": \"mirror\" must be an array of tables");
  }
  for (size_t i = 0; i < arr->size(); ++i) {
    const std::string at = where + " mirror " + std::to_string(i + 1);
    const toml::table* m = arr->get(i)->as_table();
    if (m == nullptr) {
      return InvalidArgumentError(at + ": not a table");
    }
    RegistryMirror mirror;
    std::string pull;
    VOUCH_RETURN_IF_ERROR(Field(*m, "location", at, mirror.location));
    VOUCH_RETURN_IF_ERROR(Field(*m, "insecure", at, mirror.insecure));
    VOUCH_RETURN_IF_ERROR(Field(*m, "pull-from-mirror", at, pull));
    VOUCH_ASSIGN_OR_RETURN(mirror.pull, ParsePull(pull, at));
    if (digest_only) {
      mirror.pull = MirrorPull::kDigestOnly;
    }
    if (mirror.location.empty()) {
      return InvalidArgumentError(at + ": \"location\" is missing");
    }
    out.push_back(std::move(mirror));
  }
  return out;
}

Result<RegistryConfig> ParseRegistry(const toml::table& t, const std::string& where) {
  RegistryConfig rc;
  bool digest_only = false;
  VOUCH_RETURN_IF_ERROR(Field(t, "prefix", where, rc.prefix));
  VOUCH_RETURN_IF_ERROR(Field(t, "location", where, rc.location));
  VOUCH_RETURN_IF_ERROR(Field(t, "insecure", where, rc.insecure));
  VOUCH_RETURN_IF_ERROR(Field(t, "blocked", where, rc.blocked));
  VOUCH_RETURN_IF_ERROR(Field(t, "mirror-by-digest-only", where, digest_only));
  VOUCH_ASSIGN_OR_RETURN(rc.mirrors, ParseMirrors(t, where, digest_only));
  if (rc.prefix.empty()) {
    rc.prefix = rc.location;
  }
  if (rc.prefix.empty()) {
    return InvalidArgumentError(where + ": neither \"prefix\" nor \"location\" is set");
  }
  if (IsWildcard(rc.prefix) && !rc.location.empty()) {
    return InvalidArgumentError(where + ": a wildcard prefix (\"" + rc.prefix +
                                "\") cannot have a location");
  }
  return rc;
}

// Rewrite replaces the first |matched| characters of |ref|'s name with |location|.
Result<Reference> Rewrite(const Reference& ref, size_t matched, const std::string& location) {
  const std::string name = ref.RepositoryName();
  const std::string rewritten = location + name.substr(matched);
  size_t slash = rewritten.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == rewritten.size()) {
    return InvalidArgumentError("registries.conf maps " + name + " to \"" + rewritten +
                                "\", which names no repository");
  }
  Reference out = ref;
  out.registry = rewritten.substr(0, slash);
  out.repository = rewritten.substr(slash + 1);
  return out;
}

// MatchLength returns how much of |name| (host/repository; |host| its host) |prefix| matches,
// 0 for none.
size_t MatchLength(const std::string& prefix, const std::string& name, const std::string& host) {
  if (IsWildcard(prefix)) {
    const std::string_view domain = std::string_view(prefix).substr(1);  // ".example.com"
    return host.size() > domain.size() && host.ends_with(domain) ? host.size() : 0;
  }
  if (!name.starts_with(prefix)) {
    return 0;
  }
  return name.size() == prefix.size() || name[prefix.size()] == '/' ? prefix.size() : 0;
}

Status Blocked(const RegistryConfig& rc, const Reference& ref) {
  return PermissionDeniedError(ref.RepositoryName() + " is blocked by registries.conf (" +
                               rc.source + ", prefix \"" + rc.prefix + "\")");
}

Result<Endpoint> Primary(const RegistriesConf& conf, const Reference& ref,
                         const RegistryConfig** matched) {
  const RegistryConfig* rc = conf.Match(ref);
  *matched = rc;
  Endpoint primary{ref, false, false, MirrorPull::kAll};
  if (rc == nullptr) {
    return primary;
  }
  if (rc->blocked) {
    return Blocked(*rc, ref);
  }
  primary.insecure = rc->insecure;
  if (!rc->location.empty()) {
    VOUCH_ASSIGN_OR_RETURN(
        primary.ref,
        Rewrite(ref, MatchLength(rc->prefix, ref.RepositoryName(), ref.registry), rc->location));
  }
  return primary;
}

}  // namespace

const RegistryConfig* RegistriesConf::Match(const Reference& ref) const {
  const RegistryConfig* best = nullptr;
  size_t best_len = 0;
  const std::string name = ref.RepositoryName();
  for (const RegistryConfig& rc : registries) {
    size_t len = MatchLength(rc.prefix, name, ref.registry);
    if (len > best_len) {
      best = &rc;
      best_len = len;
    }
  }
  return best;
}

std::set<std::string> RegistriesConf::InsecureHosts() const {
  std::set<std::string> out;
  for (const RegistryConfig& rc : registries) {
    if (rc.insecure && !IsWildcard(rc.prefix)) {
      out.insert(HostOf(rc.location.empty() ? rc.prefix : rc.location));
    }
    for (const RegistryMirror& m : rc.mirrors) {
      if (m.insecure) {
        out.insert(HostOf(m.location));
      }
    }
  }
  return out;
}

Status ParseRegistriesConf(std::string_view text, const std::string& file, RegistriesConf& conf) {
  toml::table root;
  try {
    root = toml::parse(text, std::string_view(file));
  } catch (const toml::parse_error& e) {
    return InvalidArgumentError(file + ":" + std::to_string(e.source().begin.line) + ":" +
                                std::to_string(e.source().begin.column) +
                                ": malformed registries.conf: " + std::string(e.description()));
  }
  const toml::node* regs = root.get("registry");
  if (regs == nullptr) {
    return OkStatus();
  }
  const toml::array* arr = regs->as_array();
  if (arr == nullptr) {
    return InvalidArgumentError(file + ": \"registry\" must be an array of tables ([[registry]])");
  }
  for (size_t i = 0; i < arr->size(); ++i) {
    const std::string where = file + ": [[registry]] " + std::to_string(i + 1);
    const toml::table* t = arr->get(i)->as_table();
    if (t == nullptr) {
      return InvalidArgumentError(where + ": not a table");
    }
    VOUCH_ASSIGN_OR_RETURN(RegistryConfig rc, ParseRegistry(*t, where));
    rc.source = file;
    auto same = std::find_if(conf.registries.begin(), conf.registries.end(),
                             [&](const RegistryConfig& r) { return r.prefix == rc.prefix; });
    if (same != conf.registries.end()) {
      *same = std::move(rc);
    } else {
      conf.registries.push_back(std::move(rc));
    }
  }
  return OkStatus();
}

std::vector<std::string> RegistriesConfPaths() {
  if (const char* env = std::getenv("CONTAINERS_REGISTRIES_CONF"); env != nullptr && *env != 0) {
    return {env};
  }
  std::vector<std::string> candidates;
  if (std::string config = XdgBaseDir("XDG_CONFIG_HOME", ".config"); !config.empty()) {
    candidates.push_back(config + "/containers/registries.conf");
  }
  candidates.emplace_back("/etc/containers/registries.conf");
  for (const std::string& main : candidates) {
    if (!PathExists(main)) {
      continue;
    }
    std::vector<std::string> out = {main};
    const std::string dropins = main + ".d";
    if (PathExists(dropins)) {
      Result<std::vector<std::string>> names = internal::SortedNames(dropins);
      for (const std::string& n : names.ok() ? *names : std::vector<std::string>()) {
        if (n.size() > 5 && n.ends_with(".conf")) {
          out.push_back(dropins + "/" + n);
        }
      }
    }
    return out;
  }
  return {};
}

Result<RegistriesConf> LoadRegistriesConf(const std::vector<std::string>& paths) {
  RegistriesConf conf;
  for (const std::string& path : paths) {
    if (!PathExists(path)) {
      continue;
    }
    auto data = ReadFile(path, kMaxConfBytes);
    if (!data.ok()) {
      return data.status().WithContext("reading " + path);
    }
    VOUCH_RETURN_IF_ERROR(ParseRegistriesConf(AsChars(*data), path, conf));
  }
  return conf;
}

bool Endpoint::Serves(std::string_view identifier) const {
  const bool by_digest = identifier.find(':') != std::string_view::npos;
  switch (pull) {
    case MirrorPull::kDigestOnly:
      return by_digest;
    case MirrorPull::kTagOnly:
      return !by_digest;
    case MirrorPull::kAll:
      break;
  }
  return true;
}

Result<std::vector<Endpoint>> PullEndpoints(const RegistriesConf& conf, const Reference& ref) {
  const RegistryConfig* rc = nullptr;
  VOUCH_ASSIGN_OR_RETURN(Endpoint primary, Primary(conf, ref, &rc));
  std::vector<Endpoint> out;
  if (rc != nullptr) {
    const size_t matched = MatchLength(rc->prefix, ref.RepositoryName(), ref.registry);
    for (const RegistryMirror& m : rc->mirrors) {
      VOUCH_ASSIGN_OR_RETURN(Reference mref, Rewrite(ref, matched, m.location));
      out.push_back(Endpoint{std::move(mref), m.insecure, true, m.pull});
    }
  }
  out.push_back(std::move(primary));
  return out;
}

Result<Endpoint> PushEndpoint(const RegistriesConf& conf, const Reference& ref) {
  const RegistryConfig* rc = nullptr;
  return Primary(conf, ref, &rc);
}

}  // namespace vouch::registry
