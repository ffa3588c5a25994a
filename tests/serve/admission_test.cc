// ParseAdmissionReview / RenderAdmissionReview: every workload kind's pod template path, the
// three container lists, and the bodies that must be refused with HTTP 400.
#include "vouch/serve/admission.h"

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "serve/review.h"
#include "vouch/core/bytes.h"

namespace vouch::serve {
namespace {

using serve_test::PodImages;
using serve_test::Review;

struct KindCase {
  std::string kind;
  std::string pointer;
};

std::ostream& operator<<(std::ostream& os, const KindCase& k) { return os << k.kind; }

const std::vector<KindCase> kKinds = {
    {"Pod", "/spec"},
    {"Deployment", "/spec/template/spec"},
    {"ReplicaSet", "/spec/template/spec"},
    {"StatefulSet", "/spec/template/spec"},
    {"DaemonSet", "/spec/template/spec"},
    {"Job", "/spec/template/spec"},
    {"CronJob", "/spec/jobTemplate/spec/template/spec"},
};

BOOST_AUTO_TEST_SUITE(admission)

BOOST_DATA_TEST_CASE(every_kind_yields_every_container_list, kKinds, k) {
  PodImages p{{"reg.example/app:v1", "reg.example/sidecar@sha256:" + std::string(64, 'a')},
              {"reg.example/init:v2"},
              {"busybox"}};
  auto r = ParseAdmissionReview(Review("uid-" + k.kind, k.kind, "web", p));
  BOOST_REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  BOOST_TEST(r->uid == "uid-" + k.kind);
  BOOST_TEST(r->kind == k.kind);
  BOOST_TEST(r->api_version == "admission.k8s.io/v1");
  BOOST_TEST(r->namespace_name == "team-a");
  BOOST_TEST(r->name == "web");
  BOOST_TEST(r->operation == "CREATE");
  BOOST_TEST(r->pod_spec_pointer == k.pointer);
  BOOST_REQUIRE_EQUAL(r->images.size(), 4u);
  BOOST_TEST(r->images[0].image == "reg.example/app:v1");
  BOOST_TEST(r->images[0].container == "c0");
  BOOST_TEST(r->images[0].pointer == k.pointer + "/containers/0/image");
  BOOST_TEST(r->images[1].pointer == k.pointer + "/containers/1/image");
  BOOST_TEST(r->images[2].image == "reg.example/init:v2");
  BOOST_TEST(r->images[2].pointer == k.pointer + "/initContainers/0/image");
  BOOST_TEST(r->images[3].image == "busybox");
  BOOST_TEST(r->images[3].pointer == k.pointer + "/ephemeralContainers/0/image");
}

BOOST_AUTO_TEST_CASE(unknown_kinds_and_deletes_carry_no_images) {
  // A Scale subresource update (the API docs' example request) and a ConfigMap: no pod spec.
  const std::string scale =
      R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"705ab4f5-6393-11e8-b7cc-42010a800002","kind":{"group":"autoscaling","version":"v1","kind":"Scale"},"resource":{"group":"apps","version":"v1","resource":"deployments"},"subResource":"scale","name":"my-deployment","namespace":"my-namespace","operation":"UPDATE","object":{"apiVersion":"autoscaling/v1","kind":"Scale","spec":{"replicas":3}}}})";
  auto r = ParseAdmissionReview(scale);
  BOOST_REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  BOOST_TEST(r->images.empty());
  BOOST_TEST(r->pod_spec_pointer.empty());
  const std::string del =
      R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"d1","kind":{"group":"","version":"v1","kind":"Pod"},"name":"p","namespace":"n","operation":"DELETE","object":null,"oldObject":{"kind":"Pod","spec":{"containers":[{"name":"a","image":"x"}]}}}})";
  auto d = ParseAdmissionReview(del);
  BOOST_REQUIRE_MESSAGE(d.ok(), d.status().ToString());
  BOOST_TEST(d->images.empty());
  // A "Deployment" of some other API group is not a workload vouch knows.
  auto other = ParseAdmissionReview(
      R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"o","kind":{"group":"example.com","version":"v1","kind":"Deployment"},"object":{"spec":{"template":{"spec":{"containers":[{"image":"x"}]}}}}}})");
  BOOST_REQUIRE(other.ok());
  BOOST_TEST(other->images.empty());
}

BOOST_AUTO_TEST_CASE(ephemeral_containers_kind_of_old_clusters) {
  auto r = ParseAdmissionReview(
      R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"e","kind":{"group":"","version":"v1","kind":"EphemeralContainers"},"subResource":"ephemeralcontainers","name":"web","namespace":"n","operation":"UPDATE","object":{"kind":"EphemeralContainers","metadata":{"name":"web"},"ephemeralContainers":[{"name":"debugger","image":"busybox:1.36"}]}}})");
  BOOST_REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  BOOST_REQUIRE_EQUAL(r->images.size(), 1u);
  BOOST_TEST(r->images[0].image == "busybox:1.36");
  BOOST_TEST(r->images[0].pointer == "/ephemeralContainers/0/image");
}

BOOST_AUTO_TEST_CASE(name_falls_back_to_metadata_and_generate_name) {
  auto r = ParseAdmissionReview(
      R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","kind":{"group":"","version":"v1","kind":"Pod"},"namespace":"n","operation":"CREATE","object":{"metadata":{"generateName":"web-7d4b9-"},"spec":{"containers":[{"name":"a","image":"x:1"}]}}}})");
  BOOST_REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  BOOST_TEST(r->name == "web-7d4b9-");
  BOOST_TEST(r->images.size() == 1u);
}

const std::vector<std::string> kBadBodies = {
    "",
    "not json",
    "[]",
    R"({"apiVersion":"v1","kind":"Pod"})",
    R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"})",
    R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"kind":{"kind":"Pod"}}})",
    R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"","kind":{"kind":"Pod"}}})",
    R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u"}})",
    // An empty kind would parse as "no images" and be allowed: refused instead (fuzzer find).
    R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","kind":{"group":"","kind":""},"object":{"spec":{"containers":[{"name":"a","image":"x"}]}}}})",
    R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","kind":{"group":"","kind":"Pod"},"object":{"spec":{"containers":{}}}}})",
    R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","kind":{"group":"","kind":"Pod"},"object":{"spec":{"containers":[{"image":7}]}}}})",
    R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","kind":{"group":"","kind":"Pod"},"object":{"spec":{"containers":["x"]}}}})",
    R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","kind":{"group":"","kind":"Pod"},"object":"x"}})",
};

BOOST_DATA_TEST_CASE(malformed_bodies_are_invalid_argument, kBadBodies, body) {
  auto r = ParseAdmissionReview(body);
  BOOST_TEST(!r.ok());
  BOOST_TEST(IsInvalidArgument(r.status()), r.status().ToString());
  BOOST_TEST(!r.status().message().empty());
}

BOOST_AUTO_TEST_CASE(oversized_body_is_refused_before_parsing) {
  std::string big(kMaxAdmissionBodyBytes + 1, ' ');
  auto r = ParseAdmissionReview(big);
  BOOST_TEST(IsInvalidArgument(r.status()));
  BOOST_TEST(r.status().message().find("over the limit") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(response_echoes_uid_and_api_version_with_patch) {
  auto req =
      ParseAdmissionReview(Review("abc-123", "Deployment", "web", PodImages{{"a:1"}, {}, {}}));
  BOOST_REQUIRE(req.ok());
  AdmissionResponse allow;
  allow.allowed = true;
  allow.warnings = {"w1"};
  allow.patch = {{"/spec/template/spec/containers/0/image", "reg/a@sha256:00"}};
  std::string out = RenderAdmissionReview(*req, allow);
  BOOST_TEST(out.find(R"("apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview")") == 0u + 1u);
  BOOST_TEST(out.find(R"("uid":"abc-123","allowed":true)") != std::string::npos);
  BOOST_TEST(out.find(R"("warnings":["w1"])") != std::string::npos);
  BOOST_TEST(out.find(R"("patchType":"JSONPatch")") != std::string::npos);
  std::string patch = RenderJsonPatch(allow.patch);
  BOOST_TEST(
      patch ==
      R"([{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"reg/a@sha256:00"}])");
  BOOST_TEST(out.find(Base64Encode(AsBytes(patch))) != std::string::npos);

  AdmissionResponse deny;
  deny.allowed = false;
  deny.message = "vouch: image a:1 rejected";
  out = RenderAdmissionReview(*req, deny);
  BOOST_TEST(
      out.find(R"("allowed":false,"status":{"code":403,"message":"vouch: image a:1 rejected")") !=
      std::string::npos);
  BOOST_TEST(out.find("patch") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::serve
