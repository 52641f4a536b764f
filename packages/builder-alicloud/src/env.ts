import { createHash } from 'node:crypto'
import { parseDuration, type BuildInfo } from '@tsimg/core/plugin'
import { temporaryTags, type CloudEnv, type PollLimit } from '@tsimg/cloud-kit'
import type { AlicloudApi } from './api.js'
import type { AlicloudEcsOptions } from './options.js'

/** What every alicloud-ecs step gets: the kit's CloudEnv with the ECS, VPC and STS clients. */
export type AliEnv = CloudEnv<AlicloudEcsOptions, AlicloudApi>

/** Ordinary waits: pollDelay until the step's own bound (a long one: the cleanup has its own). */
export function pollLimit(env: AliEnv, totalMs = 30 * 60_000): PollLimit {
  const delayMs = parseDuration(env.options.pollDelay)
  return { delayMs, attempts: Math.ceil(totalMs / Math.max(delayMs, 1)), option: 'pollDelay' }
}

/** The image waits: bounded by waitSnapshotReadyTimeout (Packer's name for it). */
export function imagePollLimit(env: AliEnv, timeout = env.options.waitSnapshotReadyTimeout, option = 'waitSnapshotReadyTimeout'): PollLimit {
  return { ...pollLimit(env, parseDuration(timeout)), option }
}

/** Alibaba's request tags (`Tag.N.Key/Value`) as the SDK's model class of that request wants them. */
function tagList<T>(Model: new (m: { key: string; value: string }) => T, tags: Readonly<Record<string, string>>): T[] {
  return Object.entries(tags).map(([key, value]) => new Model({ key, value }))
}

/** Tags of a temporary resource: the user's plus the build id and creation time. */
export function buildTags<T>(
  Model: new (m: { key: string; value: string }) => T,
  build: Pick<BuildInfo, 'id'>,
  user: Readonly<Record<string, string>> = {},
): T[] {
  return tagList(Model, temporaryTags(build, user))
}

/**
 * The account the credentials reach, for `tsimg cleanup`'s account check: STS
 * GetCallerIdentity's AccountId. Where STS cannot be asked (a private endpoint without it, a
 * RAM policy denying it), a one-way fingerprint of the AccessKey id (never the key): cleanup
 * with other keys then refuses to delete, the safe side.
 */
export async function accountOf(api: AlicloudApi, region: string, signal: AbortSignal): Promise<string> {
  try {
    // The full retry budget: a fallback after mere throttling would record another account id
    // than a later cleanup reads, and cleanup would refuse.
    const res = await api.sts('GetCallerIdentity', region, (c) => c.getCallerIdentity(), { signal })
    if (res.body?.accountId) return res.body.accountId
  } catch (err) {
    if (signal.aborted) throw err
  }
  return `ak-${createHash('sha256').update(api.connection.credentials.accessKey).digest('hex').slice(0, 16)}`
}
