import type { VerifyMachineFactory } from '@tsimg/core/plugin'
import { cloudConnectSsh } from '@tsimg/cloud-kit'
import type { AwsEnv } from './env.js'
import type { AwsState } from './state.js'
import { runInstance } from './step-run-instance.js'

/**
 * The verify phase's machine: an instance of the new AMI, launched by the build's own
 * run-instance step (with its key pair, subnet and security groups, which live until the
 * build's teardown) and reached by its own connect step. Tagged and journaled like the build's
 * instance (token `<build>-verify`, tag tsimg-purpose=verify), terminated by that step's cleanup.
 */
export function verifyMachine(env: AwsEnv, existing?: string): VerifyMachineFactory<AwsState, AwsState> {
  return (state) => {
    const image = existing ? { id: existing } : env.images.images.find((i) => i.region === env.region && i.id)
    if (!image?.id) return env.options.skipCreateAmi ? 'the build makes no AMI (skipCreateAmi)' : 'the build made no AMI'
    const o = env.options
    const vstate: AwsState = {
      generated: {},
      sourceImage: { id: image.id, name: o.amiName },
      ...(state.keyPair ? { keyPair: state.keyPair } : {}),
      ...(state.vpcId ? { vpcId: state.vpcId } : {}),
      ...(state.subnetId ? { subnetId: state.subnetId } : {}),
      ...(state.availabilityZone ? { availabilityZone: state.availabilityZone } : {}),
      ...(state.securityGroupIds ? { securityGroupIds: state.securityGroupIds } : {}),
    }
    return {
      description: `instance of ${existing ? 'the AMI' : 'the new AMI'} ${image.id}`,
      state: vstate,
      steps: [runInstance(env, 'verify'), cloudConnectSsh<AwsState>(o, { port: env.sshPort, templateDir: env.build.templateDir })],
    }
  }
}
