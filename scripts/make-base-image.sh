#!/usr/bin/env bash
# Build the local base image that builds and tests start from: a minimal
# Debian with openssh-server, sudo and python3 (Ansible's modules run on the
# machine with its Python, as on every cloud image), made with debootstrap (no registry can
# be pulled from here) and imported into Docker. Cached by tag.
set -euo pipefail
# Bump the recipe number when the recipe changes, so a cached image made by an older one is rebuilt.
exec bash "$(dirname "$0")/debootstrap-image.sh" "${TSIMG_BASE_IMAGE:-tsimg/debian-ssh:bookworm}" 3 \
  openssh-server,sudo,ca-certificates,procps,iproute2,python3 \
  --change 'CMD ["/bin/sh","-c","ssh-keygen -A >/dev/null && exec /usr/sbin/sshd -D -e"]' --change 'EXPOSE 22'
