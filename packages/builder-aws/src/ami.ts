import {
  CreateTagsCommand,
  DeleteSnapshotCommand,
  DeleteTagsCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  DescribeSnapshotsCommand,
  type Image,
} from '@aws-sdk/client-ec2'
import { BUILD_ID_LABEL, CREATED_AT_LABEL, KEPT_LABEL, type StepContext } from '@tsimg/core/plugin'
import { ignoreNotFound, isNotFound, waitFor, type ArtifactImage, type ImageCloud } from '@tsimg/cloud-kit'
import type { Ec2Api } from './ec2.js'
import { imagePollLimit, type AwsEnv } from './env.js'
import type { AwsState } from './state.js'

/** Snapshot ids behind an AMI, as DescribeImages lists them. */
export function snapshotIdsOf(image: Image): string[] {
  return (image.BlockDeviceMappings ?? []).flatMap((m) => (m.Ebs?.SnapshotId ? [m.Ebs.SnapshotId] : []))
}

/** One AMI (undefined when gone); the NotFound right after a create can be retried with `retryNotFound`. */
async function describeImage(api: Ec2Api, region: string, imageId: string, signal: AbortSignal, retryNotFound = false): Promise<Image | undefined> {
  try {
    const res = await api.send(region, new DescribeImagesCommand({ ImageIds: [imageId] }), {
      signal,
      ...(retryNotFound && { retry: ['not-found'], budget: { attempts: 6 } }),
    })
    return res.Images?.[0]
  } catch (err) {
    if (isNotFound(err)) return undefined
    throw err
  }
}

/**
 * Our AMI of this name in a region (what a create or copy with a lost answer made), if any.
 * With `madeSince`, an older AMI of the same name (the user's, in a copy region) is never taken
 * for ours: a minute of leeway covers clock skew.
 */
export async function findImageByName(api: Ec2Api, region: string, name: string, signal: AbortSignal, madeSince?: Date): Promise<string | undefined> {
  const res = await api.send(region, new DescribeImagesCommand({ Owners: ['self'], Filters: [{ Name: 'name', Values: [name] }] }), { signal })
  const recent = (created: string | undefined) => !madeSince || !created || Date.parse(created) >= madeSince.getTime() - 60_000
  return res.Images?.find((i) => i.Name === name && i.State !== 'deregistered' && recent(i.CreationDate))?.ImageId
}

/** Deregisters an AMI, keeping its snapshots; gone counts as done. */
export async function deregisterImage(api: Ec2Api, region: string, imageId: string, signal: AbortSignal): Promise<void> {
  await ignoreNotFound(api.send(region, new DeregisterImageCommand({ ImageId: imageId }), { signal }))
}

export async function deleteSnapshot(api: Ec2Api, region: string, snapshotId: string, signal: AbortSignal): Promise<void> {
  // A snapshot is "in use" until the deregistration it belonged to has settled: a conflict, retried.
  await ignoreNotFound(api.send(region, new DeleteSnapshotCommand({ SnapshotId: snapshotId }), { signal, retry: ['conflict'] }))
}

/** Snapshots carrying one of these build ids (an AMI deregistered while pending may leave them). */
async function snapshotsTagged(api: Ec2Api, region: string, buildIds: readonly string[], signal: AbortSignal): Promise<string[]> {
  const res = await api.send(
    region,
    new DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters: [{ Name: `tag:${BUILD_ID_LABEL}`, Values: [...buildIds] }] }),
    { signal },
  )
  return (res.Snapshots ?? []).flatMap((s) => (s.SnapshotId ? [s.SnapshotId] : []))
}

/** Deregisters an AMI and deletes its snapshots; returns the snapshot ids. */
export async function deleteImageAndSnapshots(
  api: Ec2Api,
  region: string,
  imageId: string,
  signal: AbortSignal,
  known: readonly string[] = [],
): Promise<string[]> {
  const image = await describeImage(api, region, imageId, signal)
  const snapshots = [...new Set([...known, ...(image ? snapshotIdsOf(image) : [])])]
  await deregisterImage(api, region, imageId, signal)
  for (const id of snapshots) await deleteSnapshot(api, region, id, signal)
  return snapshots
}

/** amazon-ebs's images for the kit's ArtifactImages. */
export function amiCloud(api: Ec2Api, buildId: string): ImageCloud {
  return {
    noun: 'AMI',
    async deleteImage(region, imageId, known, signal) {
      await deleteImageAndSnapshots(api, region, imageId, signal, known)
    },
    async deleteTaggedSnapshots(region, signal) {
      // An AMI deregistered while pending may still have produced snapshots: find them by tag.
      for (const s of await snapshotsTagged(api, region, [buildId], signal)) await deleteSnapshot(api, region, s, signal)
    },
    async keep(region, ids, signal) {
      await api.send(region, new CreateTagsCommand({ Resources: [...ids], Tags: [{ Key: KEPT_LABEL, Value: buildId }] }), { signal })
      await api.send(region, new DeleteTagsCommand({ Resources: [...ids], Tags: [{ Key: BUILD_ID_LABEL }, { Key: CREATED_AT_LABEL }] }), { signal })
    },
  }
}

/** Waits until an AMI is available (own limit: imagePollAttempts); records its snapshots. `what`: `AMI`, `AMI copy in eu-west-1`. */
export async function waitForImage(
  env: AwsEnv,
  image: ArtifactImage,
  what: string,
  { ui, signal }: Pick<StepContext<AwsState>, 'ui' | 'signal'>,
): Promise<Image> {
  const ready = await waitFor<Image>({
    resource: `AMI ${image.id} (${image.region})`,
    until: 'to become ready',
    headline: `Waiting for ${what} to become ready...`,
    ui,
    signal,
    ...imagePollLimit(env),
    probe: async (s) => {
      const found = await describeImage(env.api, image.region, image.id!, s, true)
      const st = found?.State
      if (st === 'available') return { done: true, value: found! }
      if (st === 'failed' || st === 'invalid' || st === 'error' || st === 'deregistered') {
        return { failed: `AMI ${image.id} entered state ${st}${found?.StateReason?.Message ? `: ${found.StateReason.Message}` : ''}` }
      }
      return { done: false, ...(st ? { state: st } : {}) }
    },
  })
  image.snapshotIds = snapshotIdsOf(ready)
  return ready
}
