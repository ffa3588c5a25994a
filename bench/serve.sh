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
# usage: bench/serve.sh [--replicas N] [VOUCH_BIN] [DURATION] [CONNS] [THREADS]
#        defaults: build/cli/vouch, 10, 32, 2 (server HTTP threads; wrk uses 2 threads)
# Targets: p99 < 5 ms and >= 5000 requests/s cached; the first decision costs 1 verification.
#
# --replicas N (N >= 2): the replicas+Redis mode instead. Starts redis-server on a free loopback
# port (no persistence, temp dir) and N `vouch serve --cache redis://…` replicas; pushes and signs
# 8 different images and posts a Pod of 8 containers, one per image, to replica 1 (8
# verifications, written to Redis), then once to each other replica, and reports the
# cross-replica hit rate: the share of those replicas' decisions answered from Redis rather than
# verified again (the peer is a replica verifying alone: 0 %). Then one wrk per replica runs at
# once (-t1, CONNS/N connections each) posting that review, and it reports requests/s, p50 and p99
# per replica. Target: a 100 % cross-replica hit rate and every answer 200/allowed (latency is
# reported: N replicas and N wrk share this machine's cores).
#
# Exit status 0 when the targets hold, 1 otherwise.
#
# Cold mode: bench/serve.sh --cold [DELAY_MS] [VOUCH_BIN]   (default 50, build/cli/vouch)
#   The cold decision for a Pod of 8 containers naming 8 different signed images, through the
#   loopback fault proxy (tests/fixtures/fault_proxy.py) adding DELAY_MS to every registry
#   request: reported in round trips of the added latency, (delayed decision ms - the same
#   decision's ms with no added delay, another server, cold too) / DELAY_MS. Each server first decides a
#   ninth image, untimed, so that its one-time start-up costs are not counted. Prints the requests
#   of one image in the order the gate made them (-v), to show which are sequential.
#   Target: within 3 round trips. Exit 0 when it holds, 1 otherwise.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)

# write_policy_and_tls HOST: $W/policy.json requiring key k's signature on HOST/bench/**, and a
# self-signed serving certificate for 127.0.0.1 in $W/tls.{key,crt}.
write_policy_and_tls() {
  cat >"$W/policy.json" <<JSON
{"version":1,"authorities":{"k":{"key":{"path":"k.pub"}}},
 "policies":[{"name":"bench","scope":"$1/bench/**","mode":"enforce",
              "signatures":{"authorities":["k"],"threshold":1}},
             {"name":"default","scope":"*","mode":"reject"}]}
JSON
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$W/tls.key" -out "$W/tls.crt" 2>/dev/null
}

cold_mode() {
  local delay=${1:-50} vouch=${2:-$HERE/../build/cli/vouch}
  [[ -x $vouch ]] || { echo "vouch binary not found: $vouch" >&2; exit 2; }
  source "$HERE/lib.sh"
  bench_require docker-registry python3 curl openssl sha256sum
  bench_start_registry error 900
  openssl ecparam -name prime256v1 -genkey -noout -out "$W/k.pem" 2>/dev/null
  openssl ec -in "$W/k.pem" -pubout -out "$W/k.pub" 2>/dev/null
  local i img
  for i in $(seq 0 8); do
    img=$(bench_push_tiny_image "bench/cold$i" "{\"architecture\":\"amd64\",\"os\":\"linux\",\"variant\":\"v$i\"}")
    DOCKER_CONFIG=$W/docker "$vouch" sign "$img" --key "$W/k.pem" >/dev/null
  done
  # The proxy re-reads its rules file, so one proxy serves both runs.
  echo '[]' >"$W/rules.json"
  python3 "$HERE/../tests/fixtures/fault_proxy.py" --upstream "$REG" --port-file "$W/proxy.port" \
    --rules "$W/rules.json" 2>"$W/proxy.log" &
  BENCH_CLEANUP_PIDS+=("$!")
  for _ in $(seq 1 100); do [[ -s $W/proxy.port ]] && break; sleep 0.05; done
  local proxy=127.0.0.1:$(cat "$W/proxy.port")
  write_policy_and_tls "$proxy"
  local containers=
  for i in $(seq 0 7); do
    containers+="${containers:+,}{\"name\":\"c$i\",\"image\":\"$proxy/bench/cold$i:v1\"}"
  done
  # The warm-up review names a ninth image: the server's first verification pays one-time
  # costs (threads, first connections, libraries) that are not the registry's round trips.
  cat >"$W/warmup.json" <<JSON
{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"bench-warm","kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},"name":"warm","namespace":"bench","operation":"CREATE","userInfo":{"username":"bench"},"object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"warm","namespace":"bench"},"spec":{"containers":[{"name":"w","image":"$proxy/bench/cold8:v1"}]}},"oldObject":null,"dryRun":false}}
JSON
  cat >"$W/review.json" <<JSON
{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"bench-cold","kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},"name":"bench","namespace":"bench","operation":"CREATE","userInfo":{"username":"bench"},"object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"bench","namespace":"bench"},"spec":{"containers":[$containers]}},"oldObject":null,"dryRun":false}}
JSON
  # cold_decision NAME: a fresh server (empty caches, 8 verifications may run at once on the
  # one registry), one review; prints the decision's milliseconds.
  cold_decision() {
    DOCKER_CONFIG=$W/docker "$vouch" serve --policy "$W/policy.json" --tls-cert "$W/tls.crt" \
      --tls-key "$W/tls.key" --listen 127.0.0.1:0 --registry-concurrency 8 --deadline 30s -v \
      2>"$W/$1.log" &
    local spid=$! port=
    BENCH_CLEANUP_PIDS+=("$spid")
    for _ in $(seq 1 100); do
      port=$(sed -n 's/.*listening on https:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$W/$1.log")
      [[ -n $port ]] && break
      sleep 0.05
    done
    [[ -n $port ]] || { echo "vouch serve did not start:" >&2; cat "$W/$1.log" >&2; exit 1; }
    local t
    curl -fsS --cacert "$W/tls.crt" -o /dev/null -H 'Content-Type: application/json' \
      --data-binary "@$W/warmup.json" "https://127.0.0.1:$port/validate"
    t=$(curl -fsS --cacert "$W/tls.crt" -o "$W/$1.json" -w '%{time_total}' \
      -H 'Content-Type: application/json' --data-binary "@$W/review.json" \
      "https://127.0.0.1:$port/validate")
    grep -q '"allowed":true' "$W/$1.json" || { echo "$1 decision not allowed:" >&2; cat "$W/$1.json" >&2; exit 1; }
    kill -TERM "$spid"; wait "$spid" 2>/dev/null || true
    awk -v t="$t" 'BEGIN{printf "%.1f", t*1000}'
  }
  local base slow requests
  base=$(cold_decision nodelay)
  echo "[{\"action\":\"delay\",\"ms\":$delay}]" >"$W/rules.json"
  slow=$(cold_decision delayed)
  requests=$(grep '^vouch: [A-Z]* http' "$W/delayed.log" | grep -vc '/bench/cold8/' || true)
  echo "machine: $(nproc) cores; registry behind a loopback proxy adding $delay ms per request"
  echo "cold decision, Pod of 8 containers naming 8 different images (8 verifications at once):"
  echo "  no added delay: $base ms; with $delay ms per request: $slow ms, $requests registry requests"
  # What the latency costs: the delayed decision less the same decision without delay (the
  # loopback registry's and the proxy's own time, which is not latency), in units of the delay.
  local rtt
  rtt=$(awk -v s="$slow" -v b="$base" -v d="$delay" 'BEGIN{printf "%.1f", (s-b)/d}')
  echo "  = $rtt round trips of the added latency: ($slow - $base) / $delay (target: within 3)"
  echo "requests for one image (bench/cold0), in the order they completed, with $delay ms added:"
  grep '^vouch: [A-Z]* http' "$W/delayed.log" | grep '/bench/cold0/' | sed 's/^vouch: /  /; s/http:\/\/[^/]*//'
  echo "the same without added delay:"
  grep '^vouch: [A-Z]* http' "$W/nodelay.log" | grep '/bench/cold0/' | sed 's/^vouch: /  /; s/http:\/\/[^/]*//'
  [[ -z ${BENCH_KEEP_LOGS:-} ]] || cp "$W"/*.log "$BENCH_KEEP_LOGS"/
  awk -v r="$rtt" 'BEGIN { exit !(r <= 3) }' || { echo "target missed: more than 3 round trips"; exit 1; }
}

if [[ ${1:-} == --cold ]]; then
  shift
  cold_mode "$@"
  exit 0
fi
REPLICAS=0
if [[ ${1:-} == --replicas ]]; then
  REPLICAS=${2:?--replicas needs a number}
  shift 2
  ((REPLICAS >= 2)) || { echo "--replicas needs at least 2" >&2; exit 2; }
fi
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
write_policy_and_tls "$REG"

# The review: a Pod with 8 containers of the image, by tag (AdmissionReview v1 request).
containers=
for i in $(seq 0 7); do
  containers+="${containers:+,}{\"name\":\"c$i\",\"image\":\"$IMG\"}"
done
cat >"$W/review.json" <<JSON
{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"bench-0001","kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},"name":"bench","namespace":"bench","operation":"CREATE","userInfo":{"username":"bench"},"object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"bench","namespace":"bench"},"spec":{"containers":[$containers]}},"oldObject":null,"dryRun":false}}
JSON

# start_serve LOG [FLAG...]: start `vouch serve` logging to LOG, set PORT once it listens.
start_serve() {
  local log=$1 _
  shift
  DOCKER_CONFIG=$W/docker "$VOUCH" serve --policy "$W/policy.json" --tls-cert "$W/tls.crt" \
    --tls-key "$W/tls.key" --listen 127.0.0.1:0 --threads "$THREADS" --tag-ttl 10m "$@" \
    2>"$log" &
  BENCH_CLEANUP_PIDS+=($!)
  PORT=
  for _ in $(seq 1 100); do
    PORT=$(sed -n 's/.*listening on https:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log")
    [[ -n $PORT ]] && break
    sleep 0.05
  done
  [[ -n $PORT ]] || { echo "vouch serve did not start:" >&2; cat "$log" >&2; exit 1; }
}
metric_at() { curl -fsS --cacert "$W/tls.crt" "https://127.0.0.1:$1/metrics" | awk -v m="$2" '$1==m {print $2}'; }
to_ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) { sub(/us$/, "", v); print v / 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v); print v } else { sub(/s$/, "", v); print v * 1000 } }'; }

if ((REPLICAS > 0)); then
  bench_require redis-server
  imgs=()
  for i in $(seq 0 7); do
    img=$(bench_push_tiny_image "bench/replica$i" "{\"architecture\":\"amd64\",\"os\":\"linux\",\"n\":$i}")
    DOCKER_CONFIG=$W/docker "$VOUCH" sign "$img" --key "$W/k.pem" >/dev/null 2>&1
    imgs+=("$img")
  done
  containers=
  for i in $(seq 0 7); do
    containers+="${containers:+,}{\"name\":\"c$i\",\"image\":\"${imgs[$i]}\"}"
  done
  sed "s|\"containers\":\[[^]]*\]|\"containers\":[$containers]|" "$W/review.json" >"$W/review8.json"
  RPORT=$(bench_free_port)
  redis-server --port "$RPORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$W" \
    --logfile "$W/redis.log" &
  BENCH_CLEANUP_PIDS+=($!)
  for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$RPORT") 2>/dev/null && break; sleep 0.05; done
  ports=()
  for r in $(seq 1 "$REPLICAS"); do
    start_serve "$W/serve$r.log" --cache "redis://127.0.0.1:$RPORT"
    ports+=("$PORT")
  done
  for p in "${ports[@]}"; do
    for _ in $(seq 1 100); do [[ $(metric_at "$p" vouch_serve_shared_cache_up) == 1 ]] && break; sleep 0.05; done
  done
  post() { curl -fsS --cacert "$W/tls.crt" -o "$W/answer.json" -w '%{time_total}' \
             -H 'Content-Type: application/json' --data-binary "@$W/review8.json" "https://127.0.0.1:$1/validate"; }
  first=$(post "${ports[0]}")
  grep -q '"allowed":true' "$W/answer.json" || { echo "first decision not allowed:" >&2; cat "$W/answer.json" >&2; exit 1; }
  for _ in $(seq 1 100); do [[ $(metric_at "${ports[0]}" vouch_serve_shared_cache_writes_total) == 8 ]] && break; sleep 0.05; done
  shared_hits=0 others_verified=0
  for p in "${ports[@]:1}"; do
    t=$(post "$p")
    grep -q '"allowed":true' "$W/answer.json" || { echo "replica on $p did not allow:" >&2; cat "$W/answer.json" >&2; exit 1; }
    echo "replica on port $p: first decision $(awk -v t="$t" 'BEGIN{printf "%.1f", t*1000}') ms"
    shared_hits=$((shared_hits + $(metric_at "$p" vouch_serve_shared_cache_hits_total)))
    others_verified=$((others_verified + $(metric_at "$p" vouch_serve_verifications_total)))
  done
  needed=$((8 * (REPLICAS - 1)))
  rate=$(awk -v h="$shared_hits" -v n="$needed" 'BEGIN { printf "%.1f", 100 * h / n }')
  per=$((CONNS / REPLICAS > 0 ? CONNS / REPLICAS : 1))
  r=0 wrk_pids=()
  for p in "${ports[@]}"; do
    r=$((r + 1))
    REVIEW_FILE=$W/review8.json wrk -t1 -c"$per" -d"${DURATION}s" --latency -s "$HERE/serve.lua" \
      "https://127.0.0.1:$p/validate" >"$W/wrk$r.out" &
    wrk_pids+=($!)
  done
  wait "${wrk_pids[@]}"
  echo
  echo "machine: $(nproc) cores; $REPLICAS replicas (--threads $THREADS each) sharing redis-server;"
  echo "  one wrk per replica at once, -t1 -c$per -d${DURATION}s, Pod of 8 containers of 8 images"
  echo "first decision on replica 1: $(awk -v t="$first" 'BEGIN{printf "%.1f", t*1000}') ms, $(metric_at "${ports[0]}" vouch_serve_verifications_total) verifications"
  echo "cross-replica hit rate: $rate % ($shared_hits of $needed decisions of replicas 2-$REPLICAS answered from Redis; $others_verified verified again)"
  ok=1 total=0
  for r in $(seq 1 "$REPLICAS"); do
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$W/wrk$r.out")
    p50=$(to_ms "$(awk '$1=="50%" {print $2}' "$W/wrk$r.out")")
    p99=$(to_ms "$(awk '$1=="99%" {print $2}' "$W/wrk$r.out")")
    bad=$(awk '/^not-allowed-or-non-200:/ {print $2}' "$W/wrk$r.out")
    total=$(awk -v a="$total" -v b="$rps" 'BEGIN { print a + b }')
    echo "replica $r: $rps requests/s, p50 $p50 ms, p99 $p99 ms, $bad answers not 200/allowed"
    [[ $bad == 0 ]] || ok=0
  done
  echo "all replicas: $total requests/s"
  [[ $rate == 100.0 && $others_verified == 0 ]] || { echo "target missed: cross-replica hit rate below 100 %"; ok=0; }
  ((ok)) || exit 1
  exit 0
fi

start_serve "$W/serve.log"
URL=https://127.0.0.1:$PORT
metric() { metric_at "$PORT" "$1"; }
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
