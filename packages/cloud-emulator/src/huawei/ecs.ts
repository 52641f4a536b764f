import { unknownVolumeType } from '../backend/catalog.js'
import { notFound } from '../backend/errors.js'
import { getImage } from '../backend/images.js'
import * as inst from '../backend/instances.js'
import { startJob } from '../backend/jobs.js'
import { getSubnet } from '../backend/network.js'
import { allocatePublicIp, associatePublicIp, getPublicIp, publicIpOf, releasePublicIp } from '../backend/public-ips.js'
import type { Instance, JobProgress } from '../backend/types.js'
import { attrs } from './attributes.js'
import { flavorSize, renderInterfaces, renderServer } from './ecs-render.js'
import { HuaweiError } from './errors.js'
import { type HuaweiContext, type Route } from './routes.js'
import { applyTagAction, listTags } from './tags.js'

interface ServerSpec {
  name?: string
  imageRef?: string
  flavorRef?: string
  vpcid?: string
  nics?: { subnet_id?: string }[]
  root_volume?: { volumetype?: string; size?: number }
  data_volumes?: { volumetype?: string; size?: number }[]
  key_name?: string
  user_data?: string
  adminPass?: string
  availability_zone?: string
  security_groups?: { id?: string }[]
  publicip?: { id?: string; eip?: { iptype?: string; bandwidth?: { size?: number } }; delete_on_termination?: boolean }
  metadata?: Record<string, string>
  server_tags?: { key?: string; value?: string }[]
  count?: number
  description?: string
}

const bad = (message: string): HuaweiError => new HuaweiError('ecs', 'Ecs.0005', message, 400)

/** A live server of the project's region (a deleted one is gone: 404 Ecs.0114, as ECS answers). */
function serverOf(ctx: HuaweiContext, id: string): Instance {
  const i = ctx.cloud.instances.get(id)
  if (!i || i.region !== ctx.region || i.state === 'terminated') throw notFound('instance', id, `Instance[${id}] could not be found.`)
  return i
}

/** A job that succeeds once every server is in `state`, and fails if one ends elsewhere. */
function watchServers(ctx: HuaweiContext, ids: readonly string[], want: Instance['state'], gone: Instance['state'][]): () => JobProgress {
  return () => {
    const servers = ids.map((id) => ctx.cloud.instances.get(id))
    const failed = servers.find((i) => !i || (gone.includes(i.state) && i.state !== want))
    if (failed)
      return { state: 'fail', code: 'Ecs.0000', message: failed?.stateReason?.message ?? `server ${failed?.id ?? ''} ended ${failed?.state ?? 'missing'}` }
    return servers.every((i) => i!.state === want) ? { state: 'success', entities: { server_ids: ids.join(',') } } : { state: 'running' }
  }
}

/**
 * CreatePostPaidServers: validate everything before anything exists (so a refused call leaves
 * nothing), run the containers, bind or buy the EIP, and answer a job that succeeds when the
 * servers are ACTIVE. A repeated X-Client-Token gets the first call's job and servers.
 */
async function createServers(ctx: HuaweiContext, body: Record<string, any>, clientToken: string | undefined): Promise<unknown> {
  const s = (body.server ?? {}) as ServerSpec
  if (!s.name) throw bad('server.name is required.')
  if (!s.imageRef) throw bad('server.imageRef is required.')
  if (!s.flavorRef) throw bad('server.flavorRef is required.')
  if (!s.vpcid) throw bad('server.vpcid is required.')
  const subnetId = s.nics?.[0]?.subnet_id
  if (!subnetId) throw bad('server.nics[0].subnet_id is required.')
  const subnet = getSubnet(ctx.cloud, ctx.region, subnetId)
  if (subnet.vpcId !== s.vpcid) throw bad(`The subnet ${subnetId} does not belong to the VPC ${s.vpcid}.`)
  if (s.availability_zone && !ctx.cloud.region(ctx.region).zones.includes(s.availability_zone)) throw bad(`availability_zone=${s.availability_zone} not exist`)
  inst.checkInstanceType(ctx.cloud, ctx.region, s.flavorRef)
  for (const [field, type] of [
    ['root_volume.volumetype', s.root_volume?.volumetype],
    ...(s.data_volumes ?? []).map((d, n) => [`data_volumes[${n}].volumetype`, d.volumetype]),
  ]) {
    const unknown = type === undefined ? undefined : unknownVolumeType(ctx.cloud.profileOf(ctx.region), type)
    if (unknown) throw bad(`Invalid ${field}: ${unknown}.`)
  }
  const image = getImage(ctx.cloud, ctx.region, s.imageRef)
  if (s.publicip?.id) {
    const ip = getPublicIp(ctx.cloud, ctx.region, s.publicip.id)
    if (ip.instanceId) throw bad(`The EIP ${ip.address} is already bound.`)
  }
  const earlier = clientToken ? inst.instancesIn(ctx.cloud, ctx.region).filter((i) => i.clientToken === clientToken) : []
  if (earlier.length) return { job_id: String(attrs(ctx.cloud, earlier[0]!.id).jobId), serverIds: earlier.map((i) => i.id) }
  const count = s.count ?? 1
  const tags = new Map((s.server_tags ?? []).map((t) => [t.key ?? '', t.value ?? '']))
  const devices = [
    { deviceName: image.rootDeviceName, volumeSize: s.root_volume?.size, volumeType: s.root_volume?.volumetype ?? 'SSD', deleteOnTermination: true },
    ...(s.data_volumes ?? []).map((d, n) => ({
      deviceName: `/dev/vd${String.fromCharCode(98 + n)}`,
      volumeSize: d.size ?? 10,
      volumeType: d.volumetype ?? 'SSD',
      deleteOnTermination: true,
    })),
  ]
  const servers = inst.runInstances(ctx.cloud, ctx.region, {
    imageId: image.id,
    instanceType: s.flavorRef,
    keyName: s.key_name,
    subnetId,
    zone: s.availability_zone ?? subnet.zone,
    securityGroupIds: (s.security_groups ?? []).map((g) => g.id ?? ''),
    userData: s.user_data ? Buffer.from(s.user_data, 'base64') : undefined,
    instanceTags: tags,
    volumeTags: tags,
    blockDevices: devices,
    minCount: count,
    maxCount: count,
    clientToken,
    associatePublicIp: false,
  })
  const ids = servers.map((i) => i.id)
  const job = startJob(ctx.cloud, ctx.region, 'createServer', watchServers(ctx, ids, 'running', ['terminated', 'shutting-down']), { server_ids: ids.join(',') })
  for (const [n, i] of servers.entries()) {
    Object.assign(attrs(ctx.cloud, i.id), {
      name: count > 1 ? `${s.name}-${String(n + 1).padStart(4, '0')}` : s.name,
      description: s.description,
      metadata: s.metadata,
      jobId: job.id,
    })
    if (s.publicip?.id) associatePublicIp(ctx.cloud, ctx.region, s.publicip.id, i.id)
    else if (s.publicip?.eip) {
      const ip = await allocatePublicIp(ctx.cloud, ctx.region, tags)
      associatePublicIp(ctx.cloud, ctx.region, ip.id, i.id)
      Object.assign(attrs(ctx.cloud, ip.id), { deleteWithServer: s.publicip.delete_on_termination ?? true, bandwidthSize: s.publicip.eip.bandwidth?.size })
    }
  }
  return { job_id: job.id, serverIds: ids }
}

function serverIds(body: { servers?: { id?: string }[] } | undefined): string[] {
  const ids = (body?.servers ?? []).map((x) => x.id ?? '')
  if (!ids.length || ids.some((id) => !id)) throw bad('servers must list at least one {"id"}.')
  return ids
}

/** os-stop / os-start / reboot: one batch action path, told apart by the body's key. */
function batchAction(ctx: HuaweiContext, body: Record<string, any>): unknown {
  if (body['os-stop']) {
    const ids = serverIds(body['os-stop'])
    ids.forEach((id) => serverOf(ctx, id))
    inst.stopInstances(ctx.cloud, ctx.region, ids)
    return { job_id: startJob(ctx.cloud, ctx.region, 'batchStopServer', watchServers(ctx, ids, 'stopped', ['terminated']), { server_ids: ids.join(',') }).id }
  }
  if (body['os-start']) {
    const ids = serverIds(body['os-start'])
    ids.forEach((id) => serverOf(ctx, id))
    inst.startInstances(ctx.cloud, ctx.region, ids)
    return { job_id: startJob(ctx.cloud, ctx.region, 'batchStartServer', watchServers(ctx, ids, 'running', ['terminated']), { server_ids: ids.join(',') }).id }
  }
  throw bad('The action must be os-stop or os-start.')
}

/**
 * DeleteServers: terminate, then (delete_publicip) release the EIPs bound to them. The system
 * disk always goes; data disks only with delete_volume (default false), else they stay available.
 */
function deleteServers(ctx: HuaweiContext, body: Record<string, any>): unknown {
  const ids = serverIds(body)
  const servers = ids.map((id) => serverOf(ctx, id))
  const eips = body.delete_publicip ? servers.map((i) => publicIpOf(ctx.cloud, i)).filter((ip) => ip !== undefined) : []
  if (body.delete_volume !== true)
    for (const i of servers) i.devices.forEach((d, n) => d.deviceName !== i.rootDeviceName && (i.devices[n] = { ...d, deleteOnTermination: false }))
  inst.terminateInstances(ctx.cloud, ctx.region, ids)
  const watch = watchServers(ctx, ids, 'terminated', [])
  return {
    job_id: startJob(
      ctx.cloud,
      ctx.region,
      'deleteServer',
      () => {
        const progress = watch()
        if (progress.state === 'success')
          for (const ip of eips)
            if (ctx.cloud.publicIps.has(ip.id)) {
              ip.instanceId = undefined
              releasePublicIp(ctx.cloud, ctx.region, ip.id)
            }
        return progress
      },
      { server_ids: ids.join(',') },
    ).id,
  }
}

function matches(ctx: HuaweiContext, i: Instance, query: URLSearchParams): boolean {
  if (i.state === 'terminated') return false
  const name = query.get('name')
  if (name && !String(attrs(ctx.cloud, i.id).name ?? '').includes(name)) return false
  const tags = query.get('tags')
  if (tags)
    for (const t of tags.split(',')) {
      const [k, v] = t.split('=')
      if (!i.tags.has(k!) || (v !== undefined && i.tags.get(k!) !== v)) return false
    }
  return true
}

/** A flavor of the catalog (profile.instanceTypes: backend/catalog.ts, extended by the user) as ListFlavors shows it. */
function renderFlavor(name: string): Record<string, unknown> {
  const { vcpus, ramMb } = flavorSize(name)
  return {
    id: name,
    name,
    vcpus: String(vcpus),
    ram: ramMb,
    disk: '0',
    swap: '',
    links: [],
    'OS-FLV-EXT-DATA:ephemeral': 0,
    rxtx_factor: 1,
    'os-flavor-access:is_public': true,
    os_extra_specs: { 'ecs:performancetype': name.startsWith('c') ? 'computingv3' : 'normal', 'cond:operation:status': 'normal' },
  }
}

/** ECS v1: flavors, servers, their jobs' inputs, interfaces and tags. */
export const ecsRoutes: Route[] = [
  {
    method: 'GET',
    path: '/v1/{project_id}/cloudservers/flavors',
    action: 'ListFlavors',
    service: 'ecs',
    handler: (ctx, { query }) => {
      const zone = query.get('availability_zone')
      if (zone && !ctx.cloud.region(ctx.region).zones.includes(zone)) throw bad(`availability_zone=${zone} not exist`)
      return { flavors: (ctx.cloud.profileOf(ctx.region).instanceTypes ?? []).map(renderFlavor) }
    },
  },
  {
    method: 'POST',
    path: '/v1/{project_id}/cloudservers',
    action: 'CreatePostPaidServers',
    service: 'ecs',
    handler: (ctx, { body, headers }) => createServers(ctx, body, typeof headers['x-client-token'] === 'string' ? headers['x-client-token'] : undefined),
  },
  {
    method: 'GET',
    path: '/v1/{project_id}/cloudservers/detail',
    action: 'ListServersDetails',
    service: 'ecs',
    handler: (ctx, { query }) => {
      const all = inst.instancesIn(ctx.cloud, ctx.region).filter((i) => matches(ctx, i, query))
      const offset = Number(query.get('offset') ?? 1) - 1
      const limit = Number(query.get('limit') ?? 1000)
      return { count: all.length, servers: all.slice(Math.max(0, offset) * limit, Math.max(0, offset) * limit + limit).map((i) => renderServer(ctx.cloud, i)) }
    },
  },
  {
    method: 'GET',
    path: '/v1/{project_id}/cloudservers/{server_id}',
    action: 'ShowServer',
    service: 'ecs',
    handler: (ctx, { params }) => ({ server: renderServer(ctx.cloud, serverOf(ctx, params.server_id!)) }),
  },
  {
    method: 'GET',
    path: '/v1/{project_id}/cloudservers/{server_id}/os-interface',
    action: 'ListServerInterfaces',
    service: 'ecs',
    handler: (ctx, { params }) => ({ interfaceAttachments: renderInterfaces(ctx.cloud, serverOf(ctx, params.server_id!)) }),
  },
  {
    method: 'POST',
    path: '/v1/{project_id}/cloudservers/action',
    action: 'BatchServerAction',
    service: 'ecs',
    handler: (ctx, { body }) => batchAction(ctx, body),
  },
  {
    method: 'POST',
    path: '/v1/{project_id}/cloudservers/delete',
    action: 'DeleteServers',
    service: 'ecs',
    handler: (ctx, { body }) => deleteServers(ctx, body),
  },
  {
    method: 'POST',
    path: '/v1/{project_id}/cloudservers/{server_id}/tags/action',
    action: 'BatchCreateServerTags',
    service: 'ecs',
    handler: (ctx, { params, body }) => applyTagAction(ctx, serverOf(ctx, params.server_id!).id, body, bad),
  },
  {
    method: 'GET',
    path: '/v1/{project_id}/cloudservers/{server_id}/tags',
    action: 'ShowServerTags',
    service: 'ecs',
    handler: (ctx, { params }) => listTags(ctx, serverOf(ctx, params.server_id!).id),
  },
]
