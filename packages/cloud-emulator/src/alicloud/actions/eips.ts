import { addressesInUse } from '../../backend/docker.js'
import { aliError } from '../errors.js'
import { close, listen, type Eip } from '../eips.js'
import type { Params } from '../params.js'
import type { Handler } from '../server.js'
import type { AliState } from '../state.js'
import { liveInstance } from './instances.js'
import { aliTime, matchesTags, page, renderTags } from './render.js'

/** Reserves a free 127.0.0.N for an EIP and starts forwarding on it (port 22). */
async function allocateAddress(state: AliState, eip: Omit<Eip, 'ipAddress'>): Promise<Eip> {
  const used = await addressesInUse()
  const taken = (a: string): boolean => used.has(a) || state.cloud.addresses.has(a)
  const start = 2 + Math.floor(state.cloud.rng.next() * 253)
  for (let k = 0; k < 253; k++) {
    const ipAddress = `127.0.0.${2 + ((start - 2 + k) % 253)}`
    if (taken(ipAddress)) continue
    state.cloud.addresses.add(ipAddress)
    const full: Eip = { ...eip, ipAddress }
    try {
      await listen(full)
      return full
    } catch {
      state.cloud.addresses.delete(ipAddress)
    }
  }
  throw aliError('QuotaExceeded.Eip', 'Elastic IP address quota exceeded.', 400)
}

function getEip(state: AliState, p: Params): Eip {
  const eip = state.eips.get(p.required('AllocationId'))
  if (!eip) throw aliError('InvalidAllocationId.NotFound', 'Specified allocation ID is not found.', 404)
  return eip
}

/** EIPs, served by ECS 2014-05-26 and VPC 2016-04-28 alike (Packer uses the ECS ones). */
export function eipActions(state: AliState): Record<string, Handler> {
  const tokens = new Map<string, string>()
  return {
    async AllocateEipAddress(p) {
      const region = p.required('RegionId')
      const token = p.str('ClientToken')
      const earlier = token && tokens.get(token)
      if (earlier && state.eips.has(earlier)) {
        const e = state.eips.get(earlier)!
        return { AllocationId: e.allocationId, EipAddress: e.ipAddress, OrderId: 0, ResourceGroupId: '' }
      }
      const eip = await allocateAddress(state, {
        allocationId: `eip-${state.cloud.rng.hex(20)}`, region, bandwidth: p.str('Bandwidth') ?? '5',
        internetChargeType: p.str('InternetChargeType') ?? 'PayByTraffic', allocated: new Date(), status: 'Available',
        tags: new Map(p.tags().map((t) => [t.key, t.value])), sockets: new Set(),
      })
      state.eips.set(eip.allocationId, eip)
      if (token) tokens.set(token, eip.allocationId)
      return { AllocationId: eip.allocationId, EipAddress: eip.ipAddress, OrderId: 0, ResourceGroupId: '' }
    },
    AssociateEipAddress(p) {
      const eip = getEip(state, p)
      const i = liveInstance(state, p.required('InstanceId'))
      if (eip.instanceId === i.id) return {}
      if (eip.instanceId) throw aliError('IncorrectEipStatus', 'The current status of the EIP does not support this operation.', 403)
      if ([...state.eips.values()].some((e) => e.instanceId === i.id)) throw aliError('InvalidAssociation.Duplicated', 'The instance already has an EIP.', 400)
      eip.instanceId = i.id
      eip.target = i.address
      // Alibaba associates asynchronously: Associating, then InUse.
      eip.status = 'Associating'
      setTimeout(() => { if (eip.status === 'Associating') eip.status = 'InUse' }, 300).unref()
      return {}
    },
    UnassociateEipAddress(p) {
      const eip = getEip(state, p)
      if (!eip.instanceId) throw aliError('IncorrectEipStatus', 'The current status of the EIP does not support this operation.', 403)
      eip.status = 'Unassociating'
      eip.instanceId = undefined
      eip.target = undefined
      for (const s of eip.sockets) s.destroy()
      setTimeout(() => { if (eip.status === 'Unassociating') eip.status = 'Available' }, 300).unref()
      return {}
    },
    async ReleaseEipAddress(p) {
      const eip = getEip(state, p)
      if (eip.instanceId || eip.status !== 'Available') throw aliError('IncorrectEipStatus', 'The current status of the EIP does not support this operation.', 403)
      state.eips.delete(eip.allocationId)
      await close(eip)
      state.cloud.addresses.delete(eip.ipAddress)
      return {}
    },
    DescribeEipAddresses(p) {
      const region = p.required('RegionId')
      const all = [...state.eips.values()].filter((e) => e.region === region)
        .filter((e) => (!p.str('AllocationId') || e.allocationId === p.str('AllocationId')) && (!p.str('EipAddress') || e.ipAddress === p.str('EipAddress')))
        .filter((e) => (!p.str('Status') || e.status === p.str('Status')) && (!p.str('AssociatedInstanceId') || e.instanceId === p.str('AssociatedInstanceId')))
        .filter((e) => matchesTags(e.tags, p.tags()))
      const { items, ...paging } = page(all, p.int('PageNumber'), p.int('PageSize') ?? 10)
      return {
        ...paging,
        EipAddresses: {
          EipAddress: items.map((e) => ({
            AllocationId: e.allocationId, IpAddress: e.ipAddress, Status: e.status, InstanceId: e.instanceId ?? '', InstanceType: e.instanceId ? 'EcsInstance' : '',
            Bandwidth: e.bandwidth, InternetChargeType: e.internetChargeType, RegionId: e.region, AllocationTime: aliTime(e.allocated),
            ChargeType: 'PostPaid', Tags: renderTags(e.tags),
          })),
        },
      }
    },
  }
}

/** Closes every EIP's forwarder (emulator shutdown). */
export async function releaseAllEips(state: AliState): Promise<void> {
  for (const eip of state.eips.values()) {
    await close(eip)
    state.cloud.addresses.delete(eip.ipAddress)
  }
  state.eips.clear()
}
