import { CloudError } from '../../backend/errors.js'
import * as ips from '../../backend/public-ips.js'
import type { PublicIp } from '../../backend/types.js'
import { applyFilters, readFilters } from '../filters.js'
import type { Reader } from '../query.js'
import { tagSet } from '../xml.js'
import { tagSpec, type ActionContext, type Handler } from './common.js'

/** Elastic IPs: the backend's public IPs in EC2's shapes (VPC domain only, as EC2 today). */

const associationId = (ip: PublicIp): string => `eipassoc-${ip.id.replace(/^eipalloc-/, '')}`

function render(ctx: ActionContext, ip: PublicIp): Record<string, unknown> {
  const instance = ip.instanceId ? ctx.cloud.instances.get(ip.instanceId) : undefined
  return {
    publicIp: ip.address,
    allocationId: ip.id,
    domain: 'vpc',
    publicIpv4Pool: 'amazon',
    networkBorderGroup: ip.region,
    associationId: instance ? associationId(ip) : undefined,
    instanceId: instance?.id,
    networkInterfaceId: instance ? `eni-${instance.id.slice(2)}` : undefined,
    privateIpAddress: instance?.address || undefined,
    tagSet: tagSet(ip.tags),
  }
}

/** The address named by AllocationId or PublicIp (or, for disassociation, AssociationId). */
function target(ctx: ActionContext, r: Reader, allowAssociation = false): PublicIp {
  const association = allowAssociation ? r.str('AssociationId') : undefined
  if (association) {
    const found = ips.publicIpsIn(ctx.cloud, ctx.region).find((p) => p.instanceId && associationId(p) === association)
    if (!found) throw new CloudError('InvalidAssociationID.NotFound', `The association ID '${association}' does not exist`)
    return found
  }
  const idOrIp = r.str('AllocationId') ?? r.str('PublicIp')
  if (!idOrIp) throw new CloudError('MissingParameter', `The request must contain the parameter ${allowAssociation ? 'AssociationId' : 'AllocationId'}`)
  return ips.getPublicIp(ctx.cloud, ctx.region, idOrIp)
}

export const AllocateAddress: Handler = async (ctx, r) => {
  const domain = r.str('Domain') ?? 'vpc'
  if (domain !== 'vpc' && domain !== 'standard') throw new CloudError('InvalidParameterValue', `Invalid value '${domain}' for domain.`)
  const ip = await ips.allocatePublicIp(ctx.cloud, ctx.region, tagSpec(r, 'elastic-ip', ['elastic-ip']))
  return { publicIp: ip.address, allocationId: ip.id, domain: 'vpc', publicIpv4Pool: 'amazon', networkBorderGroup: ctx.region }
}

export const AssociateAddress: Handler = (ctx, r) => {
  const ip = target(ctx, r)
  const instanceId = r.required('InstanceId')
  if (ip.instanceId && ip.instanceId !== instanceId && r.bool('AllowReassociation')) ips.disassociatePublicIp(ctx.cloud, ctx.region, ip.id)
  ips.associatePublicIp(ctx.cloud, ctx.region, ip.id, instanceId)
  return { return: true, associationId: associationId(ip) }
}

export const DisassociateAddress: Handler = (ctx, r) => {
  ips.disassociatePublicIp(ctx.cloud, ctx.region, target(ctx, r, true).id)
  return { return: true }
}

export const ReleaseAddress: Handler = (ctx, r) => {
  ips.releasePublicIp(ctx.cloud, ctx.region, target(ctx, r).id)
  return { return: true }
}

export const DescribeAddresses: Handler = (ctx, r) => {
  const wanted = [...r.list('AllocationId'), ...r.list('PublicIp')]
  let found = ips.publicIpsIn(ctx.cloud, ctx.region)
  if (wanted.length) {
    for (const w of wanted) ips.getPublicIp(ctx.cloud, ctx.region, w)
    found = found.filter((p) => wanted.includes(p.id) || wanted.includes(p.address))
  }
  found = applyFilters(
    found,
    readFilters(r),
    {
      'allocation-id': (p) => p.id,
      'public-ip': (p) => p.address,
      'instance-id': (p) => p.instanceId,
      domain: () => 'vpc',
      'association-id': (p) => (p.instanceId ? associationId(p) : undefined),
      'network-border-group': (p) => p.region,
    },
    (p) => p.tags,
  )
  return { addressesSet: found.map((p) => render(ctx, p)) as never }
}
