import { parseDuration, type BuildInfo } from '@tsimg/core/plugin'
import { scopeData, temporaryTags, type ArtifactImages, type CloudScope, type PollLimit } from '@tsimg/cloud-kit'
import type { HuaweiApi } from './api.js'
import type { HuaweiEcsOptions } from './source.js'

/** Everything a step needs besides its context. */
export interface HuaweiEnv {
  readonly options: HuaweiEcsOptions
  readonly region: string
  readonly api: HuaweiApi
  readonly build: BuildInfo
  readonly sshPort: number
  /** Region, endpoint; the project id once prevalidate asked. Journaled with every resource. */
  scope: CloudScope
  readonly images: ArtifactImages
}

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

/** Journal data for a resource: where it is, never credentials. */
export function resourceData(env: HuaweiEnv): Record<string, unknown> {
  return { ...scopeData(env.scope), buildId: env.build.id }
}

/** Huawei's tag list shape (`[{ key, value }]`) of a temporary resource's tags. */
export function tagList(build: Pick<BuildInfo, 'id'>, user: Readonly<Record<string, string>> = {}): { key: string; value: string }[] {
  return Object.entries(temporaryTags(build, user)).map(([key, value]) => ({ key, value }))
}
