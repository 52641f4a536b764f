#!/usr/bin/env bash
# Everything a fresh machine needs before a build or the tests: OpenSSH client tools
# (bench peers), Ansible (the ansible provisioner runs ansible-playbook here), a Docker engine, the local base image, and the npm dependencies
# (whose prepare script compiles every package with tsc -b).
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v ssh >/dev/null 2>&1 || need+=(openssh-client)
# curl: verify-goss's http checks are tested through curl as well as python3.
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
# HashiCorp Packer 1.6.6 (Debian's package): the emulator's tests that Packer's amazon-ebs and alicloud-ecs build against it.
command -v packer >/dev/null 2>&1 || need+=(packer)
command -v ansible-playbook >/dev/null 2>&1 || need+=(ansible)
# Debian's python3-testinfra: an independent peer of the verify phase's goss checks (its docker backend asserts the same facts).
/usr/bin/python3 -c 'import testinfra' >/dev/null 2>&1 || need+=(python3-testinfra)
# GNU time: npm run bench reads each command's peak memory and CPU time from /usr/bin/time.
[ -x /usr/bin/time ] || need+=(time)
# VMware's vCenter simulator for the vSphere builders' tests: Debian's Go and govmomi (its
# simulator package); scripts/vcsim/build.sh builds our small main.go over it, offline.
if [ "${TSIMG_SKIP_VCSIM:-}" != 1 ]; then
  command -v go >/dev/null 2>&1 || need+=(golang-go)
  [ -d /usr/share/gocode/src/github.com/vmware/govmomi/simulator ] || need+=(golang-github-vmware-govmomi-dev)
fi
# vsphere-iso's floppy and CD images (mtools, xorriso) and its tests' FAT check (dosfstools).
command -v mformat >/dev/null 2>&1 || need+=(mtools)
command -v xorriso >/dev/null 2>&1 || need+=(xorriso)
command -v fsck.fat >/dev/null 2>&1 || need+=(dosfstools)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi
bash scripts/docker-up.sh
bash scripts/make-base-image.sh
# The image without sshd that the docker builder's default communicator (docker exec) is tested
# on; `npm run main` (examples/docker) does not need it.
if [ "${TSIMG_SKIP_PLAIN_IMAGE:-}" != 1 ]; then
  bash scripts/make-plain-image.sh
fi
# The simulator binary, cached by the hash of main.go (about 2.5 minutes cold, instant warm).
if [ "${TSIMG_SKIP_VCSIM:-}" != 1 ]; then
  bash scripts/vcsim/build.sh >/dev/null
fi
if [ "${TSIMG_SKIP_NPM_CI:-}" != 1 ]; then
  npm ci --no-audit --no-fund
fi
