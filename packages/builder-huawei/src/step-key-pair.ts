import { NovaCreateKeypairOption, NovaCreateKeypairRequest, NovaCreateKeypairRequestBody } from '@huaweicloud/huaweicloud-sdk-ecs'
import type { Step } from '@tsimg/core/plugin'
import { cloudKeyPair } from '@tsimg/cloud-kit'
import { deleteKeyPair, findKeyPair } from './key-pairs.js'
import { PLUGIN, type HuaweiState } from './state.js'
import type { HuaweiEnv } from './env.js'

/**
 * Reads sshKeypairName + sshPrivateKeyFile, or imports the public half of a key pair made
 * locally (the kit's cloudKeyPair) as a Nova key pair named after the build; deleted in cleanup.
 * Nova key pairs take no tags: the build-id name is what `tsimg cleanup --sweep` finds.
 */
export function keyPair(env: HuaweiEnv): Step<HuaweiState> {
  const { api } = env
  return cloudKeyPair<HuaweiState>(env, {
    stepName: 'huaweicloud:key-pair',
    plugin: PLUGIN,
    importKey: (name, publicKey, requestSignal, signal) =>
      api.sdk(
        'NovaCreateKeypair',
        (c) =>
          c.ecs.novaCreateKeypair(
            new NovaCreateKeypairRequest().withBody(
              new NovaCreateKeypairRequestBody().withKeypair(new NovaCreateKeypairOption(name).withPublicKey(publicKey.trim())),
            ),
          ),
        { signal, requestSignal },
      ),
    findKey: (name, signal) => findKeyPair(api, name, signal),
    deleteKey: (name, signal) => deleteKeyPair(api, name, signal),
  })
}
