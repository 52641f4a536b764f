import { NovaListKeypairsRequest, NovaShowKeypairRequest } from '@huaweicloud/huaweicloud-sdk-ecs'
import { cloudResources, ignoreNotFound, type CloudConnection, type CloudScope, type CredentialsReport, type TaggedResource } from '@tsimg/cloud-kit'
import { BUILD_ID_LABEL, CREATED_AT_LABEL } from '@tsimg/core/plugin'
import { HuaweiApi, field } from './api.js'
import { deleteServer, serversTagged } from './server.js'
import { PLUGIN } from './state.js'
import { findImageByName } from './images.js'
import { deleteKeyPair, findKeyPair } from './key-pairs.js'
import { deleteSecurityGroup, deleteSubnet, deleteVpc, findNet, taggedNet } from './vpc.js'

/** Images tagged with these build ids (IMS lists tags as `key.value`). */
async function imagesTagged(api: HuaweiApi, buildIds: readonly string[] | undefined, signal: AbortSignal): Promise<TaggedResource[]> {
  const res = await api.json('ims', 'ListImages', 'GET', '/v2/cloudimages', { signal }, undefined, { __imagetype: 'private' })
  const out: TaggedResource[] = []
  for (const m of (res.images ?? []) as { id: string; name: string; tags?: string[]; created_at?: string }[]) {
    const tag = (k: string) => m.tags?.find((t) => t.startsWith(`${k}.`))?.slice(k.length + 1)
    const buildId = tag(BUILD_ID_LABEL)
    if (!buildId || (buildIds && !buildIds.includes(buildId))) continue
    const createdAt = tag(CREATED_AT_LABEL) ?? m.created_at
    out.push({ id: m.id, label: `image ${m.id} ${m.name}`, buildId, ...(createdAt && { createdAt }) })
  }
  return out
}

/**
 * Key pairs named after a build (Nova key pairs take no tags). The list has no creation time:
 * each one's detail is read for it, or `--sweep --older-than` would never delete a key pair.
 */
async function keyPairsNamed(api: HuaweiApi, buildIds: readonly string[] | undefined, signal: AbortSignal): Promise<TaggedResource[]> {
  const res = (await api.sdk('NovaListKeypairs', (c) => c.ecs.novaListKeypairs(new NovaListKeypairsRequest()), { signal })) as {
    keypairs?: { keypair?: { name?: string } }[]
  }
  const names = (res.keypairs ?? []).map((k) => k.keypair?.name ?? '').filter((n) => n.startsWith('tsimg'))
  const out: TaggedResource[] = []
  for (const n of names.filter((x) => !buildIds || buildIds.some((b) => x === b || x === `tsimg_${b}`))) {
    const detail = await api
      .sdk('NovaShowKeypair', (c) => c.ecs.novaShowKeypair(new NovaShowKeypairRequest().withKeypairName(n)), { signal })
      .catch(() => undefined)
    // Nova's times are UTC without a zone: 2017-11-07T02:59:34.000000.
    const at = String(field(field(detail, 'keypair'), 'createdAt', 'created_at') ?? '')
    const ms = Date.parse(/Z$|[+-]\d\d:?\d\d$/.test(at) ? at : `${at}Z`)
    out.push({ id: n, label: `key pair ${n}`, buildId: n.replace(/^tsimg_/, ''), ...(Number.isFinite(ms) && { createdAt: new Date(ms).toISOString() }) })
  }
  return out
}

/**
 * huaweicloud-ecs resources for `tsimg cleanup`, in deletion order: the server (with its
 * volumes and bought EIP) before the group, subnet, VPC and key pair it uses. Credentials come
 * from HW_ACCESS_KEY / HW_SECRET_KEY, never from the journal; the project id is the account.
 */
function connect(scope: CloudScope): CloudConnection {
  const api = new HuaweiApi({
    region: scope.region,
    accessKey: process.env.HW_ACCESS_KEY ?? '',
    secretKey: process.env.HW_SECRET_KEY ?? '',
    securityToken: process.env.HW_SECURITY_TOKEN,
    endpoint: scope.endpoint,
  })
  const ready = async <T>(signal: AbortSignal, fn: () => Promise<T>): Promise<T> => {
    await api.projectId(signal)
    return fn()
  }
  return {
    account: (signal) => api.projectId(signal),
    close: () => undefined,
    kinds: [
      {
        kind: 'server',
        list: (ids, signal) => ready(signal, () => serversTagged(api, ids, signal)),
        delete: (id, signal) => ready(signal, () => deleteServer(api, id, signal)),
        // The build's server and the verify machine's carry the same build id: the token says which (step-server.ts).
        find: (token, signal, data) =>
          ready(signal, async () =>
            typeof data?.buildId === 'string'
              ? (await serversTagged(api, [data.buildId], signal)).find((x) => x.verify === token.endsWith('-verify'))?.id
              : undefined,
          ),
      },
      {
        kind: 'image',
        list: (ids, signal) => ready(signal, () => imagesTagged(api, ids, signal)),
        delete: (id, signal) => ready(signal, () => ignoreNotFound(api.json('ims', 'GlanceDeleteImage', 'DELETE', `/v2/images/${id}`, { signal }))),
        find: (_token, signal, data) =>
          ready(signal, () => (typeof data?.name === 'string' ? findImageByName(api, data.name, signal) : Promise.resolve(undefined))),
      },
      {
        kind: 'security-group',
        list: (ids, signal) => ready(signal, () => taggedNet(api, 'security-groups', ids, signal)),
        delete: (id, signal) => ready(signal, () => deleteSecurityGroup(api, id, signal)),
        find: (token, signal) => ready(signal, () => findNet(api, 'security-groups', token, signal)),
      },
      {
        kind: 'subnet',
        list: (ids, signal) => ready(signal, () => taggedNet(api, 'subnets', ids, signal)),
        delete: (id, signal) => ready(signal, () => deleteSubnet(api, id, signal)),
        find: (token, signal) => ready(signal, () => findNet(api, 'subnets', token, signal)),
      },
      {
        kind: 'vpc',
        list: (ids, signal) => ready(signal, () => taggedNet(api, 'vpcs', ids, signal)),
        delete: (id, signal) => ready(signal, () => deleteVpc(api, id, signal)),
        find: (token, signal) => ready(signal, () => findNet(api, 'vpcs', token, signal)),
      },
      {
        kind: 'key-pair',
        list: (ids, signal) => ready(signal, () => keyPairsNamed(api, ids, signal)),
        delete: (name, signal) => ready(signal, () => deleteKeyPair(api, name, signal)),
        find: (token, signal) => ready(signal, () => findKeyPair(api, token, signal)),
      },
    ],
  }
}

/** Cleanup reads HW_ACCESS_KEY / HW_SECRET_KEY (and HW_SECURITY_TOKEN) only: says which is missing. */
async function credentials(): Promise<CredentialsReport> {
  const state = (name: string) => `${name}: ${process.env[name] ? 'set' : 'not set'}`
  const usable = Boolean(process.env.HW_ACCESS_KEY && process.env.HW_SECRET_KEY)
  return {
    usable,
    read: [state('HW_ACCESS_KEY'), state('HW_SECRET_KEY'), `${state('HW_SECURITY_TOKEN')} (only for temporary credentials)`],
    hint: "Set HW_ACCESS_KEY and HW_SECRET_KEY (and HW_SECURITY_TOKEN for temporary credentials) to the build's account, then run tsimg cleanup again.",
  }
}

export const tsimgResources = cloudResources({ id: PLUGIN, cloud: 'Huawei Cloud', connect, credentials })
