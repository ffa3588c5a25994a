// `vouch serve --policy FILE (--tls-cert C --tls-key K | --tls-self-signed-dir DIR
// [--tls-self-signed-ca-dir CADIR] [--tls-dns-name NAME]...) [--listen ADDR:PORT] [--deadline 8s]
// [--cache-ttl 5m] [--tag-ttl 30s] [--decision-log FILE|-] [--threads N] [--workers N]
// [--registry-concurrency N] [--max-images-per-review N] [--max-connections N]
// [--error-cache-ttl 5s] [--cache redis[s]://HOST:PORT[/DB] [--cache-password-file FILE]
// [--cache-ca-file FILE] [--cache-cert-file FILE --cache-key-file FILE]]`:
// option parsing only; the server is serve::Serve (docs/gate.md).
#include <algorithm>
#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include "command.h"
#include "commands.h"
#include "exit_code.h"
#include "key_flags.h"
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
  // Either the operator's certificate files or the gate's own CA (vouch/serve/self_signed.h).
  o.tls_cert = args.Get("tls-cert");
  o.tls_key = args.Get("tls-key");
  o.tls_self_signed_dir = args.Get("tls-self-signed-dir");
  o.tls_self_signed_ca_dir = args.Get("tls-self-signed-ca-dir");
  o.tls_dns_names = args.GetAll("tls-dns-name");
  if (!o.tls_self_signed_dir.empty()) {
    if (args.Has("tls-cert") || args.Has("tls-key")) {
      return UsageError("--tls-self-signed-dir and --tls-cert/--tls-key are mutually exclusive");
    }
  } else if (o.tls_cert.empty() || o.tls_key.empty()) {
    return UsageError("serve needs --tls-cert and --tls-key, or --tls-self-signed-dir");
  } else if (!o.tls_self_signed_ca_dir.empty() || !o.tls_dns_names.empty()) {
    return UsageError("--tls-self-signed-ca-dir and --tls-dns-name need --tls-self-signed-dir");
  }
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
  // "0" turns the negative cache off; otherwise whole seconds, like the other cache lifetimes.
  const std::string error_ttl_text = parsed["error-cache-ttl"].as<std::string>();
  auto error_ttl = error_ttl_text == "0" ? Result<std::chrono::seconds>(std::chrono::seconds(0))
                                         : ParsePositiveSeconds(error_ttl_text);
  if (!error_ttl.ok()) {
    return UsageError("--error-cache-ttl: " + error_ttl.status().message());
  }
  o.error_cache_ttl = *error_ttl;
  if (args.Has("cache")) {
    o.cache_url = args.Get("cache");
    if (auto url = serve::ParseCacheUrl(o.cache_url); !url.ok()) {
      return UsageError("--cache: " + url.status().message());
    }
    // The password never comes from the command line (process listings show it).
    if (args.Has("cache-password-file")) {
      Result<SecretString> pw = ReadPasswordFile(args.Get("cache-password-file"));
      if (!pw.ok()) {
        return UsageError("--cache-password-file: " + pw.status().message());
      }
      o.cache_password = std::string(pw->view());
    } else if (const char* env = std::getenv("VOUCH_CACHE_PASSWORD"); env != nullptr) {
      o.cache_password = env;
    }
  } else if (args.Has("cache-password-file")) {
    return UsageError("--cache-password-file needs --cache");
  }
  o.cache_tls = {args.Get("cache-ca-file"), args.Get("cache-cert-file"),
                 args.Get("cache-key-file")};
  const bool tls_flags = !o.cache_tls.ca_file.empty() || !o.cache_tls.cert_file.empty() ||
                         !o.cache_tls.key_file.empty();
  if (tls_flags && !o.cache_url.starts_with("rediss://")) {
    return UsageError("--cache-ca-file, --cache-cert-file and --cache-key-file need a rediss:// "
                      "--cache");
  }
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
  to.certs_d_roots = co.certs_d_roots.value_or(registry::DefaultCertsDirRoots());
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
          "--policy FILE (--tls-cert CERT --tls-key KEY | --tls-self-signed-dir DIR "
          "[--tls-self-signed-ca-dir CADIR] [--tls-dns-name NAME]...) [--listen HOST:PORT] "
          "[--deadline 8s] "
          "[--cache-ttl 5m] [--tag-ttl 30s] [--decision-log FILE|-] [--threads N] [--workers N] "
          "[--registry-concurrency 4] [--max-images-per-review 64] [--max-connections 1024] "
          "[--allow-registry-host HOST[:PORT]]... [--error-cache-ttl 5s] "
          "[--cache redis[s]://HOST:PORT[/DB] [--cache-password-file FILE] [--cache-ca-file FILE] "
          "[--cache-cert-file FILE --cache-key-file FILE]]")
      .With({AddRegistryFlags})
      .Value("policy", "trust policy file (JSON or YAML); reloaded on SIGHUP and when it changes")
      .Value("tls-cert", "PEM serving certificate chain")
      .Value("tls-key", "PEM private key of the serving certificate")
      .Value(
          "tls-self-signed-dir",
          "instead of --tls-cert/--tls-key: keep a CA (DIR/ca.crt, the caBundle) and a serving "
          "certificate (DIR/tls.crt, DIR/tls.key) here, made when missing, renewed before expiry")
      .Value("tls-self-signed-ca-dir",
             "with --tls-self-signed-dir: the CA is CADIR/ca.crt and CADIR/ca.key (read only, "
             "shared by replicas) instead of one kept in DIR")
      .Values("tls-dns-name",
              "with --tls-self-signed-dir: a name (DNS name or IP address) of the serving "
              "certificate (repeatable; default vouch-gate.vouch-system.svc and "
              "vouch-gate.vouch-system.svc.cluster.local)")
      .Require({"policy"})
      .Value("listen", "address to serve HTTPS on (port 0: any free port)", "0.0.0.0:8443")
      .Value("deadline",
             "answer every admission request within this duration (8s, 2500ms; keep below the "
             "webhook timeout)",
             "8s")
      .Value("cache-ttl",
             "how long accepted and rejected decisions are reused (whole seconds: 5m, 1h)", "5m")
      .Value("tag-ttl", "how long a tag -> digest resolution is reused (whole seconds: 30s, 10m)",
             "30s")
      .Value("error-cache-ttl",
             "how long a \"could not check\" verdict is reused before the image is tried again "
             "(whole seconds; 0: never)",
             "5s")
      .Value("cache",
             "share decisions with other replicas through Redis: redis://HOST:PORT[/DB], or "
             "rediss://HOST:PORT[/DB] over TLS")
      .Value("cache-password-file",
             "file holding the Redis password (else env VOUCH_CACHE_PASSWORD; never printed)")
      .Value("cache-ca-file",
             "rediss://: CA certificates (PEM) the Redis server's certificate must chain to "
             "(default: the system's trust store)")
      .Value("cache-cert-file", "rediss://: client certificate (PEM), for a Redis that asks")
      .Value("cache-key-file", "rediss://: the client certificate's key (PEM)")
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
