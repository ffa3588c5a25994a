#!/bin/sh
# bench/blob.sh: sign-blob and verify-blob on a 1 GiB file, against openssl dgst as the baseline.
#
# Makes a 1 GiB file and a P-256 key in a temporary directory under $TMPDIR (removed at the
# end). The key is made by openssl as plain PKCS#8 ("PRIVATE KEY"), which vouch reads too, so both
# tools sign with the same key. Runs alternate (vouch, openssl, vouch, ...) so both see the same
# page-cache state; each is measured with /usr/bin/time (wall seconds, peak RSS). Reports the
# median of RUNS runs, the ratio vouch/openssl, and vouch's peak RSS in MiB.
#
# Then signs the same file with the same key held elsewhere: on a SoftHSM2 token (imported with
# softhsm2-util, --key pkcs11:...) and behind the test KMS plugin (tests/keys/plugins,
# --key vouchtest://...), and reports their wall time and peak RSS beside the file key's. (For the
# plugin, /usr/bin/time's peak RSS is the larger of vouch and the Python plugin it runs.)
#
# Usage: bench/blob.sh [path/to/vouch]      (default: build/cli/vouch, built if missing)
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
for tool in openssl /usr/bin/time softhsm2-util python3; do
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
cat "$WORK/blob" >/dev/null  # warm the page cache for everyone

. "$ROOT/bench/timing.sh"

i=0
while [ "$i" -lt "$RUNS" ]; do
  measure vouch_sign "$VOUCH" sign-blob "$WORK/blob" --key "$WORK/key.pem" \
    --bundle "$WORK/blob.sigstore.json" --output-signature "$WORK/blob.sig.b64"
  measure openssl_sign openssl dgst -sha256 -sign "$WORK/key.pem" -out "$WORK/blob.sig.der" \
    "$WORK/blob"
  i=$((i + 1))
done
# The same key on a SoftHSM2 token and behind the test plugin.
mkdir -p "$WORK/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
  "$WORK/tokens" >"$WORK/softhsm2.conf"
export SOFTHSM2_CONF="$WORK/softhsm2.conf"
softhsm2-util --init-token --free --label bench --pin 1234 --so-pin 5678 >/dev/null
softhsm2-util --import "$WORK/key.pem" --token bench --label blob --id 01 --pin 1234 >/dev/null
TOKEN_KEY="pkcs11:token=bench;object=blob?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-value=1234"
PLUGIN_KEY="vouchtest://$WORK/key.pem"
PATH="$ROOT/tests/keys/plugins:$PATH"
i=0
while [ "$i" -lt "$RUNS" ]; do
  measure vouch_sign_pkcs11 "$VOUCH" sign-blob "$WORK/blob" --key "$TOKEN_KEY" \
    --bundle "$WORK/blob.p11.json"
  measure vouch_sign_plugin "$VOUCH" sign-blob "$WORK/blob" --key "$PLUGIN_KEY" \
    --bundle "$WORK/blob.kms.json"
  i=$((i + 1))
done

i=0
while [ "$i" -lt "$RUNS" ]; do
  measure vouch_verify "$VOUCH" verify-blob "$WORK/blob" --key "$WORK/pub.pem" \
    --bundle "$WORK/blob.sigstore.json"
  measure openssl_verify openssl dgst -sha256 -verify "$WORK/pub.pem" \
    -signature "$WORK/blob.sig.der" "$WORK/blob"
  i=$((i + 1))
done

ok=0
printf '%-8s %12s %14s %8s %16s %18s\n' op "vouch s" "openssl s" ratio "vouch RSS MiB" "openssl RSS MiB"
for op in sign verify; do
  vt=$(median "$WORK/vouch_$op" 1)
  ot=$(median "$WORK/openssl_$op" 1)
  vm=$(median "$WORK/vouch_$op" 2)
  om=$(median "$WORK/openssl_$op" 2)
  line=$(awk -v vt="$vt" -v ot="$ot" -v vm="$vm" -v om="$om" -v op="$op" 'BEGIN {
    r = (ot > 0) ? vt / ot : 0
    printf "%-8s %12.2f %14.2f %8.3f %16.1f %18.1f %s\n", op, vt, ot, r, vm / 1024, om / 1024,
      (r <= 1.10 && vm / 1024 < 16) ? "ok" : "MISSED" }')
  echo "$line"
  case "$line" in *MISSED) ok=1 ;; esac
done
echo
echo "sign by where the key is (same P-256 key, same file):"
printf '  %-8s %10s %14s %14s\n' key "vouch s" "vs openssl" "vouch RSS MiB"
for src in file pkcs11 plugin; do
  f=vouch_sign_$src
  [ "$src" = file ] && f=vouch_sign
  awk -v src="$src" -v t="$(median "$WORK/$f" 1)" -v m="$(median "$WORK/$f" 2)" \
    -v ot="$(median "$WORK/openssl_sign" 1)" 'BEGIN {
    printf "  %-8s %10.2f %14.3f %14.1f\n", src, t, (ot > 0) ? t / ot : 0, m / 1024 }'
done
echo
echo "runs (seconds, peak KiB):"
for f in vouch_sign vouch_sign_pkcs11 vouch_sign_plugin openssl_sign vouch_verify openssl_verify; do
  printf '  %-18s %s\n' "$f" "$(tr '\n' ';' <"$WORK/$f")"
done
echo "target: ratio <= 1.10 and vouch RSS < 16 MiB"
exit "$ok"
