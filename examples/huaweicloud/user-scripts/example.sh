#!/bin/sh
# Seed 000's user-scripts/example.sh: runs on the build server after the package is uploaded.
set -eu
mkdir -p /opt/cce-custom
cp /tmp/example.package /opt/cce-custom/example.package
echo "customised_at=$(date -u +%FT%TZ)" > /opt/cce-custom/release
