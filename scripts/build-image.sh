#!/usr/bin/env bash
# make image: builds the runtime images with podman, offline, FROM scratch.
#   scripts/build-image.sh [BUILD_DIR]
# Images (VERSION from CMakeLists.txt):
#   localhost/genauth-sidecar:VERSION  the sidecar (deploy/image/Containerfile)
#   localhost/genauth-cli:VERSION      genauth-cli alone, the example app of `make pod-test`
# Each image holds the stripped binary, exactly the shared libraries `ldd` lists for it plus the
# dynamic loader, /etc/ssl/certs/ca-certificates.crt, and passwd/group entries for uid/gid 65532.
# Idempotent: the same binaries give the same image (fixed timestamp, layer cache); podman, runc and
# catatonit are installed from Debian when missing. Podman is configured by deploy/podman/
# containers.conf (CONTAINERS_CONF), never /etc.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/container-env.sh
source "$ROOT/scripts/container-env.sh"
BUILD_DIR=${1:-$ROOT/build}
BIN=$(cd "$BUILD_DIR" && pwd)
VERSION=$(sed -n 's/^project(genauth_sidecar VERSION \([0-9.]*\).*/\1/p' "$ROOT/CMakeLists.txt")
SIDECAR_IMAGE=${SIDECAR_IMAGE:-localhost/genauth-sidecar:$VERSION}
CLI_IMAGE=${CLI_IMAGE:-localhost/genauth-cli:$VERSION}
NONROOT_UID=65532

for b in genauth-sidecar genauth-cli; do
  [ -x "$BIN/$b" ] || { echo "build-image: $BIN/$b is missing (make build first)" >&2; exit 1; }
done
ensure_podman
ensure_debian_packages ca-certificates binutils

STAGE=$(mktemp -d /tmp/genauth-image.XXXXXX)
trap 'rm -rf "$STAGE"' EXIT

# stage_rootfs BINARY DIR: lays out DIR/rootfs for a FROM scratch image running BINARY.
stage_rootfs() {
  local binary=$1 rootfs=$2/rootfs lib real
  mkdir -p "$rootfs/usr/local/bin" "$rootfs/etc/ssl/certs" "$rootfs/tmp"
  strip --strip-unneeded -o "$rootfs/usr/local/bin/$(basename "$binary")" "$binary"
  # Every library under the path the loader will look for it (ldd's "=> /path" column, and the
  # loader's own absolute path), holding the real file behind any symlink.
  ldd "$binary" | awk '/=> \// {print $3} /^\t\/[^ ]+ \(/ {print $1}' | sort -u |
    while read -r lib; do
      real=$(readlink -f "$lib")
      mkdir -p "$rootfs$(dirname "$lib")"
      cp "$real" "$rootfs$lib"
    done
  cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:%s:%s:nonroot:/nonexistent:/sbin/nologin\n' \
    "$NONROOT_UID" "$NONROOT_UID" >"$rootfs/etc/passwd"
  printf 'root:x:0:\nnonroot:x:%s:\n' "$NONROOT_UID" >"$rootfs/etc/group"
  printf 'hosts: files dns\n' >"$rootfs/etc/nsswitch.conf"
  chmod 1777 "$rootfs/tmp"
  # Same bytes, same times: with --timestamp the image id only changes when the content does.
  find "$rootfs" -exec touch -h -d @0 {} +
}

# build_image BINARY CONTAINERFILE TAG
build_image() {
  local dir="$STAGE/$(basename "$1")"
  mkdir -p "$dir"
  stage_rootfs "$1" "$dir"
  podman build --quiet --timestamp 0 --file "$2" --tag "$3" \
    --label "org.opencontainers.image.version=$VERSION" \
    --label "org.opencontainers.image.title=$(basename "$1")" "$dir" >/dev/null
  local size
  size=$(podman image inspect --format '{{.Size}}' "$3")
  awk -v tag="$3" -v size="$size" 'BEGIN { printf "%-40s %6.1f MB (%d bytes)\n", tag, size / 1e6, size }'
}

build_image "$BIN/genauth-sidecar" "$ROOT/deploy/image/Containerfile" "$SIDECAR_IMAGE"
build_image "$BIN/genauth-cli" "$ROOT/deploy/image/Containerfile.cli" "$CLI_IMAGE"

# Smoke test: every library is there (the loader would refuse to start otherwise), as the non-root
# user, on a read-only root filesystem with every capability dropped.
for image in "$SIDECAR_IMAGE" "$CLI_IMAGE"; do
  if ! podman run --rm --read-only --cap-drop=all --security-opt=no-new-privileges "$image" --help \
       >"$STAGE/smoke.log" 2>&1; then
    cat "$STAGE/smoke.log" >&2
    echo "build-image: $image does not start" >&2
    exit 1
  fi
done
