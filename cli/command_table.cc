#include "command_table.h"

#include "commands.h"

namespace vouch::cli {
namespace {

constexpr CommandEntry kCommands[] = {
    {"key", "generate, inspect, import and export signing keys", RunKey},
    {"sign-blob", "sign a file, writing a Sigstore bundle", RunSignBlob},
    {"verify-blob", "verify a file against a bundle or signature and a public key", RunVerifyBlob},
    {"resolve", "print the digest an image reference names", RunResolve},
    {"manifest", "print an image's manifest bytes exactly as served", RunManifest},
    {"copy", "copy an image with its signatures and attestations", RunCopy},
    {"save", "save an image with its signatures and attestations to an OCI layout", RunSave},
    {"load", "load an image with its signatures and attestations from an OCI layout", RunLoad},
    {"tree", "list what is attached to an image", RunTree},
    {"triangulate", "print where an image's signature, attestation or SBOM is stored",
     RunTriangulate},
    {"login", "store registry credentials in the docker config", RunLogin},
    {"logout", "remove registry credentials from the docker config", RunLogout},
    {"sign", "sign a container image", RunSign},
    {"verify", "verify a container image's signatures", RunVerify},
    {"attest", "attach a signed in-toto attestation to an image", RunAttest},
    {"verify-attestation", "verify an image's attestations", RunVerifyAttestation},
    {"attest-blob", "sign an in-toto attestation about a file", RunAttestBlob},
    {"verify-blob-attestation", "verify an attestation bundle about a file",
     RunVerifyBlobAttestation},
    {"provenance", "generate SLSA provenance for images or files", RunProvenance},
    {"inspect", "show every signature and attestation of an image", RunInspect},
    {"download", "print the signatures, attestations or SBOM attached to an image, unverified",
     RunDownload},
    {"generate", "print the payload a legacy image signature signs, to sign it elsewhere",
     RunGenerate},
    {"attach", "store a signature or attestation made elsewhere", RunAttach},
    {"clean", "delete the signatures, attestations and SBOMs attached to an image", RunClean},
    {"verify-bundle", "verify a Sigstore bundle offline (keyless or key)", RunVerifyBundle},
    {"sign-bundle", "sign a file keyless into a Sigstore bundle (conformance protocol)",
     RunSignBundle},
    {"verify-notation", "verify a Notation signature envelope offline", RunVerifyNotation},
    {"policy", "lint a trust policy or explain what it requires of an image", RunPolicy},
    {"promote", "copy an image to a gated repository if the policy accepts it", RunPromote},
    {"serve", "run the Kubernetes admission webhook", RunServe},
    {"trusted-root", "update Sigstore's trusted root over TUF, or print the cached one",
     RunTrustedRoot},
    {"env", "list the environment variables vouch reads and whether each is set", RunEnv},
    {"completion", "print the shell completion script for bash, zsh or fish", RunCompletion},
    {"version", "print the version, commit and linked libraries", RunVersion},
    {"__man-pages", "write the man pages into a directory (the build runs it)", RunManPages,
     /*hidden=*/true},
};

}  // namespace

std::span<const CommandEntry> Commands() { return kCommands; }

const CommandEntry* FindCommand(std::string_view name) {
  for (const CommandEntry& c : kCommands) {
    if (c.name == name) {
      return &c;
    }
  }
  return nullptr;
}

}  // namespace vouch::cli
