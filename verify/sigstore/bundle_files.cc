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

}  // namespace

Result<ArtifactDigest> ArtifactDigest::Parse(std::string_view text) {
  // Hex in either case (GitHub and npm print both); Digest wants lowercase.
  std::string lower(text);
  for (size_t i = std::min(lower.find(':'), lower.size()); i < lower.size(); ++i) {
    lower[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(lower[i])));
  }
  // SHA-1 only names in-toto subjects (compared, never computed): Digest does not hold it.
  if (lower.rfind("sha1:", 0) == 0) {
    std::string hex = lower.substr(5);
    if (hex.size() != 40 || hex.find_first_not_of("0123456789abcdef") != std::string::npos) {
      return InvalidArgumentError("a sha1 digest is 40 hex digits");
    }
    return ArtifactDigest{"sha1", hex};
  }
  VOUCH_ASSIGN_OR_RETURN(Digest d, Digest::Parse(lower));
  return Of(d);
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
  for (const JsonDocument& doc : JsonDocuments(AsChars(*data))) {
    out.push_back(parse(doc.text));
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
