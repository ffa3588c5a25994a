#include "slsa_flags.h"

#include <string>

#include "vouch/core/clock.h"

namespace vouch::cli {

void AddSlsaOptions(cxxopts::Options& options) {
  options.add_options()("builder-id", "SLSA: trusted builder id (without @version: any version)",
                        cxxopts::value<std::string>())(
      "source-uri", "SLSA: source repository, e.g. github.com/org/repo",
      cxxopts::value<std::string>())(
      "source-ref", "SLSA: git ref, refs/heads/main (exact) or main (branch or tag)",
      cxxopts::value<std::string>())("max-age",
                                     "SLSA: reject builds older than this (e.g. 90s, 1h30m, 12h, 7d)",
                                     cxxopts::value<std::string>());
}

Result<verify::SlsaExpectations> SlsaExpectationsFromFlags(const cxxopts::ParseResult& parsed) {
  verify::SlsaExpectations want;
  if (parsed.count("builder-id") > 0) {
    want.builder_ids.push_back(parsed["builder-id"].as<std::string>());
  }
  if (parsed.count("source-uri") > 0) {
    want.source_uris.push_back(parsed["source-uri"].as<std::string>());
  }
  if (parsed.count("source-ref") > 0) {
    want.source_refs.push_back(parsed["source-ref"].as<std::string>());
  }
  if (parsed.count("max-age") > 0) {
    VOUCH_ASSIGN_OR_RETURN(want.max_age, verify::ParseMaxAge(parsed["max-age"].as<std::string>()));
  }
  want.now = SystemClock().Now();
  return want;
}

}  // namespace vouch::cli
