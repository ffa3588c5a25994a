#!/usr/bin/env bash
# bench/verify_many.sh - `vouch verify` of many images in one process vs one process per image,
# and `vouch verify --batch` (fleet verification, docs/batch.md) against both.
# Starts a docker-registry on a free loopback port (temp dir, stopped and removed on exit), pushes
# N tiny distinct images with curl (one shared layer, a distinct config each), signs each with
# vouch (an unencrypted P-256 key made by openssl; FORMAT bundle or legacy), then times
#   A: vouch verify IMG1 ... IMGN --key K          (one process)
#   B: N x vouch verify IMGi --key K               (one after another)
#   C: vouch verify --batch LIST --key K --output jsonl   (LIST: the N references, one a line)
# and prints images per second of each, the ratios B/A (target >= 5), B/C and A/C, plus the
# registry requests per image counted from the access log. BATCH_ONLY=1 skips B (for N = 1000
# on a slow machine: B is then estimated from the first 100 images).
#   usage: bench/verify_many.sh [VOUCH_BIN] [N] [FORMAT]
#          (defaults: build/cli/vouch, 200, bundle)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
VOUCH=${1:-$HERE/../build/cli/vouch}
N=${2:-200}
FORMAT=${3:-bundle}
[[ -x $VOUCH ]] || { echo "vouch binary not found: $VOUCH" >&2; exit 1; }
source "$HERE/lib.sh"
bench_require docker-registry python3 curl openssl sha256sum
bench_start_registry error 1800
echo "pushing $N images to $REG ..."
t0=$(date +%s.%N)
images=()
for i in $(seq 1 "$N"); do
  images+=("$(bench_push_tiny_image "bench/img$i" "$(printf '{"architecture":"amd64","os":"linux","config":{"Env":["N=%d"]}}' "$i")")")
done
openssl ecparam -name prime256v1 -genkey -noout -out "$W/k.pem" 2>/dev/null
openssl ec -in "$W/k.pem" -pubout -out "$W/k.pub" 2>/dev/null
echo "signing $N images ($FORMAT) ..."
printf '%s\n' "${images[@]}" | xargs -P 4 -I{} "$VOUCH" sign {} --key "$W/k.pem" --format "$FORMAT" \
  >/dev/null 2>"$W/sign.err" || { cat "$W/sign.err" >&2; exit 1; }
t1=$(date +%s.%N)
echo "setup took $(python3 -c "print(round($t1-$t0,1))") s"

log_lines() { grep -c '"\(GET\|HEAD\) /v2/bench' "$W/registry.log" || true; }
before=$(log_lines)
a0=$(date +%s.%N)
"$VOUCH" verify "${images[@]}" --key "$W/k.pub" >"$W/a.out" 2>&1 || { tail "$W/a.out" >&2; exit 1; }
a1=$(date +%s.%N)
reqs_a=$(( $(log_lines) - before ))
# B: one process per image. With BATCH_ONLY=1 only the first 100 run and the time is scaled.
B_N=$N
[[ ${BATCH_ONLY:-0} == 1 && $N -gt 100 ]] && B_N=100
before=$(log_lines)
b0=$(date +%s.%N)
for img in "${images[@]:0:$B_N}"; do
  "$VOUCH" verify "$img" --key "$W/k.pub" >/dev/null 2>&1 || { echo "verify $img failed" >&2; exit 1; }
done
b1=$(date +%s.%N)
reqs_b=$(( $(log_lines) - before ))
# C: the batch, from a list file, one JSON line out per image.
printf '%s\n' "${images[@]}" >"$W/list"
before=$(log_lines)
c0=$(date +%s.%N)
"$VOUCH" verify --batch "$W/list" --key "$W/k.pub" --output jsonl >"$W/c.out" 2>"$W/c.err" \
  || { tail "$W/c.err" >&2; exit 1; }
c1=$(date +%s.%N)
reqs_c=$(( $(log_lines) - before ))
accepted=$(grep -c '"result":"accepted"' "$W/c.out" || true)
[[ $accepted == "$N" ]] || { echo "batch accepted $accepted of $N" >&2; exit 1; }
python3 - "$N" "$a0" "$a1" "$b0" "$b1" "$reqs_a" "$reqs_b" "$FORMAT" "$c0" "$c1" "$reqs_c" "$B_N" <<'PY'
import sys
n = int(sys.argv[1]); a = float(sys.argv[3]) - float(sys.argv[2]); b = float(sys.argv[5]) - float(sys.argv[4])
ra, rb, fmt = int(sys.argv[6]), int(sys.argv[7]), sys.argv[8]
c = float(sys.argv[10]) - float(sys.argv[9]); rc = int(sys.argv[11]); bn = int(sys.argv[12])
print(f"format {fmt}, {n} images, each signed once")
print(f"A one process : {a:7.2f} s  {n/a:8.1f} images/s  {ra/n:.1f} requests/image")
note = "" if bn == n else f"  (first {bn} images, scaled)"
b = b * n / bn
print(f"B {n} processes: {b:7.2f} s  {n/b:8.1f} images/s  {rb/bn:.1f} requests/image{note}")
print(f"C --batch     : {c:7.2f} s  {n/c:8.1f} images/s  {rc/n:.1f} requests/image")
print(f"ratio B/A     : {b/a:7.1f}x (target >= 5x)")
print(f"ratio B/C     : {b/c:7.1f}x (batch against one process per image)")
print(f"ratio A/C     : {a/c:7.2f}x (batch against one process with N arguments)")
PY
