import { createImage, deregisterImage, getImage, imagesIn, launchable } from '../backend/images.js'
import { startJob } from '../backend/jobs.js'
import type { Image } from '../backend/types.js'
import { HuaweiError } from './errors.js'
import { answer, type HuaweiContext, type Route } from './routes.js'
import { applyTagAction, listTags } from './tags.js'

const STATUS: Record<Image['state'], string> = { pending: 'saving', available: 'active', failed: 'killed' }
const bad = (message: string): HuaweiError => new HuaweiError('ecs', 'IMG.0001', message, 400)

/** An image as IMS lists it (GET /v2/cloudimages) and Glance shows it (GET /v2/images/{id}). */
function renderImage(ctx: HuaweiContext, m: Image): Record<string, unknown> {
  const own = m.ownerId === ctx.cloud.accountId && !m.seed
  const size = m.devices[0]?.volumeSize ?? 40
  return {
    id: m.id,
    name: m.name,
    status: STATUS[m.state],
    visibility: own ? 'private' : 'public',
    __imagetype: own ? 'private' : 'gold',
    __os_type: 'Linux',
    __os_version: m.catalog?.osName ?? 'Debian GNU/Linux 12.0.0 64bit',
    __platform: m.catalog?.platform ?? 'Debian',
    __os_bit: '64',
    __support_kvm: 'true',
    disk_format: 'zvhd2',
    container_format: 'bare',
    min_disk: size,
    min_ram: 0,
    size: 0,
    protected: !own,
    owner: own ? ctx.projectId : '',
    description: m.description ?? '',
    __description: m.description ?? '',
    created_at: m.created.toISOString().replace(/\.\d+Z$/, 'Z'),
    updated_at: m.created.toISOString().replace(/\.\d+Z$/, 'Z'),
    tags: [...m.tags].map(([k, v]) => `${k}.${v}`),
    __image_source_type: 'uds',
    __isregistered: 'true',
    __root_origin: own ? null : 'file',
    self: `/v2/images/${m.id}`,
    file: `/v2/images/${m.id}/file`,
    schema: '/v2/schemas/image',
  }
}

function visible(ctx: HuaweiContext): Image[] {
  return imagesIn(ctx.cloud, ctx.region).filter((m) => launchable(ctx.cloud, m) || m.ownerId === ctx.cloud.accountId)
}

function imageOf(ctx: HuaweiContext, id: string): Image {
  const m = visible(ctx).find((x) => x.id === id)
  if (!m) throw new HuaweiError('ecs', 'IMG.0027', `Image [${id}] is not found.`, 404)
  return m
}

/** IMS image name rule: 1-128 characters, letters (any script), digits, spaces, -, _ and '.'. */
const NAME = /^[\p{L}\p{N} ._-]{1,128}$/u

/**
 * IMS: create a private image from a server (a job whose entities name the image), list and
 * show images, delete, members, tags. The IMS paths carry no project id: X-Project-Id names it.
 */
export const imsRoutes: Route[] = [
  {
    method: 'POST',
    path: '/v2/cloudimages/action',
    action: 'CreateImage',
    service: 'ims',
    handler: (ctx, { body }) => {
      if (!body.instance_id) throw bad('instance_id is required (only images from servers are supported).')
      if (typeof body.name !== 'string' || !NAME.test(body.name)) throw bad(`Invalid image name '${String(body.name ?? '')}'.`)
      if (visible(ctx).some((m) => m.name === body.name && m.ownerId === ctx.cloud.accountId && !m.seed))
        throw new HuaweiError('ecs', 'IMG.0013', `An image named ${body.name} already exists.`, 400)
      const tags = new Map(((body.image_tags ?? []) as { key?: string; value?: string }[]).map((t) => [t.key ?? '', t.value ?? '']))
      // The backend checks names by its neutral rule; IMS allows spaces, so register under a safe name, then rename.
      const image = createImage(ctx.cloud, ctx.region, {
        instanceId: String(body.instance_id),
        name: `tsimg-ims-${Date.now()}-${Math.floor(Math.random() * 1e6)}`,
        description: body.description,
        imageTags: tags,
      })
      ;(image as { name: string }).name = body.name
      const job = startJob(
        ctx.cloud,
        ctx.region,
        'createImage',
        () => {
          const m = ctx.cloud.images.get(image.id)
          if (!m) return { state: 'fail', code: 'IMG.0027', message: `The image ${image.id} was deleted while it was being made.` }
          if (m.state === 'available') return { state: 'success', entities: { image_id: m.id } }
          if (m.state === 'failed') return { state: 'fail', code: 'IMG.0002', message: m.stateReason ?? 'The image could not be made.' }
          return { state: 'running' }
        },
        { image_id: image.id, image_name: body.name },
      )
      return { job_id: job.id }
    },
  },
  {
    method: 'GET',
    path: '/v2/cloudimages',
    action: 'ListImages',
    service: 'ims',
    handler: (ctx, { query }) => {
      const want = (k: string): string | null => query.get(k)
      const images = visible(ctx).filter((m) => {
        const r = renderImage(ctx, m)
        return (
          (['id', 'name', 'status', 'visibility', '__imagetype', '__platform', '__os_type', '__os_version', 'owner'] as const).every(
            (k) => !want(k) || r[k] === want(k),
          ) &&
          (!want('tag') || (r.tags as string[]).includes(want('tag')!))
        )
      })
      images.sort((a, b) => b.created.getTime() - a.created.getTime())
      return { images: images.slice(0, Number(want('limit') ?? 500)).map((m) => renderImage(ctx, m)) }
    },
  },
  {
    method: 'GET',
    path: '/v2/images/{image_id}',
    action: 'GlanceShowImage',
    service: 'ims',
    handler: (ctx, { params }) => renderImage(ctx, imageOf(ctx, params.image_id!)),
  },
  {
    method: 'DELETE',
    path: '/v2/images/{image_id}',
    action: 'GlanceDeleteImage',
    service: 'ims',
    handler: async (ctx, { params }) => {
      const m = imageOf(ctx, params.image_id!)
      if (m.seed || m.ownerId !== ctx.cloud.accountId) throw new HuaweiError('ecs', 'IMG.0013', 'Public images cannot be deleted.', 403)
      await deregisterImage(ctx.cloud, ctx.region, m.id, true)
      return answer(204)
    },
  },
  {
    method: 'POST',
    path: '/v1/cloudimages/members',
    action: 'BatchAddMembers',
    service: 'ims',
    handler: (ctx, { body }) => {
      const images = (body.images ?? []) as string[]
      const projects = (body.projects ?? []) as string[]
      if (!images.length || !projects.length) throw bad('images and projects are required.')
      for (const id of images) getImage(ctx.cloud, ctx.region, imageOf(ctx, id).id)
      for (const p of projects) if (!/^[0-9a-f]{32}$/.test(p)) throw bad(`Invalid project id '${p}'.`)
      const members = images.map((id) => ({ id, projects }))
      return {
        job_id: startJob(ctx.cloud, ctx.region, 'batchAddMembers', () => {
          for (const { id, projects: ps } of members) {
            const m = ctx.cloud.images.get(id)
            for (const p of ps) m?.launchUsers.add(p)
          }
          return { state: 'success' }
        }).id,
      }
    },
  },
  {
    method: 'POST',
    path: '/v2/{project_id}/images/{image_id}/tags/action',
    action: 'BatchAddOrDeleteTags',
    service: 'ims',
    handler: (ctx, { params, body }) => applyTagAction(ctx, imageOf(ctx, params.image_id!).id, body, bad),
  },
  {
    method: 'GET',
    path: '/v2/{project_id}/images/{image_id}/tags',
    action: 'ListImageTags',
    service: 'ims',
    handler: (ctx, { params }) => listTags(ctx, imageOf(ctx, params.image_id!).id),
  },
]
