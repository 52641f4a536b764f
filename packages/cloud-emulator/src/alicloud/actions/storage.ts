import * as images from '../../backend/images.js'
import type { Snapshot, Volume } from '../../backend/types.js'
import { aliError } from '../errors.js'
import type { Handler } from '../server.js'
import type { AliState } from '../state.js'
import { aliTime, matchesTags, page, renderTags } from './render.js'

const SNAPSHOT_STATUS: Record<Snapshot['state'], string> = { pending: 'progressing', completed: 'accomplished', error: 'failed' }

function diskType(state: AliState, v: Volume): 'system' | 'data' {
  const i = v.attachment ? state.cloud.instances.get(v.attachment.instanceId) : undefined
  return i && i.devices[0]?.volumeId === v.id ? 'system' : 'data'
}

/** Disks (the backend's volumes) and snapshots: DescribeDisks, Create/Describe/DeleteSnapshot. */
export function storageActions(state: AliState): Record<string, Handler> {
  const { cloud } = state
  const names = new Map<string, string>()
  return {
    DescribeDisks(p) {
      const r = p.required('RegionId')
      const ids = p.jsonList('DiskIds')
      const type = p.str('DiskType') ?? 'all'
      const all = images
        .volumesIn(cloud, r)
        .filter((v) => (!ids || ids.includes(v.id)) && (!p.str('InstanceId') || v.attachment?.instanceId === p.str('InstanceId')))
        .filter((v) => type === 'all' || diskType(state, v) === type)
      const { items, ...paging } = page(all, p.int('PageNumber'), p.int('PageSize') ?? 10)
      return {
        ...paging,
        Disks: {
          Disk: items.map((v) => ({
            DiskId: v.id,
            RegionId: r,
            ZoneId: v.zone,
            Type: diskType(state, v),
            Category: v.volumeType,
            Size: v.size,
            Status: v.state === 'in-use' ? 'In_use' : 'Available',
            InstanceId: v.attachment?.instanceId ?? '',
            Device: v.attachment?.device ?? '',
            SourceSnapshotId: v.snapshotId ?? '',
            DeleteWithInstance: v.attachment?.deleteOnTermination ?? false,
            Encrypted: v.encrypted,
            CreationTime: aliTime(v.created),
            Tags: renderTags(v.tags),
          })),
        },
      }
    },
    CreateSnapshot(p) {
      const volume = cloud.volumes.get(p.required('DiskId'))
      if (!volume) throw aliError('InvalidDiskId.NotFound', 'The specified disk does not exist.', 404)
      const id = state.idempotent(
        'CreateSnapshot',
        p.str('ClientToken'),
        (x) => cloud.snapshots.has(x),
        () => {
          const snapshot: Snapshot = {
            id: cloud.newId('snapshot'),
            region: volume.region,
            tags: new Map(p.tags().map((t) => [t.key, t.value])),
            ownerId: cloud.accountId,
            volumeId: volume.id,
            volumeSize: volume.size,
            description: p.str('Description') ?? '',
            started: new Date(),
            state: 'pending',
            transition: cloud.transition('completed', 'snapshotCompleted'),
            encrypted: volume.encrypted,
            createVolumeUsers: new Set(),
            createVolumeGroups: new Set(),
            seed: false,
          }
          // The disk is the container's filesystem: nothing to copy, only the time it takes.
          snapshot.transition!.workDone = true
          cloud.snapshots.set(snapshot.id, snapshot)
          if (p.str('SnapshotName')) names.set(snapshot.id, p.str('SnapshotName')!)
          return snapshot.id
        },
      )
      return { SnapshotId: id }
    },
    DescribeSnapshots(p) {
      const r = p.required('RegionId')
      const ids = p.jsonList('SnapshotIds')
      const status = p.str('Status')
      const all = images
        .snapshotsIn(cloud, r)
        .filter((s) => !s.seed)
        .filter((s) => (!ids || ids.includes(s.id)) && (!status || status === 'all' || SNAPSHOT_STATUS[s.state] === status))
        .filter((s) => (!p.str('DiskId') || s.volumeId === p.str('DiskId')) && matchesTags(s.tags, p.tags()))
      const { items, ...paging } = page(all, p.int('PageNumber'), p.int('PageSize') ?? 10)
      return {
        ...paging,
        Snapshots: {
          Snapshot: items.map((s) => ({
            SnapshotId: s.id,
            SnapshotName: names.get(s.id) ?? '',
            Status: SNAPSHOT_STATUS[s.state],
            Progress: s.state === 'completed' ? '100%' : '50%',
            SourceDiskId: s.volumeId ?? '',
            SourceDiskSize: String(s.volumeSize),
            SourceDiskType: 'system',
            Description: s.description,
            CreationTime: aliTime(s.started),
            Encrypted: s.encrypted,
            Usage: usedBy(state, s.id) ? 'image' : 'none',
            Tags: renderTags(s.tags),
          })),
        },
      }
    },
    DeleteSnapshot(p) {
      const id = p.required('SnapshotId')
      const s = cloud.snapshots.get(id)
      if (!s || s.seed) throw aliError('InvalidSnapshotId.NotFound', 'The specified SnapshotId does not exist.', 404)
      if (usedBy(state, id)) throw aliError('SnapshotCreatedImage', 'The snapshot has been used to create user defined image(s).', 403)
      cloud.snapshots.delete(id)
      return {}
    },
  }
}

const usedBy = (state: AliState, snapshotId: string): boolean =>
  [...state.cloud.images.values()].some((m) => m.devices.some((d) => d.snapshotId === snapshotId))
