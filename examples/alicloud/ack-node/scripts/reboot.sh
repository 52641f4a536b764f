#!/bin/sh
# Reboots so the kernel settings take effect; the provisioner expects the disconnect.
echo "rebooting at $(date -u +%FT%TZ)" > /etc/ack-node-rebooted
sync
(sleep 1; reboot) >/dev/null 2>&1 &
exit 0
