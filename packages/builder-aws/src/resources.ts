import {
  DeleteKeyPairCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeKeyPairsCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand,
  type Filter,
} from '@aws-sdk/client-ec2'
import { BUILD_ID_LABEL, type ResourceContext, type ResourcePlugin, type SweptResource } from '@tsimg/core'
import { Ec2Api, isNotFound } from './api.js'
import { deleteImage, deleteSnapshot } from './images.js'
import { deleteSecurityGroup } from './step-security-group.js'
import { terminateInstance } from './step-run-instance.js'

/** Cleanup polls: a terminated instance takes a while; the bound is generous. */
const POLL = { delayMs: 2000, attempts: 300 }

function apiFor(data: Readonly<Record<string, unknown>>): { api: Ec2Api; region: string } {
  const region = String(data.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? '')
  if (!region) throw new Error('journal entry has no region')
  // Credentials come from the environment / default chain at cleanup time, never from the journal.
  const endpoint = typeof data.endpoint === 'string' ? data.endpoint : undefined
  return { api: new Ec2Api(endpoint ? { endpoint } : {}), region }
}

async function deleteOne(api: Ec2Api, region: string, kind: string, id: string, signal: AbortSignal): Promise<void> {
  switch (kind) {
    case 'instance':
      return terminateInstance({ api }, id, region, signal, POLL)
    case 'security-group':
      return deleteSecurityGroup({ api }, id, region, signal)
    case 'key-pair':
      try {
        await api.call(region, (c, x) => c.send(new DeleteKeyPairCommand({ KeyName: id }), x), { signal })
      } catch (err) {
        if (!isNotFound(err)) throw err
      }
      return
    case 'image':
      await deleteImage(api, region, id, signal)
      return
    case 'snapshot':
      return deleteSnapshot(api, region, id, signal)
    default:
      throw new Error(`unknown AWS resource kind: ${kind}`)
  }
}

/**
 * How `tsimg cleanup` deletes what a killed amazon-ebs build left: by journal entry, and by
 * the build-id tag within each recorded region (instances first, so groups and key pairs free up).
 */
export const tsimgResources: ResourcePlugin = {
  async deleteResource(kind, data, ctx) {
    const { api, region } = apiFor(data)
    try {
      await deleteOne(api, region, kind, String(data.id), ctx.signal)
    } finally {
      api.destroy()
    }
  },

  async sweep(scope, buildIds, ctx: ResourceContext): Promise<SweptResource[]> {
    const { api, region } = apiFor(scope)
    const byTag: Filter[] = [{ Name: `tag:${BUILD_ID_LABEL}`, Values: [...buildIds] }]
    const call = <T>(fn: Parameters<typeof api.call<T>>[1]) => api.call(region, fn, { signal: ctx.signal })
    const found: { kind: string; id: string }[] = []

    const reservations = (await call((c, x) => c.send(new DescribeInstancesCommand({ Filters: byTag }), x))).Reservations ?? []
    for (const i of reservations.flatMap((r) => r.Instances ?? [])) {
      if (i.InstanceId && i.State?.Name !== 'terminated') found.push({ kind: 'instance', id: i.InstanceId })
    }
    for (const img of (await call((c, x) => c.send(new DescribeImagesCommand({ Owners: ['self'], Filters: byTag }), x))).Images ?? []) {
      if (img.ImageId) found.push({ kind: 'image', id: img.ImageId })
    }
    for (const s of (await call((c, x) => c.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters: byTag }), x))).Snapshots ?? []) {
      if (s.SnapshotId) found.push({ kind: 'snapshot', id: s.SnapshotId })
    }
    for (const g of (await call((c, x) => c.send(new DescribeSecurityGroupsCommand({ Filters: byTag }), x))).SecurityGroups ?? []) {
      if (g.GroupId) found.push({ kind: 'security-group', id: g.GroupId })
    }
    for (const k of (await call((c, x) => c.send(new DescribeKeyPairsCommand({ Filters: byTag }), x))).KeyPairs ?? []) {
      if (k.KeyName) found.push({ kind: 'key-pair', id: k.KeyName })
    }
    return found.map(({ kind, id }) => ({
      description: `${kind} ${id} (${region}, tagged ${BUILD_ID_LABEL})`,
      delete: () => deleteOne(api, region, kind, id, ctx.signal),
    }))
  },
}
