#!/usr/bin/env python3
"""Checks and reports a soak run (scripts/soak.sh): exits 1 when any promise was broken.

The duplicate check is exact. Every TriggerWebhook payload carries a unique sequence number
(genauth-loadgen --unique-payloads); the emulator recorded every request with the fault it
injected. A payload may reach GenAuth more than once only when every earlier attempt was answered
with a status that proves GenAuth did not process it (429 or 503, as an envelope or a bare HTTP
status). Anything else — a second attempt after a timeout, a dropped connection, a 500 — would be a
webhook fired twice.
"""
import argparse
import json
import sys
from collections import Counter, defaultdict

# Fault labels (src/emulator/fault.cc FaultLabel) after which repeating a trigger is safe.
NOT_PROCESSED = {"status:429", "status:503", "http:429", "http:503"}


def seq_of(record):
    try:
        body = json.loads(record["body"])
        return body["requestBody"]["soakSeq"]
    except (ValueError, KeyError, TypeError):
        return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--loadgen", required=True)
    parser.add_argument("--loadgen-status", type=int, required=True)
    parser.add_argument("--triggers", required=True)
    parser.add_argument("--stats", required=True)
    parser.add_argument("--metrics", required=True)
    parser.add_argument("--rss-log", required=True)
    parser.add_argument("--rss-end", type=int, required=True)
    parser.add_argument("--rss-growth-kib", type=int, required=True)
    parser.add_argument("--alive", type=int, required=True)
    parser.add_argument("--healthz", required=True)
    args = parser.parse_args()
    problems = []

    # --- the sidecar stayed up and answered everything ---
    if not args.alive:
        problems.append("the sidecar process died during the soak")
    if args.healthz.strip() != "ok":
        problems.append(f"/healthz answered {args.healthz.strip()!r} after the soak")
    try:
        with open(args.loadgen) as f:
            load = json.load(f)
    except (OSError, ValueError) as error:
        load = None
        problems.append(f"no load generator result ({error}); exit status {args.loadgen_status}")
    if load is not None:
        codes = load["status_counts"]
        print(f"calls scheduled     {load['scheduled']} over {load['duration_s']:.0f} s after "
              f"warm-up ({load['achieved_rate']:.0f}/s achieved), {load['sent']} sent")
        print(f"calls answered      {load['completed']}; p50 {load['latency_ms']['p50']} ms, "
              f"p99 {load['latency_ms']['p99']} ms")
        for code, count in sorted(codes.items(), key=lambda item: -item[1]):
            print(f"  {code:<20} {count}")
        for rpc, entry in sorted(load.get("by_rpc", {}).items()):
            print(f"  {rpc:<20} " + ", ".join(f"{code} {n}" for code, n in
                                             sorted(entry["status_counts"].items())))
        if load.get("dropped", 0):
            problems.append(f"{load['dropped']} calls could not be sent (the load generator hit "
                            "its concurrency limit: the sidecar was too slow to answer)")
        if load.get("unfinished", 0) or load["completed"] != load["sent"]:
            problems.append(f"{load['sent'] - load['completed']} calls were never answered (hang)")
        if args.loadgen_status != 0:
            problems.append(f"the load generator exited with status {args.loadgen_status}")
        if codes.get("UNKNOWN", 0):
            # Every error the sidecar gives has a definite code; UNKNOWN means something escaped.
            problems.append(f"{codes['UNKNOWN']} calls answered UNKNOWN")

    # --- no webhook fired twice beyond policy ---
    with open(args.triggers) as f:
        triggers = json.load(f)
    attempts = defaultdict(list)
    unlabelled = 0
    for record in triggers:
        seq = seq_of(record)
        if seq is None:
            unlabelled += 1
            continue
        attempts[seq].append(record.get("fault", ""))
    repeated = {seq: faults for seq, faults in attempts.items() if len(faults) > 1}
    violations = {seq: faults for seq, faults in repeated.items()
                  if any(fault not in NOT_PROCESSED for fault in faults[:-1])}
    processed = sum(1 for faults in attempts.values() if faults[-1] in ("", "delay"))
    print(f"trigger payloads    {len(attempts)} reached GenAuth in {len(triggers) - unlabelled} "
          f"requests; {len(repeated)} repeated after 429/503; {processed} processed by GenAuth")
    if violations:
        sample = list(violations.items())[:5]
        problems.append(f"{len(violations)} trigger payloads were sent again after a fault that "
                        f"may have been processed (a possible double fire), e.g. {sample}")
    if load is not None and "trigger" in load.get("by_rpc", {}):
        accepted = sum(load["by_rpc"]["trigger"]["status_counts"].values())
        ok = load["by_rpc"]["trigger"]["status_counts"].get("OK", 0)
        print(f"triggers accepted   {accepted} in the measured window ({ok} OK), warm-up "
              f"excluded; GenAuth saw {len(attempts)} distinct trigger payloads in all")

    with open(args.stats) as f:
        stats = json.load(f)
    injected = stats.get("chaos", {})
    print("faults injected     " + ", ".join(f"{path.rsplit('/', 1)[-1]} {n}"
                                             for path, n in sorted(injected.items())))
    if sum(injected.values()) == 0:
        problems.append("no fault was injected: the soak proved nothing")

    # --- the sidecar's own view ---
    interesting = ("genauth_upstream_retries_total", "genauth_upstream_retries_refused_total",
                   "genauth_upstream_calls_rejected_total", "genauth_upstream_circuit_transitions_total",
                   "genauth_sidecar_calls_shed_total", "genauth_token_fetches_total")
    with open(args.metrics) as f:
        for line in f:
            if line.startswith(interesting):
                print(f"  {line.strip()}")

    # --- memory ---
    samples = []
    try:
        with open(args.rss_log) as f:
            samples = [int(line.split()[1]) for line in f if len(line.split()) == 2]
    except OSError:
        pass
    if samples:
        start = samples[0]
        end = args.rss_end or samples[-1]
        print(f"sidecar RSS         {start / 1024:.1f} MiB after warm-up, {end / 1024:.1f} MiB at "
              f"the end, {max(samples) / 1024:.1f} MiB peak sampled ({len(samples)} samples)")
        if end - start > args.rss_growth_kib:
            problems.append(f"RSS grew by {(end - start) / 1024:.1f} MiB (limit "
                            f"{args.rss_growth_kib / 1024:.1f} MiB)")
    else:
        problems.append("no RSS sample was taken")

    if problems:
        print("\nSOAK FAILED:")
        for problem in problems:
            print(f"  - {problem}")
        return 1
    print("\nsoak passed: no crash, no hang, no duplicate trigger beyond policy, no memory growth")
    return 0


if __name__ == "__main__":
    sys.exit(main())
