// `vouch serve --policy FILE --tls-cert C --tls-key K [--listen ADDR:PORT] [--deadline 8s]
// [--cache-ttl 5m] [--tag-ttl 30s] [--decision-log FILE|-] [--threads N] [--workers N]
// [--registry-concurrency N] [--max-images-per-review N] [--max-connections N]`:
// option parsing only; the server is serve::Serve (docs/gate.md).
#include <algorithm>
#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include "command.h"
#include "commands.h"
#include "exit_code.h"
#include "registry_flags.h"
#include "vouch/core/duration.h"
#include "vouch/registry/reference.h"
#include "vouch/registry/transport.h"
#include "vouch/serve/serve.h"

namespace vouch::cli {
namespace {

int Serve(const Args& args) {
  const cxxopts::ParseResult& parsed = args.parsed();
  serve::ServeOptions o;
  o.policy_path = parsed["policy"].as<std::string>();
  o.tls_cert = parsed["tls-cert"].as<std::string>();
  o.tls_key = parsed["tls-key"].as<std::string>();
  o.listen = parsed["listen"].as<std::string>();
  // Durations: vouch/core/duration.h's grammar; the deadline to the millisecond, the cache
  // lifetimes in whole seconds, all positive.
  auto deadline = ParsePositiveMilliseconds(parsed["deadline"].as<std::string>());
  auto cache_ttl = ParsePositiveSeconds(parsed["cache-ttl"].as<std::string>());
  auto tag_ttl = ParsePositiveSeconds(parsed["tag-ttl"].as<std::string>());
  if (!deadline.ok()) {
    return UsageError("--deadline: " + deadline.status().message());
  }
  if (!cache_ttl.ok()) {
    return UsageError("--cache-ttl: " + cache_ttl.status().message());
  }
  if (!tag_ttl.ok()) {
    return UsageError("--tag-ttl: " + tag_ttl.status().message());
  }
  o.deadline = *deadline;
  o.cache_ttl = *cache_ttl;
  o.tag_ttl = *tag_ttl;
  o.decision_log = args.Get("decision-log");
  for (const std::string& h : args.GetAll("allow-registry-host")) {
    // Spelled as image references spell registries, so it compares with what the client
    // connects to ("localhost:5000", "[::1]:5000"): a single-label name would read as a Docker
    // Hub namespace.
    Result<registry::Reference> r = registry::ParseReference(h + "/allow-registry-host");
    if (h.empty() || h.find('/') != std::string::npos || !r.ok() ||
        r->registry == registry::kDockerHubDomain) {
      return UsageError("--allow-registry-host: bad registry host \"" + h +
                        "\" (write HOST or HOST:PORT, with a dot or a port, or localhost)");
    }
    o.allow_registry_hosts.push_back(r->registry);
  }
  o.io_threads = args.As<int>("threads");
  o.worker_threads = args.As<int>("workers");
  o.registry_concurrency = args.As<int>("registry-concurrency");
  o.max_images_per_review = static_cast<size_t>(args.As<int>("max-images-per-review"));
  o.max_connections = args.As<int>("max-connections");

  // The registry client, configured like every image command's (registry_flags.h), with
  // connection, transfer and retry budgets tied to the deadline so that a hung registry does
  // not hold a worker for long. The transfer timeouts are twice the deadline: the request's
  // deadline timer always fires first, so the answer says "within the deadline" rather than
  // racing a transport error.
  auto client_options = ClientOptionsFromFlags(args.parsed(), serve::DefaultRegistryThrottle());
  if (!client_options.ok()) {
    return UsageError(client_options.status().message());
  }
  o.client = std::move(*client_options);
  registry::ClientOptions& co = o.client;
  registry::CurlTransportOptions to;
  if (co.ca_file) {
    to.ca_file = co.ca_file;
  } else if (const char* env = std::getenv("SSL_CERT_FILE"); env != nullptr && *env != '\0') {
    to.ca_file = std::string(env);
  }
  auto budget = std::max<std::chrono::seconds>(
      std::chrono::seconds(2), std::chrono::duration_cast<std::chrono::seconds>(
                                   2 * o.deadline + std::chrono::milliseconds(999)));
  to.connect_timeout = budget;
  to.low_speed_timeout = budget;
  // --request-timeout may shorten a request's budget, never lengthen it past the deadline's.
  to.request_timeout = std::min<std::chrono::milliseconds>(
      budget, co.request_timeout.value_or(std::chrono::milliseconds(budget)));
  co.transport = registry::NewCurlTransport(to);
  co.retry.max_attempts = 3;
  co.retry.max_total = std::chrono::duration_cast<std::chrono::milliseconds>(o.deadline);
  return Finish(serve::Serve(o));
}

}  // namespace

int RunServe(int argc, char** argv) {
  return Command("serve",
                 "Kubernetes admission webhook: enforce a trust policy on the images of every "
                 "workload (docs/gate.md)")
      .Usage(
          "--policy FILE --tls-cert CERT --tls-key KEY [--listen HOST:PORT] [--deadline 8s] "
          "[--cache-ttl 5m] [--tag-ttl 30s] [--decision-log FILE|-] [--threads N] [--workers N] "
          "[--registry-concurrency 4] [--max-images-per-review 64] [--max-connections 1024] "
          "[--allow-registry-host HOST[:PORT]]...")
      .With({AddRegistryFlags})
      .Value("policy", "trust policy file (JSON or YAML); reloaded on SIGHUP and when it changes")
      .Value("tls-cert", "PEM serving certificate chain")
      .Value("tls-key", "PEM private key of the serving certificate")
      .Require({"policy", "tls-cert", "tls-key"})
      .Value("listen", "address to serve HTTPS on (port 0: any free port)", "0.0.0.0:8443")
      .Value("deadline",
             "answer every admission request within this duration (8s, 2500ms; keep below the "
             "webhook timeout)",
             "8s")
      .Value("cache-ttl",
             "how long accepted and rejected decisions are reused (whole seconds: 5m, 1h)", "5m")
      .Value("tag-ttl", "how long a tag -> digest resolution is reused (whole seconds: 30s, 10m)",
             "30s")
      .Value("decision-log", "append one JSON line per decision to FILE (- for stdout)")
      .Values("allow-registry-host",
              "may connect to HOST[:PORT] on a loopback, link-local or metadata address "
              "(repeatable; default none: only hosts a policy scope names literally)")
      .Int("threads", "HTTP threads", 2, 1, 256)
      .Int("workers", "verification threads (they wait on registries)", 16, 1, 1024)
      .Int("registry-concurrency",
           "verifications running at once per registry (host:port); the rest queue without "
           "holding a worker",
           4, 1, 1024)
      .Int("max-images-per-review",
           "deny a review naming more distinct images than this, verifying none", 64, 1, 100000)
      .Int("max-connections", "open connections; one more is closed at once", 1024, 1, 1 << 20)
      .Note(
          "endpoints: POST /validate, POST /mutate (AdmissionReview v1), GET /healthz, /readyz, "
          "/metrics")
      .ExitCodes(
          "0 stopped by SIGTERM/SIGINT, 2 usage error (bad flags, policy, certificate), 3 "
          "could not listen")
      .Run(argc, argv, Serve);
}

}  // namespace vouch::cli
