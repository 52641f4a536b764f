#!/usr/bin/env bash
# Build the image without sshd that Packer-style docker builds start from, as stock images
# (debian, ubuntu, alpine) are: a minimal Debian with python3 (for Ansible's modules) and
# nothing else; no openssh-server, no sudo. Made with debootstrap, cached by tag. The docker
# builder's default communicator (docker exec + docker cp) needs only /bin/sh in it.
set -euo pipefail
exec bash "$(dirname "$0")/debootstrap-image.sh" "${TSIMG_PLAIN_IMAGE:-tsimg/debian-plain:bookworm}" 1 \
  python3 --change 'CMD ["/bin/bash"]'
