import * as net from '../backend/network.js'
import type { SecurityGroup, Subnet, Vpc } from '../backend/types.js'
import { attrs, forget } from './attributes.js'
import { HuaweiError } from './errors.js'
import { answer, type HuaweiContext, type Route } from './routes.js'
import { tagRoutes } from './tags.js'

function renderVpc(ctx: HuaweiContext, v: Vpc): Record<string, unknown> {
  const a = attrs(ctx.cloud, v.id)
  return {
    id: v.id,
    name: a.name ?? (v.isDefault ? 'default' : ''),
    description: a.description ?? '',
    cidr: v.cidrBlock,
    status: 'OK',
    routes: [],
    enterprise_project_id: a.enterpriseProjectId ?? '0',
    tenant_id: ctx.projectId,
  }
}

function renderSubnet(ctx: HuaweiContext, s: Subnet): Record<string, unknown> {
  const a = attrs(ctx.cloud, s.id)
  const gateway = a.gatewayIp ?? s.cidrBlock.replace(/\.\d+\/\d+$/, '.1')
  return {
    // ECS's nics[].subnet_id wants this id, which is the Neutron network id.
    id: s.id,
    name: a.name ?? '',
    description: a.description ?? '',
    cidr: s.cidrBlock,
    gateway_ip: gateway,
    vpc_id: s.vpcId,
    status: 'ACTIVE',
    availability_zone: s.zone,
    dhcp_enable: true,
    primary_dns: '100.125.1.250',
    secondary_dns: '100.125.21.250',
    neutron_network_id: s.id,
    neutron_subnet_id: `${s.id.slice(0, -4)}5ub7`,
    tenant_id: ctx.projectId,
  }
}

function renderRule(
  groupId: string,
  id: string,
  r: { protocol: string; fromPort?: number; toPort?: number; cidr?: string; direction: string },
): Record<string, unknown> {
  return {
    id,
    security_group_id: groupId,
    direction: r.direction,
    ethertype: 'IPv4',
    protocol: r.protocol === '-1' ? null : r.protocol,
    port_range_min: r.fromPort ?? null,
    port_range_max: r.toPort ?? null,
    remote_ip_prefix: r.cidr ?? null,
    remote_group_id: null,
    description: '',
  }
}

function renderGroup(ctx: HuaweiContext, g: SecurityGroup): Record<string, unknown> {
  const rules = g.ingress.flatMap((p, i) => p.cidrs.map((cidr, j) => renderRule(g.id, ruleId(g.id, i, j), { ...p, cidr, direction: 'ingress' })))
  const egress = g.egress.flatMap((p, i) => p.cidrs.map((cidr, j) => renderRule(g.id, `${g.id}-e${i}-${j}`, { ...p, cidr, direction: 'egress' })))
  return {
    id: g.id,
    name: g.name,
    description: g.description,
    vpc_id: g.vpcId,
    enterprise_project_id: attrs(ctx.cloud, g.id).enterpriseProjectId ?? '0',
    security_group_rules: [...rules, ...egress],
  }
}

/** A rule's id names its group and position, so deleting it needs no other table. */
const ruleId = (groupId: string, i: number, j: number): string => `${groupId}-i${i}-${j}`

/** The backend gives each VPC a default group; Huawei's groups belong to the project, not to a VPC, so those stay hidden. */
function visibleGroups(ctx: HuaweiContext): SecurityGroup[] {
  return net.securityGroupsIn(ctx.cloud, ctx.region).filter((g) => !g.isDefault)
}

function groupOf(ctx: HuaweiContext, id: string): SecurityGroup {
  const g = visibleGroups(ctx).find((x) => x.id === id)
  if (!g) throw new HuaweiError('vpc', 'VPC.0602', `Security group ${id} could not be found.`, 404)
  return g
}

function need<T>(value: T | undefined | null, field: string): T {
  if (value === undefined || value === null || value === '') throw new HuaweiError('vpc', 'VPC.0002', `${field} is required.`, 400)
  return value
}

/** VPC v1 (and the v2.0 tag APIs): VPCs, subnets, security groups and their rules. */
export const vpcRoutes: Route[] = [
  {
    method: 'POST',
    path: '/v1/{project_id}/vpcs',
    action: 'CreateVpc',
    service: 'vpc',
    handler: (ctx, { body }) => {
      const spec = (body.vpc ?? {}) as { name?: string; cidr?: string; description?: string; enterprise_project_id?: string }
      const vpc = net.createVpc(ctx.cloud, ctx.region, spec.cidr ?? '192.168.0.0/16')
      Object.assign(attrs(ctx.cloud, vpc.id), { name: spec.name ?? '', description: spec.description, enterpriseProjectId: spec.enterprise_project_id })
      return { vpc: renderVpc(ctx, vpc) }
    },
  },
  {
    method: 'GET',
    path: '/v1/{project_id}/vpcs',
    action: 'ListVpcs',
    service: 'vpc',
    handler: (ctx) => ({ vpcs: net.vpcsIn(ctx.cloud, ctx.region).map((v) => renderVpc(ctx, v)) }),
  },
  {
    method: 'GET',
    path: '/v1/{project_id}/vpcs/{vpc_id}',
    action: 'ShowVpc',
    service: 'vpc',
    handler: (ctx, { params }) => ({ vpc: renderVpc(ctx, net.getVpc(ctx.cloud, ctx.region, params.vpc_id!)) }),
  },
  {
    method: 'DELETE',
    path: '/v1/{project_id}/vpcs/{vpc_id}',
    action: 'DeleteVpc',
    service: 'vpc',
    handler: (ctx, { params }) => {
      net.deleteVpc(ctx.cloud, ctx.region, params.vpc_id!)
      forget(ctx.cloud, params.vpc_id!)
      return answer(204)
    },
  },
  {
    method: 'POST',
    path: '/v1/{project_id}/subnets',
    action: 'CreateSubnet',
    service: 'vpc',
    handler: (ctx, { body }) => {
      const spec = (body.subnet ?? {}) as {
        name?: string
        cidr?: string
        gateway_ip?: string
        vpc_id?: string
        availability_zone?: string
        description?: string
      }
      const subnet = net.createSubnet(ctx.cloud, ctx.region, {
        vpcId: need(spec.vpc_id, 'vpc_id'),
        cidrBlock: need(spec.cidr, 'cidr'),
        zone: spec.availability_zone,
      })
      Object.assign(attrs(ctx.cloud, subnet.id), {
        name: need(spec.name, 'name'),
        description: spec.description,
        gatewayIp: need(spec.gateway_ip, 'gateway_ip'),
      })
      return { subnet: renderSubnet(ctx, subnet) }
    },
  },
  {
    method: 'GET',
    path: '/v1/{project_id}/subnets',
    action: 'ListSubnets',
    service: 'vpc',
    handler: (ctx, { query }) => {
      const vpcId = query.get('vpc_id')
      return {
        subnets: net
          .subnetsIn(ctx.cloud, ctx.region)
          .filter((s) => !vpcId || s.vpcId === vpcId)
          .map((s) => renderSubnet(ctx, s)),
      }
    },
  },
  {
    method: 'GET',
    path: '/v1/{project_id}/subnets/{subnet_id}',
    action: 'ShowSubnet',
    service: 'vpc',
    handler: (ctx, { params }) => ({ subnet: renderSubnet(ctx, net.getSubnet(ctx.cloud, ctx.region, params.subnet_id!)) }),
  },
  {
    method: 'DELETE',
    path: '/v1/{project_id}/vpcs/{vpc_id}/subnets/{subnet_id}',
    action: 'DeleteSubnet',
    service: 'vpc',
    handler: (ctx, { params }) => {
      const subnet = net.getSubnet(ctx.cloud, ctx.region, params.subnet_id!)
      if (subnet.vpcId !== params.vpc_id)
        throw new HuaweiError('vpc', 'VPC.0202', `Query resource by id ${params.subnet_id} fail.the subnet could not be found.`, 404)
      net.deleteSubnet(ctx.cloud, ctx.region, subnet.id)
      forget(ctx.cloud, subnet.id)
      return answer(204)
    },
  },
  {
    method: 'POST',
    path: '/v1/{project_id}/security-groups',
    action: 'CreateSecurityGroup',
    service: 'vpc',
    handler: (ctx, { body }) => {
      const spec = (body.security_group ?? {}) as { name?: string; vpc_id?: string; description?: string; enterprise_project_id?: string }
      // The backend files a group under a VPC; Huawei's vpc_id is optional, so take the first VPC then.
      const vpcId = spec.vpc_id ?? net.vpcsIn(ctx.cloud, ctx.region)[0]?.id
      if (!vpcId) throw new HuaweiError('vpc', 'VPC.0002', 'The emulator needs a VPC before a security group: create one or pass vpc_id.', 400)
      const g = net.createSecurityGroup(ctx.cloud, ctx.region, { name: need(spec.name, 'name'), description: spec.description || spec.name!, vpcId })
      attrs(ctx.cloud, g.id).enterpriseProjectId = spec.enterprise_project_id
      return { security_group: renderGroup(ctx, g) }
    },
  },
  {
    method: 'GET',
    path: '/v1/{project_id}/security-groups',
    action: 'ListSecurityGroups',
    service: 'vpc',
    handler: (ctx) => ({ security_groups: visibleGroups(ctx).map((g) => renderGroup(ctx, g)) }),
  },
  {
    method: 'GET',
    path: '/v1/{project_id}/security-groups/{security_group_id}',
    action: 'ShowSecurityGroup',
    service: 'vpc',
    handler: (ctx, { params }) => ({ security_group: renderGroup(ctx, groupOf(ctx, params.security_group_id!)) }),
  },
  {
    method: 'DELETE',
    path: '/v1/{project_id}/security-groups/{security_group_id}',
    action: 'DeleteSecurityGroup',
    service: 'vpc',
    handler: (ctx, { params }) => {
      net.deleteSecurityGroup(ctx.cloud, ctx.region, groupOf(ctx, params.security_group_id!))
      forget(ctx.cloud, params.security_group_id!)
      return answer(204)
    },
  },
  {
    method: 'POST',
    path: '/v1/{project_id}/security-group-rules',
    action: 'CreateSecurityGroupRule',
    service: 'vpc',
    handler: (ctx, { body }) => {
      const spec = (body.security_group_rule ?? {}) as {
        security_group_id?: string
        direction?: string
        protocol?: string
        port_range_min?: number
        port_range_max?: number
        remote_ip_prefix?: string
      }
      const g = groupOf(ctx, need(spec.security_group_id, 'security_group_id'))
      if (spec.direction !== 'ingress') throw new HuaweiError('vpc', 'VPC.0002', 'Only ingress rules are supported by the emulator.', 400)
      const cidr = spec.remote_ip_prefix ?? '0.0.0.0/0'
      net.authorizeIngress(ctx.cloud, ctx.region, g, [
        { protocol: spec.protocol ?? '-1', fromPort: spec.port_range_min, toPort: spec.port_range_max, cidrs: [cidr], groupIds: [] },
      ])
      const i = g.ingress.length - 1
      return { security_group_rule: renderRule(g.id, ruleId(g.id, i, 0), { ...g.ingress[i]!, cidr, direction: 'ingress' }) }
    },
  },
  ...tagRoutes('vpcs', 'vpc_id', (ctx, id) => net.getVpc(ctx.cloud, ctx.region, id)),
  ...tagRoutes('subnets', 'subnet_id', (ctx, id) => net.getSubnet(ctx.cloud, ctx.region, id)),
  ...tagRoutes('security-groups', 'security_group_id', (ctx, id) => groupOf(ctx, id)),
]
