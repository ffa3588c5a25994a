// The `vouch tree` shape: per manifest, every attachment with its form and whether the engine
// reads it (vouch/verify/tree.h; docs/registry.md, "Tree").
#include "vouch/verify/tree.h"

#include <algorithm>
#include <map>
#include <utility>

#include "core/internal/json.h"

namespace vouch::verify {
namespace {

// Line is one line of the text tree with the lines below it.
struct Line {
  std::string text;
  std::vector<Line> children;
};

void Render(const std::vector<Line>& lines, const std::string& pad, std::string& out) {
  for (size_t i = 0; i < lines.size(); ++i) {
    const bool last = i + 1 == lines.size();
    out += pad + (last ? "`-- " : "|-- ") + lines[i].text + "\n";
    Render(lines[i].children, pad + (last ? "    " : "|   "), out);
  }
}

// AnnotationsText renders annotations as " {k=v, ...}" with long values shortened (cosign
// puts whole certificates and signatures there).
std::string AnnotationsText(const std::map<std::string, std::string>& annotations) {
  if (annotations.empty()) {
    return "";
  }
  std::string out = " {";
  bool first = true;
  for (const auto& [k, v] : annotations) {
    std::string value = v.size() > 48 ? v.substr(0, 45) + "..." : v;
    std::replace(value.begin(), value.end(), '\n', ' ');
    out += (first ? "" : ", ") + k + "=" + value;
    first = false;
  }
  return out + "}";
}

// Verdict is "  [sigstore-bundle signature, read]" or "  [notation signature, not read: why]".
std::string Verdict(const AttachmentInfo& info) {
  std::string out = "  [" + info.format + (info.kind == "other" ? "" : " " + info.kind);
  if (info.is_signed == false) {
    out += ", unsigned";
  }
  return out + (info.read ? ", read]" : ", not read: " + info.note + "]");
}

// LayersText is " (N layers: type, ...)" for a node whose manifest was read.
std::string LayersText(const registry::TreeNode& n, const AttachmentInfo& info) {
  std::string out =
      " (" + std::to_string(n.layers.size()) + (n.layers.size() == 1 ? " layer" : " layers");
  for (size_t i = 0; i < info.predicate_types.size(); ++i) {
    out += (i == 0 ? ": " : ", ") + info.predicate_types[i];
  }
  return out + ")";
}

// ReferrerLines groups referrers (sorted by label) by artifact type.
std::vector<Line> ReferrerLines(const std::vector<registry::TreeNode>& referrers) {
  std::vector<Line> groups;
  for (const registry::TreeNode& n : referrers) {
    if (groups.empty() || groups.back().text != n.label) {
      groups.push_back({n.label, {}});
    }
    groups.back().children.push_back({n.descriptor.digest.ToString() +
                                          AnnotationsText(n.descriptor.annotations) +
                                          Verdict(DescribeAttachment(n)),
                                      {}});
  }
  return groups;
}

std::vector<Line> NodeLines(const std::vector<registry::TreeNode>& nodes) {
  std::vector<Line> out;
  for (const registry::TreeNode& n : nodes) {
    const AttachmentInfo info = DescribeAttachment(n);
    const std::string name = n.kind == "tag" ? n.label : n.descriptor.digest.ToString();
    out.push_back({name + LayersText(n, info) + Verdict(info), {}});
  }
  return out;
}

std::string SchemeText(const registry::TreeManifest& m) {
  return m.referrers_scheme == registry::ReferrersScheme::kApi
             ? "referrers API"
             : "fallback tag " + registry::FallbackTag(m.descriptor.digest);
}

// Sections lists what is attached to |m|; with |all| (the root) every section is shown, empty
// ones as "(none)", else only those with something in them.
std::vector<Line> Sections(const registry::TreeManifest& m, bool all) {
  std::vector<Line> out;
  auto add = [&](std::string title, std::vector<Line> lines) {
    if (lines.empty() && !all) {
      return;
    }
    if (lines.empty()) {
      lines.push_back({"(none)", {}});
    }
    out.push_back({std::move(title), std::move(lines)});
  };
  add("referrers (" + SchemeText(m) + ")", ReferrerLines(m.referrers));
  add("legacy cosign tags", NodeLines(m.cosign_tags));
  if (!m.attestation_manifests.empty()) {
    add("BuildKit attestations (in the index)", NodeLines(m.attestation_manifests));
  }
  return out;
}

OrderedJson InfoJson(OrderedJson j, const AttachmentInfo& info) {
  j["format"] = info.format;
  j["kind"] = info.kind;
  j["predicateTypes"] = info.predicate_types;
  j["signed"] = info.is_signed ? OrderedJson(*info.is_signed) : OrderedJson(nullptr);
  j["read"] = info.read;
  j["note"] = info.note;
  return j;
}

// AttachmentsJson lists every attachment of |m| in one array: referrers, cosign tags, BuildKit
// attestation manifests.
OrderedJson AttachmentsJson(const registry::TreeManifest& m) {
  OrderedJson out = OrderedJson::array();
  for (const registry::TreeNode& n : m.referrers) {
    out.push_back(InfoJson({{"location", "referrer " + n.descriptor.digest.ToString()},
                            {"digest", n.descriptor.digest.ToString()},
                            {"artifactType", n.descriptor.artifact_type}},
                           DescribeAttachment(n)));
  }
  for (const registry::TreeNode& n : m.cosign_tags) {
    out.push_back(InfoJson({{"location", n.label},
                            {"digest", n.descriptor.digest.ToString()},
                            {"layers", n.layers.size()}},
                           DescribeAttachment(n)));
  }
  for (const registry::TreeNode& n : m.attestation_manifests) {
    auto describes =
        n.descriptor.annotations.find(std::string(registry::kDockerReferenceDigestAnnotation));
    out.push_back(
        InfoJson({{"location", "attestation manifest " + n.descriptor.digest.ToString()},
                  {"digest", n.descriptor.digest.ToString()},
                  {"describes",
                   describes == n.descriptor.annotations.end() ? std::string() : describes->second},
                  {"layers", n.layers.size()}},
                 DescribeAttachment(n)));
  }
  return out;
}

OrderedJson SchemeJson(const registry::TreeManifest& m) {
  return m.referrers_scheme == registry::ReferrersScheme::kApi ? "api" : "fallback-tag";
}

// RootReferrersJson is the root's referrers grouped by artifact type (the shape `vouch tree`
// has always had; new fields are only added).
OrderedJson RootReferrersJson(const registry::TreeManifest& root) {
  OrderedJson refs = OrderedJson::object();
  for (const registry::TreeNode& n : root.referrers) {
    if (!refs.contains(n.label)) {
      refs[n.label] = OrderedJson::array();
    }
    OrderedJson e{{"digest", n.descriptor.digest.ToString()},
                  {"mediaType", n.descriptor.media_type},
                  {"size", n.descriptor.size}};
    if (!n.descriptor.annotations.empty()) {
      e["annotations"] = n.descriptor.annotations;
    }
    if (n.from_manifest) {
      e["describedFromManifest"] = true;
    }
    refs[n.label].push_back(InfoJson(std::move(e), DescribeAttachment(n)));
  }
  return refs;
}

}  // namespace

std::string TreeToText(const registry::Tree& tree) {
  std::string out = tree.reference.RepositoryName() + "@" + tree.root.digest.ToString() + " (" +
                    tree.root.media_type + ")\n";
  std::vector<Line> lines;
  if (registry::IsIndexMediaType(tree.root.media_type)) {
    Line platforms{"platforms", {}};
    for (const registry::TreeNode& n : tree.platforms) {
      platforms.children.push_back({n.label + " " + n.descriptor.digest.ToString(), {}});
    }
    if (platforms.children.empty()) {
      platforms.children.push_back({"(none)", {}});
    }
    lines.push_back(std::move(platforms));
  }
  for (Line& l : Sections(tree.manifests[0], /*all=*/true)) {
    lines.push_back(std::move(l));
  }
  for (size_t i = 1; i < tree.manifests.size(); ++i) {
    const registry::TreeManifest& m = tree.manifests[i];
    Line platform{m.platform + " " + m.descriptor.digest.ToString(), Sections(m, false)};
    if (platform.children.empty()) {
      platform.children.push_back({"(nothing attached)", {}});
    }
    lines.push_back(std::move(platform));
  }
  Render(lines, "", out);
  return out;
}

std::string TreeToJson(const registry::Tree& tree) {
  const registry::TreeManifest& root = tree.manifests[0];
  OrderedJson j;
  j["schemaVersion"] = 1;
  j["reference"] = tree.reference.ToString();
  j["digest"] = tree.root.digest.ToString();
  j["mediaType"] = tree.root.media_type;
  OrderedJson platforms = OrderedJson::array();
  for (const registry::TreeNode& n : tree.platforms) {
    platforms.push_back(OrderedJson{{"platform", n.label},
                                    {"digest", n.descriptor.digest.ToString()},
                                    {"mediaType", n.descriptor.media_type},
                                    {"size", n.descriptor.size}});
  }
  j["platforms"] = platforms;
  j["referrersScheme"] = SchemeJson(root);
  j["referrers"] = RootReferrersJson(root);
  OrderedJson tags = OrderedJson::array();
  for (const registry::TreeNode& n : root.cosign_tags) {
    tags.push_back(n.label);
  }
  j["legacyTags"] = tags;
  OrderedJson manifests = OrderedJson::array();
  for (const registry::TreeManifest& m : tree.manifests) {
    manifests.push_back(OrderedJson{{"digest", m.descriptor.digest.ToString()},
                                    {"mediaType", m.descriptor.media_type},
                                    {"platform", m.platform},
                                    {"referrersScheme", SchemeJson(m)},
                                    {"attachments", AttachmentsJson(m)}});
  }
  j["manifests"] = std::move(manifests);
  return DumpJsonPretty(j);
}

}  // namespace vouch::verify
