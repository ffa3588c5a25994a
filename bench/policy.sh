#!/usr/bin/env bash
# bench/policy.sh - one `vouch verify --policy` run vs the three calls it replaces.
# Starts a docker-registry on a free loopback port (temp dir, stopped and removed on exit), pushes
# one tiny image with curl, signs it and attaches two attestations (SLSA provenance v1 and an
# in-toto vulns report) with vouch (P-256 key made by openssl; FORMAT bundle or legacy), then:
#   A: vouch verify --policy P IMG
#   B: vouch verify IMG --key K; vouch verify-attestation IMG --type slsaprovenance;
#      vouch verify-attestation IMG --type https://in-toto.io/attestation/vulns/v0.2
# and prints, for each, the registry requests of one run (counted from the access log) and the
# mean wall time over R runs.
#   usage: bench/policy.sh [VOUCH_BIN] [R] [FORMAT]   (defaults: build/cli/vouch, 20, bundle)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
VOUCH=${1:-$HERE/../build/cli/vouch}
R=${2:-20}
FORMAT=${3:-bundle}
[[ -x $VOUCH ]] || { echo "vouch binary not found: $VOUCH" >&2; exit 1; }
source "$HERE/lib.sh"
bench_require docker-registry python3 curl openssl sha256sum
bench_start_registry error 900
repo=bench/policy
IMG=$(bench_push_tiny_image "$repo")

openssl ecparam -name prime256v1 -genkey -noout -out "$W/k.pem" 2>/dev/null
openssl ec -in "$W/k.pem" -pubout -out "$W/k.pub" 2>/dev/null
NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
cat >"$W/prov.json" <<JSON
{"buildDefinition":{"buildType":"https://builder.example/type/v1","externalParameters":{},
 "resolvedDependencies":[{"uri":"git+https://github.com/acme/app@refs/heads/main","digest":{"gitCommit":"0123456789abcdef0123456789abcdef01234567"}}]},
 "runDetails":{"builder":{"id":"https://builder.example/b@v1"},"metadata":{"startedOn":"$NOW","finishedOn":"$NOW"}}}
JSON
cat >"$W/vuln.json" <<JSON
{"scanner":{"uri":"pkg:github/aquasecurity/trivy@0.50.0","result":[{"id":"CVE-2024-1","severity":[{"method":"CVSSv3","score":"3.1"}]}]},
 "metadata":{"scanStartedOn":"$NOW","scanFinishedOn":"$NOW"}}
JSON
VULN=https://in-toto.io/attestation/vulns/v0.2
"$VOUCH" sign "$IMG" --key "$W/k.pem" --format "$FORMAT" >/dev/null
"$VOUCH" attest "$IMG" --key "$W/k.pem" --predicate "$W/prov.json" --type slsaprovenance --format "$FORMAT" >/dev/null
"$VOUCH" attest "$IMG" --key "$W/k.pem" --predicate "$W/vuln.json" --type "$VULN" --format "$FORMAT" >/dev/null
cat >"$W/policy.json" <<JSON
{"version":1,"authorities":{"k":{"key":{"path":"k.pub"}}},
 "policies":[{"name":"bench","scope":"$REG/bench/**","mode":"enforce",
   "signatures":{"authorities":["k"],"threshold":1},
   "attestations":[{"type":"slsaprovenance","authorities":["k"],"maxAge":"1d",
                    "slsa":{"builderIds":["https://builder.example/*"]}},
                   {"type":"$VULN","authorities":["k"],"maxAge":"1d",
                    "vulnerabilities":{"maxSeverity":"medium"}}]}]}
JSON

run_a() { "$VOUCH" verify --policy "$W/policy.json" "$IMG" >/dev/null; }
run_b() {
  "$VOUCH" verify "$IMG" --key "$W/k.pub" >/dev/null
  "$VOUCH" verify-attestation "$IMG" --key "$W/k.pub" --type slsaprovenance >/dev/null
  "$VOUCH" verify-attestation "$IMG" --key "$W/k.pub" --type "$VULN" >/dev/null
}
requests() {  # fn: /v2/ requests the registry logged during one call of fn
  local before after
  sleep 0.3; before=$(grep -cE '"(GET|HEAD|PUT|POST|PATCH|DELETE) /v2/' "$W/registry.log" || true)
  "$1"
  sleep 0.3; after=$(grep -cE '"(GET|HEAD|PUT|POST|PATCH|DELETE) /v2/' "$W/registry.log" || true)
  echo $((after - before))
}
timeit() {  # fn: mean milliseconds over R runs
  local t0 t1
  t0=$(date +%s%N)
  for _ in $(seq 1 "$R"); do "$1"; done
  t1=$(date +%s%N)
  echo $(((t1 - t0) / R / 1000000))
}
"$VOUCH" verify --policy "$W/policy.json" "$IMG"  # must pass before anything is measured
run_b
RA=$(requests run_a)
RB=$(requests run_b)
TA=$(timeit run_a)
TB=$(timeit run_b)
echo "format $FORMAT, $R runs each"
echo "A vouch verify --policy                     : $RA requests, $TA ms"
echo "B vouch verify + 2 x vouch verify-attestation: $RB requests, $TB ms"
(( RA < RB )) || { echo "FAIL: the policy run made $RA requests, not fewer than $RB" >&2; exit 1; }
