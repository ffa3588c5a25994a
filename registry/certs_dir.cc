// Per-host certificate directories (docker's certs.d, containers-certs.d(5)): which CA and
// client certificate files apply to one registry host.
#include <dirent.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <memory>
#include <set>

#include "dir_names.h"
#include "vouch/core/file.h"
#include "vouch/registry/transport.h"

namespace vouch::registry {
namespace internal {

struct DirCloser {
  void operator()(DIR* d) const { closedir(d); }
};

Result<std::vector<std::string>> SortedNames(const std::string& dir) {
  std::unique_ptr<DIR, DirCloser> d(opendir(dir.c_str()));
  if (!d) {
    return ErrnoToStatus(errno, "reading directory " + dir);
  }
  std::vector<std::string> names;
  while (dirent* e = readdir(d.get())) {
    std::string name = e->d_name;
    if (name != "." && name != "..") {
      names.push_back(std::move(name));
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace internal

namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() > suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

std::vector<std::string> DefaultCertsDirRoots() {
  std::vector<std::string> roots;
  if (const char* env = std::getenv("VOUCH_CERTS_D_DIRS"); env != nullptr) {
    std::string_view rest = env;
    while (!rest.empty()) {
      size_t colon = rest.find(':');
      std::string_view one = rest.substr(0, colon);
      if (!one.empty()) {
        roots.emplace_back(one);
      }
      rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
    }
    return roots;
  }
  if (std::string config = XdgBaseDir("XDG_CONFIG_HOME", ".config"); !config.empty()) {
    roots.push_back(config + "/containers/certs.d");
  }
  roots.emplace_back("/etc/containers/certs.d");
  roots.emplace_back("/etc/docker/certs.d");
  return roots;
}

Result<HostCertificates> FindHostCertificates(const std::vector<std::string>& roots,
                                              std::string_view authority) {
  HostCertificates out;
  // A name with a path separator or a dot-dot would leave the root.
  if (authority.empty() || authority.find('/') != std::string_view::npos || authority == "." ||
      authority == "..") {
    return out;
  }
  for (const std::string& root : roots) {
    const std::string dir = root + "/" + std::string(authority);
    if (!PathExists(dir)) {
      continue;
    }
    VOUCH_ASSIGN_OR_RETURN(std::vector<std::string> names, internal::SortedNames(dir));
    std::set<std::string> present(names.begin(), names.end());
    for (const std::string& name : names) {
      if (EndsWith(name, ".crt")) {
        out.ca_files.push_back(dir + "/" + name);
      } else if (EndsWith(name, ".cert") || EndsWith(name, ".key")) {
        const bool cert = EndsWith(name, ".cert");
        const std::string stem = name.substr(0, name.rfind('.'));
        const std::string partner = stem + (cert ? ".key" : ".cert");
        if (present.count(partner) == 0) {
          return InvalidArgumentError(dir + "/" + name + " has no matching " + partner);
        }
        if (cert && out.client_cert.empty()) {
          out.client_cert = dir + "/" + name;
          out.client_key = dir + "/" + partner;
        }
      }
    }
    return out;
  }
  return out;
}

}  // namespace vouch::registry
