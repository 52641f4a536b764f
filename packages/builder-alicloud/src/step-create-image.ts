import type { Step, StepContext } from '@tsimg/core/plugin'
import { TrackedResource, waitFor, resourceData, type ArtifactImage } from '@tsimg/cloud-kit'
import { deleteImageAndSnapshots, deleteSnapshot, describeImage, imagesNamed, waitForImage } from './images.js'
import { Ecs } from './sdk.js'
import { PLUGIN, type AliState } from './state.js'
import { buildTags, pollLimit, type AliEnv } from './env.js'

/**
 * Deletes an older image of the same name when forced (imageForceDelete, -force; its snapshots
 * with imageForceDeleteSnapshots). Creates the image from the stopped instance (or from a
 * system-disk snapshot with imageIgnoreDataDisks), journaled before CreateImage and recorded
 * the moment it answers (ClientToken; found by name after a lost answer), tagged, and waits
 * until Available. Its cleanup (the kit's ArtifactImages) keeps the images on success and
 * deletes them with their snapshots otherwise.
 */
export function createImage(env: AliEnv): Step<AliState> {
  const snapshot = new TrackedResource()
  return {
    name: 'alicloud:create-image',
    async run({ state, ui, signal, journal }) {
      const o = env.options
      const r = env.region
      if (o.imageForceDelete || env.build.force) {
        for (const old of await imagesNamed(env, r, o.imageName, signal)) {
          const known = o.imageForceDeleteSnapshots ? ((await describeImage(env.api, r, old, signal))?.snapshotIds ?? []) : []
          if (o.imageForceDeleteSnapshots) await deleteImageAndSnapshots(env.api, r, old, known, signal)
          else await env.api.ecs('DeleteImage', r, (c) => c.deleteImage(new Ecs.DeleteImageRequest({ regionId: r, imageId: old, force: true })), { signal })
          ui.message(`Deleted image: ${old}`)
        }
      }
      let snapshotId: string | undefined
      if (o.imageIgnoreDataDisks) snapshotId = await systemSnapshot(env, state.instance!.id, snapshot, { ui, signal, journal })

      ui.say(`Creating image: ${o.imageName}`)
      const token = `${env.build.id}-image`
      const image = await env.images.create({ journal, signal }, r, {
        plugin: PLUGIN,
        kind: 'image',
        token,
        description: `image ${o.imageName} (${r})`,
        data: { ...resourceData(env), name: o.imageName },
        create: (requestSignal, stop) =>
          env.api.ecs(
            'CreateImage',
            r,
            (c) =>
              c.createImage(
                new Ecs.CreateImageRequest({
                  regionId: r,
                  imageName: o.imageName,
                  clientToken: token,
                  description: o.imageDescription,
                  imageFamily: o.imageFamily,
                  imageVersion: o.imageVersion,
                  ...(snapshotId ? { snapshotId } : { instanceId: state.instance!.id }),
                  tag: buildTags(Ecs.CreateImageRequestTag, env.build, o.tags),
                }),
              ),
            { signal: stop, requestSignal },
          ),
        idOf: (res) => res.body?.imageId,
        find: async (s) => (await imagesNamed(env, r, o.imageName, s))[0],
      })
      if (snapshotId) image.snapshotIds.push(snapshotId)
      ui.message(`Created image: ${image.id}`)
      await waitForImage(env, image, { ui, signal })
      await tagSnapshots(env, image, { ui, signal })
    },
    async cleanup(ctx) {
      await env.images.cleanup(ctx)
      if (!snapshot.started) return
      // On success the snapshot is the image's and stays with it; otherwise it goes.
      if (ctx.outcome === 'success') await snapshot.forget(ctx.journal)
      else await snapshot.remove(ctx, (id, s) => deleteSnapshot(env.api, env.region, id, s))
    },
  }
}

/**
 * The image's snapshots get the template's `tags` as Packer tags them (and seed 002's text
 * says), with the build id beside them until the image is kept, so a sweep finds a snapshot a
 * killed build left. CreateImage tags the image only.
 */
async function tagSnapshots(env: AliEnv, image: ArtifactImage, { ui, signal }: Pick<StepContext<AliState>, 'ui' | 'signal'>): Promise<void> {
  if (image.snapshotIds.length === 0) return
  const user = env.options.tags
  // Packer's line, its tags printed as Go prints a map (keys sorted).
  const goMap = `map[${Object.keys(user)
    .sort()
    .map((k) => `${k}:${user[k]}`)
    .join(' ')}]`
  if (Object.keys(user).length) for (const id of image.snapshotIds) ui.say(`Adding tags(${goMap}) to snapshot: ${id}`)
  await env.api.ecs(
    'TagResources',
    image.region,
    (c) =>
      c.tagResources(
        new Ecs.TagResourcesRequest({
          regionId: image.region,
          resourceType: 'snapshot',
          resourceId: image.snapshotIds,
          tag: buildTags(Ecs.TagResourcesRequestTag, env.build, user),
        }),
      ),
    { signal, retry: ['not-found'], budget: { attempts: 6 } },
  )
}

/** imageIgnoreDataDisks: a snapshot of the system disk only (journaled, tagged), once Accomplished. */
async function systemSnapshot(
  env: AliEnv,
  instanceId: string,
  tracked: TrackedResource,
  ctx: Pick<StepContext<AliState>, 'ui' | 'signal' | 'journal'>,
): Promise<string> {
  const r = env.region
  const disks = await env.api.ecs('DescribeDisks', r, (c) => c.describeDisks(new Ecs.DescribeDisksRequest({ regionId: r, instanceId, diskType: 'system' })), {
    signal: ctx.signal,
  })
  const diskId = disks.body?.disks?.disk?.[0]?.diskId
  if (!diskId) throw new Error(`instance ${instanceId} has no system disk`)
  ctx.ui.say(`Creating snapshot from system disk ${diskId}`)
  const token = `${env.build.id}-snap`
  const id = await tracked.create(ctx, {
    plugin: PLUGIN,
    kind: 'snapshot',
    token,
    description: `snapshot of ${diskId} (${r})`,
    data: resourceData(env),
    create: (requestSignal, stop) =>
      env.api.ecs(
        'CreateSnapshot',
        r,
        (c) => c.createSnapshot(new Ecs.CreateSnapshotRequest({ diskId, clientToken: token, tag: buildTags(Ecs.CreateSnapshotRequestTag, env.build) })),
        { signal: stop, requestSignal },
      ),
    idOf: (res) => res.body?.snapshotId,
    find: async (s) => {
      const res = await env.api.ecs(
        'DescribeSnapshots',
        r,
        (c) =>
          c.describeSnapshots(
            new Ecs.DescribeSnapshotsRequest({
              regionId: r,
              diskId,
              tag: [new Ecs.DescribeSnapshotsRequestTag({ key: 'tsimg-build-id', value: env.build.id })],
            }),
          ),
        { signal: s },
      )
      return res.body?.snapshots?.snapshot?.[0]?.snapshotId
    },
  })
  await waitFor({
    resource: `snapshot ${id}`,
    until: 'to be accomplished',
    ui: ctx.ui,
    signal: ctx.signal,
    ...pollLimit(env, 60 * 60_000),
    probe: async (s) => {
      const res = await env.api.ecs(
        'DescribeSnapshots',
        r,
        (c) => c.describeSnapshots(new Ecs.DescribeSnapshotsRequest({ regionId: r, snapshotIds: JSON.stringify([id]) })),
        { signal: s },
      )
      const st = res.body?.snapshots?.snapshot?.[0]?.status
      if (st === 'accomplished') return { done: true, value: undefined }
      if (st === 'failed') return { failed: `snapshot ${id} failed` }
      return { done: false, ...(st ? { state: st } : {}) }
    },
  })
  return id
}
