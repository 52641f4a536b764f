/**
 * The huaweicloud-ecs steps and everything they load (the Huawei SDKs above all): imported by
 * `huaweicloudEcs` only when a build runs, so `tsimg validate` never loads an SDK.
 */
import { cloudEnv, provisionSteps, type CloudSteps } from '@tsimg/cloud-kit'
import { HuaweiApi } from './api.js'
import { credentialsOf, type HuaweiEcsOptions } from './options.js'
import type { HuaweiState } from './state.js'
import type { HuaweiEnv } from './env.js'
import { createImage } from './step-image.js'
import { imsCloud } from './images.js'
import { keyPair } from './step-key-pair.js'
import { network } from './step-network.js'
import { prevalidate } from './step-prevalidate.js'
import { securityGroup } from './step-security-group.js'
import { server } from './step-server.js'
import { sourceImage } from './step-source-image.js'
import { stopServer } from './step-stop.js'
import { verifyMachine } from './verify-machine.js'

/** The huaweicloud-ecs step list, in Packer's order. */
export const huaweicloudEcsSteps: CloudSteps<HuaweiEcsOptions, HuaweiState> = (given, ctx) => {
  // tsimg verify --image makes no image: its name is not checked.
  const options = ctx.verifyImage === undefined ? given : { ...given, skipCreateImage: true }
  const c = credentialsOf(options)
  const region = c.region ?? ''
  const api = new HuaweiApi({
    region,
    accessKey: c.accessKey ?? '',
    secretKey: c.secretKey ?? '',
    securityToken: c.securityToken,
    projectId: options.projectId,
    endpoint: options.endpoint,
    endpoints: options.endpoints,
    maxRetries: options.maxRetries,
  })
  const env: HuaweiEnv = cloudEnv({ options, ctx, region, api, images: imsCloud })
  // tsimg verify --image: the key pair, network and security group a server of that image needs, then the verify phase on it.
  if (ctx.verifyImage !== undefined) return [prevalidate(env), keyPair(env), network(env), securityGroup(env), ctx.verify(verifyMachine(env, ctx.verifyImage))]
  return [
    prevalidate(env),
    sourceImage(env),
    keyPair(env),
    network(env),
    securityGroup(env),
    server(env),
    ...provisionSteps<HuaweiState>(env, ctx),
    !options.skipCreateImage && stopServer(env),
    !options.skipCreateImage && createImage(env),
    // After the image exists (the last step: huaweicloud-ecs copies and shares nothing).
    ctx.verify(verifyMachine(env)),
  ]
}
