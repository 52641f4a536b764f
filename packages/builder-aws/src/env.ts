import type { Tag, TagSpecification, _InstanceType, ResourceType } from '@aws-sdk/client-ec2'
import { parseDuration, type BuildInfo } from '@tsimg/core/plugin'
import { scopeData, temporaryTags, type ArtifactImages, type CloudScope, type PollLimit } from '@tsimg/cloud-kit'
import type { Ec2Api } from './ec2.js'
import type { AmazonEbsOptions } from './source.js'

/** Everything a step needs besides its context: resolved options, the API, where the build runs. */
export interface AwsEnv {
  readonly options: AmazonEbsOptions
  readonly region: string
  readonly api: Ec2Api
  readonly build: BuildInfo
  /** The SSH port the temporary security group opens. */
  readonly sshPort: number
  /** Region, endpoint, profile; the account once prevalidate has asked. Journaled with every resource. */
  scope: CloudScope
  /** The AMIs of this build (create-image makes them, copy-images adds copies, both clean up). */
  readonly images: ArtifactImages
}

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

/** Journal data for a resource: where it is (region, endpoint, account, profile), never credentials. */
export function resourceData(env: AwsEnv, region = env.region): Record<string, unknown> {
  return { ...scopeData(env.scope), region, buildId: env.build.id }
}

export function toTags(tags: Readonly<Record<string, string>>): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }))
}

/** Tags for a temporary resource: the user's plus the build id and creation time sweeps look for. */
export function tagSpec(type: ResourceType, build: BuildInfo, tags: Readonly<Record<string, string>> = {}): TagSpecification {
  return { ResourceType: type, Tags: toTags(temporaryTags(build, tags)) }
}

export function instanceTypeOf(s: string): _InstanceType {
  return s as _InstanceType
}
