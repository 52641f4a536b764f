import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { TemplateError, generateKeyPair, type BaseState, type PluginId, type Step, type Ui } from '@tsimg/core/plugin'
import { TrackedResource } from './create.js'

/** What the key pair step leaves in a cloud builder's state. */
export interface KeyPairState extends BaseState {
  /** The key pair the machine is launched with; `temporary` ones are deleted at teardown. */
  keyPair?: { readonly name: string; readonly privateKey: string; readonly temporary: boolean }
  /** authorized_keys line of the temporary key (core's clearAuthorizedKeys removes it from the image). */
  sshPublicKey?: string
}

/** The user's key options, as every cloud builder names them. */
export interface KeyPairOptions {
  /** Packer `ssh_keypair_name`: an existing cloud key pair (with sshPrivateKeyFile). */
  readonly sshKeypairName?: string
  /** Packer `ssh_private_key_file`. */
  readonly sshPrivateKeyFile?: string
  readonly temporaryKeyPairType?: 'ed25519' | 'rsa'
  readonly temporaryKeyPairBits?: number
}

/** The cloud's three key pair calls; the rest is the kit's. */
export interface KeyPairCloud {
  readonly plugin: PluginId
  /** Journal data: region, endpoint, account (never secrets). */
  readonly data: Readonly<Record<string, unknown>>
  readonly region: string
  /** Imports the public key under `name`, tagged with the build id where the API allows. */
  importKey(name: string, publicKey: string, requestSignal: AbortSignal, stopSignal: AbortSignal, ui: Ui): Promise<unknown>
  /** The key pair's id or name when it exists, else undefined. */
  findKey(name: string, signal: AbortSignal): Promise<string | undefined>
  /** Deletes it; not-found counts as deleted. */
  deleteKey(name: string, signal: AbortSignal): Promise<void>
}

export interface KeyPairStepOptions {
  /** `aws:key-pair`. */
  readonly stepName: string
  readonly options: KeyPairOptions
  /** Temporary key pair name: deterministic (the build id), so a lost answer can be found. */
  readonly name: string
  readonly templateDir: string
  readonly cloud: KeyPairCloud
}

/**
 * Reads sshKeypairName + sshPrivateKeyFile, or sshPrivateKeyFile alone (the image already
 * trusts it); otherwise generates a key pair locally and imports only its public half (the
 * private key stays in memory and in the redactor). Its cleanup deletes the temporary key pair.
 */
export function cloudKeyPair<S extends KeyPairState>(o: KeyPairStepOptions): Step<S> {
  const tracked = new TrackedResource<unknown>()
  return {
    name: o.stepName,
    async run({ state, ui, signal, journal }) {
      const { sshKeypairName, sshPrivateKeyFile } = o.options
      if (sshKeypairName && !sshPrivateKeyFile) {
        throw new TemplateError('sshKeypairName needs sshPrivateKeyFile, the private half of that key pair', { field: 'sshPrivateKeyFile' })
      }
      if (sshPrivateKeyFile) {
        if (sshKeypairName) ui.say(`Using existing SSH private key for key pair ${sshKeypairName}`)
        const privateKey = await readFile(resolve(o.templateDir, sshPrivateKeyFile), 'utf8')
        ui.redactor.add(privateKey)
        state.keyPair = { name: sshKeypairName ?? '', privateKey, temporary: false }
        return
      }
      ui.say(`Creating temporary keypair: ${o.name}`)
      const pair = generateKeyPair(o.options.temporaryKeyPairType ?? 'ed25519', o.options.temporaryKeyPairBits ?? 4096, o.name)
      ui.redactor.add(pair.privateKey)
      state.keyPair = { name: o.name, privateKey: pair.privateKey, temporary: true }
      state.sshPublicKey = pair.publicKey
      await tracked.create(
        { journal, signal },
        {
          plugin: o.cloud.plugin,
          kind: 'key-pair',
          token: o.name,
          description: `key pair ${o.name} (${o.cloud.region})`,
          data: { ...o.cloud.data, name: o.name },
          create: (req, stop) => o.cloud.importKey(o.name, pair.publicKey, req, stop, ui),
          // The key pair's handle is its name on every cloud tsimg knows.
          idOf: () => o.name,
          find: (s) => o.cloud.findKey(o.name, s),
        },
      )
    },
    async cleanup({ ui, signal, journal }) {
      if (!tracked.started) return
      ui.say('Deleting temporary keypair...')
      await tracked.remove({ journal, signal }, (_id, s) => o.cloud.deleteKey(o.name, s))
    },
  }
}
