# bench/lib.sh - what every benchmark needs: a throwaway docker-registry on a free loopback port
# and tiny single-platform images pushed with curl. Sourced by bench/*.sh (bash, set -euo
# pipefail). After bench_start_registry: $W is the scratch folder, $REG is host:port, the
# registry's access log is $W/registry.log, and an EXIT trap stops the registry (and anything
# in BENCH_CLEANUP_PIDS) and removes $W.

# bench_require TOOL...: exit 1 naming the first tool that is missing.
bench_require() {
  local t
  for t in "$@"; do
    command -v "$t" >/dev/null || { echo "bench: $t missing" >&2; exit 1; }
  done
}

bench_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

BENCH_REGISTRY_PID=
BENCH_CLEANUP_PIDS=()
bench_cleanup() {
  local p
  for p in "${BENCH_CLEANUP_PIDS[@]}"; do
    kill -TERM "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  if [[ -n $BENCH_REGISTRY_PID ]]; then
    kill -TERM -- -"$BENCH_REGISTRY_PID" 2>/dev/null || true
    sleep 0.2
    kill -KILL -- -"$BENCH_REGISTRY_PID" 2>/dev/null || true
  fi
  rm -rf "$W"
}

# bench_start_registry [LOG_LEVEL] [LIFETIME_S]: make $W, start the registry with its access log
# on, wait until it answers, set $REG.
bench_start_registry() {
  local level=${1:-error} lifetime=${2:-900}
  W=$(mktemp -d)
  trap bench_cleanup EXIT
  REG=127.0.0.1:$(bench_free_port)
  cat >"$W/config.yml" <<YAML
version: 0.1
log:
  level: $level
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: $W/storage
http:
  addr: $REG
YAML
  setsid timeout "$lifetime" docker-registry serve "$W/config.yml" >"$W/registry.log" 2>&1 </dev/null &
  BENCH_REGISTRY_PID=$!
  local _
  for _ in $(seq 1 100); do curl -s -o /dev/null "http://$REG/v2/" && break; sleep 0.1; done
}

# bench_put_blob REPO FILE: upload FILE (monolithic POST + PUT), print its digest.
bench_put_blob() {
  local d loc
  d=sha256:$(sha256sum "$2" | cut -d' ' -f1)
  loc=$(curl -fsS -D - -o /dev/null -X POST "http://$REG/v2/$1/blobs/uploads/" | tr -d '\r' |
        awk -F': ' 'tolower($1)=="location"{print $2}')
  [[ $loc == /* ]] && loc=http://$REG$loc
  curl -fsS -o /dev/null -X PUT -H 'Content-Type: application/octet-stream' --data-binary "@$2" \
    "$loc&digest=$d"
  echo "$d"
}

# bench_push_tiny_image REPO [CONFIG_JSON]: push a one-layer OCI image as REPO:v1 (the config
# varies the digest) and print the reference.
bench_push_tiny_image() {
  local repo=$1 cfg=${2:-'{"architecture":"amd64","os":"linux"}'} cd_ ld
  printf 'bench layer' >"$W/layer"
  printf '%s' "$cfg" >"$W/cfg"
  cd_=$(bench_put_blob "$repo" "$W/cfg")
  ld=$(bench_put_blob "$repo" "$W/layer")
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"%s","size":%d}]}' \
    "$cd_" "$(stat -c %s "$W/cfg")" "$ld" "$(stat -c %s "$W/layer")" >"$W/m"
  curl -fsS -o /dev/null -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
    --data-binary "@$W/m" "http://$REG/v2/$repo/manifests/v1"
  echo "$REG/$repo:v1"
}
