// `vouch provenance [--subject IMAGE|FILE ...] [--base-image REF ...] [--builder-id URI]
// [--build-type URI] [--source-uri URI --source-digest sha1:HEX] [--source-ref REF]
// [--output FILE] [--statement]`: option parsing only; the work is sign::GenerateProvenance.
#include <cxxopts.hpp>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "commands.h"
#include "exit_code.h"
#include "registry_flags.h"
#include "vouch/core/clock.h"
#include "vouch/core/file.h"
#include "vouch/sign/attest.h"

extern char** environ;  // NOLINT: POSIX

namespace vouch::cli {
namespace {

std::map<std::string, std::string> Environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string kv(*e);
    size_t eq = kv.find('=');
    if (eq != std::string::npos) {
      env[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
  }
  return env;
}

std::string Opt(const cxxopts::ParseResult& parsed, const char* name) {
  return parsed.count(name) > 0 ? parsed[name].as<std::string>() : std::string();
}

}  // namespace

int RunProvenance(int argc, char** argv) {
  cxxopts::Options options(
      "vouch provenance",
      "write SLSA provenance v1 for images or files; in GitHub Actions and GitLab CI the build "
      "is described from the CI's environment variables");
  options.custom_help(
      "[--subject IMAGE|FILE ...] [--base-image REF ...] [--builder-id URI] [--build-type URI] "
      "[--source-uri URI --source-digest sha1:HEX] [--source-ref REF] [--output FILE] "
      "[--statement]");
  AddRegistryOptions(options);
  options.add_options()("subject",
                        "an artifact: an image reference (or oci:PATH) or a file (repeatable)",
                        cxxopts::value<std::vector<std::string>>())(
      "base-image", "a base image, resolved to its digest and recorded (repeatable)",
      cxxopts::value<std::vector<std::string>>())(
      "builder-id", "runDetails.builder.id (required outside CI)", cxxopts::value<std::string>())(
      "build-type", "buildDefinition.buildType (required outside CI)",
      cxxopts::value<std::string>())("source-uri",
                                     "source repository, e.g. https://github.com/org/repo "
                                     "(required outside CI)",
                                     cxxopts::value<std::string>())(
      "source-digest", "source commit: sha1:<40 hex> (required outside CI)",
      cxxopts::value<std::string>())("source-ref", "source git ref, e.g. refs/heads/main",
                                     cxxopts::value<std::string>())(
      "output", "write to FILE instead of stdout", cxxopts::value<std::string>())(
      "statement", "write the full in-toto statement with the subjects, not only the predicate");
  cxxopts::ParseResult parsed = options.parse(argc, argv);
  if (parsed.count("help") > 0) {
    std::cout << options.help()
              << "\nexit codes: 0 written, 2 usage error (a required flag is missing), 3 "
                 "registry or I/O error\n";
    return kExitOk;
  }
  if (!parsed.unmatched().empty()) {
    return UsageError("provenance takes no positional arguments (use --subject)");
  }
  sign::ProvenanceRequest request;
  if (parsed.count("subject") > 0) {
    request.subjects = parsed["subject"].as<std::vector<std::string>>();
  }
  if (parsed.count("base-image") > 0) {
    request.base_images = parsed["base-image"].as<std::vector<std::string>>();
  }
  request.builder_id = Opt(parsed, "builder-id");
  request.build_type = Opt(parsed, "build-type");
  request.source_uri = Opt(parsed, "source-uri");
  request.source_digest = Opt(parsed, "source-digest");
  request.source_ref = Opt(parsed, "source-ref");
  request.statement = parsed.count("statement") > 0;
  request.env = Environment();
  request.now = SystemClock().Now();
  auto client = NewClient(parsed);
  Result<std::string> out = sign::GenerateProvenance(request, *client);
  if (!out.ok()) {
    return Fail(out.status());
  }
  std::string text = *out + "\n";
  if (parsed.count("output") > 0) {
    const std::string path = parsed["output"].as<std::string>();
    Status st = WriteFileAtomic(path, AsBytes(text), 0644, WriteMode::kOverwrite);
    if (!st.ok()) {
      return Fail(st);
    }
    std::cerr << "Wrote " << (request.statement ? "statement" : "provenance") << " to " << path
              << "\n";
    return kExitOk;
  }
  std::cout << text;
  return kExitOk;
}

}  // namespace vouch::cli
