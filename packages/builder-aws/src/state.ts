import type { Tag, TagSpecification, _InstanceType, ResourceType } from '@aws-sdk/client-ec2'
import { BUILD_ID_LABEL, type BaseState, type BuildInfo } from '@tsimg/core'
import type { Ec2Api } from './api.js'
import type { AmazonEbsOptions } from './source.js'
import { toMs } from './wait.js'

export const PLUGIN = '@tsimg/builder-aws'

/** One AMI this build made (the first in the build region, then one per copy region). */
export interface CreatedImage {
  readonly region: string
  readonly imageId: string
  /** Snapshot ids, known once the AMI is available. */
  snapshotIds: string[]
  /** Journal entry to remove once the AMI is deleted or kept. */
  readonly journalId: string
}

/** What the amazon-ebs steps learned and created, in the order they ran. */
export interface AwsState extends BaseState {
  sourceImage?: { id: string; name: string; rootDeviceName?: string }
  vpcId?: string
  subnetId?: string
  availabilityZone?: string
  /** The key pair the instance is launched with; `temporary` ones are deleted at teardown. */
  keyPair?: { name: string; privateKey: string; temporary: boolean; journalId?: string }
  securityGroupIds?: string[]
  temporarySecurityGroup?: { id: string; journalId: string }
  instance?: { id: string; journalId: string; terminated?: boolean }
  /** The address picked by sshInterface. */
  sshHost?: string
  images: CreatedImage[]
}

/** Everything a step needs besides its context: resolved options and the API. */
export interface AwsEnv {
  readonly options: AmazonEbsOptions
  readonly region: string
  readonly api: Ec2Api
  readonly build: BuildInfo
  /** The SSH port the temporary security group opens. */
  readonly sshPort: number
}

export function pollOptions(env: AwsEnv, signal: AbortSignal) {
  return { delayMs: toMs(env.options.pollDelay), attempts: env.options.pollAttempts, signal }
}

/**
 * Teardown waits are not cut short by a small pollAttempts: giving up on a terminating instance
 * would leave its security group undeletable. The cleanup's own time bound still applies.
 */
export function teardownPollOptions(env: AwsEnv, signal: AbortSignal) {
  const delayMs = toMs(env.options.pollDelay)
  return { delayMs, attempts: Math.max(env.options.pollAttempts, Math.ceil(600_000 / Math.max(delayMs, 1))), signal }
}

/** Journal data for a resource: where it is and its id, never credentials. */
export function resourceData(env: AwsEnv, id: string, region = env.region): Record<string, unknown> {
  return { region, id, ...(env.options.endpoint ? { endpoint: env.options.endpoint } : {}) }
}

export function toTags(tags: Readonly<Record<string, string>>): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }))
}

/** Tags for a temporary resource: the user's plus the build id every sweep looks for. */
export function tagSpec(type: ResourceType, build: BuildInfo, tags: Readonly<Record<string, string>> = {}): TagSpecification {
  return { ResourceType: type, Tags: toTags({ ...tags, [BUILD_ID_LABEL]: build.id }) }
}

export function instanceTypeOf(s: string): _InstanceType {
  return s as _InstanceType
}

/** Name of a temporary key pair or security group: the build id (unique, and says who made it). */
export function tempName(build: BuildInfo): string {
  return build.id.startsWith('tsimg') ? build.id : `tsimg_${build.id}`
}
