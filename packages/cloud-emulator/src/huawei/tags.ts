import { HuaweiError } from './errors.js'
import { answer, type HuaweiAnswer, type HuaweiContext, type Route } from './routes.js'

interface TagSpec {
  readonly key?: string
  readonly value?: string
}

/** A service's invalid-parameter error, for tag bodies that make no sense. */
export type Invalid = (message: string) => HuaweiError
const vpcInvalid: Invalid = (message) => new HuaweiError('vpc', 'VPC.0002', message, 400)

function tagList(tags: unknown, invalid: Invalid): { key: string; value: string }[] {
  if (!Array.isArray(tags)) throw invalid('tags must be a list.')
  return (tags as TagSpec[]).map((t) => {
    if (!t.key) throw invalid('A tag needs a key.')
    return { key: t.key, value: t.value ?? '' }
  })
}

/** The batch tag body every service takes: `{"action":"create"|"delete","tags":[{key,value}]}`. */
export function applyTagAction(ctx: HuaweiContext, id: string, body: Record<string, any>, invalid: Invalid = vpcInvalid): HuaweiAnswer {
  const tags = tagList(body.tags, invalid)
  if (body.action === 'create') ctx.cloud.createTags(ctx.region, [id], new Map(tags.map((t) => [t.key, t.value])))
  else if (body.action === 'delete') ctx.cloud.deleteTags(ctx.region, [id], tags)
  else throw invalid("action must be 'create' or 'delete'.")
  return answer(204)
}

/** `{"tags":[{key,value}]}` of a resource. */
export function listTags(ctx: HuaweiContext, id: string): { tags: { key: string; value: string }[] } {
  return { tags: [...ctx.cloud.tagsOf(ctx.region, id)].map(([key, value]) => ({ key, value })) }
}

/**
 * The v2.0 tag APIs of a VPC resource kind (`vpcs`, `subnets`, `security-groups`): one tag,
 * a batch create/delete, the list. `check` throws the kind's not-found error for a bad id.
 */
export function tagRoutes(kind: string, idParam: string, check: (ctx: HuaweiContext, id: string) => unknown): Route[] {
  const base = `/v2.0/{project_id}/${kind}/{${idParam}}/tags`
  const name = kind.replace(/(^|-)(\w)/g, (_m, _d, c: string) => c.toUpperCase()).replace(/s$/, '')
  return [
    {
      method: 'POST',
      path: base,
      action: `Create${name}Tag`,
      service: 'vpc',
      handler: (ctx, { params, body }) => {
        const id = params[idParam]!
        check(ctx, id)
        const [tag] = tagList([body.tag ?? {}], vpcInvalid)
        ctx.cloud.createTags(ctx.region, [id], new Map([[tag!.key, tag!.value]]))
        return answer(204)
      },
    },
    {
      method: 'POST',
      path: `${base}/action`,
      action: `BatchCreateDelete${name}Tags`,
      service: 'vpc',
      handler: (ctx, { params, body }) => {
        const id = params[idParam]!
        check(ctx, id)
        return applyTagAction(ctx, id, body)
      },
    },
    {
      method: 'GET',
      path: base,
      action: `Show${name}Tags`,
      service: 'vpc',
      handler: (ctx, { params }) => {
        const id = params[idParam]!
        check(ctx, id)
        return listTags(ctx, id)
      },
    },
    {
      method: 'DELETE',
      path: `${base}/{key}`,
      action: `Delete${name}Tag`,
      service: 'vpc',
      handler: (ctx, { params }) => {
        const id = params[idParam]!
        check(ctx, id)
        ctx.cloud.deleteTags(ctx.region, [id], [{ key: params.key! }])
        return answer(204)
      },
    },
  ]
}
