import { DeleteKeyPairCommand, ImportKeyPairCommand } from '@aws-sdk/client-ec2'
import type { Step } from '@tsimg/core/plugin'
import { cloudKeyPair, ignoreNotFound } from '@tsimg/cloud-kit'
import { PLUGIN, type AwsState } from './state.js'
import type { AwsEnv } from './env.js'
import { createWithTags, tagSpec } from './tags.js'
import { findKeyPair } from './key-pairs.js'

/**
 * Reads sshKeypairName + sshPrivateKeyFile, or imports the public half of a key pair made
 * locally (the kit's cloudKeyPair); creates the temporary EC2 key pair, deleted in cleanup.
 */
export function keyPair(env: AwsEnv): Step<AwsState> {
  const { api, region } = env
  return cloudKeyPair<AwsState>(env, {
    stepName: 'aws:key-pair',
    plugin: PLUGIN,
    importKey: (name, publicKey, requestSignal, signal, ui) =>
      createWithTags(env, ui, {
        action: 'ImportKeyPair',
        signal,
        send: (withTags, budget) =>
          api.send(
            region,
            new ImportKeyPairCommand({
              KeyName: name,
              PublicKeyMaterial: Buffer.from(publicKey),
              ...(withTags && { TagSpecifications: [tagSpec('key-pair', env.build)] }),
            }),
            {
              signal,
              requestSignal,
              ...(budget && { budget }),
            },
          ),
        idsOf: (res) => (res.KeyPairId ? [res.KeyPairId] : []),
      }),
    findKey: (name, signal) => findKeyPair(env.api, region, name, signal),
    deleteKey: (name, signal) => ignoreNotFound(api.send(region, new DeleteKeyPairCommand({ KeyName: name }), { signal })),
  })
}
