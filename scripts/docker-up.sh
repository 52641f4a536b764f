#!/usr/bin/env bash
# Make sure a Docker engine answers. A running engine is left alone, whatever its storage
# driver. Otherwise installs Debian's docker.io and starts dockerd without iptables (these
# sandboxes have none) on the overlay2 storage driver when the kernel and the filesystem under
# /var/lib/docker allow it: overlay2 shares the image's layers between containers, where vfs
# copies the whole image for every container and every commit (docker run + rm of the base
# image: 0.64 s against 7.6 s on this kind of machine). When overlay2 cannot work, falls back
# to vfs and says why.
set -euo pipefail
if docker info >/dev/null 2>&1; then exit 0; fi

wait_for_engine() {
  for _ in $(seq 1 "$1"); do
    if docker info >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  return 1
}

# An engine that is starting (or restarting) must not get a second one beside it: two dockerds
# on one machine fight over the docker0 bridge and break every container's network.
if pgrep -x dockerd >/dev/null 2>&1; then
  if wait_for_engine 60; then exit 0; fi
  echo "a dockerd process is running but does not answer; not starting a second one (see /var/log/tsimg-dockerd.log)" >&2
  exit 1
fi

if ! command -v dockerd >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq docker.io >/dev/null
fi
mkdir -p /var/log /var/lib/docker

# overlay2 needs the kernel's overlay filesystem and a backing filesystem that can carry its
# upper layers (ext4 and xfs can; overlayfs itself, as inside another container, cannot).
# A trial mount in /var/lib/docker answers both at once.
overlay_reason() {
  grep -qw overlay /proc/filesystems 2>/dev/null || modprobe overlay 2>/dev/null || true
  if ! grep -qw overlay /proc/filesystems 2>/dev/null; then echo "the kernel has no overlay filesystem"; return; fi
  local t
  t="$(mktemp -d /var/lib/docker/.overlay-probe.XXXXXX)"
  mkdir -p "$t/lower" "$t/upper" "$t/work" "$t/merged"
  if mount -t overlay overlay -o "lowerdir=$t/lower,upperdir=$t/upper,workdir=$t/work" "$t/merged" 2>/dev/null; then
    umount "$t/merged"
    rm -rf "$t"
    return
  fi
  rm -rf "$t"
  echo "an overlay mount on $(stat -f -c %T /var/lib/docker) under /var/lib/docker failed"
}

start_engine() {
  # setsid: the daemon leaves the caller's process group and session, so stopping the job that
  # started it (a CI step, a shell whose group is killed) does not take the engine down with it.
  setsid nohup dockerd --iptables=false --storage-driver="$1" >/var/log/tsimg-dockerd.log 2>&1 </dev/null &
}

driver="${TSIMG_DOCKER_STORAGE_DRIVER:-}"
if [ -z "$driver" ]; then
  why="$(overlay_reason)"
  if [ -z "$why" ]; then driver=overlay2
  else
    echo "docker-up: using the vfs storage driver (slow: a full copy per container) because $why" >&2
    driver=vfs
  fi
fi
start_engine "$driver"
if wait_for_engine 60; then
  echo "docker-up: started dockerd with the $driver storage driver"
  exit 0
fi
if [ "$driver" = overlay2 ] && ! pgrep -x dockerd >/dev/null 2>&1; then
  echo "docker-up: dockerd did not start with overlay2 ($(tail -1 /var/log/tsimg-dockerd.log)); falling back to vfs" >&2
  start_engine vfs
  if wait_for_engine 60; then
    echo "docker-up: started dockerd with the vfs storage driver"
    exit 0
  fi
fi
echo "dockerd did not start; see /var/log/tsimg-dockerd.log" >&2
tail -20 /var/log/tsimg-dockerd.log >&2 || true
exit 1
