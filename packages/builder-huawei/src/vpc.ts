import * as vpc from '@huaweicloud/huaweicloud-sdk-vpc'
import { BUILD_ID_LABEL, CREATED_AT_LABEL, type BuildInfo } from '@tsimg/core/plugin'
import { ignoreNotFound, type PollLimit, type TaggedResource } from '@tsimg/cloud-kit'
import { field, type HuaweiApi } from './api.js'
import { tagList } from './env.js'

/** The VPC resources tsimg makes, with their v2.0 tag path and how the SDK lists them. */
export type NetKind = 'vpcs' | 'subnets' | 'security-groups'

/** The SDK's name of a kind in its tag operations (BatchCreateVpcTags, ShowSecurityGroupTags). */
const TAG_NAME: Record<NetKind, string> = { vpcs: 'Vpc', subnets: 'Subnet', 'security-groups': 'SecurityGroup' }

/** Tags a VPC, subnet or group with the build id (VPC v1 creates take no tags); a new id's 404 is retried. */
export async function tagNet(api: HuaweiApi, kind: NetKind, id: string, build: Pick<BuildInfo, 'id'>, signal: AbortSignal): Promise<void> {
  await api.json(
    'eip',
    `BatchCreate${TAG_NAME[kind]}Tags`,
    'POST',
    `/v2.0/${api.pid}/${kind}/${id}/tags/action`,
    { signal, retry: ['not-found'], budget: { attempts: 6 } },
    { action: 'create', tags: tagList(build) },
  )
}

/** Lists a kind's resources as `{ id, name, vpc_id }`. */
async function listNet(api: HuaweiApi, kind: NetKind, signal: AbortSignal, vpcId?: string): Promise<{ id: string; name: string; vpc_id?: string }[]> {
  const res =
    kind === 'vpcs'
      ? await api.sdk('ListVpcs', (c) => c.vpc.listVpcs(new vpc.ListVpcsRequest()), { signal })
      : kind === 'subnets'
        ? await api.sdk('ListSubnets', (c) => c.vpc.listSubnets(vpcId ? new vpc.ListSubnetsRequest().withVpcId(vpcId) : new vpc.ListSubnetsRequest()), {
            signal,
          })
        : await api.sdk(
            'ListSecurityGroups',
            (c) => c.vpc.listSecurityGroups(vpcId ? new vpc.ListSecurityGroupsRequest().withVpcId(vpcId) : new vpc.ListSecurityGroupsRequest()),
            { signal },
          )
  const items = (field(res, kind === 'vpcs' ? 'vpcs' : kind === 'subnets' ? 'subnets' : 'security_groups', 'securityGroups') ?? []) as object[]
  return items.map((i) => ({
    id: String(field(i, 'id')),
    name: String(field(i, 'name') ?? ''),
    ...(field(i, 'vpc_id', 'vpcId') && { vpc_id: String(field(i, 'vpc_id', 'vpcId')) }),
  }))
}

/** The id of the resource of this kind and name (what a create with a lost answer made). */
export async function findNet(api: HuaweiApi, kind: NetKind, name: string, signal: AbortSignal, vpcId?: string): Promise<string | undefined> {
  return (await listNet(api, kind, signal, vpcId)).find((r) => r.name === name)?.id
}

/**
 * Temporary VPC resources for `tsimg cleanup`: their names are the build id (VPC v1 lists carry
 * no tags), and the v2.0 tags say which build and when.
 */
export async function taggedNet(api: HuaweiApi, kind: NetKind, buildIds: readonly string[] | undefined, signal: AbortSignal): Promise<TaggedResource[]> {
  const out: TaggedResource[] = []
  for (const r of await listNet(api, kind, signal)) {
    if (!r.name.startsWith('tsimg')) continue
    const res = await api.json('eip', `Show${TAG_NAME[kind]}Tags`, 'GET', `/v2.0/${api.pid}/${kind}/${r.id}/tags`, { signal }).catch(() => ({ tags: [] }))
    const tags = new Map(((res.tags ?? []) as { key: string; value: string }[]).map((t) => [t.key, t.value]))
    const buildId = tags.get(BUILD_ID_LABEL)
    if (!buildId || (buildIds && !buildIds.includes(buildId))) continue
    const createdAt = tags.get(CREATED_AT_LABEL)
    out.push({ id: r.id, label: `${kind.replace(/s$/, '')} ${r.id} ${r.name}`, buildId, ...(createdAt && { createdAt }) })
  }
  return out
}

/** Deletes a subnet (its VPC read from the subnet) and waits until it is gone, so the VPC can go. */
export async function deleteSubnet(api: HuaweiApi, id: string, signal: AbortSignal, limit?: PollLimit): Promise<void> {
  let vpcId: string
  try {
    const s = await api.sdk('ShowSubnet', (c) => c.vpc.showSubnet(new vpc.ShowSubnetRequest().withSubnetId(id)), { signal })
    vpcId = String(field(field(s, 'subnet'), 'vpc_id', 'vpcId'))
  } catch (err) {
    return ignoreNotFound(Promise.reject(err))
  }
  await api.deleteUntilGone({
    action: 'DeleteSubnet',
    resource: `subnet ${id}`,
    signal,
    ...(limit && { limit }),
    send: () => api.once('DeleteSubnet', (c) => c.vpc.deleteSubnet(new vpc.DeleteSubnetRequest().withVpcId(vpcId).withSubnetId(id))),
    gone: async (s) => {
      await api.sdk('ShowSubnet', (c) => c.vpc.showSubnet(new vpc.ShowSubnetRequest().withSubnetId(id)), { signal: s })
      return { done: false, state: 'deleting' }
    },
  })
}

/** Deletes a VPC; a subnet or group still in it (409) is retried within the dependency budget. */
export function deleteVpc(api: HuaweiApi, id: string, signal: AbortSignal): Promise<void> {
  return api.deleteUntilGone({
    action: 'DeleteVpc',
    resource: `VPC ${id}`,
    signal,
    send: () => api.once('DeleteVpc', (c) => c.vpc.deleteVpc(new vpc.DeleteVpcRequest().withVpcId(id))),
  })
}

/** Deletes a security group; "in use" (the server's port still going) is retried. */
export function deleteSecurityGroup(api: HuaweiApi, id: string, signal: AbortSignal): Promise<void> {
  return api.deleteUntilGone({
    action: 'DeleteSecurityGroup',
    resource: `security group ${id}`,
    signal,
    send: () => api.once('DeleteSecurityGroup', (c) => c.vpc.deleteSecurityGroup(new vpc.DeleteSecurityGroupRequest().withSecurityGroupId(id))),
  })
}
