# Sourced by tests/deploy/pod_netns_test.sh and scripts/pod-test.sh: a "pod" network namespace and
# a "genauth" one, joined by a veth pair whose ends are created directly inside them (no interface
# ever appears on the host), each with a private /30 address that exists only there.

NETNS_POD_IP=10.203.0.2
NETNS_UP_IP=10.203.0.1

# netns_pair_create POD_NS UP_NS: creates both namespaces, the link and the addresses; lo up in
# both. Returns non-zero on any failure (the caller deletes whatever was created).
netns_pair_create() {
  local pod=$1 up=$2
  ip netns add "$pod" && ip netns add "$up" &&
    ip link add vpod netns "$pod" type veth peer name vup netns "$up" &&
    ip -n "$pod" link set lo up && ip -n "$pod" addr add "$NETNS_POD_IP/30" dev vpod &&
    ip -n "$pod" link set vpod up &&
    ip -n "$up" link set lo up && ip -n "$up" addr add "$NETNS_UP_IP/30" dev vup &&
    ip -n "$up" link set vup up
}

# netns_delete NS...: deletes each namespace that exists (its veth end goes with it), after
# ending any process still inside it (only the caller's own can be there). A first delete can
# report "busy" while the kernel tears down the sockets of processes just ended: retry.
netns_delete() {
  local ns pid
  for ns in "$@"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
    for _ in $(seq 1 50); do
      [ -e "/run/netns/$ns" ] || break
      ip netns del "$ns" 2>/dev/null && break
      sleep 0.1
    done
  done
}

# netns_usable: root and a working `ip netns`; prints why not otherwise.
netns_usable() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "needs root to create network namespaces"
    return 1
  fi
  if ! command -v ip >/dev/null || ! ip netns list >/dev/null 2>&1; then
    echo "needs 'ip netns' (Debian package iproute2)"
    return 1
  fi
}
