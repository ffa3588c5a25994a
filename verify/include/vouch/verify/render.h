// Rendering decisions (vouch/verify/decision.h) for people and machines: one renderer, one shape
// per front end, each with a text form and the JSON documented for it.
//
//   kSignatures    `vouch verify --key|identity`   docs/image-signing.md ("Output")
//   kAttestations  `vouch verify-attestation`      docs/provenance.md ("Images")
//   kInventory     `vouch inspect`                 docs/provenance.md ("inspect")
//   kPolicy        `vouch verify --policy`         docs/policy.md ("Evaluation report")
//   RenderBlob     `vouch verify-blob`, `verify-bundle`
// Every JSON document starts with "schemaVersion": 1; docs/output.md lists every shape.
#pragma once

#include <string>
#include <vector>

#include "vouch/core/status.h"
#include "vouch/verify/decision.h"
#include "vouch/verify/engine.h"
#include "vouch/verify/sigstore.h"

namespace vouch::verify {

enum class Shape { kSignatures, kAttestations, kInventory, kPolicy };
enum class Format { kText, kJson };

// Render renders |decisions| (made under |trust|) in |shape| and |format|; the result ends with a
// newline.
std::string Render(const std::vector<ImageDecision>& decisions, const TrustPolicy& trust,
                   Shape shape, Format format);

// Problems returns, for each image that is not accepted, one line saying why in |shape|'s words
// ("IMAGE: no signatures found for sha256:…"), for standard error.
std::vector<std::string> Problems(const std::vector<ImageDecision>& decisions,
                                  const TrustPolicy& trust, Shape shape);

// BlobVerdict is what a blob verification (`vouch verify-blob`, `vouch verify-bundle`) decided
// about one file or digest.
struct BlobVerdict {
  // artifact is the FILE (or digest) as the user wrote it.
  std::string artifact;
  // status is OK when the file verified; kVerificationFailed when it was rejected; another code
  // when it could not be checked.
  Status status = OkStatus();
  // signer is who signed when the command knows it ("key <id>" or the certificate SAN), else "".
  std::string signer;
  // bundle is what the Sigstore bundle check established (issuer, verified times), when the
  // bundle went through VerifyBundle and verified.
  std::optional<BundleVerification> bundle;
};

// RenderBlob renders |verdict|: text is "Verified OK" for a verified file and nothing otherwise
// (the error goes to standard error); JSON is always the document of docs/output.md
// ("verify-blob"), ending with a newline.
std::string RenderBlob(const BlobVerdict& verdict, Format format);

}  // namespace vouch::verify
