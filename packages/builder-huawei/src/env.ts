import { parseDuration, type BuildInfo } from '@tsimg/core/plugin'
import { temporaryTags, type CloudEnv, type PollLimit } from '@tsimg/cloud-kit'
import type { HuaweiApi } from './api.js'
import type { HuaweiEcsOptions } from './options.js'

/** What every huaweicloud-ecs step gets: the kit's CloudEnv with the ECS, VPC, IMS and EIP clients. */
export type HuaweiEnv = CloudEnv<HuaweiEcsOptions, HuaweiApi>

export function pollLimit(env: HuaweiEnv): PollLimit {
  return { delayMs: parseDuration(env.options.pollDelay), attempts: env.options.pollAttempts, option: 'pollAttempts or pollDelay' }
}

/** The image job's wait: bounded by waitImageReadyTimeout, as in Packer. */
export function imagePollLimit(env: HuaweiEnv): PollLimit {
  const delayMs = Math.max(parseDuration(env.options.pollDelay), 1)
  return { delayMs, attempts: Math.max(1, Math.ceil(parseDuration(env.options.waitImageReadyTimeout) / delayMs)), option: 'waitImageReadyTimeout' }
}

/** Teardown waits are not cut short by a small pollAttempts; the cleanup's own time bound applies. */
export function teardownPollLimit(env: HuaweiEnv): PollLimit {
  const delayMs = Math.max(parseDuration(env.options.pollDelay), 1)
  return { delayMs, attempts: Math.max(env.options.pollAttempts, Math.ceil(600_000 / delayMs)), option: 'the cleanup time limit' }
}

/** Huawei's tag list shape (`[{ key, value }]`) of a temporary resource's tags. */
export function tagList(build: Pick<BuildInfo, 'id'>, user: Readonly<Record<string, string>> = {}): { key: string; value: string }[] {
  return Object.entries(temporaryTags(build, user)).map(([key, value]) => ({ key, value }))
}
