import { BUILD_ID_LABEL, KEPT_LABEL, type StepContext } from '@tsimg/core/plugin'
import { ignoreNotFound, waitFor, type ArtifactImage, type ImageCloud } from '@tsimg/cloud-kit'
import type { AlicloudApi } from './api.js'
import { imagePollLimit, type AliEnv } from './env.js'
import type { AliState } from './state.js'
import { Ecs } from './sdk.js'

/** Every state DescribeImages can filter by (unfiltered, it answers Available images only). */
const ANY_STATE = 'Creating,Waiting,Available,UnAvailable,CreateFailed'

export interface AliImage {
  readonly imageId?: string
  readonly imageName?: string
  readonly status?: string
  readonly snapshotIds: string[]
}

export async function describeImage(api: AlicloudApi, region: string, imageId: string, signal: AbortSignal): Promise<AliImage | undefined> {
  const res = await api.ecs(
    'DescribeImages',
    region,
    (c) => c.describeImages(new Ecs.DescribeImagesRequest({ regionId: region, imageId, status: ANY_STATE })),
    { signal, retry: ['not-found'], budget: { attempts: 6 } },
  )
  const m = res.body?.images?.image?.[0]
  if (!m) return undefined
  const snapshotIds = (m.diskDeviceMappings?.diskDeviceMapping ?? []).map((d) => d.snapshotId).filter((s): s is string => Boolean(s))
  return { imageId: m.imageId, imageName: m.imageName, status: m.status, snapshotIds }
}

/** Deletes an image (force: even when instances use it), then its snapshots once the image lets them go. */
export async function deleteImageAndSnapshots(api: AlicloudApi, region: string, imageId: string, known: readonly string[], signal: AbortSignal): Promise<void> {
  const image = await describeImage(api, region, imageId, signal).catch(() => undefined)
  const snapshots = new Set([...known, ...(image?.snapshotIds ?? [])])
  await ignoreNotFound(api.ecs('DeleteImage', region, (c) => c.deleteImage(new Ecs.DeleteImageRequest({ regionId: region, imageId, force: true })), { signal }))
  for (const snapshotId of snapshots) await deleteSnapshot(api, region, snapshotId, signal)
}

/** Deletes a snapshot; SnapshotCreatedImage (the image still going) is retried within the dependency budget. */
export function deleteSnapshot(api: AlicloudApi, region: string, snapshotId: string, signal: AbortSignal): Promise<void> {
  return ignoreNotFound(
    api.ecs('DeleteSnapshot', region, (c) => c.deleteSnapshot(new Ecs.DeleteSnapshotRequest({ snapshotId, force: true })), { signal, retry: ['conflict'] }),
  )
}

/** Alibaba's snapshot ids start with `s-`, image ids with `m-`. */
const resourceType = (id: string): string => (id.startsWith('s-') ? 'snapshot' : 'image')

/** The kit's image calls: delete, and keep (tagged tsimg-kept first, then the build id untagged). */
export function imageCloud(api: AlicloudApi, buildId: string): ImageCloud {
  return {
    // An image deleted while Creating may leave snapshots behind, tagged with the build id.
    async deleteTaggedSnapshots(region, signal) {
      const res = await api.ecs(
        'DescribeSnapshots',
        region,
        (c) =>
          c.describeSnapshots(
            new Ecs.DescribeSnapshotsRequest({
              regionId: region,
              tag: [new Ecs.DescribeSnapshotsRequestTag({ key: BUILD_ID_LABEL, value: buildId })],
              pageSize: 100,
            }),
          ),
        { signal },
      )
      for (const s of res.body?.snapshots?.snapshot ?? []) if (s.snapshotId) await deleteSnapshot(api, region, s.snapshotId, signal)
    },
    deleteImage: (region, imageId, known, signal) => deleteImageAndSnapshots(api, region, imageId, known, signal),
    async keep(region, ids, signal) {
      for (const type of ['image', 'snapshot']) {
        const of = ids.filter((id) => resourceType(id) === type)
        if (of.length === 0) continue
        await api.ecs(
          'TagResources',
          region,
          (c) =>
            c.tagResources(
              new Ecs.TagResourcesRequest({
                regionId: region,
                resourceType: type,
                resourceId: of,
                tag: [new Ecs.TagResourcesRequestTag({ key: KEPT_LABEL, value: 'true' })],
              }),
            ),
          { signal, retry: ['not-found'], budget: { attempts: 6 } },
        )
        await api.ecs(
          'UntagResources',
          region,
          (c) => c.untagResources(new Ecs.UntagResourcesRequest({ regionId: region, resourceType: type, resourceId: of, tagKey: [BUILD_ID_LABEL] })),
          { signal },
        )
      }
    },
  }
}

/** This account's images (owner alias self) matching `filter` (a name, a build's tag), in any state unless `filter.status` says, up to 100. */
export async function ownImages(
  api: AlicloudApi,
  region: string,
  filter: { imageName?: string; tag?: InstanceType<typeof Ecs.DescribeImagesRequestTag>[]; status?: string },
  signal: AbortSignal,
) {
  const req = new Ecs.DescribeImagesRequest({ regionId: region, imageOwnerAlias: 'self', status: ANY_STATE, pageSize: 100, ...filter })
  const res = await api.ecs('DescribeImages', region, (c) => c.describeImages(req), { signal })
  return res.body?.images?.image ?? []
}

/** Ids of this account's images with exactly this name, in any state. */
export async function imagesNamed(env: Pick<AliEnv, 'api'>, region: string, name: string, signal: AbortSignal): Promise<string[]> {
  return (await ownImages(env.api, region, { imageName: name }, signal)).filter((m) => m.imageName === name && m.imageId).map((m) => m.imageId!)
}

/** Waits until an image is Available (waitSnapshotReadyTimeout), recording its snapshots. */
export async function waitForImage(
  env: AliEnv,
  image: ArtifactImage,
  { ui, signal }: Pick<StepContext<AliState>, 'ui' | 'signal'>,
  timeout?: { after: string | number; option: string },
): Promise<void> {
  const ready = await waitFor<AliImage>({
    resource: `image ${image.id} (${image.region})`,
    until: 'to become available',
    headline: `Waiting for image ${image.id} (${image.region}) to become available...`,
    ui,
    signal,
    ...(timeout ? imagePollLimit(env, timeout.after, timeout.option) : imagePollLimit(env)),
    probe: async (s) => {
      const m = await describeImage(env.api, image.region, image.id!, s)
      if (m?.status === 'Available') return { done: true, value: m }
      if (m?.status === 'CreateFailed' || m?.status === 'UnAvailable') return { failed: `image ${image.id} entered state ${m.status}` }
      return { done: false, ...(m?.status ? { state: m.status } : {}) }
    },
  })
  image.snapshotIds = [...new Set([...image.snapshotIds, ...ready.snapshotIds])]
}
