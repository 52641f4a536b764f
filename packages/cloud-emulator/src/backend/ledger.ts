import type { Cloud } from './cloud.js'
import type { LedgerEntry, Tags } from './types.js'

/**
 * Every live resource: instances not terminated, keys, groups, images, snapshots, volumes,
 * public IPs, own networks (default ones are the account's, not a client's). Jobs are not
 * resources (nothing to delete), so they are not listed. Tests assert a build leaves none.
 */
export function ledgerOf(cloud: Cloud): LedgerEntry[] {
  const tags = (t: Tags): Record<string, string> => Object.fromEntries(t)
  const out: LedgerEntry[] = []
  for (const i of cloud.instances.values())
    if (i.state !== 'terminated') out.push({ type: 'instance', id: i.id, region: i.region, state: i.state, tags: tags(i.tags), seed: false })
  for (const g of cloud.securityGroups.values())
    if (!g.isDefault) out.push({ type: 'security-group', id: g.id, region: g.region, name: g.name, tags: tags(g.tags), seed: false })
  for (const k of cloud.keyPairs.values()) out.push({ type: 'key-pair', id: k.id, region: k.region, name: k.name, tags: tags(k.tags), seed: false })
  for (const m of cloud.images.values()) out.push({ type: 'image', id: m.id, region: m.region, name: m.name, state: m.state, tags: tags(m.tags), seed: m.seed })
  for (const s of cloud.snapshots.values()) out.push({ type: 'snapshot', id: s.id, region: s.region, state: s.state, tags: tags(s.tags), seed: s.seed })
  for (const v of cloud.volumes.values()) out.push({ type: 'volume', id: v.id, region: v.region, state: v.state, tags: tags(v.tags), seed: false })
  for (const p of cloud.publicIps.values())
    out.push({
      type: 'public-ip',
      id: p.id,
      region: p.region,
      name: p.address,
      state: p.instanceId ? 'associated' : 'available',
      tags: tags(p.tags),
      seed: false,
    })
  for (const v of cloud.vpcs.values()) if (!v.isDefault) out.push({ type: 'vpc', id: v.id, region: v.region, tags: tags(v.tags), seed: false })
  for (const s of cloud.subnets.values()) if (!s.defaultForAz) out.push({ type: 'subnet', id: s.id, region: s.region, tags: tags(s.tags), seed: false })
  return out
}
