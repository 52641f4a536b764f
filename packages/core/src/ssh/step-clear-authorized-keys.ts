import type { BaseState } from '../plugin/types.js'
import type { Step } from '../runner/step.js'
import type { SshKeyState } from './step-temporary-key-pair.js'

/**
 * Packer's `ssh_clear_authorized_keys`: reads state.sshPublicKey and the communicator and,
 * before the machine is turned into an image, removes that key from the login user's and
 * root's authorized_keys so the image does not trust a key that existed only for the build.
 * Does nothing when disabled or when no temporary key was made.
 */
export function clearAuthorizedKeys<S extends BaseState & SshKeyState>(enabled: boolean | undefined): Step<S> {
  return {
    name: 'ssh:clear-authorized-keys',
    async run({ state, ui, signal }) {
      if (!enabled || !state.sshPublicKey || !state.communicator) return
      // The key blob (second field) identifies the line whatever its comment; it is base64, so
      // it holds no character that is special to grep -F or the shell inside single quotes.
      const blob = state.sshPublicKey.split(/\s+/)[1]
      if (!blob || !/^[A-Za-z0-9+/=]+$/.test(blob)) return
      ui.say('Removing the temporary SSH key from authorized_keys...')
      const script = [
        // $1 is the login user's home, expanded before sudo changes $HOME.
        'for f in "$1/.ssh/authorized_keys" /root/.ssh/authorized_keys; do',
        '  [ -w "$f" ] || continue',
        `  grep -vF '${blob}' "$f" > "$f.tsimg-tmp" || true`,
        '  cat "$f.tsimg-tmp" > "$f" && rm -f "$f.tsimg-tmp"',
        'done',
      ].join('\n')
      const sudo = state.generated.User && state.generated.User !== 'root' ? 'sudo -n sh -c' : 'sh -c'
      const stderr: string[] = []
      const res = await state.communicator.exec(`${sudo} '${script.replace(/'/g, `'\\''`)}' _ "$HOME"`, {
        signal,
        onStderr: (l) => stderr.push(l),
      })
      if (res.exitCode !== 0) ui.error(`Could not clear authorized_keys (exit ${res.exitCode}): ${stderr.join(' ')}`)
    },
  }
}
