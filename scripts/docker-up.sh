#!/usr/bin/env bash
# Make sure a Docker engine answers. Installs Debian's docker.io and starts
# dockerd (no iptables, vfs storage: what works inside these sandboxes).
set -euo pipefail
if docker info >/dev/null 2>&1; then exit 0; fi
if ! command -v dockerd >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq docker.io >/dev/null
fi
mkdir -p /var/log
# setsid: the daemon leaves the caller's process group and session, so stopping the job that
# started it (a CI step, a shell whose group is killed) does not take the engine down with it.
setsid nohup dockerd --iptables=false --storage-driver=vfs >/var/log/tsimg-dockerd.log 2>&1 </dev/null &
for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then exit 0; fi
  sleep 1
done
echo "dockerd did not start; see /var/log/tsimg-dockerd.log" >&2
tail -20 /var/log/tsimg-dockerd.log >&2 || true
exit 1
