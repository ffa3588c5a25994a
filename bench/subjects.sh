#!/bin/sh
# bench/subjects.sh: verify-blob-attestation on a large file whose statement names it by SHA-256
# and SHA-512 (npm subjects are sha512; GitHub's are sha256), against openssl dgst as the limit.
#
# vouch streams the file once through both hashes; the physical limit is the two hashes'
# compute, measured as `openssl dgst -sha256` plus `openssl dgst -sha512` on the same cached
# file. Runs alternate (vouch, openssl, ...) so both see the same page cache; each is timed with
# /usr/bin/time (wall seconds, peak RSS). Reports the medians of RUNS runs, the ratio
# vouch / (sha256 + sha512), and vouch's peak RSS.
#
# Usage: bench/subjects.sh [path/to/vouch]  (default: build/cli/vouch, built if missing)
# Env:   RUNS (default 3), SIZE_MIB (default 1024), TMPDIR.
# Target: ratio <= 1.10 and vouch peak RSS < 16 MiB. Exit status 0 when both hold, 1 otherwise.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
VOUCH=${1:-$ROOT/build/cli/vouch}
RUNS=${RUNS:-3}
SIZE_MIB=${SIZE_MIB:-1024}

if [ ! -x "$VOUCH" ]; then
  echo "building vouch into $ROOT/build ..." >&2
  cmake -S "$ROOT" -B "$ROOT/build" >/dev/null
  cmake --build "$ROOT/build" -j2 --target vouch >/dev/null
  VOUCH=$ROOT/build/cli/vouch
fi
for tool in openssl /usr/bin/time awk; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is required" >&2; exit 2; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/vouch-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM

echo "vouch:   $VOUCH ($("$VOUCH" --version))"
echo "openssl: $(openssl version)"
echo "file:    $SIZE_MIB MiB in $WORK, $RUNS runs each, alternating"
echo

dd if=/dev/urandom of="$WORK/blob" bs=1M count="$SIZE_MIB" status=none
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$WORK/key.pem" 2>/dev/null
openssl pkey -in "$WORK/key.pem" -pubout -out "$WORK/pub.pem"
s256=$(openssl dgst -sha256 -r "$WORK/blob" | cut -d' ' -f1)
s512=$(openssl dgst -sha512 -r "$WORK/blob" | cut -d' ' -f1)
printf '{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"blob","digest":{"sha256":"%s","sha512":"%s"}}],"predicateType":"https://example.test/bench/v1","predicate":{}}' \
  "$s256" "$s512" >"$WORK/statement.json"
"$VOUCH" attest-blob "$WORK/blob" --key "$WORK/key.pem" --statement "$WORK/statement.json" \
  --bundle "$WORK/att.json" >/dev/null 2>&1

. "$ROOT/bench/timing.sh"

i=0
while [ "$i" -lt "$RUNS" ]; do
  measure vouch "$VOUCH" verify-blob-attestation "$WORK/blob" --bundle "$WORK/att.json" \
    --key "$WORK/pub.pem" --type https://example.test/bench/v1
  measure sha256 openssl dgst -sha256 "$WORK/blob"
  measure sha512 openssl dgst -sha512 "$WORK/blob"
  i=$((i + 1))
done

vt=$(median "$WORK/vouch" 1)
t256=$(median "$WORK/sha256" 1)
t512=$(median "$WORK/sha512" 1)
vm=$(median "$WORK/vouch" 2)
line=$(awk -v vt="$vt" -v a="$t256" -v b="$t512" -v vm="$vm" 'BEGIN {
  r = (a + b > 0) ? vt / (a + b) : 0
  printf "%12.2f %12.2f %12.2f %8.3f %16.1f %s\n", vt, a, b, r, vm / 1024,
    (r <= 1.10 && vm / 1024 < 16) ? "ok" : "MISSED" }')
printf '%12s %12s %12s %8s %16s\n' "vouch s" "sha256 s" "sha512 s" ratio "vouch RSS MiB"
echo "$line"
echo
echo "runs (seconds, peak KiB):"
for f in vouch sha256 sha512; do
  printf '  %-8s %s\n' "$f" "$(tr '\n' ';' <"$WORK/$f")"
done
echo "target: vouch / (openssl sha256 + sha512) <= 1.10 and vouch RSS < 16 MiB"
case "$line" in *MISSED) exit 1 ;; esac
exit 0
