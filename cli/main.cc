// vouch: the command-line entry point. A thin table of subcommands (BoringSSL tool.cc, ninja
// kTools); no business logic lives here. cxxopts exceptions are caught here and only here.
#include <cxxopts.hpp>

#include <cstring>
#include <iostream>
#include <string_view>

#include "commands.h"
#include "exit_code.h"

namespace vouch::cli {
namespace {

struct Command {
  std::string_view name;
  std::string_view summary;
  int (*run)(int argc, char** argv);
};

constexpr Command kCommands[] = {
    {"key", "generate, inspect, import and export signing keys", RunKey},
    {"sign-blob", "sign a file, writing a Sigstore bundle", RunSignBlob},
    {"verify-blob", "verify a file against a bundle or signature and a public key", RunVerifyBlob},
    {"resolve", "print the digest an image reference names", RunResolve},
    {"manifest", "print an image's manifest bytes exactly as served", RunManifest},
    {"copy", "copy an image with its signatures and attestations", RunCopy},
    {"tree", "list what is attached to an image", RunTree},
    {"login", "store registry credentials in the docker config", RunLogin},
    {"logout", "remove registry credentials from the docker config", RunLogout},
    {"sign", "sign a container image", RunSign},
    {"verify", "verify a container image's signatures", RunVerify},
    {"attest", "attach a signed in-toto attestation to an image", RunAttest},
    {"verify-attestation", "verify an image's attestations", RunVerifyAttestation},
    {"attest-blob", "sign an in-toto attestation about a file", RunAttestBlob},
    {"verify-blob-attestation", "verify an attestation bundle about a file", RunVerifyBlobAttestation},
    {"provenance", "generate SLSA provenance for images or files", RunProvenance},
    {"inspect", "show every signature and attestation of an image", RunInspect},
    {"verify-bundle", "verify a Sigstore bundle offline (keyless or key)", RunVerifyBundle},
    {"sign-bundle", "sign a file keyless into a Sigstore bundle (conformance protocol)",
     RunSignBundle},
    {"verify-notation", "verify a Notation signature envelope offline", RunVerifyNotation},
    {"policy", "lint a trust policy or explain what it requires of an image", RunPolicy},
    {"promote", "copy an image to a gated repository if the policy accepts it", RunPromote},
    {"serve", "run the Kubernetes admission webhook", RunServe},
    {"trusted-root", "update Sigstore's trusted root over TUF, or print the cached one",
     RunTrustedRoot},
    {"version", "print the version, commit and linked libraries", RunVersion},
};

const Command* Find(std::string_view name) {
  for (const Command& c : kCommands) {
    if (c.name == name) {
      return &c;
    }
  }
  return nullptr;
}

int RunCommand(const Command& c, int argc, char** argv) {
  try {
    return c.run(argc, argv);
  } catch (const cxxopts::exceptions::exception& e) {
    return UsageError(std::string(c.name) + ": " + e.what());
  }
}

void PrintUsage(std::ostream& out) {
  out << "usage: vouch <command> [options]\n\ncommands:\n";
  for (const Command& c : kCommands) {
    out << "  " << c.name << std::string(25 - std::min<size_t>(24, c.name.size()), ' ')
        << c.summary << "\n";
  }
  out << "\nexit codes: 0 ok, 1 verification or policy rejected, 2 usage error, "
         "3 operational error\nrun `vouch <command> --help` (or `vouch help <command>`) for a command's options\n";
}

}  // namespace
}  // namespace vouch::cli

int main(int argc, char** argv) {
  using namespace vouch::cli;
  if (argc < 2) {
    PrintUsage(std::cerr);
    return kExitUsage;
  }
  std::string_view name = argv[1];
  if (name == "help" && argc == 3) {
    // `vouch help CMD` is `vouch CMD --help`.
    if (const Command* c = Find(argv[2])) {
      char help[] = "--help";
      char* args[] = {argv[2], help, nullptr};
      return RunCommand(*c, 2, args);
    }
    std::cerr << "vouch: unknown command \"" << argv[2] << "\"\n";
    PrintUsage(std::cerr);
    return kExitUsage;
  }
  if (name == "--help" || name == "-h" || name == "help") {
    PrintUsage(std::cout);
    return kExitOk;
  }
  if (name == "--version") {
    char version[] = "version";
    char* args[] = {version, nullptr};
    return RunCommand(*Find("version"), 1, args);
  }
  if (const Command* c = Find(name)) {
    return RunCommand(*c, argc - 1, argv + 1);
  }
  std::cerr << "vouch: unknown command \"" << name << "\"\n";
  PrintUsage(std::cerr);
  return kExitUsage;
}
