#!/usr/bin/env bash
# bench/copy.sh - wall time and request counts of `vouch copy` vs
# `skopeo copy --all --preserve-digests` for the same multi-arch image between two repositories of
# one local docker-registry (127.0.0.1, free port, temp dir; stopped on exit).
#   usage: bench/copy.sh [VOUCH_BIN] [RUNS]     (default build/cli/vouch, 11 runs each)
# Runs alternate (vouch, skopeo, vouch, ...) into fresh destination repositories; prints each
# run, the medians, the ratio vouch/skopeo (target <= 0.8) and the registry requests per copy
# counted from the registry's access log, and the median wall time of a `vouch resolve` process.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
VOUCH=${1:-$HERE/../build/cli/vouch}
RUNS=${2:-11}
[[ -x $VOUCH ]] || { echo "vouch binary not found: $VOUCH" >&2; exit 1; }
source "$HERE/lib.sh"
bench_require docker-registry skopeo python3 curl
bench_start_registry info 900
python3 "$HERE/../tests/fixtures/make_layout.py" "$W/layout" >"$W/digests"
echo '{"default":[{"type":"insecureAcceptAnything"}]}' >"$W/policy.json"
SK=(skopeo --policy "$W/policy.json" --registries-conf /dev/null)
"${SK[@]}" copy -q --all --preserve-digests --dest-tls-verify=false "oci:$W/layout:multi" "docker://$REG/bench/src:v1"
export DOCKER_CONFIG=$W/docker

now() { date +%s%N; }
count_since() { tail -c +"$(($1 + 1))" "$W/registry.log" | grep -cE '"(GET|HEAD|PUT|POST|PATCH|DELETE) /v2/' || true; }
vt=(); st=()
for i in $(seq 1 "$RUNS"); do
  t0=$(now); "$VOUCH" copy "$REG/bench/src:v1" "$REG/bench/vouch-$i:v1" >/dev/null; t1=$(now)
  vt+=($(( (t1 - t0) / 1000 )))
  t0=$(now); "${SK[@]}" copy -q --all --preserve-digests --src-tls-verify=false --dest-tls-verify=false \
    "docker://$REG/bench/src:v1" "docker://$REG/bench/skopeo-$i:v1"; t1=$(now)
  st+=($(( (t1 - t0) / 1000 )))
  echo "run $i: vouch ${vt[-1]} us, skopeo ${st[-1]} us"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mv=$(median "${vt[@]}"); ms=$(median "${st[@]}")
echo "median: vouch ${mv} us, skopeo ${ms} us, ratio vouch/skopeo = $(awk -v a="$mv" -v b="$ms" 'BEGIN{printf "%.2f", a/b}') (target <= 0.80)"

# Per-process cost of a resolve against the plain-HTTP loopback registry (scheme choice included).
rt=()
for i in $(seq 1 "$RUNS"); do
  t0=$(now); "$VOUCH" resolve "$REG/bench/src:v1" >/dev/null; t1=$(now)
  rt+=($(( (t1 - t0) / 1000 )))
done
echo "median: vouch resolve $(median "${rt[@]}") us (one process each)"

# Request counts (one more copy each, counted from the access log).
off=$(stat -c %s "$W/registry.log"); "$VOUCH" copy "$REG/bench/src:v1" "$REG/bench/vouch-count:v1" >/dev/null; sleep 0.2
echo "requests: vouch copy = $(count_since "$off")"
off=$(stat -c %s "$W/registry.log")
"${SK[@]}" copy -q --all --preserve-digests --src-tls-verify=false --dest-tls-verify=false \
  "docker://$REG/bench/src:v1" "docker://$REG/bench/skopeo-count:v1"; sleep 0.2
echo "requests: skopeo copy = $(count_since "$off")"
off=$(stat -c %s "$W/registry.log"); "$VOUCH" resolve "$REG/bench/src:v1" >/dev/null; sleep 0.2
echo "requests: vouch resolve = $(count_since "$off")"
off=$(stat -c %s "$W/registry.log"); "$VOUCH" tree "$REG/bench/src:v1" >/dev/null; sleep 0.2
echo "requests: vouch tree = $(count_since "$off")"
want=$(awk '$1=="multi"{print $2}' "$W/digests")
got=$("$VOUCH" resolve "$REG/bench/vouch-count:v1")
[[ $got == "$want" ]] && echo "digest preserved: $got" || { echo "DIGEST MISMATCH $got != $want"; exit 1; }
