#!/usr/bin/env bash
# Runs each libFuzzer target for a bounded time and reports what it found (used by `make fuzz`).
#   scripts/run-fuzzers.sh BUILD_DIR SECONDS NAME...
# Each <name>_fuzzer runs on BUILD_DIR/fuzz/<name>/corpus, a working copy of the committed seeds
# (tests/fuzz/corpus/<name>) and past crashes (tests/fuzz/regressions/<name>) that keeps what the
# fuzzer adds between runs. Crash inputs land in BUILD_DIR/fuzz/<name>/artifacts/. Exits 1 when
# any target found something; the input is then worth adding under tests/fuzz/regressions/<name>/
# once the bug is fixed.
set -uo pipefail

build_dir=$1
seconds=$2
shift 2
root=$(cd "$(dirname "$0")/.." && pwd)

failed=()
summary=()
for name in "$@"; do
  binary="$build_dir/tests/fuzz/${name}_fuzzer"
  work="$build_dir/fuzz/$name"
  mkdir -p "$work/corpus" "$work/artifacts"
  for seeds in "$root/tests/fuzz/corpus/$name" "$root/tests/fuzz/regressions/$name"; do
    if [ -d "$seeds" ]; then cp -n "$seeds"/* "$work/corpus/" 2>/dev/null || true; fi
  done
  # A dictionary of tokens the input format is made of (tests/fuzz/fuzzers.dicts), when there is one.
  dict=$(sed -n "s/^$name: *//p" "$root/tests/fuzz/fuzzers.dicts")
  dict_flag=()
  if [ -n "$dict" ]; then dict_flag=(-dict="$root/tests/fuzz/$dict"); fi
  log="$work/fuzz.log"
  echo "fuzz: $name for ${seconds}s (log: $log)"
  # -timeout: one input taking over 10 s is a finding too (a hang); -rss_limit_mb bounds memory.
  "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    "${dict_flag[@]}" -artifact_prefix="$work/artifacts/" "$work/corpus" >"$log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$log" | tail -1)
  line="$name: ${execs:-?} runs, ${rate:-?} exec/s, ${cov:-no coverage line}"
  if [ $rc -ne 0 ]; then
    crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
    line="$line; FAILED (exit $rc)${crash:+, input: $crash}"
    failed+=("$name")
    grep -m1 -E 'ERROR: (AddressSanitizer|libFuzzer)|runtime error|invariant failed' "$log" >&2 || true
  fi
  summary+=("$line")
  echo "  $line"
done

echo
echo "fuzz summary (${seconds}s per target):"
printf '  %s\n' "${summary[@]}"
if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz: findings in ${failed[*]}; reproduce with $build_dir/tests/fuzz/<name>_fuzzer <input>" >&2
  exit 1
fi
