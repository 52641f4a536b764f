#!/bin/sh
# Runs at first boot (cloud-init user data): leaves a mark the provisioner prints.
echo "user data ran at $(date -u +%FT%TZ)" > /var/lib/tsimg-user-data
