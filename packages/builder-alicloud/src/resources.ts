import { BUILD_ID_LABEL, CREATED_AT_LABEL, KEPT_LABEL } from '@tsimg/core/plugin'
import { cloudResources, type CloudConnection, type CloudKind, type CloudScope, type CredentialsReport, type TaggedResource } from '@tsimg/cloud-kit'
import { AlicloudApi } from './api.js'
import { credentialPlaces, resolveCredentials } from './credentials.js'
import { deleteImageAndSnapshots, deleteSnapshot, ownImages } from './images.js'
import {
  deleteInstance,
  deleteKeyPair,
  deleteSecurityGroup,
  deleteVSwitch,
  deleteVpc,
  findEips,
  findKeyPair,
  findSecurityGroups,
  findVSwitch,
  findVpc,
  listInstances,
  releaseEip,
} from './ops.js'
import { Ecs } from './sdk.js'
import { PLUGIN } from './state.js'
import { isVerifyMachine } from './machine-purpose.js'
import { accountOf } from './env.js'

type Tags = { tag?: { tagKey?: string; tagValue?: string; key?: string; value?: string }[] } | undefined

/** ECS answers tags as TagKey/TagValue, VPC as Key/Value: one reader for both. */
function tagged(id: string, label: string, tags: Tags, apiTime?: string): TaggedResource {
  const t = new Map((tags?.tag ?? []).map((x) => [x.tagKey ?? x.key, x.tagValue ?? x.value]))
  const created = t.get(CREATED_AT_LABEL) ?? apiTime
  const buildId = t.get(BUILD_ID_LABEL)
  return { id, label, ...(buildId && { buildId }), ...(created && { createdAt: created }), kept: t.has(KEPT_LABEL) }
}

const byBuild = <T>(Model: new (m: { key: string; value?: string }) => T, ids: readonly string[] | undefined): T[][] =>
  ids ? ids.map((value) => [new Model({ key: BUILD_ID_LABEL, value })]) : [[new Model({ key: BUILD_ID_LABEL })]]

/** Lists once per build id (Alibaba's tag filter takes one value per key), or once for every tsimg build. */
async function perBuild<T>(ids: readonly string[] | undefined, list: (id: string | undefined) => Promise<T[]>): Promise<T[]> {
  const out: T[] = []
  for (const id of ids ?? [undefined]) out.push(...(await list(id)))
  return out
}

function connect(scope: CloudScope): CloudConnection {
  const { region } = scope
  // Credentials from the environment or the CLI profile at cleanup time, never from the journal.
  let api: AlicloudApi | undefined
  const get = async (): Promise<AlicloudApi> => {
    if (api) return api
    const credentials = await resolveCredentials({ ...(scope.profile && { profile: scope.profile }) })
    if (!credentials) throw new Error('no Alibaba Cloud credentials: set ALICLOUD_ACCESS_KEY / ALICLOUD_SECRET_KEY or a CLI profile')
    return (api = new AlicloudApi({ credentials, ...(scope.endpoint && { endpoint: scope.endpoint }) }))
  }
  /** A network kind of the build (security group, vSwitch, VPC): listed by build id, one per build, so the entry's build id finds it. */
  const networkKind = <R extends { tags?: Tags; creationTime?: string }>(
    kind: string,
    what: string,
    find: (a: AlicloudApi, region: string, buildId: string | undefined, signal: AbortSignal) => Promise<R[]>,
    idOf: (r: R) => string | undefined,
    del: (a: AlicloudApi, region: string, id: string, signal: AbortSignal) => Promise<void>,
  ): CloudKind => ({
    kind,
    list: async (ids, signal) =>
      (await perBuild(ids, (id) => get().then((a) => find(a, region, id, signal)))).map((r) => tagged(idOf(r)!, `${what} ${idOf(r)}`, r.tags, r.creationTime)),
    delete: async (id, signal) => del(await get(), region, id, signal),
    find: async (_t, signal, data) => {
      if (typeof data?.buildId !== 'string') return undefined
      const first = (await find(await get(), region, data.buildId, signal))[0]
      return first && idOf(first)
    },
  })
  return {
    account: async (signal) => accountOf(await get(), region, signal),
    close: () => undefined,
    kinds: [
      {
        kind: 'eip',
        list: async (ids, signal) =>
          (await perBuild(ids, (id) => get().then((a) => findEips(a, region, id, signal)))).map((e) =>
            tagged(e.allocationId!, `EIP ${e.allocationId} ${e.ipAddress ?? ''}`.trim(), e.tags, e.allocationTime),
          ),
        delete: async (id, signal) => releaseEip(await get(), region, id, signal),
        // The build's EIP and the verify machine's carry the same build id: the token says which (step-public-ip.ts).
        find: async (token, signal, data) =>
          typeof data?.buildId === 'string'
            ? (await findEips(await get(), region, data.buildId, signal)).find((e) => isVerifyMachine(e.tags) === token.endsWith('-verify-eip'))?.allocationId
            : undefined,
      },
      {
        kind: 'instance',
        list: async (ids, signal) =>
          (await perBuild(ids, (id) => get().then((a) => listInstances(a, region, id, signal)))).map((i) =>
            tagged(i.instanceId!, `instance ${i.instanceId}`, i.tags, i.creationTime),
          ),
        delete: async (id, signal) => deleteInstance(await get(), region, id, signal),
        // The build's instance and the verify machine's carry the same build id: the token says which (step-instance.ts).
        find: async (token, signal, data) =>
          typeof data?.buildId === 'string'
            ? (await listInstances(await get(), region, data.buildId, signal)).find(
                (i) => i.status !== 'Deleted' && isVerifyMachine(i.tags) === token.endsWith('-verify'),
              )?.instanceId
            : undefined,
      },
      {
        kind: 'image',
        list: async (ids, signal) => {
          const a = await get()
          const res = await Promise.all(byBuild(Ecs.DescribeImagesRequestTag, ids).map((tag) => ownImages(a, region, { tag }, signal)))
          return res.flat().map((m) => tagged(m.imageId!, `image ${m.imageId} ${m.imageName ?? ''}`.trim(), m.tags, m.creationTime))
        },
        delete: async (id, signal) => deleteImageAndSnapshots(await get(), region, id, [], signal),
        find: async (_t, signal, data) => {
          if (typeof data?.name !== 'string') return undefined
          const named = await ownImages(await get(), region, { imageName: data.name, status: 'Creating,Waiting,Available' }, signal)
          return named.find((m) => m.tags?.tag?.some((t) => t.tagKey === BUILD_ID_LABEL && t.tagValue === data.buildId))?.imageId
        },
      },
      {
        kind: 'snapshot',
        list: async (ids, signal) => {
          const a = await get()
          const res = await Promise.all(
            byBuild(Ecs.DescribeSnapshotsRequestTag, ids).map((tag) =>
              a.ecs('DescribeSnapshots', region, (c) => c.describeSnapshots(new Ecs.DescribeSnapshotsRequest({ regionId: region, tag, pageSize: 100 })), {
                signal,
              }),
            ),
          )
          return res.flatMap((r) => r.body?.snapshots?.snapshot ?? []).map((s) => tagged(s.snapshotId!, `snapshot ${s.snapshotId}`, s.tags, s.creationTime))
        },
        delete: async (id, signal) => deleteSnapshot(await get(), region, id, signal),
      },
      // In deletion order, as all kinds here: the security group and the vSwitch before their VPC.
      networkKind('security-group', 'security group', findSecurityGroups, (g) => g.securityGroupId, deleteSecurityGroup),
      networkKind('vswitch', 'vSwitch', findVSwitch, (s) => s.vSwitchId, deleteVSwitch),
      networkKind('vpc', 'VPC', findVpc, (v) => v.vpcId, deleteVpc),
      {
        kind: 'key-pair',
        list: async (ids, signal) => {
          const a = await get()
          const res = await Promise.all(
            byBuild(Ecs.DescribeKeyPairsRequestTag, ids).map((tag) =>
              a.ecs('DescribeKeyPairs', region, (c) => c.describeKeyPairs(new Ecs.DescribeKeyPairsRequest({ regionId: region, tag, pageSize: 50 })), {
                signal,
              }),
            ),
          )
          return res.flatMap((r) => r.body?.keyPairs?.keyPair ?? []).map((k) => tagged(k.keyPairName!, `key pair ${k.keyPairName}`, k.tags, k.creationTime))
        },
        delete: async (name, signal) => deleteKeyPair(await get(), region, name, signal),
        find: async (token, signal) => findKeyPair(await get(), region, token, signal),
      },
    ],
  }
}

/**
 * How `tsimg cleanup` deletes what a killed alicloud-ecs build left: by journal entry (pending
 * creates found by the build-id tag or name), by tag within each recorded region, and
 * everything tsimg tagged with `tsimg cleanup --sweep`; only with credentials of the same account.
 */
/** What cleanup reads (never the journal): ALICLOUD_ACCESS_KEY / ALICLOUD_SECRET_KEY, then a CLI profile. */
async function credentials(scope: CloudScope): Promise<CredentialsReport> {
  const input = { ...(scope.profile && { profile: scope.profile }) }
  const found = await resolveCredentials(input)
  return {
    usable: Boolean(found),
    read: await credentialPlaces(input),
    hint: "Set ALICLOUD_ACCESS_KEY and ALICLOUD_SECRET_KEY (and ALICLOUD_SECURITY_TOKEN for temporary keys), or ALICLOUD_PROFILE to a profile of the Alibaba Cloud CLI, for the build's account; then run tsimg cleanup again.",
  }
}

export const tsimgResources = cloudResources({ id: PLUGIN, cloud: 'Alibaba Cloud', connect, credentials })
