#!/bin/sh
# Checks what the node image must hold, in the style of ack-image-builder's verify step.
set -eu
check() { if eval "$2"; then echo "[$(date -u +%Y%m%d\ %H:%M:%S)]: $1.  Verify Passed!"; else echo "$1.  Verify FAILED" >&2; exit 1; fi; }
check 'Check if the node defaults are applied' 'test -f /etc/ack-node-defaults'
check 'Check if the DNS settings are written' 'grep -q 100.100.2.136 /etc/ack-node/resolv.conf'
check 'Check if the machine was rebooted' 'test -f /etc/ack-node-rebooted'
check 'Check if sshd is running' 'pgrep -x sshd >/dev/null'
echo "verified" > /etc/ack-node-verified
