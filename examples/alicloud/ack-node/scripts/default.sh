#!/bin/sh
# Node defaults an ACK worker expects: kernel settings for bridged pod traffic, no swap.
set -eu
mkdir -p /etc/sysctl.d
cat > /etc/sysctl.d/90-ack-node.conf <<'CONF'
net.ipv4.ip_forward = 1
net.bridge.bridge-nf-call-iptables = 1
CONF
sed -i '/ swap /d' /etc/fstab 2>/dev/null || true
echo "ack-node defaults applied" > /etc/ack-node-defaults
