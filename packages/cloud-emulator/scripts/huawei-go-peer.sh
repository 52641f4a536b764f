#!/usr/bin/env bash
# Builds peers/huawei-go (a client of the Huawei front end on Huawei's official Go SDK) and runs
# it once against a fresh emulator. Offline, in GOPATH mode, with Debian's Go and libraries:
#   apt-get install golang-go golang-github-json-iterator-go-dev golang-mongodb-mongo-driver-dev \
#     golang-gopkg-ini.v1-dev golang-gopkg-yaml.v3-dev golang-golang-x-crypto-dev
# HUAWEI_GO_SDK names a git checkout of github.com/huaweicloud/huaweicloud-sdk-go-v3 (public);
# only core/ and the services used are exported from tag v0.1.46 into the gitignored build dir.
# Usage: HUAWEI_GO_SDK=/path/to/huaweicloud-sdk-go-v3 packages/cloud-emulator/scripts/huawei-go-peer.sh
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
sdk=${HUAWEI_GO_SDK:?set HUAWEI_GO_SDK to a checkout (or bare clone) of huaweicloud-sdk-go-v3}
tag=${HUAWEI_GO_SDK_TAG:-v0.1.46}
build="$here/peers/huawei-go/build"
dest="$build/gopath/src/github.com/huaweicloud/huaweicloud-sdk-go-v3"
if [ ! -d "$dest/core" ]; then
  mkdir -p "$dest"
  git -C "$sdk" archive "$tag" core services/ecs services/vpc services/ims services/eip services/iam | tar -x -C "$dest"
fi
mkdir -p "$build/gopath/src/tsimg-huawei-go-peer"
cp "$here/peers/huawei-go/main.go" "$build/gopath/src/tsimg-huawei-go-peer/main.go"
( cd "$build/gopath/src/tsimg-huawei-go-peer" && GO111MODULE=off GOPROXY=off GOFLAGS= GOCACHE="$build/cache" GOPATH="$build/gopath:/usr/share/gocode" go build -o "$build/huawei-go-peer" . )
node --input-type=module -e "
import { startHuaweiEmulator, HUAWEI_DOMAIN_ID } from '$here/dist/index.js'
import { spawn } from 'node:child_process'
const emu = await startHuaweiEmulator({ delays: { jobStarted: 100, instanceRunning: 100, instanceStopped: 100, instanceTerminated: 100, imageAvailable: 200 } })
const pub = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq3xWcBPVfQeF0Xj4mB6jWmJ7nqYpH5bJt1v8YyqYfB go-peer'
const region = 'cn-north-4'
// Asynchronously: the emulator answers from this process's event loop.
const child = spawn('$build/huawei-go-peer', [], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, HW_ENDPOINT: emu.endpoint, HW_ACCESS_KEY: emu.credentials.accessKeyId,
  HW_SECRET_KEY: emu.credentials.secretAccessKey, HW_PROJECT_ID: emu.projectId(region), HW_DOMAIN_ID: HUAWEI_DOMAIN_ID, HW_REGION_NAME: region, PUBLIC_KEY: pub } })
const status = await new Promise((resolve) => child.on('exit', (code) => resolve(code)))
const left = emu.ledger().filter((e) => !e.seed && e.type !== 'snapshot')
process.stdout.write('left in the emulator: ' + left.length + '\n')
await emu.stop()
process.exit(status === 0 && left.length === 0 ? 0 : 1)
"
