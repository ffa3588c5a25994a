// Fuzz target for vouch::serve::ParseAdmissionReview (request bodies the webhook receives from
// the network). Invariants: a review that parses has a uid and a kind; every image it lists has
// a JSON pointer under the pod spec it reports (or under /ephemeralContainers for the
// EphemeralContainers kind), ending in /image; and rendering a response for it never fails and
// names the AdmissionReview kind.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "vouch/serve/admission.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  vouch::Result<vouch::serve::AdmissionRequest> req = vouch::serve::ParseAdmissionReview(body);
  if (!req.ok()) {
    return 0;
  }
  FUZZ_CHECK(!req->uid.empty());
  FUZZ_CHECK(!req->kind.empty());
  for (const vouch::serve::ContainerImage& c : req->images) {
    const std::string prefix = req->pod_spec_pointer.empty() ? std::string("/ephemeralContainers")
                                                             : req->pod_spec_pointer + "/";
    FUZZ_CHECK(c.pointer.rfind(prefix, 0) == 0);
    // A container's "image", or an image volume's "image/reference".
    const bool container =
        c.pointer.size() > 6 && c.pointer.compare(c.pointer.size() - 6, 6, "/image") == 0;
    const bool volume = c.pointer.find("/volumes/") != std::string::npos && c.pointer.size() > 16 &&
                        c.pointer.compare(c.pointer.size() - 16, 16, "/image/reference") == 0;
    FUZZ_CHECK(container || volume);
  }
  // An unknown kind is never "unchanged": its images cannot be compared.
  const vouch::serve::Skip skip = vouch::serve::SkipFor(*req);
  FUZZ_CHECK(skip != vouch::serve::Skip::kUnchanged || req->known_kind);
  vouch::serve::AdmissionResponse resp;
  resp.allowed = false;
  resp.message = "fuzz";
  const std::string out = vouch::serve::RenderAdmissionReview(*req, resp);
  FUZZ_CHECK(out.find("\"AdmissionReview\"") != std::string::npos);
  return 0;
}
