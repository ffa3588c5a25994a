// The `vouch verify --policy` shape: per image the decision, the scope policy, and one line per
// requirement (docs/policy.md, "Evaluation report").
#include "core/internal/json.h"
#include "render/shapes.h"

namespace vouch::verify::internal {
namespace {

std::string RequirementLine(const RequirementResult& r) {
  constexpr std::string_view kWords[] = {"pass ", "FAIL ", "warn ", "error"};  // by Outcome
  const auto i = static_cast<size_t>(r.outcome);
  const std::string word(i < std::size(kWords) ? kWords[i] : "error");
  return "  " + word + "  " + r.requirement + (r.platform.empty() ? "" : " [" + r.platform + "]") +
         ": " + r.reason + "\n";
}

}  // namespace

OrderedJson ResultsJson(const std::vector<RequirementResult>& results) {
  OrderedJson out = OrderedJson::array();
  for (const RequirementResult& r : results) {
    OrderedJson jr = OrderedJson::object();
    jr["requirement"] = r.requirement;
    jr["platform"] = r.platform;
    jr["outcome"] = std::string(OutcomeName(r.outcome));
    jr["reason"] = r.reason;
    jr["code"] = ReasonName(r.code);
    out.push_back(std::move(jr));
  }
  return out;
}

OrderedJson InputsJson(const std::vector<VerifiedInput>& inputs) {
  OrderedJson out = OrderedJson::array();
  for (const VerifiedInput& in : inputs) {
    OrderedJson jin = OrderedJson::object();
    jin["kind"] = in.kind;
    jin["predicateType"] = in.predicate_type;
    jin["authority"] = in.authority;
    jin["location"] = in.location;
    jin["digest"] = in.digest.ToString();
    out.push_back(std::move(jin));
  }
  return out;
}

namespace {

OrderedJson DecisionJson(const ImageDecision& d) {
  OrderedJson ji = OrderedJson::object();
  ji["image"] = d.image;
  ji["digest"] = d.digest ? OrderedJson(d.digest->ToString()) : OrderedJson(nullptr);
  ji["policy"] = d.policy_name;
  ji["scope"] = d.scope;
  ji["mode"] = d.mode;
  ji["decision"] = std::string(DecisionName(d.decision));
  ji["error"] = d.status.ok() ? "" : d.status.message();
  ji["errorCode"] = d.status.ok() ? "" : std::string(ErrorCodeName(d.status.code()));
  ji["results"] = ResultsJson(d.results);
  ji["verifiedLevels"] = d.verified_levels;
  ji["inputs"] = InputsJson(d.inputs);
  return ji;
}

}  // namespace

std::string PolicyText(const std::vector<ImageDecision>& decisions) {
  std::string out;
  for (const ImageDecision& d : decisions) {
    out += d.image + (d.digest ? "@" + d.digest->ToString() : "") + ": " +
           std::string(DecisionName(d.decision));
    if (!d.policy_name.empty()) {
      out += " (policy " + d.policy_name + ", scope " + d.scope + ", mode " + d.mode + ")";
    }
    out += "\n";
    for (const RequirementResult& r : d.results) {
      out += RequirementLine(r);
    }
    if (d.results.empty() && !d.status.ok()) {
      out += "  error  " + d.status.message() + "\n";
    }
    if (!d.verified_levels.empty()) {
      out += "  verified levels:";
      for (const std::string& l : d.verified_levels) {
        out += " " + l;
      }
      out += "\n";
    }
  }
  return out;
}

std::string PolicyJson(const std::vector<ImageDecision>& decisions, const TrustPolicy& trust) {
  OrderedJson j = OrderedJson::object();
  j["schemaVersion"] = 1;
  OrderedJson jp = OrderedJson::object();
  jp["source"] = trust.policy().source;
  jp["digest"] = trust.policy().digest.ToString();
  jp["trustDigest"] = trust.digest().ToString();
  j["policy"] = std::move(jp);
  bool all = !decisions.empty();
  OrderedJson images = OrderedJson::array();
  for (const ImageDecision& d : decisions) {
    all = all && d.decision == Decision::kAccepted;
    images.push_back(DecisionJson(d));
  }
  j["accepted"] = all;
  j["images"] = std::move(images);
  return DumpJsonPretty(j) + "\n";
}

}  // namespace vouch::verify::internal
