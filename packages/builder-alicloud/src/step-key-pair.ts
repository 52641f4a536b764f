import type { Step } from '@tsimg/core/plugin'
import { cloudKeyPair } from '@tsimg/cloud-kit'
import { deleteKeyPair, findKeyPair } from './ops.js'
import { Ecs } from './sdk.js'
import { PLUGIN, type AliState } from './state.js'
import { buildTags, type AliEnv } from './env.js'
import { createTagged } from './tagged.js'

/**
 * sshKeypairName + sshPrivateKeyFile, or a key pair generated locally whose public half is
 * imported (tagged with the build id). The instance is launched with it, so cloud-init sees
 * it at first boot (Packer attaches it after boot). Its cleanup deletes the temporary key pair.
 */
export function keyPair(env: AliEnv): Step<AliState> {
  const { api, region } = env
  return cloudKeyPair<AliState>(env, {
    stepName: 'alicloud:key-pair',
    plugin: PLUGIN,
    importKey: (name, publicKey, requestSignal, signal, ui) =>
      createTagged(
        env,
        ui,
        {
          action: 'ImportKeyPair',
          target: { product: 'ecs', type: 'keypair' },
          signal,
          send: (withTags, budget) =>
            api.ecs(
              'ImportKeyPair',
              region,
              (c) =>
                c.importKeyPair(
                  new Ecs.ImportKeyPairRequest({
                    regionId: region,
                    keyPairName: name,
                    publicKeyBody: publicKey,
                    ...(withTags && { tag: buildTags(Ecs.ImportKeyPairRequestTag, env.build) }),
                  }),
                ),
              {
                signal,
                requestSignal,
                ...(budget && { budget }),
              },
            ),
        },
        () => name,
      ),
    findKey: (name, signal) => findKeyPair(api, region, name, signal),
    deleteKey: (name, signal) => deleteKeyPair(api, region, name, signal),
  })
}
