#!/usr/bin/env bash
# Proves the Dockerfile's runtime stage with the engine this machine can
# run: podman (Debian's), no Docker daemon. The build stage compiles with
# the Rust image, which cannot be pulled here, so the runtime stage is built
# alone (`--target runtime`) with the locally built release binary given as
# the `build` stage's output (`--build-context build=…`). Its base,
# debian:bookworm-slim, cannot be pulled either: a Debian bookworm minbase
# tree made by debootstrap (cached outside the clone) is imported under that
# name. The container then runs as the image says: its user, volume, port
# and HEALTHCHECK command.
#
# Usage: .ci/container.sh path/to/release/pausegate
set -euo pipefail
binary="$(realpath "${1:?the release binary}")"
cd "$(dirname "$0")/.."
cache="${PAUSEGATE_CI_CACHE:-$HOME/.cache/pausegate-ci}"
base=docker.io/library/debian:bookworm-slim
image=localhost/pausegate:ci
name="pausegate-ci-$$"
volume="pausegate-ci-data-$$"
port=18181

need=()
for tool in podman runc debootstrap; do command -v "$tool" >/dev/null || need+=("$tool"); done
if [ "${#need[@]}" -gt 0 ]; then
  echo "== installing ${need[*]}"
  apt-get install -y -q podman runc debootstrap >/dev/null
fi

if ! podman image exists "$base"; then
  tarball="$cache/debian-bookworm-minbase.tar"
  if [ ! -f "$tarball" ]; then
    echo "== debootstrap bookworm (once; cached in $tarball)"
    root="$(mktemp -d)"
    debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >/dev/null
    mkdir -p "$cache"
    tar -C "$root" -cf "$tarball.part" . && mv "$tarball.part" "$tarball"
    rm -rf "$root"
  fi
  podman import "$tarball" "$base" >/dev/null 2>&1
fi

context="$(mktemp -d)"
cleanup() {
  podman rm -f "$name" >/dev/null 2>&1 || true
  podman volume rm -f "$volume" >/dev/null 2>&1 || true
  podman rmi -f "$image" >/dev/null 2>&1 || true
  rm -rf "$context"
}
trap cleanup EXIT
install -D "$binary" "$context/out/pausegate"

echo "== building the runtime stage"
# chroot isolation: this machine's cgroups cannot host a build container.
podman build --quiet --format docker --isolation=chroot --pull=never \
  --target runtime --build-context build="$context" -t "$image" . >/dev/null

echo "== checking the image's configuration"
config="$(podman image inspect "$image" --format '{{json .Config}}')"
health="$(podman image inspect "$image" --format '{{json .HealthCheck}}')"
python3 - "$config" "$health" <<'PY'
import json, sys
config, health = json.loads(sys.argv[1]), json.loads(sys.argv[2])
assert config["User"] == "pausegate", config["User"]
assert "8080/tcp" in config["ExposedPorts"], config
assert "/var/lib/pausegate" in config["Volumes"], config
assert config["Entrypoint"] == ["pausegate"] and config["Cmd"] == ["serve"], config
assert health["Test"] == ["CMD", "pausegate", "healthcheck"], health
print("user, port, volume, entrypoint and HEALTHCHECK as written")
PY

# This machine refuses rlimits at or above its own, which runtimes set by
# default; ask for lower ones.
run=(podman run --runtime runc --ulimit nofile=4096:4096 --ulimit nproc=4096:4096)
start() {
  "${run[@]}" -d --name "$name" -p "127.0.0.1:$port:8080" -v "$volume:/var/lib/pausegate" \
    -e PAUSEGATE_API_KEY=ci-key -e "PAUSEGATE_PUBLIC_URL=http://127.0.0.1:$port" \
    "$image" >/dev/null 2>&1
  for _ in $(seq 1 50); do
    podman healthcheck run "$name" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  podman logs "$name" 2>&1 | tail -20
  echo "the HEALTHCHECK never passed" >&2
  return 1
}

echo "== running the container"
start
echo "HEALTHCHECK (pausegate healthcheck) passes"
[ "$(podman exec "$name" id -u)" = 10001 ] || { echo "not running as uid 10001" >&2; exit 1; }
podman exec "$name" test -s /etc/ssl/certs/ca-certificates.crt
podman exec "$name" test -f /usr/share/pausegate/templates/review.html
echo "runs as uid 10001 with CA certificates and templates"
id="$(curl -sf -X POST "http://127.0.0.1:$port/api/v1/pauses" -H "Authorization: Bearer ci-key" \
  -H "Content-Type: application/json" -d '{"title": "Kept on the volume?"}' \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')"

echo "== stopping (SIGTERM) and starting again on the same volume"
podman stop -t 10 "$name" >/dev/null 2>&1
podman logs "$name" 2>&1 | grep -q "stopped" || { echo "no clean stop" >&2; exit 1; }
podman rm "$name" >/dev/null 2>&1
start
state="$(curl -sf "http://127.0.0.1:$port/api/v1/pauses/$id" -H "Authorization: Bearer ci-key" \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["state"])')"
[ "$state" = pending ] || { echo "the pause was lost: $state" >&2; exit 1; }
echo "pause $id survived the restart on the volume"
