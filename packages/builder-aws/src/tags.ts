import { CreateTagsCommand, type ResourceType, type Tag, type TagSpecification } from '@aws-sdk/client-ec2'
import type { BuildInfo, StepContext } from '@tsimg/core/plugin'
import { temporaryTags, withOptionalPart, type RetryBudget } from '@tsimg/cloud-kit'
import type { AwsState } from './state.js'
import type { AwsEnv } from './env.js'

// EC2 tags of temporary resources: in the create (TagSpecifications) or after it (CreateTags).

/** CreateTags with the build-id tags, retrying the NotFound of a resource just made. */
export async function tagTemporary(
  env: AwsEnv,
  region: string,
  ids: string[],
  signal: AbortSignal,
  tags: Readonly<Record<string, string>> = {},
): Promise<void> {
  if (ids.length === 0) return
  await env.api.send(region, new CreateTagsCommand({ Resources: ids, Tags: toTags(temporaryTags(env.build, tags)) }), {
    signal,
    retry: ['not-found'],
    budget: { attempts: 6 },
  })
}

/**
 * An EC2 create whose TagSpecifications are an optional part (the kit's withOptionalPart):
 * sent with them once; on any refusal, sent without them and the new resource tagged with
 * CreateTags (`idsOf` its answer), as Packer does where it tags after the fact.
 */
export async function createWithTags<T>(
  env: AwsEnv,
  ui: Pick<StepContext<AwsState>, 'ui'>['ui'],
  o: {
    action: string
    send: (withTags: boolean, budget?: Partial<RetryBudget>) => Promise<T>
    idsOf: (answer: T) => string[]
    signal: AbortSignal
    tags?: Readonly<Record<string, string>>
  },
): Promise<T> {
  const { answer, dropped } = await withOptionalPart({
    part: `tags (TagSpecifications) in ${o.action}`,
    with: (budget) => o.send(true, budget),
    without: () => o.send(false),
    dropped: (why) => ui.message(`The endpoint refused tags in ${o.action} (${why}); sending it without them and tagging afterwards.`),
  })
  if (dropped) await tagTemporary(env, env.region, o.idsOf(answer).filter(Boolean), o.signal, o.tags)
  return answer
}

export function toTags(tags: Readonly<Record<string, string>>): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }))
}

/** Tags for a temporary resource: the user's plus the build id and creation time sweeps look for. */
export function tagSpec(type: ResourceType, build: BuildInfo, tags: Readonly<Record<string, string>> = {}): TagSpecification {
  return { ResourceType: type, Tags: toTags(temporaryTags(build, tags)) }
}
