import { CloudError } from '../../backend/errors.js'
import * as img from '../../backend/images.js'
import type { Image } from '../../backend/types.js'
import { applyFilters, readFilters } from '../filters.js'
import type { Reader } from '../query.js'
import { renderImage } from '../render.js'
import { blockDevices } from './instances.js'
import { checkId, checkIds, missing, page, tagSpec, type Handler } from './common.js'

export const DescribeImages: Handler = ({ cloud, region }, r) => {
  const ids = checkIds('ami', r.list('ImageId'))
  const owners = r.list('Owner').map((o) => (o === 'self' ? cloud.accountId : o))
  // Owners take account ids, 'self', or an alias ('amazon', 'aws-marketplace') that the catalog's images carry.
  const ownedBy = (m: Image): boolean => owners.includes(m.ownerId) || (m.catalog?.ownerAlias !== undefined && owners.includes(m.catalog.ownerAlias))
  const executableBy = r.list('ExecutableBy')
  let found = img.imagesIn(cloud, region).filter((m) => img.launchable(cloud, m))
  if (ids.length) {
    found = found.filter((m) => ids.includes(m.id))
    missing(
      'InvalidAMIID.NotFound',
      'image id',
      ids.map((id) => `[${id}]`),
      new Set(found.map((m) => `[${m.id}]`)),
    )
  }
  if (owners.length) found = found.filter(ownedBy)
  if (executableBy.length) {
    found = found.filter((m) =>
      executableBy.some((e) => {
        if (e === 'all') return m.isPublic
        const account = e === 'self' ? cloud.accountId : e
        return m.launchUsers.has(account) || m.ownerId === account || (e !== 'self' && m.isPublic)
      }),
    )
  }
  found = applyFilters(
    found,
    readFilters(r),
    {
      name: (m) => m.name,
      'image-id': (m) => m.id,
      'owner-id': (m) => m.ownerId,
      state: (m) => m.state,
      'is-public': (m) => m.isPublic,
      architecture: (m) => m.architecture,
      'root-device-type': () => 'ebs',
      'root-device-name': (m) => m.rootDeviceName,
      'virtualization-type': () => 'hvm',
      description: (m) => m.description,
      'image-type': () => 'machine',
      hypervisor: () => 'xen',
      'block-device-mapping.snapshot-id': (m) => m.devices.map((d) => d.snapshotId),
      'block-device-mapping.device-name': (m) => m.devices.map((d) => d.deviceName),
      'block-device-mapping.volume-size': (m) => m.devices.map((d) => String(d.volumeSize)),
      'block-device-mapping.volume-type': (m) => m.devices.map((d) => d.volumeType),
      'ena-support': () => true,
      'creation-date': (m) => m.created.toISOString(),
      'source-instance-id': (m) => m.sourceInstanceId,
      'owner-alias': (m) => (m.ownerId === cloud.accountId ? 'self' : m.catalog?.ownerAlias),
    },
    (m) => m.tags,
  )
  const p = page(r, found, ids.length > 0)
  return { imagesSet: p.items.map(renderImage), nextToken: p.nextToken }
}

export const CreateImage: Handler = ({ cloud, region }, r) => {
  const image = img.createImage(cloud, region, {
    instanceId: checkId('i', r.required('InstanceId')),
    name: r.required('Name'),
    description: r.str('Description'),
    noReboot: r.bool('NoReboot'),
    blockDevices: blockDevices(r, cloud, region),
    imageTags: tagSpec(r, 'image', ['image', 'snapshot']),
    snapshotTags: tagSpec(r, 'snapshot', ['image', 'snapshot']),
  })
  return { imageId: image.id }
}

export const DeregisterImage: Handler = async ({ cloud, region }, r) => {
  const id = checkId('ami', r.required('ImageId'))
  const deleted = await img.deregisterImage(cloud, region, id, r.bool('DeleteAssociatedSnapshots') === true)
  return { return: true, deleteSnapshotResultSet: deleted.map((snapshotId) => ({ snapshotId, returnCode: 'success' })) }
}

export const CopyImage: Handler = ({ cloud, region }, r) => {
  const sourceImageId = checkId('ami', r.required('SourceImageId'))
  const image = img.copyImage(cloud, region, {
    sourceRegion: r.required('SourceRegion'),
    sourceImageId,
    name: r.required('Name'),
    description: r.str('Description'),
    encrypted: r.bool('Encrypted'),
    kmsKeyId: r.str('KmsKeyId'),
    tags: tagSpec(r, 'image', ['image', 'snapshot']),
    clientToken: r.str('ClientToken'),
  })
  if (r.bool('CopyImageTags')) {
    const source = cloud.images.get(sourceImageId)
    for (const [k, v] of source?.tags ?? []) if (!image.tags.has(k)) image.tags.set(k, v)
  }
  return { imageId: image.id }
}

function permissionChange(r: Reader): { addUsers: string[]; removeUsers: string[]; addGroups: string[]; removeGroups: string[] } {
  const lp = r.struct('LaunchPermission')
  const add = lp?.structs('Add') ?? []
  const remove = lp?.structs('Remove') ?? []
  const change = {
    addUsers: add.map((x) => x.str('UserId')).filter((x): x is string => !!x),
    addGroups: add.map((x) => x.str('Group')).filter((x): x is string => !!x),
    removeUsers: remove.map((x) => x.str('UserId')).filter((x): x is string => !!x),
    removeGroups: remove.map((x) => x.str('Group')).filter((x): x is string => !!x),
  }
  const op = r.str('OperationType')
  if (op) {
    if (op !== 'add' && op !== 'remove') throw new CloudError('InvalidParameterValue', `Invalid value '${op}' for OperationType`)
    const users = r.list('UserId')
    const groups = r.list('UserGroup')
    if (op === 'add') {
      change.addUsers.push(...users)
      change.addGroups.push(...groups)
    } else {
      change.removeUsers.push(...users)
      change.removeGroups.push(...groups)
    }
  }
  return change
}

export const ModifyImageAttribute: Handler = ({ cloud, region }, r) => {
  const id = checkId('ami', r.required('ImageId'))
  const attribute = r.str('Attribute')
  const description = r.struct('Description')?.str('Value')
  if (attribute === 'description' || (description !== undefined && !attribute)) {
    const image = img.ownImage(cloud, region, id)
    ;(image as { description?: string }).description = description ?? r.str('Value')
    return { return: true }
  }
  // ImdsSupport.Value: only v2.0 exists, and EC2 cannot turn it off again.
  const imds = r.struct('ImdsSupport')?.str('Value')
  if (attribute === 'imdsSupport' || (imds !== undefined && !attribute)) {
    if (imds !== 'v2.0') throw new CloudError('InvalidParameterValue', `Value (${String(imds)}) for parameter imdsSupport is invalid. Valid values: v2.0`)
    ;(img.ownImage(cloud, region, id) as { imdsSupport?: string }).imdsSupport = imds
    return { return: true }
  }
  // Marketplace product codes (ProductCode.N): EC2 attaches them once; the emulator records them.
  const codes = r.list('ProductCode')
  if (attribute === 'productCodes' || (codes.length && !attribute)) {
    if (!codes.length) throw new CloudError('MissingParameter', 'The request must contain the parameter ProductCode')
    const image = img.ownImage(cloud, region, id) as { productCodes?: string[] }
    if (image.productCodes?.length) throw new CloudError('InvalidParameter', 'The image already has product codes')
    image.productCodes = [...codes]
    return { return: true }
  }
  if (attribute && attribute !== 'launchPermission') throw new CloudError('InvalidParameterValue', `Attribute ${attribute} is not supported by this emulator`)
  const change = permissionChange(r)
  if (!Object.values(change).some((l) => l.length)) throw new CloudError('MissingParameter', 'No launch permission change given')
  img.modifyLaunchPermission(cloud, region, id, change)
  return { return: true }
}

function launchPermissions(m: Image): unknown[] {
  return [...[...m.launchUsers].map((userId) => ({ userId })), ...[...m.launchGroups].map((group) => ({ group }))]
}

export const DescribeImageAttribute: Handler = ({ cloud, region }, r) => {
  const image = img.ownImage(cloud, region, checkId('ami', r.required('ImageId')))
  const attribute = r.required('Attribute')
  switch (attribute) {
    case 'launchPermission':
      return { imageId: image.id, launchPermission: launchPermissions(image) as never }
    case 'description':
      return { imageId: image.id, description: { value: image.description } }
    case 'blockDeviceMapping':
      return { imageId: image.id, blockDeviceMapping: (renderImage(image) as { blockDeviceMapping: never }).blockDeviceMapping }
    case 'imdsSupport':
      return { imageId: image.id, imdsSupport: { value: (image as { imdsSupport?: string }).imdsSupport } }
    case 'productCodes':
      return {
        imageId: image.id,
        productCodes: ((image as { productCodes?: string[] }).productCodes ?? []).map((productCode) => ({ productCode, type: 'marketplace' })) as never,
      }
    case 'bootMode':
      return { imageId: image.id, bootMode: { value: 'uefi-preferred' } }
    default:
      throw new CloudError('InvalidParameterValue', `Value (${attribute}) for parameter attribute is invalid. Unknown attribute.`)
  }
}
