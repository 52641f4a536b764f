import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { TemplateError, generateKeyPair, type BaseState, type PluginId, type Step, type Ui } from '@tsimg/core/plugin'
import { TrackedResource } from './create.js'
import { resourceData, type CloudEnv } from './env.js'
import { temporaryName } from './tags.js'

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

/** The cloud's key pair step: its name, the plugin journaling it, and the cloud's three key pair calls; the rest is the kit's. */
export interface KeyPairCloud {
  /** `aws:key-pair`. */
  readonly stepName: string
  readonly plugin: PluginId
  /** Imports the public key under `name`, tagged with the build id where the API allows. */
  importKey(name: string, publicKey: string, requestSignal: AbortSignal, stopSignal: AbortSignal, ui: Ui): Promise<unknown>
  /** The key pair's id or name when it exists, else undefined. */
  findKey(name: string, signal: AbortSignal): Promise<string | undefined>
  /** Deletes it; not-found counts as deleted. */
  deleteKey(name: string, signal: AbortSignal): Promise<void>
}

/**
 * Reads sshKeypairName + sshPrivateKeyFile, or sshPrivateKeyFile alone (the image already
 * trusts it); otherwise generates a key pair locally and imports only its public half (the
 * private key stays in memory and in the redactor). Its cleanup deletes the temporary key pair.
 */
export function cloudKeyPair<S extends KeyPairState>(
  env: Pick<CloudEnv<KeyPairOptions, unknown>, 'options' | 'build' | 'region' | 'scope'>,
  cloud: KeyPairCloud,
): Step<S> {
  const tracked = new TrackedResource<unknown>()
  // Deterministic (the build id), so a key pair whose answer is lost can be found by name.
  const name = temporaryName(env.build)
  return {
    name: cloud.stepName,
    async run({ state, ui, signal, journal }) {
      const { sshKeypairName, sshPrivateKeyFile } = env.options
      if (sshKeypairName && !sshPrivateKeyFile) {
        throw new TemplateError('sshKeypairName needs sshPrivateKeyFile, the private half of that key pair', { field: 'sshPrivateKeyFile' })
      }
      if (sshPrivateKeyFile) {
        if (sshKeypairName) ui.say(`Using existing SSH private key for key pair ${sshKeypairName}`)
        const privateKey = await readFile(resolve(env.build.templateDir, sshPrivateKeyFile), 'utf8')
        ui.redactor.add(privateKey)
        state.keyPair = { name: sshKeypairName ?? '', privateKey, temporary: false }
        return
      }
      ui.say(`Creating temporary keypair: ${name}`)
      const pair = generateKeyPair(env.options.temporaryKeyPairType ?? 'ed25519', env.options.temporaryKeyPairBits ?? 4096, name)
      ui.redactor.add(pair.privateKey)
      state.keyPair = { name, privateKey: pair.privateKey, temporary: true }
      state.sshPublicKey = pair.publicKey
      await tracked.create(
        { journal, signal },
        {
          plugin: cloud.plugin,
          kind: 'key-pair',
          token: name,
          description: `key pair ${name} (${env.region})`,
          // Read when the key pair is made: prevalidate has filled in the account by then.
          data: { ...resourceData(env), name },
          create: (req, stop) => cloud.importKey(name, pair.publicKey, req, stop, ui),
          // The key pair's handle is its name on every cloud tsimg knows.
          idOf: () => name,
          find: (s) => cloud.findKey(name, s),
        },
      )
    },
    async cleanup({ ui, signal, journal }) {
      if (!tracked.started) return
      ui.say('Deleting temporary keypair...')
      await tracked.remove({ journal, signal }, (_id, s) => cloud.deleteKey(name, s))
    },
  }
}
