import * as images from '../../backend/images.js'
import { CloudError } from '../../backend/errors.js'
import type { Image } from '../../backend/types.js'
import { aliError } from '../errors.js'
import type { Params } from '../params.js'
import { ALICLOUD_REGIONS } from '../profile.js'
import type { Handler } from '../server.js'
import type { AliState } from '../state.js'
import { aliTime, matchesTags, page, renderTags } from './render.js'

const STATUS: Record<Image['state'], string> = { pending: 'Creating', available: 'Available', failed: 'CreateFailed' }
/** 2-128 characters, a letter first, no URL prefix (InvalidImageName.Malformed otherwise). */
const NAME = /^[A-Za-z\u4e00-\u9fa5][A-Za-z0-9\u4e00-\u9fa5._:-]{1,127}$/

const imageNotFound = (): CloudError => aliError('InvalidImageId.NotFound', 'The specified ImageId does not exist.', 404)

function alias(state: AliState, m: Image): 'system' | 'self' | 'others' {
  if (m.seed) return 'system'
  return m.ownerId === state.cloud.accountId ? 'self' : 'others'
}

function renderImage(state: AliState, m: Image): Record<string, unknown> {
  const catalog = m.seed ? m.catalog : undefined
  return {
    ImageId: state.imageId(m.id),
    ImageName: m.name,
    ImageVersion: '',
    Description: m.description ?? '',
    Status: STATUS[m.state],
    Progress: m.state === 'available' ? '100%' : m.state === 'pending' ? '50%' : '0%',
    OSType: 'linux',
    OSName: catalog?.osName ?? 'Debian 12 64位',
    Platform: catalog?.platform ?? 'Debian',
    Architecture: 'x86_64',
    Size: m.devices[0]?.volumeSize ?? 20,
    ImageOwnerAlias: alias(state, m),
    ImageOwnerId: alias(state, m) === 'system' ? 0 : Number(state.cloud.accountId),
    ImageFamily: state.families.get(m.id) ?? '',
    IsSupportIoOptimized: true,
    IsSupportCloudinit: true,
    IsCopied: Boolean(m.sourceImageId),
    IsSelfShared: state.shares.get(m.id)?.size ? 'true' : '',
    IsPublic: m.seed,
    Usage: 'none',
    CreationTime: aliTime(m.created),
    ResourceGroupId: '',
    BootMode: 'BIOS',
    DiskDeviceMappings: {
      DiskDeviceMapping: m.devices.map((d, n) => ({
        SnapshotId: d.snapshotId ?? '',
        Size: String(d.volumeSize),
        Device: d.deviceName,
        Type: n === 0 ? 'system' : 'data',
        Format: '',
        Progress: '100%',
      })),
    },
    Tags: renderTags(m.tags),
  }
}

/**
 * DescribeImageFromFamily's image has fewer fields than DescribeImages' (the SDK's
 * DescribeImageFromFamilyResponseBodyImage: no owner id, public flag, resource group, boot mode,
 * nor a progress per disk mapping).
 */
function familyImage(full: Record<string, unknown>): Record<string, unknown> {
  const { ImageOwnerId: _o, IsPublic: _p, ResourceGroupId: _g, BootMode: _b, DiskDeviceMappings: maps, ...rest } = full
  const list = (maps as { DiskDeviceMapping: Array<Record<string, unknown>> }).DiskDeviceMapping
  return { ...rest, DiskDeviceMappings: { DiskDeviceMapping: list.map(({ Progress: _x, ...m }) => m) } }
}

/** Alibaba's ImageName filter is a pattern: '*' matches any run of characters. */
const nameMatches = (pattern: string, name: string): boolean =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  ).test(name)

function describe(state: AliState, p: Params): Image[] {
  const r = p.required('RegionId')
  const ids = p
    .str('ImageId')
    ?.split(',')
    .map((id) => state.backendImageId(r, id))
  const statuses = (p.str('Status') ?? 'Available').split(',')
  const owner = p.str('ImageOwnerAlias')
  const family = p.str('ImageFamily')
  return images
    .imagesIn(state.cloud, r)
    .filter((m) => (!ids || ids.includes(m.id)) && (statuses.includes('ALL') || statuses.includes(STATUS[m.state])))
    .filter((m) => (owner ? owner.split(',').includes(alias(state, m)) : true) && (!family || state.families.get(m.id) === family))
    .filter((m) => (!p.str('ImageName') || nameMatches(p.str('ImageName')!, m.name)) && matchesTags(m.tags, p.tags()))
    .sort((a, b) => b.created.getTime() - a.created.getTime())
}

/** Images: describe (by id, name pattern, family, owner), create from an instance or a snapshot, copy, share, delete. */
export function imageActions(state: AliState): Record<string, Handler> {
  const { cloud } = state
  const tokens = new Map<string, string>()
  return {
    DescribeImages(p) {
      const { items, ...paging } = page(describe(state, p), p.int('PageNumber'), p.int('PageSize') ?? 10)
      return { ...paging, RegionId: p.required('RegionId'), Images: { Image: items.map((m) => renderImage(state, m)) } }
    },
    DescribeImageFromFamily(p) {
      const family = p.required('ImageFamily')
      const newest = images
        .imagesIn(cloud, p.required('RegionId'))
        .filter((m) => m.state === 'available' && state.families.get(m.id) === family)
        .sort((a, b) => b.created.getTime() - a.created.getTime())[0]
      return { Image: newest ? familyImage(renderImage(state, newest)) : {} }
    },
    CreateImage(p) {
      const r = p.required('RegionId')
      const token = p.str('ClientToken')
      const earlier = token ? tokens.get(token) : undefined
      if (earlier && cloud.images.has(earlier)) return { ImageId: earlier }
      const name = p.str('ImageName') ?? `m-${cloud.rng.hex(12)}`
      if (!NAME.test(name) || /^https?:\/\//.test(name)) throw aliError('InvalidImageName.Malformed', 'The specified Image name is wrongly formed.', 400)
      if (images.imagesIn(cloud, r).some((m) => m.name === name && !m.seed))
        throw aliError('InvalidImageName.Duplicated', 'The specified Image name has already been used.', 400)
      const { instanceId, systemOnly } = sourceOf(state, p)
      const i = cloud.instances.get(instanceId)
      if (!i || i.state === 'terminated' || i.region !== r) throw aliError('InvalidInstanceId.NotFound', 'The specified InstanceId does not exist.', 404)
      if (i.state !== 'stopped' && i.state !== 'running')
        throw aliError('IncorrectInstanceStatus', 'The current status of the resource does not support this operation.', 403)
      const image = images.createImage(cloud, r, {
        instanceId,
        name,
        description: p.str('Description'),
        imageTags: new Map(p.tags().map((t) => [t.key, t.value])),
        blockDevices: systemOnly ? i.devices.slice(1).map((d) => ({ deviceName: d.deviceName, noDevice: true })) : undefined,
      })
      if (p.str('ImageFamily')) state.families.set(image.id, p.str('ImageFamily')!)
      if (token) tokens.set(token, image.id)
      return { ImageId: image.id }
    },
    CopyImage(p) {
      const r = p.required('RegionId')
      const dest = p.required('DestinationRegionId')
      if (!ALICLOUD_REGIONS.some((x) => x.regionId === dest)) throw aliError('InvalidRegionId.NotFound')
      const source = cloud.images.get(state.backendImageId(r, p.required('ImageId')))
      if (!source || source.region !== r) throw imageNotFound()
      if (source.state !== 'available') throw aliError('IncorrectImageStatus', 'The current status of the image does not support this operation.', 403)
      const copy = images.copyImage(cloud, dest, {
        sourceRegion: r,
        sourceImageId: source.id,
        name: p.str('DestinationImageName') ?? source.name,
        description: p.str('DestinationDescription'),
        tags: new Map(p.tags().map((t) => [t.key, t.value])),
        clientToken: p.str('ClientToken'),
      })
      if (state.families.has(source.id)) state.families.set(copy.id, state.families.get(source.id)!)
      return { ImageId: copy.id }
    },
    ModifyImageSharePermission(p) {
      const m = ownImage(state, p)
      const shares = state.shares.get(m.id) ?? new Set<string>()
      for (const a of p.list('AddAccount')) shares.add(a)
      for (const a of p.list('RemoveAccount')) shares.delete(a)
      state.shares.set(m.id, shares)
      return {}
    },
    DescribeImageSharePermission(p) {
      const m = ownImage(state, p)
      const accounts = [...(state.shares.get(m.id) ?? [])]
      return {
        RegionId: m.region,
        ImageId: m.id,
        TotalCount: accounts.length,
        PageNumber: 1,
        PageSize: 100,
        Accounts: { Account: accounts.map((AliyunId) => ({ AliyunId })) },
        ShareGroups: { ShareGroup: [] },
      }
    },
    DeleteImage(p) {
      const m = ownImage(state, p)
      const inUse = [...cloud.instances.values()].some((i) => i.imageId === m.id && i.state !== 'terminated')
      if (inUse && !p.bool('Force')) throw aliError('ImageUsedByInstance', 'The specified image is used by instances; set Force to delete it.', 403)
      // The registration goes at once; removing the committed docker image can take longer
      // than the SDK's 3 s read timeout, so it finishes in the background.
      void images.deregisterImage(cloud, m.region, m.id, false).catch(() => undefined)
      state.families.delete(m.id)
      state.shares.delete(m.id)
      return {}
    },
  }
}

function ownImage(state: AliState, p: Params): Image {
  const m = state.cloud.images.get(p.required('ImageId'))
  if (!m || m.region !== p.required('RegionId') || m.seed) throw imageNotFound()
  return m
}

/** CreateImage's source: an instance, or a system-disk snapshot (image_ignore_data_disks). */
function sourceOf(state: AliState, p: Params): { instanceId: string; systemOnly: boolean } {
  const instanceId = p.str('InstanceId')
  if (instanceId) return { instanceId, systemOnly: false }
  const snapshotId = p.str('SnapshotId') ?? p.records('DiskDeviceMapping').find((d) => d.SnapshotId)?.SnapshotId
  if (!snapshotId)
    throw aliError('MissingParameter', 'The input parameter "InstanceId" or "SnapshotId" that is mandatory for processing this request is not supplied.')
  const snapshot = state.cloud.snapshots.get(snapshotId)
  if (!snapshot) throw aliError('InvalidSnapshotId.NotFound', 'The specified SnapshotId does not exist.', 404)
  // The emulator's disks live in the instance's container: an image of a snapshot is a
  // commit of the instance it was taken from, its system disk only.
  const volume = snapshot.volumeId ? state.cloud.volumes.get(snapshot.volumeId) : undefined
  const owner = volume?.attachment?.instanceId
  if (!owner) throw aliError('InvalidSnapshotId.NotReady', 'The emulator can only make images of snapshots whose instance still exists.', 400)
  return { instanceId: owner, systemOnly: true }
}
