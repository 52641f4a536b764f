import { aliError } from '../errors.js'
import type { Params } from '../params.js'
import type { Handler } from '../server.js'
import type { AliState } from '../state.js'

/** The resource of an id, in any of the maps that hold taggable resources. */
function tagsOf(state: AliState, id: string): Map<string, string> | undefined {
  const { cloud } = state
  return (
    cloud.instances.get(id) ??
    cloud.images.get(id) ??
    cloud.snapshots.get(id) ??
    cloud.volumes.get(id) ??
    cloud.securityGroups.get(id) ??
    cloud.vpcs.get(id) ??
    cloud.subnets.get(id) ??
    cloud.publicIps.get(id) ??
    [...cloud.keyPairs.values()].find((k) => k.name === id)
  )?.tags
}

function tagAll(state: AliState, ids: readonly string[], p: Params): Record<string, unknown> {
  const tags = p.tags()
  if (!tags.length) throw aliError('MissingParameter', 'The input parameter "Tag" that is mandatory for processing this request is not supplied.')
  const targets = ids.map((id) => {
    const t = tagsOf(state, id)
    if (!t) throw aliError('InvalidResourceId.NotFound', `The specified ResourceIds are not found in our records. ${id}`, 404)
    return t
  })
  for (const t of targets) for (const { key, value } of tags) t.set(key, value)
  return {}
}

/** TagResources / UntagResources / ListTagResources, and the older AddTags / RemoveTags / DescribeTags. */
export function tagActions(state: AliState): Record<string, Handler> {
  return {
    TagResources: (p) => tagAll(state, p.list('ResourceId'), p),
    AddTags: (p) => tagAll(state, [p.required('ResourceId')], p),
    UntagResources(p) {
      const keys = p.list('TagKey')
      for (const id of p.list('ResourceId')) {
        const t = tagsOf(state, id)
        if (!t) continue
        for (const k of p.bool('All') ? [...t.keys()] : keys) t.delete(k)
      }
      return {}
    },
    RemoveTags(p) {
      const t = tagsOf(state, p.required('ResourceId'))
      for (const { key } of p.tags()) t?.delete(key)
      return {}
    },
    ListTagResources(p) {
      const ids = p.list('ResourceId')
      const out = ids.flatMap((id) =>
        [...(tagsOf(state, id) ?? [])].map(([TagKey, TagValue]) => ({ ResourceId: id, ResourceType: p.str('ResourceType') ?? '', TagKey, TagValue })),
      )
      return { NextToken: '', TagResources: { TagResource: out } }
    },
  }
}
