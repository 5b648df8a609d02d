#!/usr/bin/env bash
# loadgen_smoke: genauth-loadgen drives 1 s at 50 requests/s through the sidecar and 1 s directly
# to the emulator; every scheduled request must be answered OK, the JSON result must count them
# and the sidecar's /proc sample must be present. A few seconds; loopback only.
#   tests/bench/loadgen_smoke.sh BUILD_DIR
set -euo pipefail
BIN=$(cd "${1:?build dir}" && pwd)
WORK=$(mktemp -d /tmp/genauth-loadgen-smoke.XXXXXX)
PIDS=()
# Last started, first stopped: the sidecar's kept-alive connections close before the emulator
# stops (which otherwise waits out its keep-alive timeout).
cleanup() {
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    kill -TERM "${PIDS[$i]}" 2>/dev/null || true
    wait "${PIDS[$i]}" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

await_file() {
  for _ in $(seq 1 200); do
    if [ -s "$1" ]; then tr -d '[:space:]' <"$1"; return 0; fi
    sleep 0.05
  done
  echo "loadgen_smoke: timed out waiting for $1" >&2
  exit 1
}

printf 'smoke-secret\n' >"$WORK/secret"
"$BIN/webhook-receiver" --port-file "$WORK/receiver.port" >/dev/null 2>&1 &
PIDS+=($!)
RECEIVER="http://127.0.0.1:$(await_file "$WORK/receiver.port")/hooks/smoke"
"$BIN/genauth-emulator" --port-file "$WORK/emulator.port" --access-key-id smoke-key \
  --access-key-secret smoke-secret --webhook "wh-bench=$RECEIVER" >"$WORK/emulator.log" 2>&1 &
PIDS+=($!)
EMULATOR="http://127.0.0.1:$(await_file "$WORK/emulator.port")"
GENAUTH_HOST="$EMULATOR" GENAUTH_ACCESS_KEY_ID=smoke-key GENAUTH_ACCESS_KEY_SECRET_FILE="$WORK/secret" \
SIDECAR_GRPC_LISTEN=127.0.0.1:0 SIDECAR_ADMIN_LISTEN=off "$BIN/genauth-sidecar" >"$WORK/sidecar.log" 2>&1 &
SIDECAR=$!
PIDS+=("$SIDECAR")
PORT=""
for _ in $(seq 1 200); do
  PORT=$(grep -o '"msg":"sidecar started".*' "$WORK/sidecar.log" | grep -o '"port":[0-9]*' |
         head -1 | cut -d: -f2 || true)
  [ -n "$PORT" ] && break
  sleep 0.05
done
[ -n "$PORT" ] || { cat "$WORK/sidecar.log" >&2; exit 1; }

COMMON=(--rpc mix --mix trigger=2,get=1,list=1 --rate 50 --warmup 200ms --duration 1s --timeout 5s
        --max-error-rate 0)
"$BIN/genauth-loadgen" --mode sidecar --target "127.0.0.1:$PORT" --sample-pid "sidecar=$SIDECAR" \
  "${COMMON[@]}" --json-out "$WORK/sidecar.json"
"$BIN/genauth-loadgen" --mode direct --rest-url "$EMULATOR" --access-key-id smoke-key \
  --access-key-secret-file "$WORK/secret" --connections 4 "${COMMON[@]}" \
  --json-out "$WORK/direct.json"

/usr/bin/python3 - "$WORK/sidecar.json" "$WORK/direct.json" <<'PY'
import json, sys
sidecar, direct = (json.load(open(p)) for p in sys.argv[1:3])
for name, r, ok_status in (("sidecar", sidecar, "OK"), ("direct", direct, "200")):
    assert r["scheduled"] == 50, (name, r["scheduled"])
    assert r["completed"] == 50 and r["ok"] == 50, (name, r["status_counts"])
    assert r["status_counts"] == {ok_status: 50}, (name, r["status_counts"])
    assert sum(v["latency_ms"]["count"] for v in r["by_rpc"].values()) == 50, name
    assert set(r["by_rpc"]) == {"trigger", "get", "list"}, (name, r["by_rpc"].keys())
    assert 0 < r["latency_ms"]["p50"] <= r["latency_ms"]["p99"] <= r["latency_ms"]["max"], name
    assert r["spectrum"][-1][0] == 100, name
side = [p for p in sidecar["processes"] if p["name"] == "sidecar"][0]
assert side["available"] and side["rss_peak_mib"] > 0, side
assert direct["client_token_fetches"] == 1, direct["client_token_fetches"]
print("loadgen_smoke: 50 + 50 requests answered OK; results counted")
PY
