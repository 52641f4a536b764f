#!/usr/bin/env bash
# Build the local base image that builds and tests start from: a minimal
# Debian with openssh-server, sudo and python3 (Ansible's modules run on the
# machine with its Python, as on every cloud image), made with debootstrap (no registry can
# be pulled from here) and imported into Docker. Cached by tag.
set -euo pipefail
TAG="${TSIMG_BASE_IMAGE:-tsimg/debian-ssh:bookworm}"
# Bump when the recipe below changes, so a cached image made by an older recipe is rebuilt.
RECIPE=3
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
trap 'rm -rf "$ROOT"' EXIT
echo "debootstrapping bookworm into $ROOT (a few minutes)..."
debootstrap --variant=minbase --include=openssh-server,sudo,ca-certificates,procps,iproute2,python3 \
  bookworm "$ROOT" "$MIRROR" >/tmp/tsimg-debootstrap.log 2>&1 || {
  tail -30 /tmp/tsimg-debootstrap.log >&2; exit 1; }
# mktemp -d makes the root 0700, which would lock every non-root user out of /usr.
chmod 755 "$ROOT"
# sshd needs its privilege-separation dir; host keys are made per container at start.
mkdir -p "$ROOT/run/sshd"
rm -f "$ROOT"/etc/ssh/ssh_host_*
rm -rf "$ROOT"/var/cache/apt/archives/*.deb "$ROOT"/var/lib/apt/lists/*
tar -C "$ROOT" -c . | docker import \
  --change 'CMD ["/bin/sh","-c","ssh-keygen -A >/dev/null && exec /usr/sbin/sshd -D -e"]' \
  --change 'EXPOSE 22' --change "LABEL org.tsimg.base-recipe=$RECIPE" - "$TAG" >/dev/null
echo "base image $TAG built"
