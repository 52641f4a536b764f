import { CloudError } from '../../backend/errors.js'
import * as img from '../../backend/images.js'
import { applyFilters, readFilters } from '../filters.js'
import { renderSnapshot, renderVolume } from '../render.js'
import { checkId, checkIds, missing, page, type Handler } from './common.js'

export const DescribeSnapshots: Handler = ({ cloud, region }, r) => {
  const ids = checkIds('snap', r.list('SnapshotId'))
  const owners = r.list('Owner').map((o) => (o === 'self' ? cloud.accountId : o))
  const restorable = r.list('RestorableBy').map((o) => (o === 'self' ? cloud.accountId : o))
  const visible = (s: ReturnType<typeof img.snapshotsIn>[number]): boolean =>
    s.ownerId === cloud.accountId || s.createVolumeGroups.has('all') || s.createVolumeUsers.has(cloud.accountId)
  let found = img.snapshotsIn(cloud, region).filter(visible)
  if (ids.length) {
    found = found.filter((s) => ids.includes(s.id))
    missing('InvalidSnapshot.NotFound', 'snapshot', ids, new Set(found.map((s) => s.id)))
  }
  if (owners.length) found = found.filter((s) => owners.includes(s.ownerId))
  if (restorable.length) found = found.filter((s) => restorable.some((a) => a === s.ownerId || s.createVolumeUsers.has(a) || s.createVolumeGroups.has('all')))
  found = applyFilters(
    found,
    readFilters(r),
    {
      'snapshot-id': (s) => s.id,
      'volume-id': (s) => s.volumeId,
      status: (s) => s.state,
      'owner-id': (s) => s.ownerId,
      description: (s) => s.description,
      encrypted: (s) => s.encrypted,
      'volume-size': (s) => String(s.volumeSize),
      progress: (s) => (s.state === 'completed' ? '100%' : '0%'),
      'start-time': (s) => s.started.toISOString(),
    },
    (s) => s.tags,
  )
  const p = page(r, found, ids.length > 0)
  return { snapshotSet: p.items.map(renderSnapshot), nextToken: p.nextToken }
}

export const DeleteSnapshot: Handler = ({ cloud, region }, r) => {
  img.deleteSnapshot(cloud, region, checkId('snap', r.required('SnapshotId')))
  return { return: true }
}

export const ModifySnapshotAttribute: Handler = ({ cloud, region }, r) => {
  const snap = img.getSnapshot(cloud, region, checkId('snap', r.required('SnapshotId')))
  if (snap.ownerId !== cloud.accountId) throw new CloudError('UnauthorizedOperation', 'You are not authorized to perform this operation.', 403)
  const attribute = r.str('Attribute') ?? 'createVolumePermission'
  if (attribute !== 'createVolumePermission') throw new CloudError('InvalidParameterValue', `Attribute ${attribute} is not supported`)
  const cvp = r.struct('CreateVolumePermission')
  const add = cvp?.structs('Add') ?? []
  const remove = cvp?.structs('Remove') ?? []
  const op = r.str('OperationType')
  const users = r.list('UserId')
  const groups = r.list('UserGroup')
  const addUsers = [...add.map((x) => x.str('UserId')), ...(op === 'add' ? users : [])].filter((x): x is string => !!x)
  const addGroups = [...add.map((x) => x.str('Group')), ...(op === 'add' ? groups : [])].filter((x): x is string => !!x)
  const removeUsers = [...remove.map((x) => x.str('UserId')), ...(op === 'remove' ? users : [])].filter((x): x is string => !!x)
  const removeGroups = [...remove.map((x) => x.str('Group')), ...(op === 'remove' ? groups : [])].filter((x): x is string => !!x)
  for (const u of [...addUsers, ...removeUsers]) if (!/^\d{12}$/.test(u)) throw new CloudError('InvalidParameterValue', `Invalid user id '${u}'`)
  for (const g of [...addGroups, ...removeGroups]) if (g !== 'all') throw new CloudError('InvalidParameterValue', `Invalid group '${g}'`)
  if (!addUsers.length && !addGroups.length && !removeUsers.length && !removeGroups.length)
    throw new CloudError('MissingParameter', 'No create volume permission change given')
  for (const u of addUsers) snap.createVolumeUsers.add(u)
  for (const u of removeUsers) snap.createVolumeUsers.delete(u)
  for (const g of addGroups) snap.createVolumeGroups.add(g)
  for (const g of removeGroups) snap.createVolumeGroups.delete(g)
  return { return: true }
}

export const DescribeSnapshotAttribute: Handler = ({ cloud, region }, r) => {
  const snap = img.getSnapshot(cloud, region, checkId('snap', r.required('SnapshotId')))
  return {
    snapshotId: snap.id,
    createVolumePermission: [
      ...[...snap.createVolumeUsers].map((userId) => ({ userId })),
      ...[...snap.createVolumeGroups].map((group) => ({ group })),
    ] as never,
  }
}

export const DescribeVolumes: Handler = ({ cloud, region }, r) => {
  const ids = checkIds('vol', r.list('VolumeId'))
  let found = img.volumesIn(cloud, region)
  if (ids.length) {
    found = found.filter((v) => ids.includes(v.id))
    missing('InvalidVolume.NotFound', 'volume', ids, new Set(found.map((v) => v.id)))
  }
  found = applyFilters(
    found,
    readFilters(r),
    {
      'volume-id': (v) => v.id,
      status: (v) => v.state,
      'availability-zone': (v) => v.zone,
      'snapshot-id': (v) => v.snapshotId,
      'attachment.instance-id': (v) => v.attachment?.instanceId,
      'attachment.device': (v) => v.attachment?.device,
      'attachment.delete-on-termination': (v) => v.attachment && String(v.attachment.deleteOnTermination),
      'attachment.status': (v) => (v.attachment ? 'attached' : undefined),
      'volume-type': (v) => v.volumeType,
      size: (v) => String(v.size),
      encrypted: (v) => v.encrypted,
    },
    (v) => v.tags,
  )
  const p = page(r, found, ids.length > 0)
  return { volumeSet: p.items.map((v) => renderVolume(cloud, v)), nextToken: p.nextToken }
}

export const DeleteVolume: Handler = ({ cloud, region }, r) => {
  img.deleteVolume(cloud, region, checkId('vol', r.required('VolumeId')))
  return { return: true }
}
