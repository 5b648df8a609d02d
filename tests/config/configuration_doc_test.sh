#!/usr/bin/env bash
# docs/configuration.md is generated from the settings table (src/config/settings_table.cc) by
# `genauth-sidecar --help-markdown`; this test fails when the committed file is not what the binary
# generates, i.e. a setting changed without `make docs`.
#
#   tests/config/configuration_doc_test.sh BUILD_DIR
set -euo pipefail

BUILD_DIR=${1:?usage: $0 BUILD_DIR}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DOC="$ROOT/docs/configuration.md"
GENERATED=$(mktemp)
trap 'rm -f "$GENERATED"' EXIT

"$BUILD_DIR/genauth-sidecar" --help-markdown >"$GENERATED"
if ! diff -u "$DOC" "$GENERATED"; then
  echo "docs/configuration.md is out of date with the settings table. Regenerate it with" >&2
  echo "  make docs" >&2
  echo "(or: $BUILD_DIR/genauth-sidecar --help-markdown > docs/configuration.md) and commit it." >&2
  exit 1
fi
echo "docs/configuration.md matches genauth-sidecar --help-markdown"
