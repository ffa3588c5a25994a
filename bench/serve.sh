#!/usr/bin/env bash
# bench/serve.sh - `vouch serve` under wrk: cached admission decisions per second and their
# latency, and the cost of a first (uncached) decision.
#
# Starts a docker-registry on a free loopback port (temp dir; stopped and removed on exit),
# pushes one tiny image with curl, signs it with vouch (P-256 key made by openssl), starts
# `vouch serve` (self-signed certificate made by openssl) with a policy that requires that
# signature, then:
#   1. posts one AdmissionReview (a Pod with 8 containers of the image, by tag) with curl: the
#      first, uncached decision; prints its latency and the registry requests it caused (from the
#      registry's access log) and the server's own verification / registry request counters;
#   2. runs wrk (bench/serve.lua) for DURATION seconds with CONNS connections posting the same
#      review (every decision now comes from the cache) and prints requests/s and p50/p99.
# usage: bench/serve.sh [VOUCH_BIN] [DURATION] [CONNS] [THREADS]
#        defaults: build/cli/vouch, 10, 32, 2 (server HTTP threads; wrk uses 2 threads)
# Targets: p99 < 5 ms and >= 5000 requests/s cached; the first decision costs 1 verification.
# Exit status 0 when the targets hold, 1 otherwise.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
VOUCH=${1:-$HERE/../build/cli/vouch}
DURATION=${2:-10}
CONNS=${3:-32}
THREADS=${4:-2}
[[ -x $VOUCH ]] || { echo "vouch binary not found: $VOUCH" >&2; exit 2; }
source "$HERE/lib.sh"
bench_require docker-registry python3 curl openssl sha256sum wrk
bench_start_registry error 900
repo=bench/serve
IMG=$(bench_push_tiny_image "$repo")
openssl ecparam -name prime256v1 -genkey -noout -out "$W/k.pem" 2>/dev/null
openssl ec -in "$W/k.pem" -pubout -out "$W/k.pub" 2>/dev/null
DOCKER_CONFIG=$W/docker "$VOUCH" sign "$IMG" --key "$W/k.pem" >/dev/null
cat >"$W/policy.json" <<JSON
{"version":1,"authorities":{"k":{"key":{"path":"k.pub"}}},
 "policies":[{"name":"bench","scope":"$REG/bench/**","mode":"enforce",
              "signatures":{"authorities":["k"],"threshold":1}},
             {"name":"default","scope":"*","mode":"reject"}]}
JSON
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$W/tls.key" -out "$W/tls.crt" 2>/dev/null

# The review: a Pod with 8 containers of the image, by tag (AdmissionReview v1 request).
containers=
for i in $(seq 0 7); do
  containers+="${containers:+,}{\"name\":\"c$i\",\"image\":\"$IMG\"}"
done
cat >"$W/review.json" <<JSON
{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"bench-0001","kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},"name":"bench","namespace":"bench","operation":"CREATE","userInfo":{"username":"bench"},"object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"bench","namespace":"bench"},"spec":{"containers":[$containers]}},"oldObject":null,"dryRun":false}}
JSON

DOCKER_CONFIG=$W/docker "$VOUCH" serve --policy "$W/policy.json" --tls-cert "$W/tls.crt" \
  --tls-key "$W/tls.key" --listen 127.0.0.1:0 --threads "$THREADS" --tag-ttl 10m \
  2>"$W/serve.log" &
SPID=$!
BENCH_CLEANUP_PIDS+=("$SPID")
PORT=
for _ in $(seq 1 100); do
  PORT=$(sed -n 's/.*listening on https:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$W/serve.log")
  [[ -n $PORT ]] && break
  sleep 0.05
done
[[ -n $PORT ]] || { echo "vouch serve did not start:" >&2; cat "$W/serve.log" >&2; exit 1; }
URL=https://127.0.0.1:$PORT
metric() { curl -fsS --cacert "$W/tls.crt" "$URL/metrics" | awk -v m="$1" '$1==m {print $2}'; }
reglines() { grep -cE '"(GET|HEAD|PUT|POST|PATCH|DELETE) /v2/' "$W/registry.log" || true; }

# 1. First decision (uncached).
sleep 0.3
before=$(reglines)
first=$(curl -fsS --cacert "$W/tls.crt" -o "$W/first.json" -w '%{time_total}' \
  -H 'Content-Type: application/json' --data-binary "@$W/review.json" "$URL/validate")
sleep 0.3
after=$(reglines)
grep -q '"allowed":true' "$W/first.json" || { echo "first decision not allowed:" >&2; cat "$W/first.json" >&2; exit 1; }
verifications=$(metric vouch_serve_verifications_total)
regreq=$(metric vouch_serve_registry_requests_total)

# 2. Cached decisions under wrk.
REVIEW_FILE=$W/review.json wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency -s "$HERE/serve.lua" \
  "$URL/validate" >"$W/wrk.out"
cat "$W/wrk.out"
rps=$(awk '/^Requests\/sec:/ {print $2}' "$W/wrk.out")
to_ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) { sub(/us$/, "", v); print v / 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v); print v } else { sub(/s$/, "", v); print v * 1000 } }'; }
p50=$(to_ms "$(awk '$1=="50%" {print $2}' "$W/wrk.out")")
p99=$(to_ms "$(awk '$1=="99%" {print $2}' "$W/wrk.out")")
bad=$(awk '/^not-allowed-or-non-200:/ {print $2}' "$W/wrk.out")
hits=$(metric vouch_serve_cache_hits_total)
verifications_after=$(metric vouch_serve_verifications_total)

echo
echo "machine: $(nproc) cores; server --threads $THREADS; wrk -t2 -c$CONNS -d${DURATION}s"
echo "first (uncached) decision, Pod with 8 containers of one image: $(awk -v t="$first" 'BEGIN{printf "%.1f", t*1000}') ms,"
echo "  $((after - before)) registry requests (access log), $regreq counted by the gate, $verifications verification(s)"
echo "cached: $rps requests/s, p50 $p50 ms, p99 $p99 ms, $bad answers not 200/allowed, cache hits $hits,"
echo "  verifications after the run: $verifications_after"
ok=1
awk -v r="$rps" 'BEGIN { exit !(r >= 5000) }' || { echo "target missed: requests/s < 5000"; ok=0; }
awk -v p="$p99" 'BEGIN { exit !(p < 5) }' || { echo "target missed: p99 >= 5 ms"; ok=0; }
[[ $verifications == 1 && $verifications_after == 1 ]] || { echo "target missed: more than one verification"; ok=0; }
[[ $bad == 0 ]] || { echo "some answers were not 200/allowed"; ok=0; }
((ok)) || exit 1
