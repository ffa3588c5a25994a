// Fuzz target for vouch::registry::ParseReference (image references from command lines, policy
// files, admission requests and registry answers) and its canonical form.
// Invariants: a reference that parses prints (ToString) a canonical form that parses to an equal
// reference and prints the same text again, so the canonical form is a fixed point; its
// RepositoryName parses to the same repository; a registry reference has a valid tag when it has
// one, a tag or a digest, and a name of at most 255 characters; WithTag/WithDigest keep the
// repository.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "vouch/registry/reference.h"

namespace {

using vouch::registry::Reference;

bool Equal(const Reference& a, const Reference& b) {
  return a.registry == b.registry && a.repository == b.repository &&
         a.layout_path == b.layout_path && a.tag == b.tag && a.digest == b.digest;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  vouch::Result<Reference> ref = vouch::registry::ParseReference(text);
  if (!ref.ok()) {
    FUZZ_CHECK(!ref.status().message().empty());
    return 0;
  }
  const std::string canonical = ref->ToString();
  vouch::Result<Reference> again = vouch::registry::ParseReference(canonical);
  if (!again.ok()) {
    std::fprintf(stderr, "ParseReference(%s): %s\n", canonical.c_str(),
                 again.status().ToString().c_str());
  }
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(Equal(*again, *ref));
  FUZZ_CHECK(again->ToString() == canonical);
  FUZZ_CHECK(again->SameRepository(*ref));
  FUZZ_CHECK(!ref->tag.empty() || ref->digest.has_value());
  FUZZ_CHECK(ref->Identifier() == (ref->digest ? ref->digest->ToString() : ref->tag));
  if (!ref->tag.empty()) {
    FUZZ_CHECK(vouch::registry::IsValidTag(ref->tag));
  }
  if (ref->is_layout()) {
    FUZZ_CHECK(!ref->layout_path->empty());
    return 0;
  }
  FUZZ_CHECK(!ref->registry.empty() && !ref->repository.empty());
  FUZZ_CHECK(ref->registry.size() + 1 + ref->repository.size() <= 255);
  // The repository name alone is a reference to the same repository at "latest".
  vouch::Result<Reference> name = vouch::registry::ParseReference(ref->RepositoryName());
  FUZZ_CHECK(name.ok());
  FUZZ_CHECK(name->SameRepository(*ref) && name->tag == "latest" && !name->digest);
  FUZZ_CHECK(ref->WithTag("v1").SameRepository(*ref));
  FUZZ_CHECK(ref->WithTag("v1").Identifier() == "v1");
  const vouch::Digest d = vouch::Digest::Of({});
  FUZZ_CHECK(ref->WithDigest(d).Identifier() == d.ToString());
  // The API host is the registry itself except for Docker Hub.
  const std::string api = vouch::registry::ApiHost(ref->registry);
  FUZZ_CHECK(api == ref->registry || ref->registry == vouch::registry::kDockerHubDomain);
  (void)vouch::registry::IsLoopbackHost(ref->registry);
  return 0;
}
