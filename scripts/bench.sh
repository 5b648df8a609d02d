#!/usr/bin/env bash
# make bench: the sidecar's overhead versus a direct REST call, measured open-loop on loopback.
#   scripts/bench.sh [BUILD_DIR] [OUT_DIR]        (OUT_DIR defaults to bench/results)
#
# Runs, each against a fresh GenAuth emulator and a webhook receiver on 127.0.0.1:
#   1. loopback profile, in BENCH_REPEAT (3) interleaved rounds; each round runs, in turn:
#      (a) direct REST to the emulator (genauth-loadgen --mode direct), then on the same emulator
#          h2load (HTTP/1.1, kept alive) sending the same trigger at the same rate for
#          BENCH_H2LOAD_DURATION (10 s): an efficient HTTP client's CPU per request;
#      (b) via the sidecar (--mode sidecar);
#      (c) the floor: the same gRPC load against genauth-grpc-floor --api callback, a trivial
#          server of the same service answering at once (bench/grpc_floor/);
#      (d) the same against genauth-grpc-floor --api cq (BENCH_FLOOR_CQ_THREADS (1) queues).
#      Each: TriggerWebhook with a 1 KiB body at BENCH_RATE (1000/s), BENCH_WARMUP (5 s) of warm-up
#      then BENCH_DURATION (30 s) measured. The server's (sidecar's, floor's) CPU time and RSS come
#      from /proc over the measured window; token fetches from the emulator's count and the
#      sidecar's genauth_token_fetches_total; the load average before each run in its .meta.json.
#   2. WAN-like profile: the same with the emulator adding BENCH_WAN_LATENCY_MS (50 ms) to every
#      reply, at BENCH_WAN_RATE (2000/s), so ~100 calls are in flight.
#   3. peak: via the sidecar on loopback, the rate raised step by step (BENCH_PEAK_RATES) until
#      p99 passes BENCH_PEAK_P99_MS (25 ms: this machine is shared, see BENCHMARKS.md), errors
#      pass 0.1% or the achieved rate falls 3% short.
#   4. Node.js: a Node service calling GenAuth through authing-node-sdk directly versus through
#      the sidecar with @grpc/grpc-js, the emulator serving HTTPS (self-signed, trusted via CA file),
#      both at BENCH_NODE_RATE (100/s: the SDK opens a TLS connection per call and cannot keep up
#      with 1000/s on this 2-core machine; see BENCHMARKS.md).
#   5. far GenAuth: scripts/bench-far.sh (an HTTPS upstream answering after 100 ms, rising rates
#      through one sidecar; then 3000 calls in 1 s against a 2 s upstream with 6 s deadlines).
#      BENCH_FAR=0 skips it; its BENCH_FAR_* variables are in its header.
# BENCH_PROFILES ("loopback wan peak node far") chooses which of these run, e.g.
# BENCH_PROFILES=loopback for the loopback rounds alone.
# Then scripts/bench_report.py writes OUT_DIR/bench.json, OUT_DIR/bench.md and OUT_DIR/latency.png
# (and far-latency.png).
#
# Every load is bounded (rate × time), every wait is bounded, and every process started here is
# stopped on exit. The sidecar runs with its default settings except where a profile says so
# (the WAN profile gives it as many upstream connections as the direct client: see BENCHMARKS.md). BENCH_QUICK=1 shortens every
# run (for trying the script, not for numbers).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib/stack.sh
source "$ROOT/scripts/lib/stack.sh"
stack_init bench "${1:-$ROOT/build}"
BIN=$STACK_BIN
WORK=$STACK_WORK
OUT=${2:-$ROOT/bench/results}

RATE=${BENCH_RATE:-1000}
DURATION=${BENCH_DURATION:-30}
WARMUP=${BENCH_WARMUP:-5}
WAN_RATE=${BENCH_WAN_RATE:-2000}
WAN_LATENCY_MS=${BENCH_WAN_LATENCY_MS:-50}
PAYLOAD=${BENCH_PAYLOAD_BYTES:-1024}
TOKEN_LIFETIME=${BENCH_TOKEN_LIFETIME:-20}
PEAK_RATES=${BENCH_PEAK_RATES:-1000 1500 2000 2500 3000 3500 4000 5000 6000}
PEAK_DURATION=${BENCH_PEAK_DURATION:-8}
PEAK_P99_MS=${BENCH_PEAK_P99_MS:-25}
NODE_RATE=${BENCH_NODE_RATE:-100}
NODE_DURATION=${BENCH_NODE_DURATION:-20}
WAN_WORKERS=${BENCH_WAN_WORKERS:-256}
REPEAT=${BENCH_REPEAT:-3}
H2LOAD_DURATION=${BENCH_H2LOAD_DURATION:-10}
FLOOR_CQ_THREADS=${BENCH_FLOOR_CQ_THREADS:-1}
PROFILES=${BENCH_PROFILES:-loopback wan peak node far}
if [ "${BENCH_FAR:-1}" = 0 ]; then PROFILES=${PROFILES//far/}; fi
if [ -n "${BENCH_QUICK:-}" ]; then
  DURATION=5 WARMUP=1 PEAK_DURATION=2 NODE_DURATION=3 PEAK_RATES="1000 2000 4000" REPEAT=1
  H2LOAD_DURATION=3
fi

RAW="$OUT/raw"
mkdir -p "$RAW"

# want PROFILE: whether BENCH_PROFILES includes it.
want() { [[ " $PROFILES " == *" $1 "* ]]; }
log() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
fail() { stack_fail "$@"; }

"$ROOT/scripts/install-bench-deps.sh"
for bin in genauth-loadgen genauth-emulator genauth-sidecar genauth-cli webhook-receiver \
           $(want far && echo genauth-far-upstream) $(want loopback && echo genauth-grpc-floor); do
  [ -x "$BIN/$bin" ] || fail "$BIN/$bin is missing (build it first)"
done
NODE_DIR="$ROOT/bench/node"
if want node && { [ ! -d "$NODE_DIR/node_modules/authing-node-sdk" ] ||
   [ ! -d "$NODE_DIR/node_modules/@grpc/grpc-js" ]; }; then
  npm ci --prefix "$NODE_DIR" --no-audit --no-fund >"$WORK/npm.log" 2>&1 ||
    { cat "$WORK/npm.log" >&2; fail "npm ci in bench/node failed"; }
fi

STACK_KEY_ID=bench-key-id
STACK_KEY_SECRET=bench-key-secret
KEY_ID=$STACK_KEY_ID
SECRET=$STACK_KEY_SECRET

# The receiver's stdout (a line per webhook, thousands a second) is not kept.
start_receiver --stdout /dev/null
HOOK_URL="$RECEIVER_URL/hooks/bench"

# emulator NAME LATENCY_MS TOKEN_LIFETIME_S [--tls-cert C --tls-key K]: sets EMULATOR_PID and
# EMULATOR_URL (scripts/lib/stack.sh).
emulator() {
  local name=$1 latency=$2 lifetime=$3
  shift 3
  start_emulator --name "$name" --webhook "wh-bench=$HOOK_URL" --latency-ms "$latency" \
    --token-expires-in "$lifetime" --threads 512 --max-records 1000 \
    --keep-alive-max-requests 1000 "$@"
}

# sidecar NAME [ENV=VALUE...]: default settings in front of the last emulator, gRPC and admin on
# free loopback ports, serving; sets SIDECAR_PID, SIDECAR_TARGET, SIDECAR_ADMIN_URL.
sidecar() {
  start_sidecar --name "$@"
  "$BIN/genauth-cli" --target "$SIDECAR_TARGET" --timeout 10s --wait health >/dev/null
}

tokens_issued() { curl -sf --max-time 5 "$EMULATOR_URL/_emulator/stats" -k | grep -o '"tokensIssued":[0-9]*' | cut -d: -f2; }
token_metric() {
  curl -sf --max-time 5 "$SIDECAR_ADMIN_URL/metrics" |
    awk '/^genauth_token_fetches_total\{result="success"\}/ {print $2}'
}

# loadgen NAME ARGS...: one genauth-loadgen run, its JSON in RAW/NAME.json (the emulator is
# sampled too while one runs).
loadgen() {
  local name=$1
  shift
  echo "-- $name"
  local sample=()
  [ -n "${EMULATOR_PID:-}" ] && sample=(--sample-pid "emulator=$EMULATOR_PID")
  "$BIN/genauth-loadgen" --rpc trigger --payload-bytes "$PAYLOAD" --label "$name" \
    --json-out "$RAW/$name.json" "${sample[@]}" "$@"
}

# meta NAME KEY=VALUE...: facts about a run that the load generator cannot see (JSON values).
meta() {
  local name=$1 sep="" body=""
  shift
  for kv in "$@"; do body+="$sep\"${kv%%=*}\": ${kv#*=}"; sep=", "; done
  printf '{%s}\n' "$body" >"$RAW/$name.meta.json"
}

# The 1-, 5- and 15-minute load averages (what uptime prints) as a JSON array.
loadavg() { cut -d' ' -f1-3 /proc/loadavg | awk '{printf "[%s, %s, %s]", $1, $2, $3}'; }

# run_direct NAME LATENCY_MS RATE CONNECTIONS [after]: direct REST to a fresh emulator; with
# "after", runs `after NAME` before the emulator stops (the loopback rounds' h2load).
run_direct() {
  local name=$1 latency=$2 rate=$3 connections=$4 after=${5:-}
  log "$name: direct REST to the emulator (+${latency} ms), $rate/s"
  emulator "$name-emulator" "$latency" 7200
  local before
  before=$(loadavg)
  loadgen "$name" --mode direct --rest-url "$EMULATOR_URL" --access-key-id "$KEY_ID" \
    --access-key-secret-file "$STACK_SECRET_FILE" --connections "$connections" --rate "$rate" \
    --warmup "$WARMUP" --duration "$DURATION" --timeout 5s
  meta "$name" "loadavg_before=$before"
  [ -n "$after" ] && "$after" "$name"
  stack_stop "$EMULATOR_PID"
  EMULATOR_PID=""
}

# run_sidecar NAME LATENCY_MS RATE [SIDECAR ENV...]: the same load via the sidecar, in front of a
# fresh emulator whose tokens live TOKEN_LIFETIME s (renewals under load).
run_sidecar() {
  local name=$1 latency=$2 rate=$3
  shift 3
  log "$name: via the sidecar, $rate/s (token lifetime ${TOKEN_LIFETIME}s)"
  emulator "$name-emulator" "$latency" "$TOKEN_LIFETIME"
  sidecar "$name" "$@"
  local started ended before
  before=$(loadavg)
  started=$(date +%s.%N)
  loadgen "$name" --mode sidecar --target "$SIDECAR_TARGET" --sample-pid "sidecar=$SIDECAR_PID" \
    --rate "$rate" --warmup "$WARMUP" --duration "$DURATION" --timeout 5s
  ended=$(date +%s.%N)
  meta "$name" "token_fetches_emulator=$(tokens_issued)" \
    "token_fetches_metric=$(token_metric)" "token_lifetime_s=$TOKEN_LIFETIME" \
    "token_window_s=$(awk -v a="$started" -v b="$ended" 'BEGIN {printf "%.1f", b - a}')" \
    "loadavg_before=$before"
  echo "token fetches: $(tokens_issued) in $(awk -v a="$started" -v b="$ended" \
    'BEGIN {printf "%.0f", b - a}') s of load (+ start-up), token lifetime ${TOKEN_LIFETIME}s"
  stack_stop "$SIDECAR_PID"
  stack_stop "$EMULATOR_PID"
  EMULATOR_PID=""
}

# run_floor NAME API [FLOOR FLAGS...]: the same gRPC load against genauth-grpc-floor, a trivial
# server of the sidecar's service that answers at once (no emulator): what the gRPC hop costs.
# Its CPU and RSS are sampled as the sidecar's are, under the name "floor".
run_floor() {
  local name=$1 api=$2
  shift 2
  log "$name: the floor, genauth-grpc-floor --api $api $*, $RATE/s"
  rm -f "$WORK/$name.port"
  "$BIN/genauth-grpc-floor" --api "$api" --listen 127.0.0.1:0 --port-file "$WORK/$name.port" \
    --echo-bytes "$PAYLOAD" "$@" >"$RAW/$name.server.json" 2>"$WORK/$name.log" &
  local pid=$! before target
  stack_track "$pid"
  await_port_file "$WORK/$name.port" "$pid" "$name" || fail "$name did not start"
  target="127.0.0.1:$(tr -d '[:space:]' <"$WORK/$name.port")"
  before=$(loadavg)
  loadgen "$name" --mode sidecar --target "$target" --sample-pid "floor=$pid" --rate "$RATE" \
    --warmup "$WARMUP" --duration "$DURATION" --timeout 5s
  meta "$name" "loadavg_before=$before" "cq_threads=$FLOOR_CQ_THREADS"
  stack_stop "$pid"
}

# h2load_cpu NAME: an efficient HTTP/1.1 client's CPU per request, the client half of the floor.
# h2load (nghttp2-client: libev, one thread, kept-alive connections) sends the loopback profile's
# trigger — the same JSON body as genauth-loadgen --mode direct, with a valid management token —
# to the running emulator at RATE for H2LOAD_DURATION s. HTTP/1.1 has one request in flight per
# connection, and the emulator ends a kept-alive connection after 1000 requests, which h2load
# does not reopen: so one connection per 1000 requests (at least 8), each at its share of RATE.
# Its CPU is the user + system time of the whole h2load process (bash's `time`, from wait4's
# rusage), start-up included. Result: RAW/NAME-h2load.json.
h2load_cpu() {
  local name=$1-h2load clients=$(((RATE * H2LOAD_DURATION + 999) / 1000))
  [ "$clients" -lt 8 ] && clients=8
  local rps=$((RATE / clients))
  local total=$((clients * rps * H2LOAD_DURATION))
  echo "-- $name"
  # The token as the direct client gets it; one request with the same headers and body must be
  # answered with statusCode 200 before h2load's numbers count.
  /usr/bin/python3 - "$EMULATOR_URL" "$KEY_ID" "$SECRET" "$PAYLOAD" "$WORK/$name" <<'PY' ||
import base64, json, sys, urllib.request
url, key_id, secret, payload, out = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
def post(path, body, headers):
    req = urllib.request.Request(url + path, data=body.encode(), headers=headers, method="POST")
    return json.load(urllib.request.urlopen(req, timeout=5))
common = {"content-type": "application/json", "x-authing-sdk-version": "genauth-loadgen",
          "x-authing-lang": "zh-CN"}
token = post("/api/v3/get-management-token",
             json.dumps({"accessKeyId": key_id, "accessKeySecret": secret}), common)["data"]["access_token"]
claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
headers = dict(common, authorization="Bearer " + token,
               **{"x-authing-userpool-id": claims.get("scoped_userpool_id", key_id)})
# genauth-loadgen's body (bench/workload.cc): the webhook payload's JSON text is `payload` bytes.
skeleton = {"eventName": "bench", "data": {"pad": ""}}
pad = max(0, payload - len(json.dumps(skeleton, separators=(",", ":"))))
body = json.dumps({"webhookId": "wh-bench", "requestHeaders": {"x-bench": "1"},
                   "requestBody": {"eventName": "bench", "data": {"pad": "x" * pad}}},
                  separators=(",", ":"))
reply = post("/api/v3/trigger-webhook", body, headers)
if reply.get("statusCode") != 200:
    sys.exit(f"h2load's request was refused: {reply}")
open(out + ".body", "w").write(body)
open(out + ".headers", "w").write("".join(f"{k}: {v}\n" for k, v in headers.items()))
PY
    fail "could not prepare h2load's request"
  local header_args=() line before
  while IFS= read -r line; do header_args+=(-H "$line"); done <"$WORK/$name.headers"
  before=$(loadavg)
  local TIMEFORMAT='%R %U %S'
  { time h2load --h1 -c "$clients" --rps "$rps" -n "$total" -d "$WORK/$name.body" \
      "${header_args[@]}" "$EMULATOR_URL/api/v3/trigger-webhook" >"$WORK/$name.out" 2>&1; } \
    2>"$WORK/$name.time" || { cat "$WORK/$name.out" >&2; fail "h2load failed"; }
  /usr/bin/python3 - "$WORK/$name.out" "$WORK/$name.time" "$RAW/$name.json" "$before" \
    "$(loadavg)" "$RATE" "$PAYLOAD" <<'PY'
import json, re, sys
out, times = open(sys.argv[1]).read(), open(sys.argv[2]).read().split()
wall, user, system = (float(x) for x in times[-3:])
num = lambda pattern: float(re.search(pattern, out).group(1))
done, ok = num(r"requests: \d+ total, \d+ started, (\d+) done"), num(r"(\d+) succeeded")
result = {
    "client": "h2load --h1", "rate_target": int(sys.argv[6]), "payload_bytes": int(sys.argv[7]),
    "requests_done": int(done), "requests_succeeded": int(ok),
    "status_2xx": int(num(r"status codes: (\d+) 2xx")), "finished_s": num(r"finished in ([\d.]+)s"),
    "wall_s": wall, "user_s": user, "sys_s": system,
    "cpu_us_per_request": round((user + system) * 1e6 / max(1, done), 2),
    "mcpu": round((user + system) / wall * 1000, 1),
    "request_time_mean_ms": None, "loadavg_before": json.loads(sys.argv[4]),
    "loadavg": json.loads(sys.argv[5]),
}
m = re.search(r"time for request:\s+(\S+)\s+(\S+)\s+(\S+)", out)
if m:
    value = m.group(3)
    scale = {"us": 1e-3, "ms": 1.0, "s": 1e3}[re.match(r"[\d.]+(\D+)", value).group(1)]
    result["request_time_mean_ms"] = round(float(re.match(r"[\d.]+", value).group(0)) * scale, 3)
json.dump(result, open(sys.argv[3], "w"), indent=2)
print(f"h2load: {result['requests_succeeded']}/{result['requests_done']} ok, "
      f"{result['cpu_us_per_request']} µs CPU per request ({user:.2f} s user + {system:.2f} s sys)")
PY
}

run_profile() {  # run_profile NAME LATENCY_MS RATE [SIDECAR ENV...]: direct then via the sidecar
  local name=$1 latency=$2 rate=$3 connections=64
  shift 3
  [ "$latency" -gt 0 ] && connections=$WAN_WORKERS
  run_direct "$name-direct" "$latency" "$rate" "$connections"
  run_sidecar "$name-sidecar" "$latency" "$rate" "$@"
}

log "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
{
  printf '{"cores": %s, "cpu": "%s", "kernel": "%s", "loadavg_before": [%s], ' "$(nproc)" \
    "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')" "$(uname -r)" \
    "$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' ',')"
  printf '"mem_total_mib": %s, "started": "%s", "commit": "%s"}\n' \
    "$(awk '/MemTotal/ {printf "%d", $2/1024}' /proc/meminfo)" "$(date -u +%FT%TZ)" \
    "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
} >"$RAW/machine.json"

# The machine is shared: the loopback paths run in interleaved rounds (direct, sidecar, floor with
# the callback API, floor with the CQ API, then again), so that a disturbance hits every path
# alike; the report takes each path's median over the rounds and lists every round.
if want loopback; then
  rm -f "$RAW"/loopback-*.json
  for round in $(seq 1 "$REPEAT"); do
    run_direct "loopback-r$round-direct" 0 "$RATE" 64 h2load_cpu
    run_sidecar "loopback-r$round-sidecar" 0 "$RATE"
    run_floor "loopback-r$round-floor-callback" callback
    run_floor "loopback-r$round-floor-cq" cq --threads "$FLOOR_CQ_THREADS"
  done
fi
if want wan; then
  # ~rate × latency calls wait on GenAuth at once; over the emulator's HTTP/1.1 each needs its
  # own connection, so the sidecar gets as many as the direct client (see BENCHMARKS.md).
  run_profile wan "$WAN_LATENCY_MS" "$WAN_RATE" SIDECAR_UPSTREAM_MAX_CONNECTIONS="$WAN_WORKERS"
fi

if want peak; then
  log "peak: via the sidecar on loopback, rate raised until p99 > ${PEAK_P99_MS} ms, errors > 0.1% or the rate is not reached"
  emulator peak-emulator 0 7200
  sidecar peak-sidecar
  rm -f "$RAW"/peak-*.json
  for rate in $PEAK_RATES; do
    loadgen "peak-$rate" --mode sidecar --target "$SIDECAR_TARGET" --sample-pid "sidecar=$SIDECAR_PID" \
      --rate "$rate" --warmup 2 --duration "$PEAK_DURATION" --timeout 5s --concurrency-limit 2000
    verdict=$(/usr/bin/python3 - "$RAW/peak-$rate.json" "$PEAK_P99_MS" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
ok = (r["latency_ms"]["p99"] <= float(sys.argv[2]) and r["error_rate"] <= 0.001
      and r["achieved_rate"] >= 0.97 * r["rate_target"])
print("pass" if ok else "fail")
PY
)
    echo "peak $rate/s: $verdict"
    [ "$verdict" = pass ] || break
  done
  stack_stop "$SIDECAR_PID"
  stack_stop "$EMULATOR_PID"
fi

if want node; then
  log "Node.js: authing-node-sdk directly vs @grpc/grpc-js through the sidecar, HTTPS emulator, $NODE_RATE/s"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
    -keyout "$WORK/tls.key" -out "$WORK/tls.crt" -subj /CN=127.0.0.1 \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" >/dev/null 2>&1
  emulator node-emulator 0 7200 --threads 1024 --tls-cert "$WORK/tls.crt" --tls-key "$WORK/tls.key"
  NODE_COMMON=(--rate "$NODE_RATE" --warmup "$WARMUP" --duration "$NODE_DURATION" --payload-bytes "$PAYLOAD")
  echo "-- node-sdk"
  NODE_EXTRA_CA_CERTS="$WORK/tls.crt" node "$NODE_DIR/loadgen.js" --mode sdk --emulator "$EMULATOR_URL" \
    --access-key-id "$KEY_ID" --access-key-secret-file "$STACK_SECRET_FILE" "${NODE_COMMON[@]}" \
    --sample-pid "emulator=$EMULATOR_PID" --label node-sdk --json-out "$RAW/node-sdk.json"
  sidecar node-sidecar GENAUTH_CA_FILE="$WORK/tls.crt"
  echo "-- node-sidecar"
  node "$NODE_DIR/loadgen.js" --mode sidecar --target "$SIDECAR_TARGET" "${NODE_COMMON[@]}" \
    --sample-pid "sidecar=$SIDECAR_PID" --sample-pid "emulator=$EMULATOR_PID" --label node-sidecar \
    --json-out "$RAW/node-sidecar.json"
  stack_stop "$SIDECAR_PID"
  stack_stop "$EMULATOR_PID"
fi

if want far; then
  BENCH_FAR_NO_REPORT=1 "$ROOT/scripts/bench-far.sh" "$BIN" "$OUT"
fi

cut -d' ' -f1-3 /proc/loadavg | awk '{printf "{\"loadavg_after\": [%s,%s,%s]}\n", $1, $2, $3}' \
  >"$RAW/machine-after.json"
log "report"
/usr/bin/python3 "$ROOT/scripts/bench_report.py" "$OUT"
