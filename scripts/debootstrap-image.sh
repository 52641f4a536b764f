#!/usr/bin/env bash
# Makes a local Debian bookworm image with debootstrap (no registry can be pulled from here)
# and imports it into Docker. Shared by make-base-image.sh (with sshd) and
# make-plain-image.sh (without). Cached by tag and recipe number:
#   debootstrap-image.sh TAG RECIPE PACKAGES [docker import --change ...]
set -euo pipefail
TAG="$1"; RECIPE="$2"; INCLUDE="$3"; shift 3
have="$(docker image inspect -f '{{ index .Config.Labels "org.tsimg.base-recipe" }}' "$TAG" 2>/dev/null || true)"
if [ "$have" = "$RECIPE" ]; then
  echo "base image $TAG already present"
  exit 0
fi
if ! command -v debootstrap >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq debootstrap >/dev/null
fi
MIRROR="${TSIMG_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
ROOT="$(mktemp -d /tmp/tsimg-rootfs.XXXXXX)"
LOG="$(mktemp /tmp/tsimg-debootstrap.XXXXXX.log)"
trap 'rm -rf "$ROOT" "$LOG"' EXIT
echo "debootstrapping bookworm into $ROOT for $TAG (a few minutes)..."
debootstrap --variant=minbase --include="$INCLUDE" bookworm "$ROOT" "$MIRROR" >"$LOG" 2>&1 || {
  tail -30 "$LOG" >&2; exit 1; }
# mktemp -d makes the root 0700, which would lock every non-root user out of /usr.
chmod 755 "$ROOT"
if [ -d "$ROOT/etc/ssh" ]; then
  # sshd needs its privilege-separation dir; host keys are made per container at start.
  mkdir -p "$ROOT/run/sshd"
  rm -f "$ROOT"/etc/ssh/ssh_host_*
fi
rm -rf "$ROOT"/var/cache/apt/archives/*.deb "$ROOT"/var/lib/apt/lists/*
tar -C "$ROOT" -c . | docker import "$@" --change "LABEL org.tsimg.base-recipe=$RECIPE" - "$TAG" >/dev/null
echo "base image $TAG built"
