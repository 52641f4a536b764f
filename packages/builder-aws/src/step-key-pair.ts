import { DeleteKeyPairCommand, DescribeKeyPairsCommand, ImportKeyPairCommand } from '@aws-sdk/client-ec2'
import type { Step } from '@tsimg/core/plugin'
import { cloudKeyPair, ignoreNotFound, isNotFound, temporaryName } from '@tsimg/cloud-kit'
import { PLUGIN, type AwsState } from './state.js'
import { resourceData, tagSpec, type AwsEnv } from './env.js'
import { createWithTags } from './step-create-image.js'

/**
 * Reads sshKeypairName + sshPrivateKeyFile, or imports the public half of a key pair made
 * locally (the kit's cloudKeyPair); creates the temporary EC2 key pair, deleted in cleanup.
 */
export function keyPair(env: AwsEnv): Step<AwsState> {
  const { api, region } = env
  return cloudKeyPair<AwsState>({
    stepName: 'aws:key-pair',
    options: env.options,
    name: temporaryName(env.build),
    templateDir: env.build.templateDir,
    cloud: {
      plugin: PLUGIN,
      region,
      // Read when the key pair is made: prevalidate has filled in the account by then.
      get data() {
        return resourceData(env)
      },
      importKey: (name, publicKey, requestSignal, signal, ui) =>
        createWithTags(env, ui, {
          action: 'ImportKeyPair',
          signal,
          send: (withTags, budget) =>
            api.send(region, new ImportKeyPairCommand({ KeyName: name, PublicKeyMaterial: Buffer.from(publicKey), ...(withTags && { TagSpecifications: [tagSpec('key-pair', env.build)] }) }), {
              signal,
              requestSignal,
              ...(budget && { budget }),
            }),
          idsOf: (res) => (res.KeyPairId ? [res.KeyPairId] : []),
        }),
      findKey: (name, signal) => findKeyPair(env.api, region, name, signal),
      deleteKey: (name, signal) => ignoreNotFound(api.send(region, new DeleteKeyPairCommand({ KeyName: name }), { signal })),
    },
  })
}

export async function findKeyPair(api: AwsEnv['api'], region: string, name: string, signal: AbortSignal): Promise<string | undefined> {
  try {
    const res = await api.send(region, new DescribeKeyPairsCommand({ KeyNames: [name] }), { signal })
    return res.KeyPairs?.[0]?.KeyName
  } catch (err) {
    if (isNotFound(err)) return undefined
    throw err
  }
}
