import type { VerifyMachineFactory } from '@tsimg/core/plugin'
import { cloudConnectSsh } from '@tsimg/cloud-kit'
import type { HuaweiEnv } from './env.js'
import type { HuaweiState } from './state.js'
import { server } from './step-server.js'

/**
 * The verify phase's machine: a server of the new image, created by the build's own server
 * step in the build's subnets and security groups with its key pair (which live until the
 * build's teardown), and reached by its own connect step. Tagged with the build id and
 * journaled like the build's server; that step's cleanup deletes it with its volumes.
 */
export function verifyMachine(env: HuaweiEnv, existing?: string): VerifyMachineFactory<HuaweiState, HuaweiState> {
  return (state) => {
    const image = existing ? { id: existing } : env.images.images.find((i) => i.region === env.region && i.id)
    if (!image?.id) return env.options.skipCreateImage ? 'the build makes no image (skipCreateImage)' : 'the build made no image'
    const vstate: HuaweiState = {
      generated: {},
      sourceImage: { id: image.id, name: env.options.imageName },
      ...(state.keyPair ? { keyPair: state.keyPair } : {}),
      ...(state.availabilityZone ? { availabilityZone: state.availabilityZone } : {}),
      ...(state.vpcId ? { vpcId: state.vpcId } : {}),
      ...(state.subnetIds ? { subnetIds: state.subnetIds } : {}),
      ...(state.securityGroupIds ? { securityGroupIds: state.securityGroupIds } : {}),
    }
    return {
      description: `server of ${existing ? 'the image' : 'the new image'} ${image.id}`,
      state: vstate,
      steps: [
        server(env, { buildServerId: state.server?.id ?? '' }),
        cloudConnectSsh<HuaweiState>(env.options, { port: env.sshPort, templateDir: env.build.templateDir }),
      ],
    }
  }
}
