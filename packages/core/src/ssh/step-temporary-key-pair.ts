import { chmod, mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { defaultStateDir } from '../journal/journal.js'
import type { BaseState } from '../plugin/types.js'
import type { Step } from '../runner/step.js'
import type { Redactor } from '../ui/redact.js'
import { generateKeyPair } from './keys.js'
import { hasUserCredentials, SSH_DEFAULTS, type SshOptions } from './options.js'

/** What the temporary key pair step leaves in a builder's state. */
export interface SshKeyState {
  /** authorized_keys line of the temporary key; the builder installs it on the machine. */
  sshPublicKey?: string
  /** The temporary private key (OpenSSH format). Never print it. */
  sshPrivateKey?: string
  /** Where the private key is kept (0600) while the build runs, only with writeKeyFile; removed in cleanup. */
  sshPrivateKeyPath?: string
}

export interface TemporaryKeyPairOptions extends Pick<SshOptions, 'temporaryKeyPairType' | 'temporaryKeyPairBits'> {
  /** Skip when the user gave a key, password or agent (pass the source's SSH options). */
  ssh?: SshOptions
  /**
   * Also write the private key to a file, for something that reads it from disk (e.g. a
   * provisioner running an external tool). Default false: SSH uses the key from memory, and a
   * key that is never written cannot be left behind.
   */
  writeKeyFile?: boolean
  /** Folder for the key file; default `<state dir>/keys` (TSIMG_STATE_DIR or ~/.tsimg). */
  keyDir?: string
}

/**
 * Reads the SSH options; when they give no key, password or agent, creates a key pair locally,
 * adds the private key to the secrets redacted from all output, and sets sshPublicKey and
 * sshPrivateKey. Only with writeKeyFile does it write the key to `<state dir>/keys/<build id>.key`
 * (0600, journaled) and set sshPrivateKeyPath; cleanup deletes that file.
 */
export function temporaryKeyPair<S extends BaseState & SshKeyState>(opts: TemporaryKeyPairOptions = {}): Step<S> {
  let created: { path: string; journalId: string } | undefined
  return {
    name: 'ssh:temporary-key-pair',
    async run({ state, ui, journal, build }) {
      if (opts.ssh && hasUserCredentials(opts.ssh)) return
      const type = opts.temporaryKeyPairType ?? opts.ssh?.temporaryKeyPairType ?? SSH_DEFAULTS.temporaryKeyPairType
      const bits = opts.temporaryKeyPairBits ?? opts.ssh?.temporaryKeyPairBits ?? SSH_DEFAULTS.temporaryKeyPairBits
      ui.say(`Creating temporary ${type === 'rsa' ? `RSA ${bits}` : 'ED25519'} SSH key pair...`)
      const pair = generateKeyPair(type, bits, `tsimg-${build.id}`)
      redactPrivateKey(ui.redactor, pair.privateKey)
      state.sshPublicKey = pair.publicKey
      state.sshPrivateKey = pair.privateKey
      if (!opts.writeKeyFile) return
      const dir = opts.keyDir ?? join(defaultStateDir(), 'keys')
      await mkdir(dir, { recursive: true, mode: 0o700 })
      const path = join(dir, `${build.id}.key`)
      // flag 'wx': never overwrite (or follow a link planted at) an existing path.
      await writeFile(path, pair.privateKey, { mode: 0o600, flag: 'wx' })
      await chmod(path, 0o600) // the umask may have narrowed, never widened; be explicit anyway
      created = { path, journalId: '' }
      created.journalId = await journal.add({
        plugin: '@tsimg/core',
        kind: 'file',
        description: `temporary SSH private key ${path} (${build.name})`,
        data: { path },
      })
      state.sshPrivateKeyPath = path
    },
    async cleanup({ state, ui, journal }) {
      delete state.sshPrivateKey
      if (!created) return
      ui.say('Deleting temporary SSH key file...')
      await rm(created.path, { force: true })
      if (created.journalId) await journal.remove(created.journalId)
      created = undefined
      delete state.sshPrivateKey
      delete state.sshPrivateKeyPath
    },
  }
}

/**
 * The whole key, and each of its base64 lines: an error or a debug dump that shows part of
 * the key must not show that part either.
 */
function redactPrivateKey(redactor: Redactor, privateKey: string): void {
  redactor.add(privateKey)
  for (const line of privateKey.split(/\r?\n/)) {
    if (line.length >= 16 && !line.startsWith('-----')) redactor.add(line)
  }
}
