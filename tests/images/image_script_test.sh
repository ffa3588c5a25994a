#!/bin/bash
# scripts/image end to end (docs/image.md): builds vouch's image twice from the same binary and
# SOURCE_DATE_EPOCH and requires one digest; checks that the layer has no shell and that the
# config runs as a non-root user; verifies the signed image under the shipped policy
# (deploy/policy/vouch-image.yaml, exit 0) and requires a tampered copy to be rejected (exit 1).
# Usage: image_script_test.sh VOUCH_BINARY
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export VOUCH_BIN=${1:?usage: image_script_test.sh VOUCH_BINARY}
export SOURCE_DATE_EPOCH=1700000000
unset VOUCH_IMAGE_KEY VOUCH_IMAGE_KEY_PASSWORD VOUCH_IMAGE_BUILDER_ID VOUCH_IMAGE_SOURCE_URI
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vouch-image-test.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT

failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}
# blob DIR DIGEST: the path of a blob in layout DIR.
blob() { echo "$1/blobs/sha256/${2#sha256:}"; }
# field FILE EXPR: a value from a JSON file (python3 expression over `d`).
field() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

"$ROOT/scripts/image" "$WORK/a" >"$WORK/a.out" 2>"$WORK/a.err" || {
  cat "$WORK/a.err"
  echo "FAIL: scripts/image exited $?"
  exit 1
}
"$ROOT/scripts/image" --unsigned "$WORK/b" >"$WORK/b.out" 2>"$WORK/b.err" || {
  cat "$WORK/b.err"
  echo "FAIL: scripts/image --unsigned exited $?"
  exit 1
}
A=$(tail -n1 "$WORK/a.out")
B=$(tail -n1 "$WORK/b.out")
[[ $A =~ ^sha256:[0-9a-f]{64}$ ]] || fail "last line of stdout is not a digest: \"$A\""
[ "$A" = "$B" ] || fail "two builds of the same inputs differ: $A and $B"
echo "digest: $A (both builds)"

MANIFEST=$(blob "$WORK/a" "$A")
CONFIG=$(blob "$WORK/a" "$(field "$MANIFEST" 'd["config"]["digest"]')")
LAYER=$(blob "$WORK/a" "$(field "$MANIFEST" 'd["layers"][0]["digest"]')")
[ "$(field "$MANIFEST" 'len(d["layers"])')" = 1 ] || fail "the image has more than one layer"
user=$(field "$CONFIG" 'd["config"].get("User", "")')
[ "$user" = "65532:65532" ] || fail "config User is \"$user\", not 65532:65532"
[ "$(field "$CONFIG" 'd["config"]["Entrypoint"]')" = "['/usr/local/bin/vouch']" ] ||
  fail "entrypoint is not /usr/local/bin/vouch"
[ "$(field "$CONFIG" 'd["created"]')" = 2023-11-14T22:13:20Z ] || fail "created is not SOURCE_DATE_EPOCH"
tar -tzf "$LAYER" >"$WORK/files" || fail "the layer is not a gzip tar"
grep -q '^usr/local/bin/vouch$' "$WORK/files" || fail "no /usr/local/bin/vouch in the layer"
grep -q '^etc/ssl/certs/ca-certificates.crt$' "$WORK/files" || fail "no CA bundle in the layer"
grep -q '^nonroot:x:65532:65532:' <(tar -xzOf "$LAYER" etc/passwd) || fail "no nonroot user"
if grep -Eq '(^|/)(sh|bash|dash|busybox)$' "$WORK/files"; then fail "a shell is in the layer"; fi
# Every file has the fixed time and owner 0: what makes the layer reproducible.
if TZ=UTC tar --full-time -tvzf "$LAYER" | grep -v ' 0/0 .* 2023-11-14 22:13:20 ' | grep -q .; then
  fail "a layer entry has another owner or time"
fi

cmp -s "$ROOT/deploy/policy/vouch-image.yaml" "$WORK/a/vouch-image.yaml" ||
  fail "DIR/vouch-image.yaml is not the shipped policy"
"$VOUCH_BIN" verify --policy "$WORK/a/vouch-image.yaml" "oci:$WORK/a@$A" >"$WORK/verify.out" 2>&1
rc=$?
[ "$rc" = 0 ] || {
  cat "$WORK/verify.out"
  fail "the image does not verify under the shipped policy (exit $rc)"
}
"$VOUCH_BIN" verify --policy "$WORK/a/vouch-image.yaml" "oci:$WORK/b@$B" >"$WORK/unsigned.out" 2>&1
rc=$?
[ "$rc" = 1 ] || fail "the unsigned build verified with exit $rc, not 1"

# Tampered: the same image with User 0:0, added to the signed layout under the tag "tampered".
# Its digest is new, so the signatures in the layout are not for it.
python3 - "$WORK/a" "$A" <<'PY' || fail "could not make the tampered image"
import hashlib, json, os, sys
layout, digest = sys.argv[1], sys.argv[2]
def path(d): return os.path.join(layout, "blobs", "sha256", d.split(":")[1])
def put(data):
    d = "sha256:" + hashlib.sha256(data).hexdigest()
    open(path(d), "wb").write(data)
    return d, len(data)
manifest = json.load(open(path(digest)))
config = json.load(open(path(manifest["config"]["digest"])))
config["config"]["User"] = "0:0"
manifest["config"]["digest"], manifest["config"]["size"] = put(json.dumps(config).encode())
d, size = put(json.dumps(manifest).encode())
index = json.load(open(os.path.join(layout, "index.json")))
index["manifests"].append({"mediaType": manifest["mediaType"], "digest": d, "size": size,
                           "annotations": {"org.opencontainers.image.ref.name": "tampered"}})
json.dump(index, open(os.path.join(layout, "index.json"), "w"))
PY
"$VOUCH_BIN" verify --policy "$WORK/a/vouch-image.yaml" "oci:$WORK/a:tampered" >"$WORK/tampered.out" 2>&1
rc=$?
[ "$rc" = 1 ] || {
  cat "$WORK/tampered.out"
  fail "the tampered image verified with exit $rc, not 1"
}
grep -q "no valid signature\|signature" "$WORK/tampered.out" || fail "the rejection names no signature"

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "scripts/image: reproducible, no shell, non-root, verified; unsigned and tampered rejected"
