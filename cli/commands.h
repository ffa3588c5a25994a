// The subcommand table's entries. Each lives in its own cli/cmd_*.cc, parses its own options,
// calls one library function and maps the Status to an exit code through cli/exit_code.h.
// argv[0] is the subcommand name (e.g. "sign-blob"), so cxxopts sees a normal command line.
#pragma once

namespace vouch::cli {

int RunKey(int argc, char** argv);          // cmd_key.cc: key generate|public|info|import-cosign|export-cosign
int RunSignBlob(int argc, char** argv);     // cmd_sign_blob.cc
int RunVerifyBlob(int argc, char** argv);   // cmd_verify_blob.cc
int RunResolve(int argc, char** argv);      // cmd_resolve.cc: resolve IMAGE
int RunManifest(int argc, char** argv);     // cmd_manifest.cc: manifest IMAGE
int RunCopy(int argc, char** argv);         // cmd_copy.cc: copy SRC DST
int RunTree(int argc, char** argv);         // cmd_tree.cc: tree IMAGE
int RunLogin(int argc, char** argv);        // cmd_login.cc: login HOST
int RunLogout(int argc, char** argv);       // cmd_login.cc: logout HOST
int RunSign(int argc, char** argv);         // cmd_sign.cc: sign IMAGE
int RunVerify(int argc, char** argv);       // cmd_verify.cc: verify IMAGE...
int RunAttest(int argc, char** argv);       // cmd_attest.cc: attest IMAGE
int RunVerifyAttestation(int argc, char** argv);      // cmd_verify_attestation.cc
int RunAttestBlob(int argc, char** argv);             // cmd_attest_blob.cc
int RunVerifyBlobAttestation(int argc, char** argv);  // cmd_verify_blob_attestation.cc
int RunProvenance(int argc, char** argv);   // cmd_provenance.cc
int RunInspect(int argc, char** argv);      // cmd_inspect.cc: inspect IMAGE
int RunPolicy(int argc, char** argv);       // cmd_policy.cc: policy lint|explain
int RunPromote(int argc, char** argv);      // cmd_promote.cc: promote SRC DST
int RunServe(int argc, char** argv);        // cmd_serve.cc: serve (admission webhook)
int RunVerifyBundle(int argc, char** argv); // cmd_verify_bundle.cc: verify-bundle FILE_OR_DIGEST
int RunSignBundle(int argc, char** argv);   // cmd_sign_bundle.cc: sign-bundle FILE
int RunVerifyNotation(int argc, char** argv);  // cmd_verify_notation.cc: verify-notation [FILE]
int RunTrustedRoot(int argc, char** argv);  // cmd_trusted_root.cc: trusted-root update|print
int RunVersion(int argc, char** argv);      // cmd_version.cc: version
int RunCompletion(int argc, char** argv);   // cmd_completion.cc: completion bash|zsh|fish
int RunManPages(int argc, char** argv);     // cmd_completion.cc: __man-pages DIR (the build)
int RunEnv(int argc, char** argv);          // cmd_env.cc: env
int RunSave(int argc, char** argv);         // cmd_copy.cc: save IMAGE --dir DIR
int RunLoad(int argc, char** argv);         // cmd_copy.cc: load --dir DIR IMAGE
int RunTriangulate(int argc, char** argv);  // cmd_triangulate.cc: triangulate IMAGE
int RunGenerate(int argc, char** argv);     // cmd_triangulate.cc: generate IMAGE
int RunDownload(int argc, char** argv);     // cmd_download.cc: download signature|attestation|sbom
int RunAttach(int argc, char** argv);       // cmd_attach.cc: attach signature|attestation
int RunClean(int argc, char** argv);        // cmd_clean.cc: clean IMAGE

}  // namespace vouch::cli
