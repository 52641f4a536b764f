import { CloudError } from '../../backend/errors.js'
import type { Tags } from '../../backend/types.js'
import { applyFilters, readFilters } from '../filters.js'
import { checkTagKey, page, type Handler } from './common.js'

const TYPES: Record<string, string> = {
  i: 'instance',
  ami: 'image',
  snap: 'snapshot',
  vol: 'volume',
  sg: 'security-group',
  key: 'key-pair',
  vpc: 'vpc',
  subnet: 'subnet',
  eipalloc: 'elastic-ip',
}

function resources(r: Parameters<Handler>[1]): string[] {
  const ids = r.list('ResourceId')
  if (ids.length === 0) throw new CloudError('MissingParameter', 'The request must contain the parameter resourceIdSet')
  return ids
}

export const CreateTags: Handler = ({ cloud, region }, r) => {
  const tags = new Map(r.structs('Tag').map((t) => [checkTagKey(t.str('Key')), t.str('Value') ?? ''] as const))
  if (tags.size === 0) throw new CloudError('MissingParameter', 'The request must contain the parameter tagSet')
  cloud.createTags(region, resources(r), tags)
  return { return: true }
}

export const DeleteTags: Handler = ({ cloud, region }, r) => {
  const tags = r.structs('Tag').map((t) => ({ key: checkTagKey(t.str('Key')), value: t.str('Value') }))
  cloud.deleteTags(region, resources(r), tags)
  return { return: true }
}

export const DescribeTags: Handler = ({ cloud, region }, r) => {
  const rows: { id: string; type: string; key: string; value: string }[] = []
  const add = (id: string, tags: Tags): void => {
    for (const [key, value] of tags) rows.push({ id, type: TYPES[id.split('-')[0]!] ?? 'unknown', key, value })
  }
  const maps = [cloud.instances, cloud.images, cloud.snapshots, cloud.volumes, cloud.securityGroups, cloud.keyPairs, cloud.vpcs, cloud.subnets]
  for (const map of maps)
    for (const res of (map as Map<string, { id: string; region: string; tags: Tags; state?: string }>).values())
      if (res.region === region && res.state !== 'terminated') add(res.id, res.tags)
  const found = applyFilters(
    rows,
    readFilters(r),
    {
      key: (x) => x.key,
      value: (x) => x.value,
      'resource-id': (x) => x.id,
      'resource-type': (x) => x.type,
    },
    () => new Map(),
  )
  const p = page(r, found)
  return { tagSet: p.items.map((x) => ({ resourceId: x.id, resourceType: x.type, key: x.key, value: x.value })), nextToken: p.nextToken }
}
