import { HuaweiError } from './errors.js'
import { answer, type HuaweiContext, type Route } from './routes.js'

interface TagSpec {
  readonly key?: string
  readonly value?: string
}

function tagList(tags: unknown): { key: string; value: string }[] {
  if (!Array.isArray(tags)) throw new HuaweiError('vpc', 'VPC.0002', 'tags must be a list.', 400)
  return (tags as TagSpec[]).map((t) => {
    if (!t.key) throw new HuaweiError('vpc', 'VPC.0002', 'A tag needs a key.', 400)
    return { key: t.key, value: t.value ?? '' }
  })
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
      method: 'POST', path: base, action: `Create${name}Tag`, service: 'vpc',
      handler: (ctx, { params, body }) => {
        const id = params[idParam]!
        check(ctx, id)
        const [tag] = tagList([body.tag ?? {}])
        ctx.cloud.createTags(ctx.region, [id], new Map([[tag!.key, tag!.value]]))
        return answer(204)
      },
    },
    {
      method: 'POST', path: `${base}/action`, action: `BatchCreateDelete${name}Tags`, service: 'vpc',
      handler: (ctx, { params, body }) => {
        const id = params[idParam]!
        check(ctx, id)
        const tags = tagList(body.tags)
        if (body.action === 'create') ctx.cloud.createTags(ctx.region, [id], new Map(tags.map((t) => [t.key, t.value])))
        else if (body.action === 'delete') ctx.cloud.deleteTags(ctx.region, [id], tags)
        else throw new HuaweiError('vpc', 'VPC.0002', "action must be 'create' or 'delete'.", 400)
        return answer(204)
      },
    },
    {
      method: 'GET', path: base, action: `Show${name}Tags`, service: 'vpc',
      handler: (ctx, { params }) => {
        const id = params[idParam]!
        check(ctx, id)
        return { tags: [...ctx.cloud.tagsOf(ctx.region, id)].map(([key, value]) => ({ key, value })) }
      },
    },
    {
      method: 'DELETE', path: `${base}/{key}`, action: `Delete${name}Tag`, service: 'vpc',
      handler: (ctx, { params }) => {
        const id = params[idParam]!
        check(ctx, id)
        ctx.cloud.deleteTags(ctx.region, [id], [{ key: params.key! }])
        return answer(204)
      },
    },
  ]
}
