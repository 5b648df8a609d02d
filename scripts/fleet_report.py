#!/usr/bin/env python3
"""Reports a fleet run (scripts/fleet.sh) and checks its targets; exits 1 when one is missed.

Inputs (in --work): token-requests.json (the emulator's record of every get-management-token
request: its time and the fault injected, if any), metrics-N.txt and rss-N.txt per sidecar,
loadgen-N.json per sidecar's caller, triggers-received.txt (trigger requests GenAuth received).

Targets (issue "Behave well as a fleet"):
  - after start-up, no second sees more than a quarter of the fleet fetch a token;
  - each sidecar fetches at most ~1.5 tokens per token lifetime: its successful fetches after the
    start-up one (which every start costs once, whatever the lifetime) over the run's lifetimes;
    with the start-up fetch counted too, and the attempts that met a fault, reported beside it;
  - GenAuth receives at most 1.2 trigger requests per call the callers made.
Writes report.txt, token-fetches.svg and fleet.json to --out.
"""
import argparse
import glob
import json
import os
import re
import statistics
import sys
from collections import Counter

# Fault labels after which a token fetch did not give a token (src/emulator/fault.cc FaultLabel);
# "delay" is a pass-through that still answers normally.
FAILED_FETCH = re.compile(r"^(status|http):|^drop$|^truncate$|^raw$|^trickle$")


def counter_value(metrics_text, name, labels):
    """One sample of a Prometheus counter from the text format; 0 when absent."""
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    pattern = re.compile(r"^" + re.escape(name) + r"\{" + re.escape(wanted) + r"\} (\S+)$", re.M)
    match = pattern.search(metrics_text)
    return float(match.group(1)) if match else 0.0


def svg_plot(per_second, quarter, startup_s, path, title):
    """A bar chart of token fetches per second, the quarter-of-the-fleet line, start-up shaded."""
    width, height, left, bottom, top = 900, 300, 50, 40, 30
    seconds = max(per_second) + 1 if per_second else 1
    peak = max(max(per_second.values(), default=0), quarter, 1)
    plot_w, plot_h = width - left - 20, height - bottom - top
    bar_w = plot_w / seconds
    y = lambda v: top + plot_h - plot_h * v / peak  # noqa: E731
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{left}" y="18">{title}</text>',
        f'<rect x="{left}" y="{top}" width="{bar_w * startup_s:.1f}" height="{plot_h}" '
        f'fill="#eee"/>',
        f'<text x="{left + 4}" y="{top + 14}" fill="#888">start-up</text>',
    ]
    for second, count in sorted(per_second.items()):
        parts.append(
            f'<rect x="{left + second * bar_w:.1f}" y="{y(count):.1f}" '
            f'width="{max(bar_w - 0.5, 0.5):.1f}" height="{top + plot_h - y(count):.1f}" '
            f'fill="#3465a4"/>'
        )
    parts.append(
        f'<line x1="{left}" x2="{left + plot_w}" y1="{y(quarter):.1f}" y2="{y(quarter):.1f}" '
        f'stroke="#c00" stroke-dasharray="4 3"/>'
    )
    parts.append(f'<text x="{left + plot_w - 150}" y="{y(quarter) - 4:.1f}" fill="#c00">'
                 f'a quarter of the fleet ({quarter:g})</text>')
    parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" '
                 f'y2="{top + plot_h}" stroke="black"/>')
    for tick in range(0, seconds + 1, max(1, seconds // 10)):
        parts.append(f'<text x="{left + tick * bar_w:.1f}" y="{top + plot_h + 16}">{tick}s</text>')
    for tick in sorted({0, peak // 2, peak}):
        parts.append(f'<text x="8" y="{y(tick) + 4:.1f}">{tick:g}</text>')
    parts.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(parts) + "\n")


def text_plot(per_second, quarter):
    """One line per second: a bar of '#', the quarter line marked '|'."""
    lines = []
    for second in range(max(per_second, default=-1) + 1):
        count = per_second.get(second, 0)
        bar = "#" * count
        if count <= quarter:
            bar = bar.ljust(int(quarter)) + "|"
        lines.append(f"  {second:4d}s {count:3d} {bar}")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser()
    for name in ("work", "out", "refresh-window"):
        parser.add_argument("--" + name, required=True)
    for name in ("size", "lifetime"):
        parser.add_argument("--" + name, type=int, required=True)
    parser.add_argument("--run-seconds", type=float, required=True)
    parser.add_argument("--rate", type=float, required=True)
    parser.add_argument("--faults", type=float, required=True)
    args = parser.parse_args()
    work = args.work

    with open(os.path.join(work, "token-requests.json")) as f:
        token_requests = json.load(f)
    if not token_requests:
        print("fleet: GenAuth received no token request at all", file=sys.stderr)
        return 1
    start_ms = min(r["atMs"] for r in token_requests)
    per_second = Counter((r["atMs"] - start_ms) // 1000 for r in token_requests)
    failed_fetches = sum(1 for r in token_requests if FAILED_FETCH.match(r["fault"] or ""))
    # Start-up: every sidecar's first fetch (and the retries of the ones that met a fault) falls
    # into the first seconds; the measure is every second after it.
    startup_s = max(5, args.lifetime // 4)
    quarter = args.size / 4
    after_startup = {s: c for s, c in per_second.items() if s >= startup_s}
    busiest_second, busiest = max(after_startup.items(), key=lambda kv: kv[1], default=(0, 0))

    per_sidecar, rss_mib = [], []
    for metrics_path in sorted(glob.glob(os.path.join(work, "metrics-*.txt"))):
        with open(metrics_path) as f:
            text = f.read()
        per_sidecar.append(counter_value(text, "genauth_token_fetches_total", {"result": "success"}))
        rss_path = metrics_path.replace("metrics-", "rss-")
        with open(rss_path) as f:
            rss = f.read().strip()
        if rss:
            rss_mib.append(int(rss) / 1024)
    # From the sidecars' start to the scrape (just after the traffic ended).
    run_s = args.run_seconds
    lifetimes = run_s / args.lifetime
    per_lifetime = [max(n - 1, 0) / lifetimes for n in per_sidecar]
    with_startup = [n / lifetimes for n in per_sidecar]

    sent = 0
    for loadgen_path in glob.glob(os.path.join(work, "loadgen-*.json")):
        with open(loadgen_path) as f:
            sent += json.load(f)["sent"]
    with open(os.path.join(work, "triggers-received.txt")) as f:
        received = int(f.read().strip() or 0)
    amplification = received / sent if sent else float("inf")

    problems = []
    if len(per_sidecar) != args.size:
        problems.append(f"metrics from {len(per_sidecar)} of {args.size} sidecars")
    if busiest > quarter:
        problems.append(f"{busiest} token requests in second {busiest_second} after start-up "
                        f"(more than a quarter of the fleet, {quarter:g})")
    if per_lifetime and max(per_lifetime) > 1.5:
        problems.append(f"a sidecar fetched {max(per_lifetime):.2f} tokens per lifetime (> 1.5)")
    if amplification > 1.2:
        problems.append(f"GenAuth received {amplification:.3f} trigger requests per call (> 1.2)")

    title = (f"Token requests per second: {args.size} sidecars, {args.lifetime} s tokens, "
             f"refresh window {args.refresh_window}")
    svg_plot(per_second, quarter, startup_s, os.path.join(args.out, "token-fetches.svg"), title)
    load = open("/proc/loadavg").read().split()[:3]
    report = [
        title,
        f"run: {run_s:.0f} s ({lifetimes:.1f} token lifetimes), {args.rate:g} calls/s per sidecar, "
        f"faults on {args.faults:g} of trigger and token requests; load average {' '.join(load)}",
        "",
        text_plot(per_second, quarter),
        "",
        f"token requests GenAuth received: {len(token_requests)} ({failed_fetches} met an injected "
        f"fault); in start-up (first {startup_s} s): "
        f"{sum(c for s, c in per_second.items() if s < startup_s)}",
        f"busiest second after start-up: {busiest} requests (second {busiest_second}); "
        f"a quarter of the fleet is {quarter:g}",
        f"tokens fetched per sidecar per lifetime after its start-up fetch: median "
        f"{statistics.median(per_lifetime) if per_lifetime else 0:.2f}, "
        f"max {max(per_lifetime, default=0):.2f} (target <= 1.5); with it: median "
        f"{statistics.median(with_startup) if with_startup else 0:.2f}, "
        f"max {max(with_startup, default=0):.2f}",
        f"trigger calls made: {sent}; trigger requests GenAuth received: {received}; "
        f"amplification {amplification:.3f} (target <= 1.2)",
        f"RSS per sidecar: median {statistics.median(rss_mib) if rss_mib else 0:.1f} MiB, "
        f"max {max(rss_mib, default=0):.1f} MiB",
    ]
    report.append("result: " + ("all targets met" if not problems else "; ".join(problems)))
    with open(os.path.join(args.out, "report.txt"), "w") as f:
        f.write("\n".join(report) + "\n")
    summary = {
        "size": args.size, "token_lifetime_s": args.lifetime,
        "rate_per_sidecar": args.rate, "fault_probability": args.faults,
        "refresh_window": args.refresh_window, "run_s": run_s, "loadavg": load,
        "token_requests": len(token_requests), "token_requests_failed": failed_fetches,
        "token_requests_per_second": {str(s): c for s, c in sorted(per_second.items())},
        "startup_s": startup_s, "busiest_second_after_startup": busiest,
        "fetches_per_lifetime_after_startup": per_lifetime,
        "fetches_per_lifetime_with_startup": with_startup, "calls_made": sent, "triggers_received": received,
        "amplification": amplification, "rss_mib": rss_mib, "problems": problems,
    }
    with open(os.path.join(args.out, "fleet.json"), "w") as f:
        json.dump(summary, f, indent=1)
    print("\n".join(report))
    print(f"fleet: report, plot and JSON in {args.out}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
