// The blob verification shape (`vouch verify-blob`, `vouch verify-bundle`): docs/output.md.
#include "core/internal/json.h"
#include "vouch/core/clock.h"
#include "vouch/verify/render.h"

namespace vouch::verify {

std::string RenderBlob(const BlobVerdict& verdict, Format format) {
  const bool verified = verdict.status.ok();
  if (format == Format::kText) {
    return verified ? "Verified OK\n" : "";
  }
  OrderedJson times = OrderedJson::array();
  // Who signed is only known of a file that verified: the trusted key did not sign a rejected one.
  std::string signer = verified ? verdict.signer : "";
  std::string issuer;
  if (verified && verdict.bundle) {
    for (TimePoint t : verdict.bundle->verified_times) {
      times.push_back(FormatRfc3339(t));
    }
    signer = signer.empty() ? verdict.bundle->signer : signer;
    issuer = verdict.bundle->issuer;
  }
  OrderedJson j = OrderedJson::object();
  j["schemaVersion"] = 1;
  j["artifact"] = verdict.artifact;
  j["verified"] = verified;
  j["error"] = verified ? "" : verdict.status.message();
  j["errorCode"] = verified ? "" : std::string(ErrorCodeName(verdict.status.code()));
  j["signer"] = signer;
  j["issuer"] = issuer;
  j["verifiedTimes"] = std::move(times);
  return DumpJsonPretty(j) + "\n";
}

}  // namespace vouch::verify
