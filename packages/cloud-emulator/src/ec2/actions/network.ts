import { CloudError } from '../../backend/errors.js'
import * as net from '../../backend/network.js'
import type { IpPermission, SecurityGroup } from '../../backend/types.js'
import { applyFilters, readFilters } from '../filters.js'
import type { Reader } from '../query.js'
import { renderSecurityGroup, renderSubnet, renderVpc } from '../render.js'
import { tagSet } from '../xml.js'
import { checkIds, missing, page, tagSpec, type Handler } from './common.js'

export const DescribeVpcs: Handler = ({ cloud, region }, r) => {
  const ids = checkIds('vpc', r.list('VpcId'))
  let vpcs = net.vpcsIn(cloud, region)
  if (ids.length) {
    vpcs = vpcs.filter((v) => ids.includes(v.id))
    missing('InvalidVpcID.NotFound', 'vpc ID', ids, new Set(vpcs.map((v) => v.id)))
  }
  vpcs = applyFilters(
    vpcs,
    readFilters(r),
    {
      'vpc-id': (v) => v.id,
      'is-default': (v) => v.isDefault,
      'cidr-block': (v) => v.cidrBlock,
      cidr: (v) => v.cidrBlock,
      state: () => 'available',
      'owner-id': () => cloud.accountId,
    },
    (v) => v.tags,
  )
  const p = page(r, vpcs, ids.length > 0)
  return { vpcSet: p.items.map((v) => renderVpc(cloud, v)), nextToken: p.nextToken }
}

export const DescribeSubnets: Handler = ({ cloud, region }, r) => {
  const ids = checkIds('subnet', r.list('SubnetId'))
  let subnets = net.subnetsIn(cloud, region)
  if (ids.length) {
    subnets = subnets.filter((s) => ids.includes(s.id))
    missing('InvalidSubnetID.NotFound', 'subnet ID', ids, new Set(subnets.map((s) => s.id)))
  }
  subnets = applyFilters(
    subnets,
    readFilters(r),
    {
      'vpc-id': (s) => s.vpcId,
      'subnet-id': (s) => s.id,
      'availability-zone': (s) => s.zone,
      'default-for-az': (s) => s.defaultForAz,
      defaultForAz: (s) => s.defaultForAz,
      'cidr-block': (s) => s.cidrBlock,
      state: () => 'available',
      'map-public-ip-on-launch': (s) => s.mapPublicIpOnLaunch,
      'owner-id': () => cloud.accountId,
    },
    (s) => s.tags,
  )
  const p = page(r, subnets, ids.length > 0)
  return { subnetSet: p.items.map((s) => renderSubnet(cloud, s)), nextToken: p.nextToken }
}

export const CreateSecurityGroup: Handler = ({ cloud, region }, r) => {
  const group = net.createSecurityGroup(cloud, region, {
    name: r.required('GroupName'),
    description: r.required('GroupDescription'),
    vpcId: r.str('VpcId'),
    tags: tagSpec(r, 'security-group', ['security-group']),
  })
  return {
    return: true,
    groupId: group.id,
    tagSet: tagSet(group.tags),
    securityGroupArn: `arn:aws:ec2:${region}:${cloud.accountId}:security-group/${group.id}`,
  }
}

function permissions(r: Reader): IpPermission[] {
  const perms = r.structs('IpPermissions').map((p) => ({
    protocol: p.str('IpProtocol') ?? '-1',
    fromPort: p.int('FromPort'),
    toPort: p.int('ToPort'),
    cidrs: p.structs('IpRanges').map((x) => x.str('CidrIp') ?? ''),
    groupIds: p.structs('Groups').map((x) => x.str('GroupId') ?? ''),
  }))
  const cidr = r.str('CidrIp')
  if (cidr) perms.push({ protocol: r.str('IpProtocol') ?? '-1', fromPort: r.int('FromPort'), toPort: r.int('ToPort'), cidrs: [cidr], groupIds: [] })
  for (const p of perms) {
    for (const c of p.cidrs) if (!/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(c)) throw new CloudError('InvalidParameterValue', `CIDR block ${c} is malformed`)
    if (!['tcp', 'udp', 'icmp', '-1', 'all', '6', '17', '1'].includes(p.protocol))
      throw new CloudError('InvalidParameterValue', `Invalid value '${p.protocol}' for IP protocol.`)
    if (['tcp', 'udp', '6', '17'].includes(p.protocol) && (p.fromPort === undefined || p.toPort === undefined))
      throw new CloudError('MissingParameter', 'The request must contain the parameter ipPermissions.fromPort and toPort')
  }
  return perms
}

function group(r: Reader, ctx: { cloud: Parameters<typeof net.getSecurityGroup>[0]; region: string }): SecurityGroup {
  const id = r.str('GroupId')
  const name = r.str('GroupName')
  if (!id && !name) throw new CloudError('MissingParameter', 'The request must contain the parameter groupName or groupId')
  if (id) checkIds('sg', [id])
  return net.getSecurityGroup(ctx.cloud, ctx.region, { id, name })
}

export const AuthorizeSecurityGroupIngress: Handler = (ctx, r) => {
  const g = group(r, ctx)
  const perms = permissions(r)
  net.authorizeIngress(ctx.cloud, ctx.region, g, perms)
  return {
    return: true,
    securityGroupRuleSet: perms.flatMap((p) =>
      p.cidrs.map((c) => ({
        securityGroupRuleId: ctx.cloud.rng.id('sgr'),
        groupId: g.id,
        groupOwnerId: ctx.cloud.accountId,
        isEgress: false,
        ipProtocol: p.protocol,
        fromPort: p.fromPort,
        toPort: p.toPort,
        cidrIpv4: c,
      })),
    ),
  }
}

export const DescribeSecurityGroups: Handler = ({ cloud, region }, r) => {
  const ids = checkIds('sg', r.list('GroupId'))
  const names = r.list('GroupName')
  let groups = net.securityGroupsIn(cloud, region)
  if (ids.length) {
    groups = groups.filter((g) => ids.includes(g.id))
    missing('InvalidGroup.NotFound', 'security group', ids, new Set(groups.map((g) => g.id)))
  }
  if (names.length) {
    groups = groups.filter((g) => names.includes(g.name))
    missing('InvalidGroup.NotFound', 'security group', names, new Set(groups.map((g) => g.name)))
  }
  groups = applyFilters(
    groups,
    readFilters(r),
    {
      'group-id': (g) => g.id,
      'group-name': (g) => g.name,
      'vpc-id': (g) => g.vpcId,
      description: (g) => g.description,
      'owner-id': () => cloud.accountId,
      'ip-permission.cidr': (g) => g.ingress.flatMap((p) => p.cidrs),
      'ip-permission.from-port': (g) => g.ingress.map((p) => String(p.fromPort)),
      'ip-permission.to-port': (g) => g.ingress.map((p) => String(p.toPort)),
      'ip-permission.protocol': (g) => g.ingress.map((p) => p.protocol),
    },
    (g) => g.tags,
  )
  const p = page(r, groups, ids.length + names.length > 0)
  return { securityGroupInfo: p.items.map((g) => renderSecurityGroup(cloud, g)), nextToken: p.nextToken }
}

export const DeleteSecurityGroup: Handler = (ctx, r) => {
  const g = group(r, ctx)
  net.deleteSecurityGroup(ctx.cloud, ctx.region, g)
  return { return: true, groupId: g.id }
}

export const CreateVpc: Handler = ({ cloud, region }, r) => {
  const vpc = net.createVpc(cloud, region, r.required('CidrBlock'), tagSpec(r, 'vpc', ['vpc']))
  return { vpc: renderVpc(cloud, vpc) }
}

export const DeleteVpc: Handler = ({ cloud, region }, r) => {
  net.deleteVpc(cloud, region, checkIds('vpc', [r.required('VpcId')])[0]!)
  return { return: true }
}

export const CreateSubnet: Handler = ({ cloud, region }, r) => {
  const subnet = net.createSubnet(cloud, region, {
    vpcId: checkIds('vpc', [r.required('VpcId')])[0]!,
    cidrBlock: r.required('CidrBlock'),
    zone: r.str('AvailabilityZone'),
    tags: tagSpec(r, 'subnet', ['subnet']),
  })
  return { subnet: renderSubnet(cloud, subnet) }
}

export const ModifySubnetAttribute: Handler = ({ cloud, region }, r) => {
  const subnet = net.getSubnet(cloud, region, checkIds('subnet', [r.required('SubnetId')])[0]!)
  const value = r.struct('MapPublicIpOnLaunch')?.bool('Value')
  if (value === undefined) throw new CloudError('MissingParameter', 'The request must contain an attribute to modify (MapPublicIpOnLaunch)')
  net.setMapPublicIp(subnet, value)
  return { return: true }
}

export const DeleteSubnet: Handler = ({ cloud, region }, r) => {
  net.deleteSubnet(cloud, region, checkIds('subnet', [r.required('SubnetId')])[0]!)
  return { return: true }
}
