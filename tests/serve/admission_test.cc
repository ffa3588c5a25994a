// ParseAdmissionReview / RenderAdmissionReview: every workload kind's pod template path, the
// three container lists and image volumes, the bodies that must be refused with HTTP 400, and
// which requests need no verification (SkipFor).
#include "vouch/serve/admission.h"

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "serve/review.h"
#include "vouch/core/bytes.h"

namespace vouch::serve {

// Boost.Test prints the operands of a failed comparison.
std::ostream& operator<<(std::ostream& os, Skip s) {
  return os << (s == Skip::kNone ? "none" : SkipName(s));
}

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
    {"ReplicationController", "/spec/template/spec"},
};

BOOST_AUTO_TEST_SUITE(admission)

BOOST_DATA_TEST_CASE(every_kind_yields_every_container_list, kKinds, k) {
  PodImages p{{"reg.example/app:v1", "reg.example/sidecar@sha256:" + std::string(64, 'a')},
              {"reg.example/init:v2"},
              {"busybox"}};
  serve_test::ReviewOptions o;
  o.volumes = {"reg.example/models:v3"};
  auto r = ParseAdmissionReview(Review("uid-" + k.kind, k.kind, "web", p, o));
  BOOST_REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  BOOST_TEST(r->known_kind);
  BOOST_TEST(r->uid == "uid-" + k.kind);
  BOOST_TEST(r->kind == k.kind);
  BOOST_TEST(r->api_version == "admission.k8s.io/v1");
  BOOST_TEST(r->namespace_name == "team-a");
  BOOST_TEST(r->name == "web");
  BOOST_TEST(r->operation == "CREATE");
  BOOST_TEST(r->pod_spec_pointer == k.pointer);
  BOOST_REQUIRE_EQUAL(r->images.size(), 5u);
  BOOST_TEST(r->images[0].image == "reg.example/app:v1");
  BOOST_TEST(r->images[0].container == "c0");
  BOOST_TEST(r->images[0].pointer == k.pointer + "/containers/0/image");
  BOOST_TEST(r->images[1].pointer == k.pointer + "/containers/1/image");
  BOOST_TEST(r->images[2].image == "reg.example/init:v2");
  BOOST_TEST(r->images[2].pointer == k.pointer + "/initContainers/0/image");
  BOOST_TEST(r->images[3].image == "busybox");
  BOOST_TEST(r->images[3].pointer == k.pointer + "/ephemeralContainers/0/image");
  // An image volume (Kubernetes 1.31+) is content the pod runs with: read, and pinned by its
  // reference's pointer; the ConfigMap volume beside it has no image.
  BOOST_TEST(r->images[4].image == "reg.example/models:v3");
  BOOST_TEST(r->images[4].container == "v0");
  BOOST_TEST(r->images[4].pointer == k.pointer + "/volumes/0/image/reference");
  BOOST_TEST(r->username == "admin");
  BOOST_TEST(r->groups == (std::vector<std::string>{"system:authenticated", "my-admin-group"}),
             boost::test_tools::per_element());
  BOOST_TEST(!r->old_images.has_value());
  BOOST_TEST(SkipFor(*r) == Skip::kNone);
}

// Update returns the parsed UPDATE of |kind| from |old| to |now|.
AdmissionRequest Update(const std::string& kind, const PodImages& now, const PodImages& old,
                        std::vector<std::string> volumes = {},
                        std::vector<std::string> old_volumes = {}) {
  serve_test::ReviewOptions o;
  o.operation = "UPDATE";
  o.old = old;
  o.volumes = std::move(volumes);
  o.old_volumes = std::move(old_volumes);
  auto r = ParseAdmissionReview(Review("u-" + kind, kind, "web", now, o));
  BOOST_REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  return *r;
}

BOOST_DATA_TEST_CASE(update_is_verified_only_when_it_adds_or_changes_an_image, kKinds, k) {
  const PodImages before{
      {"reg.example/app:v1", "reg.example/side:v1"}, {"reg.example/init:v1"}, {}};
  // Labels, replicas, resources: the same images, nothing new can run.
  AdmissionRequest same =
      Update(k.kind, before, before, {"reg.example/m:v1"}, {"reg.example/m:v1"});
  BOOST_REQUIRE(same.old_images.has_value());
  BOOST_TEST(same.old_images->size() == 4u);
  BOOST_TEST(SkipFor(same) == Skip::kUnchanged);
  // A changed tag, an added sidecar, a changed init container, a changed image volume: verified.
  BOOST_TEST(
      SkipFor(Update(k.kind,
                     {{"reg.example/app:v2", "reg.example/side:v1"}, {"reg.example/init:v1"}, {}},
                     before)) == Skip::kNone);
  BOOST_TEST(
      SkipFor(Update(
          k.kind,
          {{"reg.example/app:v1", "reg.example/side:v1", "evil:1"}, {"reg.example/init:v1"}, {}},
          before)) == Skip::kNone);
  BOOST_TEST(
      SkipFor(Update(k.kind,
                     {{"reg.example/app:v1", "reg.example/side:v1"}, {"reg.example/init:v2"}, {}},
                     before)) == Skip::kNone);
  BOOST_TEST(SkipFor(Update(k.kind, before, before, {"reg.example/m:v2"}, {"reg.example/m:v1"})) ==
             Skip::kNone);
  // An image the old object ran elsewhere (a container's image now an init container's), or a
  // container removed: nothing the old object did not name.
  BOOST_TEST(SkipFor(Update(k.kind, {{"reg.example/init:v1"}, {"reg.example/app:v1"}, {}},
                            before)) == Skip::kUnchanged);
  BOOST_TEST(SkipFor(Update(k.kind, {{"reg.example/app:v1"}, {}, {}}, before)) == Skip::kUnchanged);
  // The same image written by digest instead of tag is another string: verified.
  BOOST_TEST(
      SkipFor(Update(k.kind,
                     {{"reg.example/app@sha256:" + std::string(64, 'b'), "reg.example/side:v1"},
                      {"reg.example/init:v1"},
                      {}},
                     before)) == Skip::kNone);
}

BOOST_AUTO_TEST_CASE(update_without_or_with_a_malformed_old_object_is_verified) {
  serve_test::ReviewOptions o;
  o.operation = "UPDATE";
  auto r = ParseAdmissionReview(Review("u", "Pod", "p", {{"a:1"}, {}, {}}, o));
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(!r->old_images.has_value());
  BOOST_TEST(SkipFor(*r) == Skip::kNone);
  // An old object whose containers do not parse: not a reason to refuse, nor to skip.
  auto bad = ParseAdmissionReview(
      R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","kind":{"group":"","version":"v1","kind":"Pod"},"operation":"UPDATE","object":{"spec":{"containers":[{"name":"a","image":"a:1"}]}},"oldObject":{"spec":{"containers":{}}}}})");
  BOOST_REQUIRE_MESSAGE(bad.ok(), bad.status().ToString());
  BOOST_TEST(!bad->old_images.has_value());
  BOOST_TEST(SkipFor(*bad) == Skip::kNone);
}

BOOST_AUTO_TEST_CASE(delete_connect_subresources_and_deleting_objects_are_skipped) {
  serve_test::ReviewOptions del;
  del.operation = "DELETE";
  del.no_object = true;
  del.old = PodImages{{"a:1"}, {}, {}};
  auto d = ParseAdmissionReview(Review("d", "Deployment", "web", {}, del));
  BOOST_REQUIRE(d.ok());
  BOOST_TEST(SkipFor(*d) == Skip::kDelete);
  BOOST_TEST(SkipName(SkipFor(*d)) == "delete");

  auto c = ParseAdmissionReview(
      R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"c","kind":{"group":"","version":"v1","kind":"PodExecOptions"},"subResource":"exec","name":"web","namespace":"n","operation":"CONNECT","object":{"kind":"PodExecOptions","command":["sh"]}}})");
  BOOST_REQUIRE_MESSAGE(c.ok(), c.status().ToString());
  BOOST_TEST(SkipFor(*c) == Skip::kConnect);

  for (const std::string sub : {"status", "scale", "binding"}) {
    serve_test::ReviewOptions o;
    o.operation = "UPDATE";
    o.sub_resource = sub;
    o.old = PodImages{{"a:1"}, {}, {}};
    // Even with an image that differs: a status write cannot change the spec.
    auto r = ParseAdmissionReview(Review("s", "Pod", "web", {{"b:2"}, {}, {}}, o));
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(r->sub_resource == sub);
    BOOST_TEST(SkipFor(*r) == Skip::kSubresource, sub);
    BOOST_TEST(SkipDescription(Skip::kSubresource, *r).find(sub) != std::string::npos);
  }

  // A finalizer removal on a Pod being deleted (the image since rejected by the policy).
  serve_test::ReviewOptions fin;
  fin.operation = "UPDATE";
  fin.deleting = true;
  fin.old = PodImages{{"a:1"}, {}, {}};
  auto f = ParseAdmissionReview(Review("f", "Pod", "web", {{"a:1"}, {}, {}}, fin));
  BOOST_REQUIRE(f.ok());
  BOOST_TEST(f->deleting);
  BOOST_TEST(SkipFor(*f) == Skip::kDeleting);
  BOOST_TEST(SkipName(Skip::kDeleting) == "deleting");
  // A deletionTimestamp written by the client on an object that is not being deleted: the API
  // server resets it, but only after /mutate has seen it. The stored object decides.
  auto forged = ParseAdmissionReview(
      R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"f","kind":{"group":"","version":"v1","kind":"Pod"},"operation":"UPDATE","object":{"metadata":{"name":"p","deletionTimestamp":"2026-12-03T04:50:00Z"},"spec":{"containers":[{"name":"a","image":"b:2"}]}},"oldObject":{"metadata":{"name":"p"},"spec":{"containers":[{"name":"a","image":"a:1"}]}}}})");
  BOOST_REQUIRE(forged.ok());
  BOOST_TEST(!forged->deleting);
  BOOST_TEST(SkipFor(*forged) == Skip::kNone);
  auto create = ParseAdmissionReview(
      R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"f","kind":{"group":"","version":"v1","kind":"Pod"},"operation":"CREATE","object":{"metadata":{"name":"p","deletionTimestamp":"2026-12-03T04:50:00Z"},"spec":{"containers":[{"name":"a","image":"b:2"}]}}}})");
  BOOST_REQUIRE(create.ok());
  BOOST_TEST(SkipFor(*create) == Skip::kNone);
}

BOOST_AUTO_TEST_CASE(ephemeral_containers_subresource_is_verified) {
  // Kubernetes 1.22+: kind Pod, subResource ephemeralcontainers, the whole Pod with the new
  // debug container.
  serve_test::ReviewOptions o;
  o.operation = "UPDATE";
  o.sub_resource = "ephemeralcontainers";
  o.old = PodImages{{"reg.example/app:v1"}, {}, {}};
  auto r = ParseAdmissionReview(
      Review("e", "Pod", "web", {{"reg.example/app:v1"}, {}, {"busybox:1.36"}}, o));
  BOOST_REQUIRE(r.ok());
  BOOST_REQUIRE_EQUAL(r->images.size(), 2u);
  BOOST_TEST(r->images[1].image == "busybox:1.36");
  BOOST_TEST(r->images[1].pointer == "/spec/ephemeralContainers/0/image");
  BOOST_TEST(SkipFor(*r) == Skip::kNone);
  // The same request again with the debug container already there (a status-like rewrite).
  o.old = PodImages{{"reg.example/app:v1"}, {}, {"busybox:1.36"}};
  auto again = ParseAdmissionReview(
      Review("e", "Pod", "web", {{"reg.example/app:v1"}, {}, {"busybox:1.36"}}, o));
  BOOST_REQUIRE(again.ok());
  BOOST_TEST(SkipFor(*again) == Skip::kUnchanged);
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
  BOOST_TEST(!other->known_kind);
  BOOST_TEST(!r->known_kind);
  BOOST_TEST(SkipFor(*r) == Skip::kSubresource);
  BOOST_TEST(SkipFor(*d) == Skip::kDelete);
  // An UPDATE of an unknown kind is never "unchanged": vouch cannot see what changed.
  auto unknown_update = ParseAdmissionReview(
      R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"o","kind":{"group":"example.com","version":"v1","kind":"Rollout"},"operation":"UPDATE","object":{"spec":{}},"oldObject":{"spec":{}}}})");
  BOOST_REQUIRE(unknown_update.ok());
  BOOST_TEST(!unknown_update->old_images.has_value());
  BOOST_TEST(SkipFor(*unknown_update) == Skip::kNone);
}

BOOST_AUTO_TEST_CASE(ephemeral_containers_kind_of_old_clusters) {
  auto r = ParseAdmissionReview(
      R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"e","kind":{"group":"","version":"v1","kind":"EphemeralContainers"},"subResource":"ephemeralcontainers","name":"web","namespace":"n","operation":"UPDATE","object":{"kind":"EphemeralContainers","metadata":{"name":"web"},"ephemeralContainers":[{"name":"debugger","image":"busybox:1.36"}]}}})");
  BOOST_REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  BOOST_REQUIRE_EQUAL(r->images.size(), 1u);
  BOOST_TEST(r->images[0].image == "busybox:1.36");
  BOOST_TEST(r->images[0].pointer == "/ephemeralContainers/0/image");
  BOOST_TEST(r->known_kind);
  BOOST_TEST(r->sub_resource == "ephemeralcontainers");
  BOOST_TEST(SkipFor(*r) == Skip::kNone);  // no oldObject: verified
  auto upd = ParseAdmissionReview(
      R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"e","kind":{"group":"","version":"v1","kind":"EphemeralContainers"},"subResource":"ephemeralcontainers","name":"web","namespace":"n","operation":"UPDATE","object":{"kind":"EphemeralContainers","ephemeralContainers":[{"name":"a","image":"busybox:1.36"},{"name":"b","image":"nicolaka/netshoot"}]},"oldObject":{"kind":"EphemeralContainers","ephemeralContainers":[{"name":"a","image":"busybox:1.36"}]}}})");
  BOOST_REQUIRE_MESSAGE(upd.ok(), upd.status().ToString());
  BOOST_TEST(upd->old_images->size() == 1u);
  BOOST_TEST(SkipFor(*upd) == Skip::kNone);
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
    R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","kind":{"group":"","kind":"Pod"},"object":{"spec":{"volumes":{}}}}})",
    R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","kind":{"group":"","kind":"Pod"},"object":{"spec":{"volumes":[{"name":"v","image":"x:1"}]}}}})",
    R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","kind":{"group":"","kind":"Pod"},"object":{"spec":{"volumes":[{"name":"v","image":{"reference":7}}]}}}})",
    R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","kind":{"group":"","kind":"Pod"},"subResource":5,"object":{}}})",
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
