// Bundles and artifacts as users hand them over: a bundle file or a JSONL file of them (as
// `gh attestation download` writes), an artifact digest in any algorithm a subject may use, and
// the search for one (bundle, trusted root) pair that verifies.
#include <algorithm>
#include <optional>
#include <utility>

#include "core/internal/json.h"
#include "vouch/core/file.h"
#include "vouch/verify/sigstore.h"

namespace vouch::verify {
namespace {

// kMaxBundlesFileSize caps a JSONL file of bundles (each bundle is capped on its own too).
constexpr size_t kMaxBundlesFileSize = 64 << 20;

struct DigestForm {
  std::string_view name;
  size_t hex_length;
};
constexpr DigestForm kDigestForms[] = {
    {"sha256", 64}, {"sha384", 96}, {"sha512", 128}, {"sha1", 40}};

}  // namespace

Result<ArtifactDigest> ArtifactDigest::Parse(std::string_view text) {
  size_t colon = text.find(':');
  if (colon == std::string_view::npos) {
    return InvalidArgumentError("\"" + std::string(text) + "\" is not ALGORITHM:HEX");
  }
  std::string_view alg = text.substr(0, colon);
  std::string hex(text.substr(colon + 1));
  std::transform(hex.begin(), hex.end(), hex.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const DigestForm& f : kDigestForms) {
    if (alg != f.name) {
      continue;
    }
    if (hex.size() != f.hex_length ||
        hex.find_first_not_of("0123456789abcdef") != std::string::npos) {
      return InvalidArgumentError("a " + std::string(f.name) + " digest is " +
                                  std::to_string(f.hex_length) + " hex digits");
    }
    return ArtifactDigest{std::string(alg), hex};
  }
  return InvalidArgumentError("unsupported digest algorithm \"" + std::string(alg) +
                              "\" (sha256, sha384, sha512 or sha1)");
}

ArtifactDigest ArtifactDigest::Of(const Digest& digest) {
  return ArtifactDigest{std::string(HashAlgorithmName(digest.algorithm())), digest.Hex()};
}

std::optional<Digest> ArtifactDigest::AsDigest() const {
  auto d = Digest::Parse(ToString());
  return d.ok() ? std::optional<Digest>(*d) : std::nullopt;
}

Result<std::vector<Result<attest::Bundle>>> ReadBundles(const std::string& path) {
  Result<Bytes> data = ReadFile(path, kMaxBundlesFileSize);
  if (IsResourceExhausted(data.status())) {
    return VerificationFailedError("bundle " + path + " is too large to be a bundle file");
  }
  VOUCH_RETURN_IF_ERROR(data.status());
  std::vector<Result<attest::Bundle>> out;
  std::string_view text = AsChars(*data);
  auto parse = [](std::string_view one) -> Result<attest::Bundle> {
    if (one.size() > attest::kMaxBundleSize) {
      return VerificationFailedError("bundle is malformed: larger than 16 MiB");
    }
    auto b = attest::ParseBundle(one);
    if (!b.ok()) {
      return VerificationFailedError("bundle is malformed: " + b.status().message());
    }
    return b;
  };
  // One JSON document (pretty-printed or not) is one bundle; otherwise one bundle per line.
  if (ParseJson(text, "bundle").ok()) {
    out.push_back(parse(text));
    return out;
  }
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (line.find_first_not_of(" \t\r") != std::string_view::npos) {
      out.push_back(parse(line));
    }
  }
  if (out.empty()) {
    out.push_back(VerificationFailedError("bundle is malformed: " + path + " is empty"));
  }
  return out;
}

Result<VerifiedBundle> VerifyAnyBundle(const std::vector<Result<attest::Bundle>>& bundles,
                                       const std::vector<std::shared_ptr<const TrustedRoot>>& roots,
                                       const ArtifactOpener& open,
                                       const BundleVerifyOptions& options) {
  std::vector<std::shared_ptr<const TrustedRoot>> tries = roots;
  if (tries.empty()) {
    tries.push_back(options.trusted_root);
  }
  std::string why;
  // note records why bundle |b| failed against root |r| (none: the bundle is unreadable).
  auto note = [&](size_t b, std::optional<size_t> r, const Status& st) {
    std::string where;
    if (bundles.size() > 1) {
      where += "bundle " + std::to_string(b);
    }
    if (r && tries.size() > 1) {
      where += (where.empty() ? "" : ", ") + std::string("trusted root ") + std::to_string(*r);
    }
    why += (why.empty() ? "" : "; ") + (where.empty() ? "" : where + ": ") + st.message();
  };
  for (size_t b = 0; b < bundles.size(); ++b) {
    if (!bundles[b].ok()) {
      note(b, std::nullopt, bundles[b].status());
      continue;
    }
    for (size_t r = 0; r < tries.size(); ++r) {
      BundleVerifyOptions o = options;
      o.trusted_root = tries[r];
      std::unique_ptr<ByteSource> holder;
      VOUCH_ASSIGN_OR_RETURN(Artifact artifact, open(holder));
      Result<BundleVerification> v = VerifyBundle(*bundles[b], artifact, o);
      if (v.ok()) {
        return VerifiedBundle{b, r, std::move(*v)};
      }
      if (!IsVerificationFailed(v.status())) {
        return v.status();  // could not check (the artifact unreadable, a bad request)
      }
      note(b, r, v.status());
    }
  }
  return VerificationFailedError(why);
}

}  // namespace vouch::verify
