import type { VerifyMachineFactory } from '@tsimg/core/plugin'
import { cloudConnectSsh } from '@tsimg/cloud-kit'
import type { AliEnv } from './env.js'
import type { AliState } from './state.js'
import { instance } from './step-instance.js'
import { publicIp } from './step-public-ip.js'

/**
 * The verify phase's machine: an instance of the new image, launched by the build's own
 * instance step in the build's vSwitch and security group with its key pair (which live until
 * the build's teardown), given an address by its own public-ip step and reached by its own
 * connect step. Tagged tsimg-purpose=verify and journaled; those steps' cleanups delete it.
 */
export function verifyMachine(env: AliEnv, existing?: string): VerifyMachineFactory<AliState, AliState> {
  return (state) => {
    const image = existing ? { id: existing } : env.images.images.find((i) => i.region === env.region && i.id)
    if (!image?.id) return 'the build made no image'
    if (env.options.communicator === 'none') return 'the build has no communicator (communicator: none), so nothing can connect to a machine of the image'
    const vstate: AliState = {
      generated: {},
      sourceImage: { id: image.id, name: env.options.imageName },
      ...(state.keyPair ? { keyPair: state.keyPair } : {}),
      ...(state.zoneId ? { zoneId: state.zoneId } : {}),
      ...(state.vpcId ? { vpcId: state.vpcId } : {}),
      ...(state.vswitchId ? { vswitchId: state.vswitchId } : {}),
      ...(state.securityGroupId ? { securityGroupId: state.securityGroupId } : {}),
    }
    return {
      description: `instance of ${existing ? 'the image' : 'the new image'} ${image.id}`,
      state: vstate,
      steps: [
        instance(env, 'verify'),
        publicIp(env, 'verify'),
        cloudConnectSsh<AliState>(env.options, { port: env.sshPort, templateDir: env.build.templateDir }),
      ],
    }
  }
}
