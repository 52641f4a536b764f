/**
 * The alicloud-ecs steps and everything they load (the Alibaba SDKs above all): imported by
 * `alicloudEcs` only when a build runs, so `tsimg validate` never loads an SDK.
 */
import { cloudEnv, provisionSteps, type CloudSteps } from '@tsimg/cloud-kit'
import { AlicloudApi } from './api.js'
import type { AlicloudCredentials } from './credentials.js'
import { imageCloud } from './images.js'
import type { AlicloudEcsOptions } from './options.js'
import type { AliState } from './state.js'
import type { AliEnv } from './env.js'
import { copyAndShare } from './step-copy-share.js'
import { createImage } from './step-create-image.js'
import { instance } from './step-instance.js'
import { keyPair } from './step-key-pair.js'
import { network } from './step-network.js'
import { prevalidate } from './step-prevalidate.js'
import { publicIp } from './step-public-ip.js'
import { securityGroup } from './step-security-group.js'
import { sourceImage } from './step-source-image.js'
import { stopInstance } from './step-stop.js'
import { verifyMachine } from './verify-machine.js'

/** The alicloud-ecs step list, in Packer's order. */
export const alicloudEcsSteps: CloudSteps<AlicloudEcsOptions, AliState, { credentials: AlicloudCredentials; region: string }> = (
  given,
  ctx,
  { credentials, region },
) => {
  // tsimg verify --image makes no image: its name is not checked.
  const options = ctx.verifyImage === undefined ? given : { ...given, imageForceDelete: true }
  const api = new AlicloudApi({ credentials, ...(options.endpoint && { endpoint: options.endpoint }), maxRetries: options.maxRetries })
  const env: AliEnv = cloudEnv({ options, ctx, region, api, images: imageCloud })
  // tsimg verify --image: the key pair, network and security group an instance of that image needs, then the verify phase on it.
  if (ctx.verifyImage !== undefined) return [prevalidate(env), keyPair(env), network(env), securityGroup(env), ctx.verify(verifyMachine(env, ctx.verifyImage))]
  return [
    prevalidate(env),
    sourceImage(env),
    keyPair(env),
    network(env),
    securityGroup(env),
    instance(env),
    publicIp(env),
    ...provisionSteps<AliState>(env, ctx, { connect: options.communicator !== 'none' }),
    stopInstance(env),
    createImage(env),
    // Before the image is copied or shared: a machine of it must pass the checks.
    ctx.verify(verifyMachine(env)),
    copyAndShare(env),
  ]
}
