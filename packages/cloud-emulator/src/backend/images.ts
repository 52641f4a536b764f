import { BackendError, badState, exists, inUse, invalid, missingParameter, notFound } from './errors.js'
import { docker } from './docker.js'
import type { Cloud } from './cloud.js'
import type { Image, ImageDevice, Snapshot, Volume } from './types.js'

/** Images (committed containers), their snapshots, and volumes as records. */

export function imagesIn(cloud: Cloud, region: string): Image[] {
  return [...cloud.images.values()].filter((m) => m.region === region)
}

export function getImage(cloud: Cloud, region: string, id: string): Image {
  const image = cloud.images.get(id)
  if (!image || image.region !== region) throw notFound('image', id, `The image id '[${id}]' does not exist`)
  return image
}

/** Whether the account may launch (see) the image: own, public, or shared with it. */
export function launchable(cloud: Cloud, image: Image): boolean {
  return image.ownerId === cloud.accountId || image.isPublic || image.launchUsers.has(cloud.accountId) || image.launchGroups.has('all')
}

export function ownImage(cloud: Cloud, region: string, id: string): Image {
  const image = getImage(cloud, region, id)
  if (image.ownerId !== cloud.accountId)
    throw new BackendError('unauthorized', `Not authorized for image:${id}`, { resource: 'image', id, reason: 'not-owner' })
  return image
}

const NAME = /^[A-Za-z0-9()[\]./\-'@_ ]{3,128}$/

function checkName(cloud: Cloud, region: string, name: string | undefined): string {
  if (!name) throw missingParameter('name')
  if (!NAME.test(name))
    throw invalid(`AMI names must be between 3 and 128 characters long, and may contain letters, numbers, '(', ')', '.', '-', '/' and '_'`, {
      resource: 'image',
      field: 'name',
      reason: 'malformed',
    })
  const same = imagesIn(cloud, region).find((m) => m.ownerId === cloud.accountId && m.name === name)
  if (same) throw exists('image', same.id, `AMI name ${name} is already in use by AMI ${same.id}`)
  return name
}

function newSnapshot(
  cloud: Cloud,
  region: string,
  spec: Partial<Snapshot> & { volumeSize: number; description: string },
  tags?: ReadonlyMap<string, string>,
): Snapshot {
  const snap: Snapshot = {
    id: cloud.newId('snapshot', region),
    region,
    tags: new Map(tags ?? []),
    ownerId: cloud.accountId,
    volumeId: spec.volumeId,
    volumeSize: spec.volumeSize,
    description: spec.description,
    started: new Date(),
    state: 'pending',
    transition: cloud.transition('completed', 'snapshotCompleted'),
    encrypted: spec.encrypted ?? false,
    kmsKeyId: spec.kmsKeyId,
    createVolumeUsers: new Set(),
    createVolumeGroups: new Set(),
    seed: false,
  }
  cloud.snapshots.set(snap.id, snap)
  return snap
}

export interface CreateImageSpec {
  readonly instanceId: string
  readonly name?: string
  readonly description?: string
  readonly noReboot?: boolean
  readonly blockDevices?: ReadonlyArray<{
    deviceName: string
    noDevice?: boolean
    volumeSize?: number
    volumeType?: string
    deleteOnTermination?: boolean
    encrypted?: boolean
  }>
  readonly imageTags?: ReadonlyMap<string, string>
  readonly snapshotTags?: ReadonlyMap<string, string>
}

/** Registers a pending image and commits the instance's container to a new docker tag. */
export function createImage(cloud: Cloud, region: string, spec: CreateImageSpec): Image {
  const instance = cloud.instances.get(spec.instanceId)
  if (!instance || instance.region !== region) throw notFound('instance', spec.instanceId, `The instance ID '${spec.instanceId}' does not exist`)
  const name = checkName(cloud, region, spec.name)
  if (instance.state !== 'running' && instance.state !== 'stopped')
    throw badState('instance', instance.id, `The instance '${instance.id}' is not in a state from which it can be imaged (${instance.state}).`)
  const id = cloud.newId('image', region)
  const devices: ImageDevice[] = []
  const snapshots: Snapshot[] = []
  for (const d of instance.devices) {
    const req = spec.blockDevices?.find((b) => b.deviceName === d.deviceName)
    if (req?.noDevice) continue
    const volume = cloud.volumes.get(d.volumeId) as Volume | undefined
    const size = req?.volumeSize ?? volume?.size ?? 8
    const snap = newSnapshot(
      cloud,
      region,
      { volumeId: d.volumeId, volumeSize: size, description: `Created by CreateImage(${instance.id}) for ${id}`, encrypted: volume?.encrypted },
      spec.snapshotTags,
    )
    snapshots.push(snap)
    devices.push({
      deviceName: d.deviceName,
      snapshotId: snap.id,
      volumeSize: size,
      volumeType: req?.volumeType ?? volume?.volumeType ?? 'gp2',
      deleteOnTermination: req?.deleteOnTermination ?? d.deleteOnTermination,
      encrypted: volume?.encrypted ?? false,
    })
  }
  for (const b of spec.blockDevices ?? []) {
    if (b.noDevice || devices.some((d) => d.deviceName === b.deviceName)) continue
    const snap = newSnapshot(
      cloud,
      region,
      { volumeSize: b.volumeSize ?? 8, description: `Created by CreateImage(${instance.id}) for ${id}`, encrypted: b.encrypted },
      spec.snapshotTags,
    )
    snapshots.push(snap)
    devices.push({
      deviceName: b.deviceName,
      snapshotId: snap.id,
      volumeSize: b.volumeSize ?? 8,
      volumeType: b.volumeType ?? 'gp2',
      deleteOnTermination: b.deleteOnTermination ?? true,
      encrypted: b.encrypted ?? false,
    })
  }
  const source = cloud.images.get(instance.imageId)
  const image: Image = {
    id,
    region,
    tags: new Map(spec.imageTags ?? []),
    name,
    description: spec.description,
    ownerId: cloud.accountId,
    state: 'pending',
    transition: cloud.transition('available', 'imageAvailable'),
    dockerRef: `tsimg-emulator/${cloud.session}:${id}`,
    ownsDockerRef: true,
    rootDeviceName: instance.rootDeviceName,
    devices,
    created: new Date(),
    architecture: 'x86_64',
    isPublic: false,
    launchUsers: new Set(),
    launchGroups: new Set(),
    loginUser: source?.loginUser ?? instance.loginUser,
    seed: false,
    sourceInstanceId: instance.id,
    ...(instance.paper && { paper: true }),
  }
  cloud.images.set(id, image)
  settleImageWork(
    image,
    snapshots,
    cloud.chain(instance.id, async () => {
      // A paper machine has no disk to commit: the image is a record, its delay still applies.
      if (image.paper) return
      await docker(['commit', ...cloud.imageLabelChanges(), instance.containerName, image.dockerRef])
      if (!cloud.images.has(id)) await docker(['rmi', '-f', image.dockerRef]).catch(() => undefined)
    }),
  )
  return image
}

export interface CopyImageSpec {
  readonly sourceRegion: string
  readonly sourceImageId: string
  readonly name?: string
  readonly description?: string
  readonly encrypted?: boolean
  readonly kmsKeyId?: string
  readonly tags?: ReadonlyMap<string, string>
  readonly clientToken?: string
}

/** Registers a copy in the calling region; the docker image gets a second tag of its own. */
export function copyImage(cloud: Cloud, region: string, spec: CopyImageSpec): Image {
  // EC2 idempotency: a retried copy with the same client token gets the first copy.
  const earlier = spec.clientToken && imagesIn(cloud, region).find((m) => m.clientToken === spec.clientToken)
  if (earlier) return earlier
  cloud.region(spec.sourceRegion)
  if (!spec.sourceImageId) throw missingParameter('SourceImageId')
  const source = getImage(cloud, spec.sourceRegion, spec.sourceImageId)
  if (!launchable(cloud, source)) throw notFound('image', spec.sourceImageId, `The image id '[${spec.sourceImageId}]' does not exist`)
  if (source.state !== 'available') throw badState('image', source.id, `Image ${source.id} is not in a valid state for copying (${source.state})`)
  if (spec.kmsKeyId && !spec.encrypted) throw invalid('KmsKeyId requires Encrypted to be true', { field: 'kms-key-id', reason: 'combination' })
  const name = checkName(cloud, region, spec.name ?? source.name)
  const id = cloud.newId('image', region)
  const encrypted = spec.encrypted ?? false
  const snapshots: Snapshot[] = []
  const devices = source.devices.map((d) => {
    if (!d.snapshotId) return d
    const snap = newSnapshot(cloud, region, {
      volumeSize: d.volumeSize,
      description: `Copied for DestinationAmi ${id} from SourceAmi ${source.id} for SourceSnapshot ${d.snapshotId}`,
      encrypted: encrypted || d.encrypted,
      kmsKeyId: spec.kmsKeyId,
    })
    snapshots.push(snap)
    return { ...d, snapshotId: snap.id, encrypted: encrypted || d.encrypted }
  })
  const image: Image = {
    id,
    region,
    tags: new Map(spec.tags ?? []),
    name,
    description: spec.description ?? source.description,
    ownerId: cloud.accountId,
    state: 'pending',
    transition: cloud.transition('available', 'imageAvailable'),
    dockerRef: `tsimg-emulator/${cloud.session}:${id}`,
    ownsDockerRef: true,
    rootDeviceName: source.rootDeviceName,
    devices,
    created: new Date(),
    architecture: source.architecture,
    isPublic: false,
    launchUsers: new Set(),
    launchGroups: new Set(),
    loginUser: source.loginUser,
    seed: false,
    sourceImageId: source.id,
    sourceRegion: source.region,
    clientToken: spec.clientToken,
    ...(source.paper && { paper: true }),
  }
  cloud.images.set(id, image)
  settleImageWork(
    image,
    snapshots,
    cloud.chain(id, async () => {
      if (image.paper) return
      await docker(['tag', source.dockerRef, image.dockerRef])
      if (!cloud.images.has(id)) await docker(['rmi', '-f', image.dockerRef]).catch(() => undefined)
    }),
  )
  return image
}

/** Removes the registration (and, if asked, its snapshots) and the docker tag the emulator made. */
export async function deregisterImage(cloud: Cloud, region: string, id: string, deleteSnapshots = false): Promise<string[]> {
  const image = ownImage(cloud, region, id)
  cloud.images.delete(id)
  const deleted: string[] = []
  if (deleteSnapshots) {
    for (const d of image.devices) {
      if (d.snapshotId && cloud.snapshots.delete(d.snapshotId)) deleted.push(d.snapshotId)
    }
  }
  if (image.ownsDockerRef && !image.paper && ![...cloud.images.values()].some((m) => m.dockerRef === image.dockerRef)) {
    await cloud.chain(image.sourceInstanceId ?? id, () => docker(['rmi', '-f', image.dockerRef])).catch(() => undefined)
  }
  return deleted
}

export function modifyLaunchPermission(
  cloud: Cloud,
  region: string,
  id: string,
  change: { addUsers?: readonly string[]; removeUsers?: readonly string[]; addGroups?: readonly string[]; removeGroups?: readonly string[] },
): void {
  const image = ownImage(cloud, region, id)
  for (const g of [...(change.addGroups ?? []), ...(change.removeGroups ?? [])])
    if (g !== 'all') throw invalid(`Invalid value '${g}' for groups`, { field: 'groups' })
  for (const u of [...(change.addUsers ?? []), ...(change.removeUsers ?? [])])
    if (!/^\d{12}$/.test(u)) throw invalid(`Invalid attribute item value "${u}" for userId item type.`, { field: 'user-id', reason: 'attribute-item' })
  for (const u of change.addUsers ?? []) image.launchUsers.add(u)
  for (const u of change.removeUsers ?? []) image.launchUsers.delete(u)
  for (const g of change.addGroups ?? []) image.launchGroups.add(g)
  for (const g of change.removeGroups ?? []) image.launchGroups.delete(g)
  image.isPublic = image.launchGroups.has('all')
}

export function snapshotsIn(cloud: Cloud, region: string): Snapshot[] {
  return [...cloud.snapshots.values()].filter((s) => s.region === region)
}

export function getSnapshot(cloud: Cloud, region: string, id: string): Snapshot {
  const s = cloud.snapshots.get(id)
  if (!s || s.region !== region) throw notFound('snapshot', id)
  return s
}

export function deleteSnapshot(cloud: Cloud, region: string, id: string): void {
  const s = getSnapshot(cloud, region, id)
  if (s.ownerId !== cloud.accountId) throw new BackendError('unauthorized', `You are not authorized to delete snapshot ${id}`, { resource: 'snapshot', id })
  const user = imagesIn(cloud, region).find((m) => m.devices.some((d) => d.snapshotId === id))
  if (user) throw inUse('snapshot', id, `The snapshot ${id} is currently in use by ${user.id}`, 'in-use')
  cloud.snapshots.delete(id)
}

export function volumesIn(cloud: Cloud, region: string): Volume[] {
  return [...cloud.volumes.values()].filter((v) => v.region === region)
}

export function deleteVolume(cloud: Cloud, region: string, id: string): void {
  const v = cloud.volumes.get(id)
  if (!v || v.region !== region) throw notFound('volume', id)
  if (v.state === 'in-use') throw inUse('volume', id, `Volume ${id} is currently attached to ${v.attachment?.instanceId}`, 'in-use')
  cloud.volumes.delete(id)
}

/**
 * The image (and its snapshots) become available once the docker work is done, or fail with
 * it: a failed commit or copy must not leave snapshots pending forever.
 */
function settleImageWork(image: Image, snapshots: readonly Snapshot[], work: Promise<unknown>): void {
  const t = image.transition!
  void work.then(
    () => {
      t.workDone = true
      for (const s of snapshots) if (s.transition) s.transition.workDone = true
    },
    (error: unknown) => {
      t.failTo = 'failed'
      t.failReason = `Client.InternalError: ${(error as Error).message}`
      for (const s of snapshots) if (s.transition) s.transition.failTo = 'error'
    },
  )
}
