import { BUILD_ID_LABEL } from '@tsimg/core/plugin'
import { deleteUntilGone, ignoreNotFound, type PollLimit } from '@tsimg/cloud-kit'
import type { AlicloudApi } from './api.js'
import { Ecs, Vpc } from './sdk.js'

// The describe/find/delete calls of each temporary resource, shared by the steps and by
// `tsimg cleanup` (resources.ts), so both delete the same way.

const byBuild = <T>(Model: new (m: { key: string; value?: string }) => T, buildId: string | undefined): T[] => [
  new Model({ key: BUILD_ID_LABEL, ...(buildId && { value: buildId }) }),
]

export interface AliInstance {
  readonly id: string
  readonly status: string
  readonly privateIp?: string
  readonly publicIp?: string
  readonly eip?: string
}

export async function describeInstance(api: AlicloudApi, region: string, id: string, signal: AbortSignal): Promise<AliInstance | undefined> {
  const res = await api.ecs(
    'DescribeInstances',
    region,
    (c) => c.describeInstances(new Ecs.DescribeInstancesRequest({ regionId: region, instanceIds: JSON.stringify([id]) })),
    { signal },
  )
  const i = res.body?.instances?.instance?.[0]
  if (!i?.instanceId) return undefined
  return {
    id: i.instanceId,
    status: i.status ?? '',
    privateIp: i.vpcAttributes?.privateIpAddress?.ipAddress?.[0] ?? i.innerIpAddress?.ipAddress?.[0],
    publicIp: i.publicIpAddress?.ipAddress?.[0],
    eip: i.eipAddress?.ipAddress || undefined,
  }
}

/** Instances tagged with this build id (every tsimg build when undefined). */
export async function listInstances(api: AlicloudApi, region: string, buildId: string | undefined, signal: AbortSignal) {
  const res = await api.ecs(
    'DescribeInstances',
    region,
    (c) => c.describeInstances(new Ecs.DescribeInstancesRequest({ regionId: region, tag: byBuild(Ecs.DescribeInstancesRequestTag, buildId), pageSize: 100 })),
    { signal },
  )
  return res.body?.instances?.instance ?? []
}

/** Deletes (force: a running instance too) and waits until DescribeInstances no longer shows it. */
export function deleteInstance(api: AlicloudApi, region: string, id: string, signal: AbortSignal, limit?: PollLimit): Promise<void> {
  return deleteUntilGone({
    caller: api.caller,
    region,
    action: 'DeleteInstance',
    resource: `instance ${id} (${region})`,
    signal,
    ...(limit && { limit }),
    send: () => api.ecsClient(region).deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: id, force: true })),
    gone: async (s) => {
      const i = await describeInstance(api, region, id, s)
      return i ? { done: false, state: i.status } : { done: true, value: undefined }
    },
  })
}

export async function findKeyPair(api: AlicloudApi, region: string, name: string, signal: AbortSignal): Promise<string | undefined> {
  const res = await api.ecs('DescribeKeyPairs', region, (c) => c.describeKeyPairs(new Ecs.DescribeKeyPairsRequest({ regionId: region, keyPairName: name })), {
    signal,
  })
  return res.body?.keyPairs?.keyPair?.find((k) => k.keyPairName === name)?.keyPairName
}

export function deleteKeyPair(api: AlicloudApi, region: string, name: string, signal: AbortSignal): Promise<void> {
  return ignoreNotFound(
    api.ecs('DeleteKeyPairs', region, (c) => c.deleteKeyPairs(new Ecs.DeleteKeyPairsRequest({ regionId: region, keyPairNames: JSON.stringify([name]) })), {
      signal,
    }),
  )
}

export async function findVpc(api: AlicloudApi, region: string, buildId: string | undefined, signal: AbortSignal) {
  const res = await api.vpc(
    'DescribeVpcs',
    region,
    (c) => c.describeVpcs(new Vpc.DescribeVpcsRequest({ regionId: region, tag: byBuild(Vpc.DescribeVpcsRequestTag, buildId), pageSize: 50 })),
    { signal },
  )
  return res.body?.vpcs?.vpc ?? []
}

export function deleteVpc(api: AlicloudApi, region: string, id: string, signal: AbortSignal): Promise<void> {
  return deleteUntilGone({
    caller: api.caller,
    region,
    action: 'DeleteVpc',
    resource: `VPC ${id} (${region})`,
    signal,
    send: () => api.vpcClient(region).deleteVpc(new Vpc.DeleteVpcRequest({ regionId: region, vpcId: id })),
  })
}

export async function findVSwitch(api: AlicloudApi, region: string, buildId: string | undefined, signal: AbortSignal) {
  const res = await api.vpc(
    'DescribeVSwitches',
    region,
    (c) => c.describeVSwitches(new Vpc.DescribeVSwitchesRequest({ regionId: region, tag: byBuild(Vpc.DescribeVSwitchesRequestTag, buildId), pageSize: 50 })),
    { signal },
  )
  return res.body?.vSwitches?.vSwitch ?? []
}

export function deleteVSwitch(api: AlicloudApi, region: string, id: string, signal: AbortSignal): Promise<void> {
  return deleteUntilGone({
    caller: api.caller,
    region,
    action: 'DeleteVSwitch',
    resource: `vSwitch ${id} (${region})`,
    signal,
    send: () => api.vpcClient(region).deleteVSwitch(new Vpc.DeleteVSwitchRequest({ regionId: region, vSwitchId: id })),
  })
}

export async function findSecurityGroups(api: AlicloudApi, region: string, buildId: string | undefined, signal: AbortSignal) {
  const res = await api.ecs(
    'DescribeSecurityGroups',
    region,
    (c) =>
      c.describeSecurityGroups(
        new Ecs.DescribeSecurityGroupsRequest({ regionId: region, tag: byBuild(Ecs.DescribeSecurityGroupsRequestTag, buildId), pageSize: 50 }),
      ),
    { signal },
  )
  return res.body?.securityGroups?.securityGroup ?? []
}

export function deleteSecurityGroup(api: AlicloudApi, region: string, id: string, signal: AbortSignal): Promise<void> {
  return deleteUntilGone({
    caller: api.caller,
    region,
    action: 'DeleteSecurityGroup',
    resource: `security group ${id} (${region})`,
    signal,
    send: () => api.ecsClient(region).deleteSecurityGroup(new Ecs.DeleteSecurityGroupRequest({ regionId: region, securityGroupId: id })),
  })
}

export async function findEips(api: AlicloudApi, region: string, buildId: string | undefined, signal: AbortSignal) {
  const res = await api.vpc(
    'DescribeEipAddresses',
    region,
    (c) =>
      c.describeEipAddresses(
        new Vpc.DescribeEipAddressesRequest({ regionId: region, tag: byBuild(Vpc.DescribeEipAddressesRequestTag, buildId), pageSize: 50 }),
      ),
    { signal },
  )
  return res.body?.eipAddresses?.eipAddress ?? []
}

async function eipOf(api: AlicloudApi, region: string, allocationId: string, signal: AbortSignal) {
  const res = await api.vpc(
    'DescribeEipAddresses',
    region,
    (c) => c.describeEipAddresses(new Vpc.DescribeEipAddressesRequest({ regionId: region, allocationId })),
    { signal },
  )
  return res.body?.eipAddresses?.eipAddress?.[0]
}

/** Unassociates the EIP if it is bound, waits until it is free, then releases it. */
export async function releaseEip(api: AlicloudApi, region: string, allocationId: string, signal: AbortSignal): Promise<void> {
  const eip = await eipOf(api, region, allocationId, signal)
  if (!eip) return
  if (eip.instanceId) {
    await deleteUntilGone({
      caller: api.caller,
      region,
      action: 'UnassociateEipAddress',
      resource: `EIP ${allocationId} (${region})`,
      signal,
      send: async (s) => {
        try {
          return await api
            .vpcClient(region)
            .unassociateEipAddress(new Vpc.UnassociateEipAddressRequest({ regionId: region, allocationId, instanceId: eip.instanceId }))
        } catch (err) {
          // A retry after a lost answer meets an EIP already free, which Alibaba answers with
          // IncorrectEipStatus (a conflict, retried until the cleanup runs out): free is done.
          const now = await eipOf(api, region, allocationId, s).catch(() => undefined)
          if (now && !now.instanceId) return undefined
          throw err
        }
      },
      gone: async (s) => {
        const now = await eipOf(api, region, allocationId, s)
        return !now || now.status === 'Available' ? { done: true, value: undefined } : { done: false, ...(now.status && { state: now.status }) }
      },
      limit: { delayMs: 500, attempts: 600, option: 'the cleanup time limit' },
    })
  }
  await deleteUntilGone({
    caller: api.caller,
    region,
    action: 'ReleaseEipAddress',
    resource: `EIP ${allocationId} (${region})`,
    signal,
    send: () => api.vpcClient(region).releaseEipAddress(new Vpc.ReleaseEipAddressRequest({ regionId: region, allocationId })),
  })
}
