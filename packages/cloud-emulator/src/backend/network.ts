import { exists, inUse, invalid, missingParameter, notFound } from './errors.js'
import type { Cloud } from './cloud.js'
import type { IpPermission, SecurityGroup, Subnet, Vpc } from './types.js'

/** VPCs, subnets and security groups: records only (no packet filtering happens). */

export function vpcsIn(cloud: Cloud, region: string): Vpc[] {
  return [...cloud.vpcs.values()].filter((v) => v.region === region)
}

export function subnetsIn(cloud: Cloud, region: string): Subnet[] {
  return [...cloud.subnets.values()].filter((s) => s.region === region)
}

export function securityGroupsIn(cloud: Cloud, region: string): SecurityGroup[] {
  return [...cloud.securityGroups.values()].filter((g) => g.region === region)
}

export function getVpc(cloud: Cloud, region: string, id: string): Vpc {
  const vpc = cloud.vpcs.get(id)
  if (!vpc || vpc.region !== region) throw notFound('vpc', id, `The vpc ID '${id}' does not exist`)
  return vpc
}

export function getSubnet(cloud: Cloud, region: string, id: string): Subnet {
  const subnet = cloud.subnets.get(id)
  if (!subnet || subnet.region !== region) throw notFound('subnet', id, `The subnet ID '${id}' does not exist`)
  return subnet
}

export function defaultVpc(cloud: Cloud, region: string): Vpc | undefined {
  return vpcsIn(cloud, region).find((v) => v.isDefault)
}

export function getSecurityGroup(cloud: Cloud, region: string, idOrName: { id?: string; name?: string }): SecurityGroup {
  const groups = securityGroupsIn(cloud, region)
  if (idOrName.id) {
    const g = groups.find((x) => x.id === idOrName.id)
    if (!g) throw notFound('security-group', idOrName.id, `The security group '${idOrName.id}' does not exist`)
    return g
  }
  const vpc = defaultVpc(cloud, region)
  const g = groups.find((x) => x.name === idOrName.name && x.vpcId === vpc?.id)
  if (!g)
    throw notFound('security-group', idOrName.name ?? '', `The security group '${idOrName.name ?? ''}' does not exist in default VPC '${vpc?.id ?? 'none'}'`)
  return g
}

export function createSecurityGroup(
  cloud: Cloud,
  region: string,
  spec: { name: string; description: string; vpcId?: string; tags?: ReadonlyMap<string, string> },
): SecurityGroup {
  if (!spec.name) throw missingParameter('GroupName')
  if (!spec.description) throw missingParameter('GroupDescription')
  if (spec.name.startsWith('sg-')) throw invalid('Group names may not be in the format sg-*', { resource: 'security-group', field: 'name' })
  const vpc = spec.vpcId ? getVpc(cloud, region, spec.vpcId) : defaultVpc(cloud, region)
  if (!vpc) throw invalid('No default VPC for this user', { field: 'vpc', reason: 'no-default-network' })
  const same = securityGroupsIn(cloud, region).find((g) => g.vpcId === vpc.id && g.name === spec.name)
  if (same) throw exists('security-group', same.id, `The security group '${spec.name}' already exists for VPC '${vpc.id}'`)
  const group: SecurityGroup = {
    id: cloud.newId('security-group', region),
    region,
    tags: new Map(spec.tags ?? []),
    name: spec.name,
    description: spec.description,
    vpcId: vpc.id,
    isDefault: false,
    ingress: [],
    egress: [{ protocol: '-1', cidrs: ['0.0.0.0/0'], groupIds: [] }],
  }
  cloud.securityGroups.set(group.id, group)
  return group
}

export function authorizeIngress(cloud: Cloud, region: string, group: SecurityGroup, perms: readonly IpPermission[]): void {
  if (perms.length === 0) throw missingParameter('IpPermissions', 'No IpPermissions given')
  for (const p of perms) {
    const same = group.ingress.find((q) => q.protocol === p.protocol && q.fromPort === p.fromPort && q.toPort === p.toPort)
    const dup = p.cidrs.find((c) => same?.cidrs.includes(c))
    if (dup) {
      throw exists(
        'security-group-rule',
        group.id,
        `the specified rule "peer: ${dup}, ${p.protocol.toUpperCase()}, from port: ${p.fromPort}, to port: ${p.toPort}, ALLOW" already exists`,
      )
    }
    for (const gid of p.groupIds) getSecurityGroup(cloud, region, { id: gid })
  }
  group.ingress.push(...perms)
}

export function deleteSecurityGroup(cloud: Cloud, region: string, group: SecurityGroup): void {
  if (group.isDefault)
    throw inUse('security-group', group.id, `the specified group: "${group.id}" name: "default" cannot be deleted by a user`, 'default-group')
  const user = [...cloud.instances.values()].find((i) => i.state !== 'terminated' && i.securityGroupIds.includes(group.id))
  if (user) throw inUse('security-group', group.id, `resource ${group.id} has a dependent object`)
  const referencing = securityGroupsIn(cloud, region).find((g) => g !== group && g.ingress.some((p) => p.groupIds.includes(group.id)))
  if (referencing) throw inUse('security-group', group.id, `resource ${group.id} has a dependent object`)
  cloud.securityGroups.delete(group.id)
}

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/

function parseCidr(cidr: string): { base: number; bits: number } {
  const m = CIDR.exec(cidr)
  const octets = m?.slice(1, 5).map(Number) ?? []
  const bits = Number(m?.[5])
  if (!m || octets.some((o) => o > 255) || bits > 32)
    throw invalid(`Value (${cidr}) for parameter cidrBlock is invalid. This is not a valid CIDR block.`, { field: 'cidr' })
  return { base: ((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) >>> 0, bits }
}

function contains(outer: string, inner: string): boolean {
  const a = parseCidr(outer)
  const b = parseCidr(inner)
  const mask = a.bits === 0 ? 0 : (~0 << (32 - a.bits)) >>> 0
  return b.bits >= a.bits && (b.base & mask) >>> 0 === (a.base & mask) >>> 0
}

/** A VPC (with its default security group), as CreateVpc makes. */
export function createVpc(cloud: Cloud, region: string, cidrBlock: string, tags?: ReadonlyMap<string, string>): Vpc {
  const { bits } = parseCidr(cidrBlock)
  if (bits < 16 || bits > 28) throw invalid(`The CIDR '${cidrBlock}' is invalid.`, { resource: 'vpc', field: 'cidr', reason: 'range' })
  const vpc: Vpc = { id: cloud.newId('vpc', region), region, tags: new Map(tags ?? []), cidrBlock, isDefault: false }
  cloud.vpcs.set(vpc.id, vpc)
  const sg: SecurityGroup = {
    id: cloud.newId('security-group', region),
    region,
    tags: new Map(),
    name: 'default',
    description: 'default VPC security group',
    vpcId: vpc.id,
    isDefault: true,
    ingress: [],
    egress: [{ protocol: '-1', cidrs: ['0.0.0.0/0'], groupIds: [] }],
  }
  cloud.securityGroups.set(sg.id, sg)
  return vpc
}

export function createSubnet(
  cloud: Cloud,
  region: string,
  spec: { vpcId: string; cidrBlock: string; zone?: string; tags?: ReadonlyMap<string, string> },
): Subnet {
  const vpc = getVpc(cloud, region, spec.vpcId)
  const zones = cloud.region(region).zones
  const zone = spec.zone ?? zones[0]!
  if (!zones.includes(zone))
    throw invalid(
      `Value (${zone}) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: ${zones.join(', ')}.`,
      { resource: 'zone', id: zone, field: 'zone' },
    )
  if (!contains(vpc.cidrBlock, spec.cidrBlock))
    throw invalid(`The CIDR '${spec.cidrBlock}' is invalid.`, { resource: 'subnet', field: 'cidr', reason: 'range' })
  if (subnetsIn(cloud, region).some((s) => s.vpcId === vpc.id && (contains(s.cidrBlock, spec.cidrBlock) || contains(spec.cidrBlock, s.cidrBlock))))
    throw invalid(`The CIDR '${spec.cidrBlock}' conflicts with another subnet`, { resource: 'subnet', field: 'cidr', reason: 'conflict' })
  const subnet: Subnet = {
    id: cloud.newId('subnet', region),
    region,
    tags: new Map(spec.tags ?? []),
    vpcId: vpc.id,
    zone,
    cidrBlock: spec.cidrBlock,
    defaultForAz: false,
    mapPublicIpOnLaunch: false,
  }
  cloud.subnets.set(subnet.id, subnet)
  return subnet
}

export function setMapPublicIp(subnet: Subnet, value: boolean): void {
  ;(subnet as { mapPublicIpOnLaunch: boolean }).mapPublicIpOnLaunch = value
}

export function deleteSubnet(cloud: Cloud, region: string, id: string): void {
  const subnet = getSubnet(cloud, region, id)
  if ([...cloud.instances.values()].some((i) => i.subnetId === id && i.state !== 'terminated'))
    throw inUse('subnet', id, `The subnet '${id}' has dependencies and cannot be deleted.`)
  cloud.subnets.delete(subnet.id)
}

export function deleteVpc(cloud: Cloud, region: string, id: string): void {
  const vpc = getVpc(cloud, region, id)
  const groups = securityGroupsIn(cloud, region).filter((g) => g.vpcId === id)
  if (subnetsIn(cloud, region).some((s) => s.vpcId === id) || groups.some((g) => !g.isDefault))
    throw inUse('vpc', id, `The vpc '${id}' has dependencies and cannot be deleted.`)
  for (const g of groups) cloud.securityGroups.delete(g.id)
  cloud.vpcs.delete(vpc.id)
}
