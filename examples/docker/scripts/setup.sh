#!/bin/sh
# Runs in the build container over SSH; GREETING and RELEASE come from environmentVars.
set -eu
printf '%s\n' "$GREETING" > /etc/tsimg/greeting
printf 'release=%s\n' "$RELEASE" > /etc/tsimg/release
cat > /usr/local/bin/tsimg-example <<'SH'
#!/bin/sh
# The image's CMD: show what the build put in.
echo "== $(cat /etc/tsimg/greeting)"
cat /etc/tsimg/release /etc/tsimg/built
echo "== site:"; find /srv/site -type f | sort
echo "== config:"; cat /etc/tsimg/conf.d/app.conf
SH
chmod 755 /usr/local/bin/tsimg-example
echo "setup done: $(cat /etc/tsimg/release)"
