import type { Ui } from '@tsimg/core/plugin'
import { withOptionalPart, type RetryBudget } from '@tsimg/cloud-kit'
import { Ecs, Vpc } from './sdk.js'
import { buildTags, type AliEnv } from './env.js'

/** Where TagResources lives for a resource, and its ResourceType there. */
export type TagTarget =
  { readonly product: 'ecs'; readonly type: 'keypair' | 'securitygroup' | 'instance' } | { readonly product: 'vpc'; readonly type: 'VPC' | 'VSWITCH' | 'EIP' }

/**
 * A create whose `Tag.N` is an optional part (the kit's withOptionalPart): sent with the tags
 * once; on any refusal, sent without them and the new resource tagged with TagResources, as
 * Packer's alicloud-ecs tags after the fact.
 */
export async function createTagged<T>(
  env: AliEnv,
  ui: Pick<Ui, 'message'>,
  o: {
    action: string
    target: TagTarget
    tags?: Readonly<Record<string, string>>
    signal: AbortSignal
    send: (withTags: boolean, budget?: Partial<RetryBudget>) => Promise<T>
  },
  /** The new resource's id in the answer (what TagResources tags). */
  idOf: (answer: T) => string | undefined,
): Promise<T> {
  const { answer, dropped } = await withOptionalPart({
    part: `tags (Tag.N) in ${o.action}`,
    with: (budget) => o.send(true, budget),
    without: () => o.send(false),
    dropped: (why) => ui.message(`The endpoint refused tags in ${o.action} (${why}); sending it without them and tagging afterwards.`),
  })
  const id = dropped ? idOf(answer) : undefined
  if (id) {
    const r = env.region
    const opts = { signal: o.signal, retry: ['not-found' as const], budget: { attempts: 6 } }
    if (o.target.product === 'ecs') {
      await env.api.ecs(
        'TagResources',
        r,
        (c) =>
          c.tagResources(
            new Ecs.TagResourcesRequest({
              regionId: r,
              resourceType: o.target.type,
              resourceId: [id],
              tag: buildTags(Ecs.TagResourcesRequestTag, env.build, o.tags),
            }),
          ),
        opts,
      )
    } else {
      await env.api.vpc(
        'TagResources',
        r,
        (c) =>
          c.tagResources(
            new Vpc.TagResourcesRequest({
              regionId: r,
              resourceType: o.target.type,
              resourceId: [id],
              tag: buildTags(Vpc.TagResourcesRequestTag, env.build, o.tags),
            }),
          ),
        opts,
      )
    }
  }
  return answer
}
