# Sourced by scripts/build-image.sh and scripts/pod-test.sh: the podman setup this project uses.
# Podman reads its settings from deploy/podman/containers.conf (CONTAINERS_CONF) instead of /etc:
# runc as the OCI runtime and cgroupfs, which work on a Debian 12 machine without systemd as init,
# where Debian's default crun fails. Images come from nowhere but this machine (FROM scratch).

CONTAINER_ENV_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export CONTAINERS_CONF="$CONTAINER_ENV_ROOT/deploy/podman/containers.conf"

# ensure_debian_packages PKG...: installs the Debian packages that are missing (apt, Debian's
# archive only); does nothing when all are present.
ensure_debian_packages() {
  local missing=() p
  for p in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing ${missing[*]} (Debian packages)" >&2
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    >/dev/null
}

# podman, runc as its runtime (crun is not used), and catatonit, which podman needs to build the
# pod's infra ("pause") image locally for `podman kube play`.
ensure_podman() {
  ensure_debian_packages podman runc catatonit
}
