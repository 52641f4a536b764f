import * as network from '../../backend/network.js'
import { aliError } from '../errors.js'
import type { Params } from '../params.js'
import type { Handler } from '../server.js'
import { regionOf } from './regions.js'
import { ALICLOUD_REGIONS } from '../profile.js'
import type { AliState } from '../state.js'
import { aliTime, matchesTags, page, renderTags, renderVpcTags } from './render.js'

/** The call's region, which must be one of Alibaba's. */
const region = (p: Params): string => regionOf(p)!.regionId

/** VPCs, vSwitches and security groups (ECS 2014-05-26 and VPC 2016-04-28 share these shapes). */
export function networkActions(state: AliState): Record<string, Handler> {
  const { cloud } = state
  const created = new Map<string, Date>()
  const names = new Map<string, string>()
  const cidrs = new Map<string, string>()
  const when = (id: string): string => aliTime(created.get(id) ?? new Date(0))
  return {
    CreateVpc(p) {
      const r = region(p)
      const cidr = p.str('CidrBlock') ?? '172.16.0.0/12'
      const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(cidr)
      if (!m || Number(m[2]) < 8 || Number(m[2]) > 28) throw aliError('InvalidCidrBlock.Malformed', 'Specified CIDR block is not valid.', 400)
      // Alibaba allows /8../28 (its default is 172.16.0.0/12); the backend's VPCs are /16../28
      // as on EC2, so a wider block is kept here and the backend holds its first /16.
      const id = state.idempotent(
        'CreateVpc',
        p.str('ClientToken'),
        (x) => cloud.vpcs.has(x),
        () => {
          const vpc = network.createVpc(cloud, r, Number(m[2]) < 16 ? `${m[1]}/16` : cidr, new Map(p.tags().map((t) => [t.key, t.value])))
          cidrs.set(vpc.id, cidr)
          created.set(vpc.id, new Date())
          if (p.str('VpcName')) names.set(vpc.id, p.str('VpcName')!)
          return vpc.id
        },
      )
      return { VpcId: id, VRouterId: id.replace(/^vpc-/, 'vrt-'), RouteTableId: id.replace(/^vpc-/, 'vtb-'), ResourceGroupId: '' }
    },
    DescribeVpcs(p) {
      const r = region(p)
      const ids = p.str('VpcId')?.split(',')
      const vpcs = network
        .vpcsIn(cloud, r)
        .filter((v) => !ids || ids.includes(v.id))
        .filter((v) => matchesTags(v.tags, p.tags()))
      const { items, ...paging } = page(vpcs, p.int('PageNumber'), p.int('PageSize') ?? 50)
      return {
        ...paging,
        Vpcs: {
          Vpc: items.map((v) => ({
            VpcId: v.id,
            RegionId: r,
            Status: 'Available',
            VpcName: names.get(v.id) ?? '',
            CidrBlock: cidrs.get(v.id) ?? v.cidrBlock,
            IsDefault: v.isDefault,
            VRouterId: v.id.replace(/^vpc-/, 'vrt-'),
            CreationTime: when(v.id),
            VSwitchIds: {
              VSwitchId: network
                .subnetsIn(cloud, r)
                .filter((s) => s.vpcId === v.id)
                .map((s) => s.id),
            },
            Tags: renderVpcTags(v.tags),
          })),
        },
      }
    },
    DeleteVpc(p) {
      const id = p.required('VpcId')
      const r = p.str('RegionId') ?? findRegion(state, id)
      state.checkReleased(id, 'DependencyViolation.Instance', 'Specified VPC still has instances being released.')
      network.deleteVpc(cloud, r, id)
      return {}
    },
    CreateVSwitch(p) {
      const vpcId = p.required('VpcId')
      const zoneId = p.required('ZoneId')
      const r = p.str('RegionId') ?? findRegion(state, vpcId)
      const id = state.idempotent(
        'CreateVSwitch',
        p.str('ClientToken'),
        (x) => cloud.subnets.has(x),
        () => {
          const subnet = network.createSubnet(cloud, r, {
            vpcId,
            cidrBlock: p.required('CidrBlock'),
            zone: zoneId,
            tags: new Map(p.tags().map((t) => [t.key, t.value])),
          })
          created.set(subnet.id, new Date())
          if (p.str('VSwitchName')) names.set(subnet.id, p.str('VSwitchName')!)
          return subnet.id
        },
      )
      return { VSwitchId: id }
    },
    DescribeVSwitches(p) {
      const r = p.str('RegionId') ?? 'cn-hangzhou'
      const vpcId = p.str('VpcId')
      const ids = p.str('VSwitchId')?.split(',')
      const zone = p.str('ZoneId')
      const all = network
        .subnetsIn(cloud, r)
        .filter((s) => (!vpcId || s.vpcId === vpcId) && (!ids || ids.includes(s.id)) && (!zone || s.zone === zone) && matchesTags(s.tags, p.tags()))
      const { items, ...paging } = page(all, p.int('PageNumber'), p.int('PageSize') ?? 50)
      return {
        ...paging,
        VSwitches: {
          VSwitch: items.map((s) => ({
            VSwitchId: s.id,
            VpcId: s.vpcId,
            Status: 'Available',
            CidrBlock: s.cidrBlock,
            ZoneId: s.zone,
            VSwitchName: names.get(s.id) ?? '',
            IsDefault: s.defaultForAz,
            AvailableIpAddressCount: 252,
            CreationTime: when(s.id),
            Tags: renderVpcTags(s.tags),
          })),
        },
      }
    },
    DeleteVSwitch(p) {
      const id = p.required('VSwitchId')
      const r = p.str('RegionId') ?? findRegion(state, id)
      state.checkReleased(id, 'DependencyViolation', 'Specified vSwitch still has instances being released.')
      network.deleteSubnet(cloud, r, id)
      return {}
    },
    CreateSecurityGroup(p) {
      const r = region(p)
      const vpcId = p.str('VpcId')
      if (!vpcId) throw aliError('MissingParameter', 'The input parameter "VpcId" that is mandatory for processing this request is not supplied.')
      const name = p.str('SecurityGroupName') ?? `sg-name-${cloud.rng.hex(8)}`
      const id = state.idempotent(
        'CreateSecurityGroup',
        p.str('ClientToken'),
        (x) => cloud.securityGroups.has(x),
        () => {
          const group = network.createSecurityGroup(cloud, r, {
            name: name.replace(/^sg-/, 'sg_'),
            description: p.str('Description') ?? name,
            vpcId,
            tags: new Map(p.tags().map((t) => [t.key, t.value])),
          })
          names.set(group.id, name)
          created.set(group.id, new Date())
          return group.id
        },
      )
      return { SecurityGroupId: id }
    },
    AuthorizeSecurityGroup: (p) => authorize(state, p, 'ingress'),
    AuthorizeSecurityGroupEgress: (p) => authorize(state, p, 'egress'),
    DescribeSecurityGroups(p) {
      const r = region(p)
      const ids = p.str('SecurityGroupIds') ? p.jsonList('SecurityGroupIds') : p.str('SecurityGroupId')?.split(',')
      const vpcId = p.str('VpcId')
      const groups = network
        .securityGroupsIn(cloud, r)
        .filter((g) => !g.isDefault && (!ids || ids.includes(g.id)) && (!vpcId || g.vpcId === vpcId) && matchesTags(g.tags, p.tags()))
      const { items, ...paging } = page(groups, p.int('PageNumber'), p.int('PageSize') ?? 50)
      return {
        ...paging,
        RegionId: r,
        SecurityGroups: {
          SecurityGroup: items.map((g) => ({
            SecurityGroupId: g.id,
            SecurityGroupName: names.get(g.id) ?? g.name,
            Description: g.description,
            VpcId: g.vpcId,
            SecurityGroupType: 'normal',
            CreationTime: when(g.id),
            Tags: renderTags(g.tags),
          })),
        },
      }
    },
    DeleteSecurityGroup(p) {
      const id = p.required('SecurityGroupId')
      const r = region(p)
      state.checkReleased(id, 'DependencyViolation', 'There is still instance(s) in the specified security group.')
      const group = network.securityGroupsIn(cloud, r).find((g) => g.id === id && !g.isDefault)
      if (!group) throw aliError('InvalidSecurityGroupId.NotFound', 'The specified SecurityGroupId does not exist.', 404)
      network.deleteSecurityGroup(cloud, r, group)
      return {}
    },
  }
}

function authorize(state: AliState, p: Params, direction: 'ingress' | 'egress'): Record<string, unknown> {
  const r = region(p)
  const group = network.securityGroupsIn(state.cloud, r).find((g) => g.id === p.required('SecurityGroupId'))
  if (!group) throw aliError('InvalidSecurityGroupId.NotFound', 'The specified SecurityGroupId does not exist.', 404)
  const rules = p.records('Permissions')
  const list = rules.length
    ? rules
    : [
        {
          IpProtocol: p.required('IpProtocol'),
          PortRange: p.required('PortRange'),
          SourceCidrIp: p.str('SourceCidrIp') ?? '',
          DestCidrIp: p.str('DestCidrIp') ?? '',
        },
      ]
  for (const rule of list) {
    const protocol = (rule.IpProtocol ?? '').toLowerCase()
    if (!['tcp', 'udp', 'icmp', 'gre', 'all', 'icmpv6'].includes(protocol))
      throw aliError('InvalidIpProtocol.Malformed', 'The specified IpProtocol is invalid.', 400)
    const m = /^(-?\d+)\/(-?\d+)$/.exec(rule.PortRange ?? '')
    if (!m) throw aliError('InvalidIpPortRange.Malformed', 'The specified parameter PortRange is not valid.', 400)
    const cidr = (direction === 'ingress' ? rule.SourceCidrIp : rule.DestCidrIp) || '0.0.0.0/0'
    const perm = { protocol: protocol === 'all' ? '-1' : protocol, fromPort: Number(m[1]), toPort: Number(m[2]), cidrs: [cidr], groupIds: [] }
    const rulesOf = direction === 'ingress' ? group.ingress : group.egress
    // Alibaba accepts a rule that already exists and changes nothing.
    if (!rulesOf.some((q) => q.protocol === perm.protocol && q.fromPort === perm.fromPort && q.toPort === perm.toPort && q.cidrs.includes(cidr)))
      rulesOf.push(perm)
  }
  return {}
}

/** Actions without RegionId (DeleteVSwitch by id alone) find the resource's region. */
function findRegion(state: AliState, id: string): string {
  const { cloud } = state
  const r = cloud.vpcs.get(id)?.region ?? cloud.subnets.get(id)?.region ?? cloud.securityGroups.get(id)?.region
  return r ?? ALICLOUD_REGIONS[0]!.regionId
}
