#!/usr/bin/env bash
# bench/keyless.sh - keyless signing against the loopback Sigstore stand-in
# (../shared/peers/node/sigstore-mock-server.mjs: Fulcio, Rekor v1, TSA), vouch against
# @sigstore/sign in the same run.
#
# Reports, per keyless signature (blobs: Fulcio + Rekor v1 + TSA; images: Fulcio + TSA):
#   * requests to the services (Fulcio, log, TSA), counted from the stand-in's request log, and
#     to the registry for `vouch sign IMAGE` (from its access log);
#   * wall time: vouch per invocation (a whole process: token parse, key generation, Fulcio, log,
#     TSA, bundle written), @sigstore/sign per call inside one node process (bench/keyless_js.mjs;
#     its process start excluded, which favours it), and `node` per invocation for the same
#     whole-process comparison. Medians of RUNS.
# The token is an unsigned JWT (the stand-in's Fulcio accepts those). Both tools sign the same
# file with the same services.
#
# Usage: bench/keyless.sh [path/to/vouch]   Env: RUNS (default 9), PEERS_NODE (default
# ~/.cache/vouch/peers/node, installed by tests/fixtures/node_peers.sh), VOUCH_PEERS.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/bench/lib.sh"
VOUCH=${1:-$ROOT/build/cli/vouch}
RUNS=${RUNS:-9}
export PEERS_NODE=${PEERS_NODE:-${XDG_CACHE_HOME:-$HOME/.cache}/vouch/peers/node}
PEERS=${VOUCH_PEERS:-$ROOT/../shared/peers}
bench_require node python3 curl docker-registry
[[ -x $VOUCH ]] || { echo "bench: $VOUCH missing (build it)" >&2; exit 1; }
[[ -d $PEERS_NODE/node_modules/sigstore ]] || { echo "bench: run tests/fixtures/node_peers.sh" >&2; exit 1; }

bench_start_registry info
MOCK_LOG=1 node "$PEERS/node/sigstore-mock-server.mjs" "$W/trusted_root.json" >"$W/mock.out" 2>"$W/mock.log" &
BENCH_CLEANUP_PIDS+=($!)
for _ in $(seq 1 100); do grep -q READY "$W/mock.out" 2>/dev/null && break; sleep 0.1; done
URL=$(awk '/READY/ {print $2}' "$W/mock.out")
[[ -n $URL ]] || { echo "bench: the Sigstore stand-in did not start" >&2; cat "$W/mock.log" >&2; exit 1; }

b64url() { printf '%s' "$1" | base64 -w0 | tr '+/' '-_' | tr -d '='; }
now=$(date +%s)
TOKEN="$(b64url '{"alg":"none","typ":"JWT"}').$(b64url "{\"iss\":\"https://fake.oidcissuer.example\",\"sub\":\"https://example.test/bench@refs/heads/main\",\"aud\":\"sigstore\",\"iat\":$now,\"exp\":$((now + 3600))}")."
head -c 1048576 /dev/urandom >"$W/artifact"
SERVICES=(--fulcio-url "$URL" --rekor-url "$URL" --timestamp-server-url "$URL/api/v1/timestamp")
# Image signatures are DSSE bundles, which the stand-in's Rekor v1 logs as proposed (not as Rekor
# canonicalizes them), so vouch refuses its reply: images are signed with Fulcio and the TSA.
IMAGE_SERVICES=(--fulcio-url "$URL" --timestamp-server-url "$URL/api/v1/timestamp")

ms() { python3 -c 'import sys,statistics; print("%.1f" % statistics.median(float(x) for x in sys.stdin.read().split()))'; }
clock() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null 2>"$W/err" || { cat "$W/err" >&2; exit 1; }; t1=$(date +%s%N); echo $(((t1 - t0) / 1000)) | awk '{printf "%.1f\n", $1/1000}'; }

# Requests per signature: one signing each, the logs read before and after.
before=$(wc -l <"$W/mock.log")
"$VOUCH" sign-blob "$W/artifact" --identity-token "$TOKEN" "${SERVICES[@]}" --bundle "$W/b.json" 2>/dev/null
vouch_services=$(($(wc -l <"$W/mock.log") - before))
before=$(wc -l <"$W/mock.log")
node "$ROOT/bench/keyless_js.mjs" "$URL" "$TOKEN" "$W/artifact" 1 >/dev/null
js_services=$(($(wc -l <"$W/mock.log") - before))
IMAGE=$(bench_push_tiny_image bench/app)
IMAGE_REF=$REG/bench/app
reg_before=$(grep -c '"GET\|"HEAD\|"PUT\|"POST\|"PATCH' "$W/registry.log" || true)
before=$(wc -l <"$W/mock.log")
"$VOUCH" sign "$IMAGE_REF:v1" --identity-token "$TOKEN" "${IMAGE_SERVICES[@]}" >/dev/null 2>&1
image_services=$(($(wc -l <"$W/mock.log") - before))
reg_after=$(grep -c '"GET\|"HEAD\|"PUT\|"POST\|"PATCH' "$W/registry.log" || true)

# Warm-up: the stand-in runs in node, whose first calls are slow (JIT); both tools then time a
# warm service.
node "$ROOT/bench/keyless_js.mjs" "$URL" "$TOKEN" "$W/artifact" 10 >/dev/null
for _ in 1 2 3; do "$VOUCH" sign-blob "$W/artifact" --identity-token "$TOKEN" "${SERVICES[@]}" --bundle "$W/b.json" 2>/dev/null; done
for _ in $(seq 1 "$RUNS"); do clock "$VOUCH" sign-blob "$W/artifact" --identity-token "$TOKEN" "${SERVICES[@]}" --bundle "$W/b.json"; done | ms >"$W/vouch.ms"
node "$ROOT/bench/keyless_js.mjs" "$URL" "$TOKEN" "$W/artifact" "$RUNS" >"$W/js.ms"
for _ in $(seq 1 "$RUNS"); do clock node "$ROOT/bench/keyless_js.mjs" "$URL" "$TOKEN" "$W/artifact" 1; done | ms >"$W/jsproc.ms"
for _ in $(seq 1 "$RUNS"); do clock "$VOUCH" sign "$IMAGE_REF:v1" --identity-token "$TOKEN" "${IMAGE_SERVICES[@]}"; done | ms >"$W/image.ms"

echo "keyless signing, 1 MiB file, loopback Fulcio + Rekor v1 + TSA, median of $RUNS"
echo "  requests per signature: vouch sign-blob $vouch_services (services), @sigstore/sign $js_services"
echo "  requests per image signature (Fulcio + TSA): vouch sign $image_services (services) + $((reg_after - reg_before)) (registry)"
echo "  vouch sign-blob, whole process:        $(cat "$W/vouch.ms") ms"
echo "  @sigstore/sign, per call in-process:   $(cat "$W/js.ms") ms"
echo "  node + @sigstore/sign, whole process:  $(cat "$W/jsproc.ms") ms"
echo "  vouch sign IMAGE (Fulcio + TSA + registry), whole: $(cat "$W/image.ms") ms"
python3 -c "print('  ratio vouch / @sigstore/sign in-process: %.2f; vouch / node process: %.2f' % ($(cat "$W/vouch.ms")/$(cat "$W/js.ms"), $(cat "$W/vouch.ms")/$(cat "$W/jsproc.ms")))"
