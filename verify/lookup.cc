#include "lookup.h"

#include <algorithm>
#include <atomic>
#include <future>
#include <thread>
#include <utility>

#include "vouch/attest/simple_signing.h"
#include "vouch/registry/manifest.h"

namespace vouch::verify::internal {
namespace {

constexpr std::string_view kDsseLayerMediaType = "application/vnd.dsse.envelope.v1+json";
constexpr size_t kMaxTagLayers = 1000;

std::string TagFor(const Digest& d, std::string_view suffix) {
  return std::string(HashAlgorithmName(d.algorithm())) + "-" + d.Hex() + "." + std::string(suffix);
}

// FetchObject reads one candidate; an operational failure is returned as the error.
Status FetchObject(registry::Repository& repo, const Digest& subject, AttachedObject& o,
                   const registry::Descriptor& d) {
  auto data_problem = [&](const Status& s) -> Status {
    if (IsSignatureDataProblem(s)) {
      o.problem = s.message();
      return OkStatus();
    }
    return s;
  };
  if (o.format == "bundle") {
    Bytes bytes;
    std::string media_type = d.media_type;
    if (d.data) {
      bytes = *d.data;
    } else {
      auto m = repo.FetchManifest(d.digest.ToString());
      if (!m.ok()) {
        return data_problem(m.status());
      }
      bytes = std::move(m->bytes);
      media_type = m->media_type;
    }
    auto view = registry::ParseManifest(bytes, media_type);
    if (!view.ok()) {
      o.problem = view.status().message();
      return OkStatus();
    }
    bool candidate = view->artifact_type.starts_with(kBundlePrefix) ||
                     (view->config && view->config->media_type.starts_with(kBundlePrefix));
    for (const registry::Descriptor& l : view->layers) {
      candidate = candidate || l.media_type.starts_with(kBundlePrefix);
    }
    if (!candidate) {
      o.problem = "not a Sigstore bundle";
      return OkStatus();
    }
    if (view->subject && !(view->subject->digest == subject)) {
      o.problem = "referrer's subject is " + view->subject->digest.ToString();
      return OkStatus();
    }
    if (view->layers.size() != 1) {
      o.problem = "a bundle referrer has exactly one layer, this one has " +
                  std::to_string(view->layers.size());
      return OkStatus();
    }
    const registry::Descriptor& layer = view->layers[0];
    if (layer.size < 0 || static_cast<uint64_t>(layer.size) > attest::kMaxBundleSize) {
      o.problem = "bundle is " + std::to_string(layer.size) + " bytes, over the cap";
      return OkStatus();
    }
    if (o.annotated_type.empty()) {
      auto pt = view->annotations.find(std::string(kBundlePredicateTypeAnnotation));
      if (pt != view->annotations.end()) {
        o.annotated_type = pt->second;
      }
    }
    auto blob = repo.FetchBlob(layer.digest, layer.size);
    if (!blob.ok()) {
      return data_problem(blob.status());
    }
    auto bundle = attest::ParseBundle(AsChars(*blob));
    if (!bundle.ok()) {
      o.problem = "bundle is malformed: " + bundle.status().message();
      return OkStatus();
    }
    o.bundle = std::move(*bundle);
    o.fetched = true;
    return OkStatus();
  }
  const size_t cap = o.legacy_signature ? attest::kMaxSimpleSigningPayloadSize
                                        : attest::kMaxBundleSize;
  if (d.size < 0 || static_cast<uint64_t>(d.size) > cap) {
    o.problem = "layer is " + std::to_string(d.size) + " bytes, over the cap";
    return OkStatus();
  }
  auto blob = repo.FetchBlob(d.digest, d.size);
  if (!blob.ok()) {
    return data_problem(blob.status());
  }
  if (o.legacy_signature) {
    o.payload = std::move(*blob);
  } else {
    auto env = attest::ParseEnvelope(AsChars(*blob));
    if (!env.ok()) {
      o.problem = "DSSE envelope is malformed: " + env.status().message();
      return OkStatus();
    }
    o.envelope = std::move(*env);
  }
  o.fetched = true;
  return OkStatus();
}

}  // namespace

void RunParallel(size_t count, int parallelism, const std::function<void(size_t)>& fn) {
  size_t workers = std::min(count, static_cast<size_t>(std::max(parallelism, 1)));
  if (workers <= 1) {
    for (size_t i = 0; i < count; ++i) {
      fn(i);
    }
    return;
  }
  std::atomic<size_t> next{0};
  std::vector<std::thread> threads;
  threads.reserve(workers);
  for (size_t w = 0; w < workers; ++w) {
    threads.emplace_back([&] {
      for (size_t i = next++; i < count; i = next++) {
        fn(i);
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
}

bool IsSignatureDataProblem(const Status& s) {
  switch (s.code()) {
    case ErrorCode::kNotFound:
    case ErrorCode::kDataLoss:
    case ErrorCode::kResourceExhausted:
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kVerificationFailed:
    case ErrorCode::kUnimplemented:
      return true;
    default:
      return false;
  }
}

AttachedObjects CollectAttached(registry::Repository& repo, const Digest& subject, bool sig_tag,
                                bool att_tag, const std::function<bool(std::string_view)>& fetch,
                                int parallelism) {
  AttachedObjects out;
  auto failed = [&](const Status& s) {
    out.lookup_errors.push_back(s.message());
    if (out.status.ok()) {
      out.status = s;
    }
  };
  auto referrers = std::async(std::launch::async,
                              [&] { return repo.ListReferrers(subject, ""); });
  std::future<Result<registry::Manifest>> sig;
  if (sig_tag) {
    sig = std::async(std::launch::async,
                     [&] { return repo.FetchManifest(TagFor(subject, "sig")); });
  }
  std::optional<Result<registry::Manifest>> att;
  if (att_tag) {
    att = repo.FetchManifest(TagFor(subject, "att"));
  }
  std::vector<registry::Descriptor> descriptors;  // parallel to out.objects
  auto add = [&](AttachedObject o, registry::Descriptor d) {
    if (fetch && !fetch(o.annotated_type)) {
      o.problem = "not fetched";
    }
    o.digest = d.digest;
    out.objects.push_back(std::move(o));
    descriptors.push_back(std::move(d));
  };
  Result<registry::Referrers> refs = referrers.get();
  if (!refs.ok()) {
    failed(refs.status());
  } else {
    out.referrers_scheme = refs->scheme == registry::ReferrersScheme::kApi ? "api" : "fallback-tag";
    for (const registry::Descriptor& d : refs->descriptors) {
      if (!d.artifact_type.empty() && !d.artifact_type.starts_with(kBundlePrefix)) {
        continue;  // another kind of artifact
      }
      AttachedObject o;
      o.format = "bundle";
      o.location = "referrer " + d.digest.ToString();
      auto pt = d.annotations.find(std::string(kBundlePredicateTypeAnnotation));
      if (pt != d.annotations.end()) {
        o.annotated_type = pt->second;
      }
      add(std::move(o), d);
    }
  }
  auto layers_of = [&](Result<registry::Manifest> m, std::string_view suffix) {
    const std::string tag = TagFor(subject, suffix);
    if (!m.ok()) {
      if (!IsNotFound(m.status())) {
        failed(m.status());
      }
      return;
    }
    auto view = registry::ParseManifest(m->bytes, m->media_type);
    if (!view.ok() || view->is_index) {
      AttachedObject o;
      o.format = "legacy";
      o.location = tag;
      o.problem = view.ok() ? "the tag holds an index" : view.status().message();
      out.objects.push_back(std::move(o));
      descriptors.emplace_back();
      return;
    }
    size_t n = std::min(view->layers.size(), kMaxTagLayers);
    for (size_t i = 0; i < n; ++i) {
      const registry::Descriptor& l = view->layers[i];
      AttachedObject o;
      o.format = "legacy";
      o.location = tag + " layer " + std::to_string(i);
      o.legacy_signature = suffix == "sig";
      o.layer_annotations = l.annotations;
      if (o.legacy_signature) {
        if (l.media_type != attest::kSimpleSigningMediaType) {
          continue;
        }
        auto a = l.annotations.find(std::string(attest::kCosignSignatureAnnotation));
        o.signature_b64 = a == l.annotations.end() ? "" : a->second;
        o.digest = l.digest;
        out.objects.push_back(std::move(o));
        descriptors.push_back(l);
        continue;
      }
      if (l.media_type != kDsseLayerMediaType) {
        continue;
      }
      auto pt = l.annotations.find("predicateType");
      if (pt != l.annotations.end()) {
        o.annotated_type = pt->second;
      }
      add(std::move(o), l);
    }
  };
  if (sig_tag) {
    layers_of(sig.get(), "sig");
  }
  if (att) {
    layers_of(std::move(*att), "att");
  }
  std::vector<Status> errors(out.objects.size(), OkStatus());
  RunParallel(out.objects.size(), parallelism, [&](size_t i) {
    AttachedObject& o = out.objects[i];
    if (!o.problem.empty()) {
      return;
    }
    errors[i] = FetchObject(repo, subject, o, descriptors[i]);
  });
  for (const Status& s : errors) {
    if (!s.ok()) {
      failed(s);
    }
  }
  return out;
}

}  // namespace vouch::verify::internal
