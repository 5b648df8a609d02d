#!/usr/bin/env python3
"""Summarises scripts/bench-metadata.sh: bench_metadata_report.py RAW_DIR OUT_DIR.

Reads RAW_DIR/r<round>-<variant>.json (+ .meta.json) and RAW_DIR/soak-<n>.json (+ .meta.json);
writes OUT_DIR/metadata.json and OUT_DIR/metadata.md: per variant the median over rounds of the
sidecar's CPU per call, p50 and p99 latency, RSS and errors, with each round's values beside it;
then the soak's RSS and store gauges per segment.
"""
import glob
import json
import os
import re
import statistics
import sys


def load(path):
    with open(path) as f:
        return json.load(f)


def sidecar_process(result):
    for process in result.get("processes", []):
        if process.get("name") == "sidecar" and process.get("available"):
            return process
    return None


def run_figures(result):
    sidecar = sidecar_process(result) or {}
    ok = result.get("ok", 0)
    cpu = sidecar.get("cpu_seconds")
    return {
        "cpu_us_per_call": round(cpu / ok * 1e6, 1) if cpu is not None and ok else None,
        "p50_ms": result["latency_ms"]["p50"],
        "p99_ms": result["latency_ms"]["p99"],
        "rss_end_mib": sidecar.get("rss_end_mib"),
        "ok": ok,
        "failed": result.get("failed", 0) + result.get("dropped", 0),
    }


def median(values):
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 2) if values else None


def main():
    raw, out = sys.argv[1], sys.argv[2]
    runs = {}
    for path in sorted(glob.glob(os.path.join(raw, "r*-*.json"))):
        match = re.fullmatch(r"r(\d+)-(\w+)\.json", os.path.basename(path))
        if not match:
            continue  # the .meta.json files
        round_number, variant = int(match.group(1)), match.group(2)
        figures = run_figures(load(path))
        figures["round"] = round_number
        meta = path[: -len(".json")] + ".meta.json"
        if os.path.exists(meta):
            figures["loadavg_before"] = load(meta).get("loadavg_before")
        runs.setdefault(variant, []).append(figures)
    order = [v for v in ("plain", "key", "trace", "baseline") if v in runs]
    summary = {}
    for variant in order:
        rows = sorted(runs[variant], key=lambda r: r["round"])
        summary[variant] = {
            "rounds": rows,
            "median": {k: median([r[k] for r in rows])
                       for k in ("cpu_us_per_call", "p50_ms", "p99_ms", "rss_end_mib")},
            "failed": sum(r["failed"] for r in rows),
        }
    soak = []
    for path in glob.glob(os.path.join(raw, "soak-*.meta.json")):
        meta = load(path)
        result = load(path.replace(".meta.json", ".json"))
        meta["ok"] = result.get("ok", 0)
        meta["failed"] = result.get("failed", 0) + result.get("dropped", 0)
        meta["p99_ms"] = result["latency_ms"]["p99"]
        soak.append(meta)
    soak.sort(key=lambda s: s["segment"])
    with open(os.path.join(out, "metadata.json"), "w") as f:
        json.dump({"variants": summary, "soak": soak}, f, indent=1, sort_keys=True)

    lines = ["# Idempotency keys and trace context: cost per call, and a soak with unique keys", ""]
    loads = [r.get("loadavg_before") for v in order for r in runs[v] if r.get("loadavg_before")]
    if loads:
        ones = [l[0] for l in loads]
        lines.append(f"1-minute load average before the runs: {min(ones)}–{max(ones)} "
                     f"(median {statistics.median(ones)}).")
        lines.append("")
    lines.append("| variant | sidecar CPU µs/call (median) | p50 ms | p99 ms | RSS MiB | failed | CPU µs/call by round |")
    lines.append("|---|---|---|---|---|---|---|")
    for variant in order:
        s = summary[variant]
        m = s["median"]
        by_round = ", ".join(str(r["cpu_us_per_call"]) for r in s["rounds"])
        lines.append(f"| {variant} | {m['cpu_us_per_call']} | {m['p50_ms']} | {m['p99_ms']} | "
                     f"{m['rss_end_mib']} | {s['failed']} | {by_round} |")
    if soak:
        lines += ["", "Soak (one sidecar, a new key on every call, default bounds):", "",
                  "| segment | calls OK | failed | p99 ms | RSS MiB | keys held | bytes held | evicted (capacity) |",
                  "|---|---|---|---|---|---|---|---|"]
        for s in soak:
            lines.append(f"| {s['segment']} | {s['ok']} | {s['failed']} | {s['p99_ms']} | "
                         f"{s['rss_kib'] / 1024:.1f} | {s['keys']} | {s['bytes']} | {s['evicted']} |")
    with open(os.path.join(out, "metadata.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
