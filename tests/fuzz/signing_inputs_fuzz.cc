// Fuzz target for what keyless signing reads before it signs: sign::ParseIdentityToken (a CI's
// OIDC token) and sign::ParseSigningConfig with SelectServices (a signing config from a file or
// TUF). Neither has a serializer, so the invariants are about what comes out:
//  - a token that parses keeps its raw text; one that does not is never quoted in the message;
//  - a config that parses selects, at fixed times, only listed services with an API version
//    vouch speaks, one version for all logs, distinct operators, and as many as the selector
//    says (ANY one, EXACT its count).
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>

#include "fuzz_check.h"
#include "vouch/sign/identity_token.h"
#include "vouch/sign/signing_config.h"

namespace {

using vouch::sign::ConfiguredService;
using vouch::sign::ServiceEndpoint;
using vouch::sign::ServiceSelector;

void CheckToken(const std::string& text) {
  auto t = vouch::sign::ParseIdentityToken(vouch::SecretString(text), "fuzz");
  if (t.ok()) {
    FUZZ_CHECK(t->raw.view() == text);
    return;
  }
  // The fixed texts of the messages hold no '.', so an input with two of them can only appear
  // in a message by being quoted.
  size_t dots = 0;
  for (char c : text) {
    dots += c == '.' ? 1 : 0;
  }
  if (dots >= 2 && text.size() >= 8) {
    FUZZ_CHECK(t.status().message().find(text) == std::string::npos);
  }
}

bool Listed(const std::vector<ConfiguredService>& list, const ServiceEndpoint& e) {
  for (const ConfiguredService& s : list) {
    if (s.endpoint.url == e.url && s.endpoint.api_version == e.api_version &&
        s.endpoint.operator_name == e.operator_name) {
      return true;
    }
  }
  return false;
}

void CheckPicked(const std::vector<ConfiguredService>& list, const ServiceSelector& selector,
                 const std::vector<ServiceEndpoint>& picked, std::set<uint32_t> versions) {
  std::set<std::string> operators;
  for (const ServiceEndpoint& e : picked) {
    FUZZ_CHECK(Listed(list, e));
    FUZZ_CHECK(versions.count(e.api_version) == 1);
    FUZZ_CHECK(e.api_version == picked.front().api_version);
    FUZZ_CHECK(operators.insert(e.operator_name).second);
  }
  FUZZ_CHECK(list.empty() || !picked.empty());
  if (selector.kind == ServiceSelector::Kind::kAny) {
    FUZZ_CHECK(picked.size() <= 1);
  }
  if (selector.kind == ServiceSelector::Kind::kExact && !picked.empty()) {
    FUZZ_CHECK(picked.size() == selector.count);
  }
}

void CheckConfig(const std::string& text) {
  auto c = vouch::sign::ParseSigningConfig(text);
  if (!c.ok()) {
    return;
  }
  for (const char* when :
       {"2020-01-01T00:00:00Z", "2025-06-01T00:00:00Z", "2099-01-01T00:00:00Z"}) {
    vouch::TimePoint now = *vouch::ParseRfc3339(when);
    for (bool need_ca : {false, true}) {
      auto s = vouch::sign::SelectServices(*c, now, need_ca);
      if (!s.ok()) {
        continue;
      }
      if (s->ca.has_value()) {
        FUZZ_CHECK(Listed(c->ca_urls, *s->ca) && s->ca->api_version == 1);
      }
      CheckPicked(c->rekor_tlog_urls, c->rekor_tlog_config, s->tlogs, {1, 2});
      CheckPicked(c->tsa_urls, c->tsa_config, s->tsas, {1});
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) {
    return 0;
  }
  const std::string text(reinterpret_cast<const char*>(data), size);
  CheckToken(text);
  CheckConfig(text);
  return 0;
}
