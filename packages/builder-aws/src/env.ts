import type { _InstanceType } from '@aws-sdk/client-ec2'
import { parseDuration } from '@tsimg/core/plugin'
import type { CloudEnv, PollLimit } from '@tsimg/cloud-kit'
import type { Ec2Api } from './ec2.js'
import type { AmazonEbsOptions } from './options.js'

/** What every amazon-ebs step gets: the kit's CloudEnv with the EC2 client. */
export type AwsEnv = CloudEnv<AmazonEbsOptions, Ec2Api>

/** Polls of ordinary waits: pollDelay x pollAttempts. */
export function pollLimit(env: AwsEnv, attempts = env.options.pollAttempts): PollLimit {
  return { delayMs: parseDuration(env.options.pollDelay), attempts, option: 'pollAttempts or pollDelay (Packer: AWS_MAX_ATTEMPTS / AWS_POLL_DELAY_SECONDS)' }
}

/** The AMI waits: an image can take far longer than an instance start, so it has its own limit. */
export function imagePollLimit(env: AwsEnv): PollLimit {
  return { ...pollLimit(env, env.options.imagePollAttempts ?? env.options.pollAttempts), option: 'imagePollAttempts (or pollAttempts) or pollDelay' }
}

/**
 * Teardown waits are not cut short by a small pollAttempts: giving up on a terminating instance
 * would leave its security group undeletable. The cleanup's own time bound still applies.
 */
export function teardownPollLimit(env: AwsEnv): PollLimit {
  const delayMs = parseDuration(env.options.pollDelay)
  return { delayMs, attempts: Math.max(env.options.pollAttempts, Math.ceil(600_000 / Math.max(delayMs, 1))), option: 'the cleanup time limit' }
}

export function instanceTypeOf(s: string): _InstanceType {
  return s as _InstanceType
}
