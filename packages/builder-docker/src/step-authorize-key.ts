import { TsimgError, type Step } from '@tsimg/core/plugin'
import { docker, DockerError } from './docker-cli.js'
import { type DockerEnv, type DockerState } from './state.js'

// Both scripts get the public key line as $1 and run as the SSH user, so the files are theirs.
const AUTHORIZE = `set -e
case "$HOME" in ""|/) echo "the user has no home directory" >&2; exit 1;; esac
umask 077
[ -d "$HOME/.ssh" ] || { mkdir -p "$HOME/.ssh"; echo created-dir; }
[ -e "$HOME/.ssh/authorized_keys" ] || echo created-file
chmod 700 "$HOME/.ssh"
printf '%s\\n' "$1" >> "$HOME/.ssh/authorized_keys"
chmod 600 "$HOME/.ssh/authorized_keys"`

const CLEAR = `set -e
f="$HOME/.ssh/authorized_keys"
[ -f "$f" ] || exit 0
grep -vxF -e "$1" "$f" > "$f.tsimg-tmp" || true
cat "$f.tsimg-tmp" > "$f"
rm -f "$f.tsimg-tmp"
if [ "$2" = created-file ] && [ ! -s "$f" ]; then rm -f "$f"; fi
if [ "$3" = created-dir ]; then rmdir "$HOME/.ssh" 2>/dev/null || true; fi`

/**
 * Reads state.sshPublicKey (the temporary key; nothing to do when the user brought their own
 * credentials) and appends it to ~/.ssh/authorized_keys of sshUsername in the container
 * (0700/0600, created as needed), recording what it created in state.authorizedKey.
 */
export function authorizeKey(env: DockerEnv): Step<DockerState> {
  return {
    name: 'docker:authorize-key',
    async run({ state, ui, signal }) {
      const c = state.container
      const key = state.sshPublicKey
      if (!c || !key) return
      const user = env.options.sshUsername
      ui.say(`Authorizing the temporary SSH key for ${user}...`)
      let out: string
      try {
        out = (await docker(['exec', '-u', user, c.id, 'sh', '-c', AUTHORIZE, 'sh', key], { signal })).stdout
      } catch (err) {
        const why = err instanceof DockerError ? err.stderr.trim() || err.message : String(err)
        throw new TsimgError('AUTHORIZE_KEY_FAILED', `could not authorize the temporary SSH key for user ${user}: ${why}`, {
          cause: err,
          hint: 'sshUsername must name an existing user with a home directory in the image.',
        })
      }
      state.authorizedKey = { user, createdDir: out.includes('created-dir'), createdFile: out.includes('created-file'), cleared: false }
    },
  }
}

/**
 * Reads state.authorizedKey; removes the temporary public key from the user's authorized_keys
 * (and the file/folder if this build created them) so it never ships in the image
 * (Packer's ssh_clear_authorized_keys, always done for the temporary key).
 */
export function clearTemporaryKey(): Step<DockerState> {
  return {
    name: 'docker:clear-temporary-key',
    async run({ state, ui, signal }) {
      const c = state.container
      const a = state.authorizedKey
      const key = state.sshPublicKey
      if (!c || !a || !key || a.cleared) return
      ui.say('Removing the temporary SSH key from authorized_keys...')
      const args = [key, a.createdFile ? 'created-file' : '-', a.createdDir ? 'created-dir' : '-']
      await docker(['exec', '-u', a.user, c.id, 'sh', '-c', CLEAR, 'sh', ...args], { signal })
      a.cleared = true
    },
  }
}
