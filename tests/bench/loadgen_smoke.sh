#!/usr/bin/env bash
# loadgen_smoke: genauth-loadgen drives 1 s at 50 requests/s through the sidecar and 1 s directly
# to the emulator; every scheduled request must be answered OK, the JSON result must count them
# and the sidecar's /proc sample must be present. A few seconds; loopback only.
#   tests/bench/loadgen_smoke.sh BUILD_DIR
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=scripts/lib/stack.sh
source "$ROOT/scripts/lib/stack.sh"
stack_init loadgen-smoke "${1:?build dir}"
BIN=$STACK_BIN
WORK=$STACK_WORK

start_receiver --stdout /dev/null
start_emulator --webhook "wh-bench=$RECEIVER_URL/hooks/smoke"
EMULATOR=$EMULATOR_URL
start_sidecar SIDECAR_ADMIN_LISTEN=off
SIDECAR=$SIDECAR_PID

COMMON=(--rpc mix --mix trigger=2,get=1,list=1 --rate 50 --warmup 200ms --duration 1s --timeout 5s
        --max-error-rate 0)
"$BIN/genauth-loadgen" --mode sidecar --target "$SIDECAR_TARGET" --sample-pid "sidecar=$SIDECAR" \
  "${COMMON[@]}" --json-out "$WORK/sidecar.json"
"$BIN/genauth-loadgen" --mode direct --rest-url "$EMULATOR" --access-key-id "$STACK_KEY_ID" \
  --access-key-secret-file "$STACK_SECRET_FILE" --connections 4 "${COMMON[@]}" \
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
