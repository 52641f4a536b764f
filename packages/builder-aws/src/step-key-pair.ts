import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { DeleteKeyPairCommand, ImportKeyPairCommand } from '@aws-sdk/client-ec2'
import { TemplateError, generateKeyPair, type Step } from '@tsimg/core'
import { isNotFound } from './api.js'
import { PLUGIN, resourceData, tagSpec, tempName, type AwsEnv, type AwsState } from './state.js'

/**
 * Reads sshKeypairName + sshPrivateKeyFile, or generates a key pair locally and imports its
 * public half (the private key stays in memory: it never crosses the network or touches disk).
 * Creates the temporary EC2 key pair; its cleanup deletes it.
 */
export function keyPair(env: AwsEnv): Step<AwsState> {
  return {
    name: 'aws:key-pair',
    async run({ state, ui, signal, journal }) {
      const o = env.options
      if (o.sshKeypairName) {
        if (!o.sshPrivateKeyFile) {
          throw new TemplateError('sshKeypairName needs sshPrivateKeyFile, the private half of that key pair', { field: 'sshPrivateKeyFile' })
        }
        ui.say(`Using existing SSH private key for key pair ${o.sshKeypairName}`)
        const privateKey = await readFile(resolve(env.build.templateDir, o.sshPrivateKeyFile), 'utf8')
        state.keyPair = { name: o.sshKeypairName, privateKey, temporary: false }
        return
      }
      if (o.sshPrivateKeyFile) {
        // Packer: a private key file without a key pair name means the AMI already trusts it.
        const privateKey = await readFile(resolve(env.build.templateDir, o.sshPrivateKeyFile), 'utf8')
        state.keyPair = { name: '', privateKey, temporary: false }
        return
      }
      const name = tempName(env.build)
      ui.say(`Creating temporary keypair: ${name}`)
      const pair = generateKeyPair(o.temporaryKeyPairType, o.temporaryKeyPairBits ?? 4096, name)
      ui.redactor.add(pair.privateKey)
      await env.api.call(
        env.region,
        (c, x) =>
          c.send(
            new ImportKeyPairCommand({
              KeyName: name,
              PublicKeyMaterial: Buffer.from(pair.publicKey),
              TagSpecifications: [tagSpec('key-pair', env.build)],
            }),
            x,
          ),
        { signal, creates: true },
      )
      state.keyPair = { name, privateKey: pair.privateKey, temporary: true }
      state.keyPair.journalId = await journal.add({
        plugin: PLUGIN,
        kind: 'key-pair',
        description: `key pair ${name} (${env.region})`,
        data: resourceData(env, name),
      })
    },
    async cleanup({ state, ui, signal, journal }) {
      const kp = state.keyPair
      if (!kp?.temporary || !kp.journalId) return
      ui.say('Deleting temporary keypair...')
      try {
        await env.api.call(env.region, (c, x) => c.send(new DeleteKeyPairCommand({ KeyName: kp.name }), x), { signal })
      } catch (err) {
        if (!isNotFound(err)) throw err
      }
      await journal.remove(kp.journalId)
      delete kp.journalId
    },
  }
}
