// `vouch version [--output text|json]`: the version, the git commit and its date, and the
// libraries the binary was built with; for OpenSSL and libcurl also the version it runs with
// (shared libraries are patched under it).
#include <curl/curl.h>
#include <openssl/crypto.h>

#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "build_info.h"
#include "command.h"
#include "commands.h"
#include "exit_code.h"

namespace vouch::cli {
namespace {

std::string RuntimeVersion(const std::string& library) {
  if (library == "openssl") {
    return OpenSSL_version(OPENSSL_VERSION_STRING);
  }
  if (library == "libcurl") {
    return curl_version_info(CURLVERSION_NOW)->version;
  }
  return "";
}

std::string Json() {
  nlohmann::ordered_json j;
  j["schemaVersion"] = 1;
  j["version"] = kVouchVersion;
  j["commit"] = std::string(kBuildCommit);
  j["commitDate"] = std::string(kBuildDate);
  nlohmann::ordered_json libs = nlohmann::ordered_json::object();
  for (const BuiltLibrary& l : kBuiltLibraries) {
    nlohmann::ordered_json o;
    o["built"] = l.version;
    if (std::string runtime = RuntimeVersion(l.name); !runtime.empty()) {
      o["runtime"] = runtime;
    }
    libs[l.name] = std::move(o);
  }
  j["libraries"] = std::move(libs);
  return j.dump(2) + "\n";
}

std::string Text() {
  std::string out = std::string("vouch ") + kVouchVersion + "\ncommit " + kBuildCommit + " (" +
                    kBuildDate + ")\nbuilt with:\n";
  for (const BuiltLibrary& l : kBuiltLibraries) {
    out += "  " + std::string(l.name) + " " + l.version;
    if (std::string runtime = RuntimeVersion(l.name); !runtime.empty() && runtime != l.version) {
      out += " (running " + runtime + ")";
    }
    out += "\n";
  }
  return out;
}

}  // namespace

int RunVersion(int argc, char** argv) {
  return Command("version", "print vouch's version, commit and the libraries it was built with")
      .OutputFlag()
      .Run(argc, argv, [](const Args& args) {
        std::cout << (args.json() ? Json() : Text());
        return kExitOk;
      });
}

}  // namespace vouch::cli
