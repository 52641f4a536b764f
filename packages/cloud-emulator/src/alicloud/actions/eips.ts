import * as publicIps from '../../backend/public-ips.js'
import type { PublicIp } from '../../backend/types.js'
import type { Params } from '../params.js'
import type { Handler } from '../server.js'
import type { AliState } from '../state.js'
import { liveInstance } from './instances.js'
import { aliTime, matchesTags, page, renderVpcTags } from './render.js'

/** How long Alibaba shows Associating / Unassociating before InUse / Available (ms). */
const SETTLE_MS = 300

/** Alibaba's EIP status, from the backend's association and when it last changed. */
function eipStatus(state: AliState, ip: PublicIp): string {
  const changed = state.eipChanged.get(ip.id)
  const settling = changed !== undefined && Date.now() - changed < SETTLE_MS
  if (ip.instanceId) return settling ? 'Associating' : 'InUse'
  return settling ? 'Unassociating' : 'Available'
}

/** The backend's public IPs as Alibaba EIPs, served by ECS 2014-05-26 and VPC 2016-04-28 alike. */
export function eipActions(state: AliState): Record<string, Handler> {
  const { cloud } = state
  const tokens = new Map<string, string>()
  const region = (p: Params, id: string): string => p.str('RegionId') ?? cloud.publicIps.get(id)?.region ?? ''
  const answer = (ip: PublicIp): Record<string, unknown> => ({ AllocationId: ip.id, EipAddress: ip.address, OrderId: 0, ResourceGroupId: '' })
  return {
    async AllocateEipAddress(p) {
      const r = p.required('RegionId')
      cloud.region(r, 'alicloud')
      const token = p.str('ClientToken')
      const earlier = token ? cloud.publicIps.get(tokens.get(token) ?? '') : undefined
      if (earlier) return answer(earlier)
      const ip = await publicIps.allocatePublicIp(cloud, r, new Map(p.tags().map((t) => [t.key, t.value])))
      state.eipInfo.set(ip.id, { bandwidth: p.str('Bandwidth') ?? '5', internetChargeType: p.str('InternetChargeType') ?? 'PayByTraffic' })
      if (token) tokens.set(token, ip.id)
      return answer(ip)
    },
    AssociateEipAddress(p) {
      const id = p.required('AllocationId')
      const i = liveInstance(state, p.required('InstanceId'))
      if (cloud.publicIps.get(id)?.instanceId === i.id) return {}
      publicIps.associatePublicIp(cloud, region(p, id), id, i.id)
      state.eipChanged.set(id, Date.now())
      return {}
    },
    UnassociateEipAddress(p) {
      const id = p.required('AllocationId')
      publicIps.disassociatePublicIp(cloud, region(p, id), id)
      state.eipChanged.set(id, Date.now())
      return {}
    },
    ReleaseEipAddress(p) {
      const id = p.required('AllocationId')
      publicIps.releasePublicIp(cloud, region(p, id), id)
      state.eipInfo.delete(id)
      state.eipChanged.delete(id)
      return {}
    },
    DescribeEipAddresses(p) {
      const r = p.required('RegionId')
      const all = publicIps
        .publicIpsIn(cloud, r)
        .filter((e) => (!p.str('AllocationId') || e.id === p.str('AllocationId')) && (!p.str('EipAddress') || e.address === p.str('EipAddress')))
        .filter(
          (e) =>
            (!p.str('Status') || eipStatus(state, e) === p.str('Status')) && (!p.str('AssociatedInstanceId') || e.instanceId === p.str('AssociatedInstanceId')),
        )
        .filter((e) => matchesTags(e.tags, p.tags()))
      const { items, ...paging } = page(all, p.int('PageNumber'), p.int('PageSize') ?? 10)
      return {
        ...paging,
        EipAddresses: {
          EipAddress: items.map((e) => ({
            AllocationId: e.id,
            IpAddress: e.address,
            Status: eipStatus(state, e),
            InstanceId: e.instanceId ?? '',
            InstanceType: e.instanceId ? 'EcsInstance' : '',
            Bandwidth: state.eipInfo.get(e.id)?.bandwidth ?? '5',
            InternetChargeType: state.eipInfo.get(e.id)?.internetChargeType ?? 'PayByTraffic',
            RegionId: e.region,
            AllocationTime: aliTime(e.allocated),
            ChargeType: 'PostPaid',
            Tags: renderVpcTags(e.tags),
          })),
        },
      }
    },
  }
}
