/**
 * The amazon-ebs steps and everything they load (the EC2 SDK above all): imported by `amazonEbs`
 * only when a build runs, so `tsimg validate` of an amazon-ebs template never loads the SDK.
 */
import { EC2Client } from '@aws-sdk/client-ec2'
import { TemplateError } from '@tsimg/core/plugin'
import { cloudEnv, provisionSteps, type CloudSteps } from '@tsimg/cloud-kit'
import { amiCloud } from './ami.js'
import { Ec2Api } from './ec2.js'
import { regionOf, type AmazonEbsOptions } from './options.js'
import { type AwsState } from './state.js'
import { type AwsEnv } from './env.js'
import { cleanupVolumes } from './step-cleanup-volumes.js'
import { copyImages } from './step-copy-images.js'
import { createImage } from './step-create-image.js'
import { deregisterAmi } from './step-deregister-ami.js'
import { keyPair } from './step-key-pair.js'
import { modifyImage } from './step-modify-image.js'
import { networkInfo } from './step-network-info.js'
import { prevalidate } from './step-prevalidate.js'
import { runInstance } from './step-run-instance.js'
import { securityGroup } from './step-security-group.js'
import { sourceAmi } from './step-source-ami.js'
import { stopInstance } from './step-stop-instance.js'
import { tagImage } from './step-tag-image.js'
import { verifyMachine } from './verify-machine.js'

/**
 * The build's region: the option, AWS_REGION / AWS_DEFAULT_REGION, or the shared config's
 * (~/.aws/config, the profile's), as the SDK's chain finds it for Packer's session. None is an
 * error before anything is created.
 */
export async function buildRegion(o: AmazonEbsOptions): Promise<string> {
  const given = regionOf(o)
  if (given) return given
  const client = new EC2Client(o.profile ? { profile: o.profile } : {})
  try {
    return await client.config.region()
  } catch {
    throw new TemplateError('no region: set region, AWS_REGION / AWS_DEFAULT_REGION, or a region in the shared config (~/.aws/config)', {
      field: 'region',
    })
  } finally {
    client.destroy()
  }
}

/** The amazon-ebs step list, in Packer's order. */
export const amazonEbsSteps: CloudSteps<AmazonEbsOptions, AwsState> = (given, ctx) => {
  // tsimg verify --image makes no AMI: its name is not checked.
  const options = ctx.verifyImage === undefined ? given : { ...given, skipCreateAmi: true }
  const region = regionOf(options) ?? ''
  const api = new Ec2Api(options)
  const env: AwsEnv = cloudEnv({ options, ctx, region, api, images: amiCloud })
  const client = {
    // Runs first so its cleanup runs last: closes the SDK clients' sockets once teardown is done.
    name: 'aws:client',
    async run() {},
    async cleanup() {
      env.api.destroy()
    },
  }
  // tsimg verify --image: the network, key pair and security group an instance of that AMI
  // needs (the AMI name is not checked: nothing is made), then the verify phase on it.
  if (ctx.verifyImage !== undefined) {
    return [client, prevalidate(env), networkInfo(env), keyPair(env), securityGroup(env), ctx.verify(verifyMachine(env, ctx.verifyImage))]
  }
  return [
    client,
    prevalidate(env),
    sourceAmi(env),
    networkInfo(env),
    keyPair(env),
    securityGroup(env),
    cleanupVolumes(env),
    runInstance(env),
    // Only a key made for this build is removed from the image (an existing sshKeypairName stays trusted).
    ...provisionSteps<AwsState>(env, ctx),
    !options.skipCreateAmi && stopInstance(env),
    !options.skipCreateAmi && deregisterAmi(env),
    !options.skipCreateAmi && createImage(env),
    // Before the AMI is copied, shared or tagged as the artifact: a machine of it must pass the checks.
    ctx.verify(verifyMachine(env)),
    !options.skipCreateAmi && copyImages(env),
    !options.skipCreateAmi && modifyImage(env),
    !options.skipCreateAmi && tagImage(env),
  ]
}
