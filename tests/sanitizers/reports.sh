#!/usr/bin/env bash
# Sourced by the script tests (conformance, examples, deploy) that start our C++ binaries as child
# processes. Their stderr goes to files, and their exit status after SIGTERM is not checked, so a
# sanitizer report there (make test-asan / make test-tsan: ASan, LSan, UBSan, TSan print one line
# "ERROR|WARNING|SUMMARY: ...Sanitizer" at least) would go unseen. sanitizer_reports FILE...
# prints each report found (file name and first lines) to stderr and returns 0 when there is one,
# 1 when there is none. Missing files are ignored.
SANITIZER_REPORT_PATTERN='(ERROR|WARNING|SUMMARY): [A-Za-z]*Sanitizer'

sanitizer_reports() {
  local found=1 f
  for f in "$@"; do
    [ -f "$f" ] || continue
    if grep -qE "$SANITIZER_REPORT_PATTERN" "$f"; then
      found=0
      echo "sanitizer report in $(basename "$f"):" >&2
      grep -E -A 30 "$SANITIZER_REPORT_PATTERN" "$f" | head -60 | sed 's/^/  | /' >&2
    fi
  done
  return "$found"
}

# A stack_on_exit hook (scripts/lib/stack.sh) for the tests that start the stack: the script
# fails when a log or output file in STACK_WORK holds a report.
# shellcheck disable=SC2317  # called at exit
no_sanitizer_reports() {
  if sanitizer_reports "$STACK_WORK"/*.log "$STACK_WORK"/*.out; then
    echo "$STACK_NAME: a C++ process reported a sanitizer error" >&2
    return 1
  fi
}
