import { DeleteSnapshotCommand, DeregisterImageCommand, DescribeImagesCommand, DescribeSnapshotsCommand } from '@aws-sdk/client-ec2'
import { BUILD_ID_LABEL } from '@tsimg/core'
import { isNotFound, type Ec2Api } from './api.js'

/** Snapshot ids behind an AMI (empty when it is gone or still has none). */
export async function imageSnapshots(api: Ec2Api, region: string, imageId: string, signal: AbortSignal): Promise<string[]> {
  try {
    const res = await api.call(region, (c, x) => c.send(new DescribeImagesCommand({ ImageIds: [imageId] }), x), { signal })
    return (res.Images?.[0]?.BlockDeviceMappings ?? []).flatMap((m) => (m.Ebs?.SnapshotId ? [m.Ebs.SnapshotId] : []))
  } catch (err) {
    if (isNotFound(err)) return []
    throw err
  }
}

/** Deregisters an AMI and deletes its snapshots; what is already gone counts as deleted. */
export async function deleteImage(api: Ec2Api, region: string, imageId: string, signal: AbortSignal, knownSnapshots: readonly string[] = []): Promise<string[]> {
  const snapshots = [...new Set([...knownSnapshots, ...(await imageSnapshots(api, region, imageId, signal))])]
  await deregisterImage(api, region, imageId, signal)
  for (const id of snapshots) await deleteSnapshot(api, region, id, signal)
  return snapshots
}

export async function deleteSnapshot(api: Ec2Api, region: string, snapshotId: string, signal: AbortSignal): Promise<void> {
  try {
    // A snapshot is "in use" until the deregistration it belonged to has settled.
    await api.call(region, (c, x) => c.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId }), x), { signal, alsoRetry: ['InvalidSnapshot.InUse'], retries: 8 })
  } catch (err) {
    if (!isNotFound(err)) throw err
  }
}

/** Snapshots carrying one of these build ids (an AMI deregistered while pending may leave them). */
export async function snapshotsTagged(api: Ec2Api, region: string, buildIds: readonly string[], signal: AbortSignal): Promise<string[]> {
  const res = await api.call(
    region,
    (c, x) => c.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters: [{ Name: `tag:${BUILD_ID_LABEL}`, Values: [...buildIds] }] }), x),
    { signal },
  )
  return (res.Snapshots ?? []).flatMap((s) => (s.SnapshotId ? [s.SnapshotId] : []))
}

/** Deregisters an AMI, keeping its snapshots. */
export async function deregisterImage(api: Ec2Api, region: string, imageId: string, signal: AbortSignal): Promise<void> {
  try {
    await api.call(region, (c, x) => c.send(new DeregisterImageCommand({ ImageId: imageId }), x), { signal })
  } catch (err) {
    if (!isNotFound(err)) throw err
  }
}
