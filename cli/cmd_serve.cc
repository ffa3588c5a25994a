// `vouch serve --policy FILE --tls-cert C --tls-key K [--listen ADDR:PORT] [--deadline 8s]
// [--cache-ttl 5m] [--tag-ttl 30s] [--decision-log FILE|-] [--threads N] [--workers N]`:
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
#include "vouch/registry/transport.h"
#include "vouch/serve/serve.h"

namespace vouch::cli {
namespace {

// ParseDuration reads "500ms", "8s", "5m", "1h" (a bare number is seconds).
Result<std::chrono::milliseconds> ParseDuration(const std::string& flag, const std::string& text) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') {
    ++digits;
  }
  if (digits == 0 || digits > 9) {
    return InvalidArgumentError("--" + flag + " wants a duration like 8s, 500ms or 5m, got \"" +
                                text + "\"");
  }
  long long n = std::stoll(text.substr(0, digits));
  std::string unit = text.substr(digits);
  if (unit == "ms") {
    return std::chrono::milliseconds(n);
  }
  if (unit.empty() || unit == "s") {
    return std::chrono::milliseconds(n * 1000);
  }
  if (unit == "m") {
    return std::chrono::milliseconds(n * 60 * 1000);
  }
  if (unit == "h") {
    return std::chrono::milliseconds(n * 3600 * 1000);
  }
  return InvalidArgumentError("--" + flag + ": unknown unit \"" + unit + "\" (ms, s, m or h)");
}

int Serve(const Args& args) {
  const cxxopts::ParseResult& parsed = args.parsed();
  serve::ServeOptions o;
  o.policy_path = parsed["policy"].as<std::string>();
  o.tls_cert = parsed["tls-cert"].as<std::string>();
  o.tls_key = parsed["tls-key"].as<std::string>();
  o.listen = parsed["listen"].as<std::string>();
  auto deadline = ParseDuration("deadline", parsed["deadline"].as<std::string>());
  auto cache_ttl = ParseDuration("cache-ttl", parsed["cache-ttl"].as<std::string>());
  auto tag_ttl = ParseDuration("tag-ttl", parsed["tag-ttl"].as<std::string>());
  for (const auto* d : {&deadline, &cache_ttl, &tag_ttl}) {
    if (!d->ok()) {
      return UsageError(d->status().message());
    }
  }
  if (deadline->count() <= 0) {
    return UsageError("--deadline must be positive");
  }
  o.deadline = *deadline;
  o.cache_ttl = std::chrono::duration_cast<std::chrono::seconds>(*cache_ttl);
  o.tag_ttl = std::chrono::duration_cast<std::chrono::seconds>(*tag_ttl);
  o.decision_log = args.Get("decision-log");
  o.io_threads = args.As<int>("threads");
  o.worker_threads = args.As<int>("workers");

  // The registry client, configured like every image command's (registry_flags.h), with
  // connection, transfer and retry budgets tied to the deadline so that a hung registry does
  // not hold a worker for long. The transfer timeouts are twice the deadline: the request's
  // deadline timer always fires first, so the answer says "within the deadline" rather than
  // racing a transport error.
  o.client = ClientOptionsFromFlags(args.parsed());
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
          "[--cache-ttl 5m] [--tag-ttl 30s] [--decision-log FILE|-] [--threads N] [--workers N]")
      .With({AddRegistryFlags})
      .Value("policy", "trust policy file (JSON or YAML); reloaded on SIGHUP and when it changes")
      .Value("tls-cert", "PEM serving certificate chain")
      .Value("tls-key", "PEM private key of the serving certificate")
      .Require({"policy", "tls-cert", "tls-key"})
      .Value("listen", "address to serve HTTPS on (port 0: any free port)", "0.0.0.0:8443")
      .Value("deadline",
             "answer every admission request within this (keep below the webhook "
             "timeout)",
             "8s")
      .Value("cache-ttl", "how long accepted and rejected decisions are reused", "5m")
      .Value("tag-ttl", "how long a tag -> digest resolution is reused", "30s")
      .Value("decision-log", "append one JSON line per decision to FILE (- for stdout)")
      .Int("threads", "HTTP threads", 2, 1, 256)
      .Int("workers", "verification threads (they wait on registries)", 16, 1, 1024)
      .Note(
          "endpoints: POST /validate, POST /mutate (AdmissionReview v1), GET /healthz, /readyz, "
          "/metrics")
      .ExitCodes(
          "0 stopped by SIGTERM/SIGINT, 2 usage error (bad flags, policy, certificate), 3 "
          "could not listen")
      .Run(argc, argv, Serve);
}

}  // namespace vouch::cli
