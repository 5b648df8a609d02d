#!/usr/bin/env bash
# Does gRPC's API or a server setting shorten the gRPC hop or cut its CPU? Measures the trivial
# server genauth-grpc-floor (bench/grpc_floor/) alone — no sidecar, no emulator — under the loopback
# profile's load (genauth-loadgen --mode sidecar, TriggerWebhook 1 KiB, BENCH_RATE (1000/s),
# BENCH_WARMUP (3 s) + BENCH_DURATION (10 s)), in BENCH_REPEAT (2) interleaved rounds of these
# variants:
#   callback                  the callback API, as the sidecar (gRPC's default settings)
#   callback-health-refl     + the default health service and server reflection, as the sidecar
#   callback-poll            GRPC_POLL_STRATEGY=poll instead of epoll1
#   cq-1, cq-2                the completion-queue API with 1 and 2 queue threads
#   cq-1-poll                 cq-1 with GRPC_POLL_STRATEGY=poll
#   scripts/bench-floor-settings.sh [BUILD_DIR] [OUT_DIR]   (OUT_DIR: bench/results/floor-settings)
# Writes OUT_DIR/raw/<variant>-r<N>.json (+ .meta.json: load average before) and OUT_DIR/settings.md
# (medians per variant). Every run is bounded; every process started here is stopped on exit.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=$(cd "${1:-$ROOT/build}" && pwd)
OUT=${2:-$ROOT/bench/results/floor-settings}
RATE=${BENCH_RATE:-1000}
WARMUP=${BENCH_WARMUP:-3}
DURATION=${BENCH_DURATION:-10}
REPEAT=${BENCH_REPEAT:-2}
PAYLOAD=${BENCH_PAYLOAD_BYTES:-1024}

WORK=$(mktemp -d /tmp/genauth-floor-settings.XXXXXX)
RAW="$OUT/raw"
mkdir -p "$RAW"
PID=""
cleanup() {
  if [ -n "$PID" ]; then kill -KILL "$PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
for bin in genauth-grpc-floor genauth-loadgen; do
  [ -x "$BIN/$bin" ] || { echo "bench-floor-settings: $BIN/$bin is missing" >&2; exit 1; }
done

# variant NAME: the environment and flags of one variant.
variant() {
  case $1 in
    callback) echo "env -- --api callback" ;;
    callback-health-refl) echo "env -- --api callback --health-reflection on" ;;
    callback-poll) echo "env GRPC_POLL_STRATEGY=poll -- --api callback" ;;
    cq-1) echo "env -- --api cq --threads 1" ;;
    cq-2) echo "env -- --api cq --threads 2" ;;
    cq-1-poll) echo "env GRPC_POLL_STRATEGY=poll -- --api cq --threads 1" ;;
  esac
}
VARIANTS="callback callback-health-refl callback-poll cq-1 cq-2 cq-1-poll"

rm -f "$RAW"/*.json
for round in $(seq 1 "$REPEAT"); do
  for name in $VARIANTS; do
    read -r -a spec <<<"$(variant "$name")"
    # spec = env [VAR=VALUE...] -- FLAGS...: split at "--".
    envs=() flags=() seen=0
    for word in "${spec[@]:1}"; do
      if [ "$word" = -- ]; then seen=1; elif [ $seen = 0 ]; then envs+=("$word"); else flags+=("$word"); fi
    done
    rm -f "$WORK/port"
    env "${envs[@]}" "$BIN/genauth-grpc-floor" "${flags[@]}" --port-file "$WORK/port" \
      --echo-bytes "$PAYLOAD" >/dev/null 2>"$WORK/floor.log" &
    PID=$!
    for _ in $(seq 1 200); do [ -s "$WORK/port" ] && break; sleep 0.05; done
    [ -s "$WORK/port" ] || { cat "$WORK/floor.log" >&2; exit 1; }
    before=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' ',')
    echo "-- $name-r$round"
    "$BIN/genauth-loadgen" --mode sidecar --target "127.0.0.1:$(tr -d '[:space:]' <"$WORK/port")" \
      --rpc trigger --payload-bytes "$PAYLOAD" --rate "$RATE" --warmup "$WARMUP" \
      --duration "$DURATION" --timeout 5s --sample-pid "floor=$PID" --label "$name-r$round" \
      --json-out "$RAW/$name-r$round.json" | sed -n '2p;4p'
    printf '{"loadavg_before": [%s], "threads_flag": "%s"}\n' "$before" "${flags[*]}" \
      >"$RAW/$name-r$round.meta.json"
    kill -TERM "$PID"
    wait "$PID" || true
    PID=""
  done
done

/usr/bin/python3 - "$RAW" "$OUT/settings.md" $VARIANTS <<'PY'
import glob, json, os, statistics, sys
raw, out, variants = sys.argv[1], sys.argv[2], sys.argv[3:]
lines = ["| variant | rounds | p50 (ms) | p90 (ms) | p99 (ms) | floor CPU per call (µs) | "
         "floor threads | floor RSS peak (MiB) | load avg before (1 min) |",
         "|---|---|---|---|---|---|---|---|---|"]
for v in variants:
    runs, metas = [], []
    for path in sorted(glob.glob(os.path.join(raw, f"{v}-r*.json"))):
        if path.endswith(".meta.json"):
            continue
        runs.append(json.load(open(path)))
        metas.append(json.load(open(path[:-5] + ".meta.json")))
    if not runs:
        continue
    floor = [next(p for p in r["processes"] if p["name"] == "floor") for r in runs]
    med = lambda xs: statistics.median(xs)
    lines.append(
        f"| {v} | {len(runs)} | {med([r['latency_ms']['p50'] for r in runs]):.3f} | "
        f"{med([r['latency_ms']['p90'] for r in runs]):.3f} | "
        f"{med([r['latency_ms']['p99'] for r in runs]):.3f} | "
        f"{med([f['mcpu_per_1000rps'] for f in floor]):.1f} | {floor[0].get('threads')} | "
        f"{med([f['rss_peak_mib'] for f in floor]):.1f} | "
        f"{', '.join(str(m['loadavg_before'][0]) for m in metas)} |")
text = "\n".join(lines) + "\n"
open(out, "w").write(text)
print(text)
PY
