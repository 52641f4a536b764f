/**
 * What cloud-init does on an instance's first boot, as a shell script run in the container:
 * create the image's login user with passwordless sudo, authorize the key pair for it and
 * root, record the instance id, and stage user data. Data travels base64-encoded inside the
 * script on stdin, never on a command line.
 */
const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64')

/**
 * Shell lines that make `key` the only authorized key of root and $user. With `clear`, an
 * empty key empties authorized_keys (a detached key pair); without, an empty key leaves them.
 */
function authorizeKeyLines(publicKey: string | undefined, clear: boolean): string {
  return `key=$(echo '${b64(publicKey ?? '')}' | base64 -d)
for home in /root "$(getent passwd "$user" | cut -d: -f6)"; do
  [ -n "$key" ] || [ ${clear ? 1 : 0} = 1 ] || break
  [ -n "$home" ] || continue
  mkdir -p "$home/.ssh"
  if [ -n "$key" ]; then printf '%s\\n' "$key" > "$home/.ssh/authorized_keys"; else : > "$home/.ssh/authorized_keys"; fi
  chmod 700 "$home/.ssh"; chmod 600 "$home/.ssh/authorized_keys"
  owner=$(stat -c %U "$home")
  chown -R "$owner" "$home/.ssh"
done`
}

/** What a key pair bound to a stopped instance does at its next start (empty: detached). */
export function authorizeKeyScript(loginUser: string, publicKey: string): string {
  return `set -eu
user='${loginUser.replace(/[^a-z0-9_-]/g, '')}'
${authorizeKeyLines(publicKey, true)}
`
}

export function firstBootScript(opts: { instanceId: string; loginUser: string; publicKey?: string; userData?: Buffer }): string {
  const user = opts.loginUser.replace(/[^a-z0-9_-]/g, '')
  return `set -eu
# An image imported from a mktemp'd rootfs has / at 0700, which locks every non-root user
# out of /usr (scripts/make-base-image.sh); a real AMI's / is 0755.
[ "$(stat -c %a /)" = 755 ] || chmod 0755 /
user='${user}'
if [ "$user" != root ] && ! id -u "$user" >/dev/null 2>&1; then
  useradd -m -s /bin/bash "$user"
  # A fresh account is locked (!), and sshd without PAM refuses locked accounts even for keys.
  usermod -p "*" "$user"
fi
if [ "$user" != root ]; then
  mkdir -p /etc/sudoers.d
  echo "$user ALL=(ALL) NOPASSWD:ALL" > /etc/sudoers.d/90-cloud-init-users
  chmod 0440 /etc/sudoers.d/90-cloud-init-users
fi
${authorizeKeyLines(opts.publicKey, false)}
mkdir -p /var/lib/cloud/data /var/lib/cloud/instance/scripts
# A disk that booted as another instance (an AMI made here) carries that instance's host keys;
# cloud-init makes new ones per instance. sshd (PID 1) re-execs on SIGHUP and loads them.
previous=$(cat /var/lib/cloud/data/instance-id 2>/dev/null || true)
if [ -n "$previous" ] && [ "$previous" != '${opts.instanceId}' ]; then
  rm -f /etc/ssh/ssh_host_*
  ssh-keygen -A >/dev/null
  kill -HUP 1
fi
echo '${opts.instanceId}' > /var/lib/cloud/data/instance-id
rm -f /var/lib/cloud/instance/boot-finished
${
  opts.userData && opts.userData.length > 0
    ? `echo '${b64(opts.userData)}' | base64 -d > /var/lib/cloud/instance/user-data.txt
chmod 700 /var/lib/cloud/instance/user-data.txt`
    : 'rm -f /var/lib/cloud/instance/user-data.txt'
}
`
}

/** Runs staged user data once, in the background like cloud-final, then marks boot finished. */
export const RUN_USER_DATA = `f=/var/lib/cloud/instance/user-data.txt
if [ -f "$f" ] && head -c 2 "$f" | grep -q '^#!'; then "$f" >>/var/log/cloud-init-output.log 2>&1 || echo "user data failed: $?" >>/var/log/cloud-init-output.log; fi
touch /var/lib/cloud/instance/boot-finished`
