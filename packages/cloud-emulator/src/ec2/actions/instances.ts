import { unknownVolumeType } from '../../backend/catalog.js'
import type { Cloud } from '../../backend/cloud.js'
import { CloudError } from '../../backend/errors.js'
import * as inst from '../../backend/instances.js'
import type { Instance } from '../../backend/types.js'
import { applyFilters, readFilters, type FilterSpec } from '../filters.js'
import type { Reader } from '../query.js'
import { addressing, instanceState, renderInstance, STATE_CODES } from '../render.js'
import { checkId, checkIds, missing, page, tagSpec, type ActionContext, type Handler } from './common.js'

/** The block device mappings of a request; a volume type the catalog lacks is EC2's InvalidParameterValue. */
export function blockDevices(r: Reader, cloud: Cloud, region: string): inst.BlockDeviceSpec[] {
  return r.structs('BlockDeviceMapping').map((b) => {
    const ebs = b.struct('Ebs')
    const type = ebs?.str('VolumeType')
    const unknown = type === undefined ? undefined : unknownVolumeType(cloud.profileOf(region), type)
    if (unknown) throw new CloudError('InvalidParameterValue', `Value (${type}) for parameter volumeType is invalid: ${unknown}`)
    return {
      deviceName: b.required('DeviceName'),
      noDevice: b.str('NoDevice') !== undefined,
      snapshotId: ebs?.str('SnapshotId'),
      volumeSize: ebs?.int('VolumeSize'),
      volumeType: ebs?.str('VolumeType'),
      deleteOnTermination: ebs?.bool('DeleteOnTermination'),
      encrypted: ebs?.bool('Encrypted'),
    }
  })
}

export const RunInstances: Handler = ({ cloud, region }, r) => {
  const imageId = checkId('ami', r.required('ImageId'))
  const nic = r.structs('NetworkInterface')[0]
  const subnetFromNic = nic?.str('SubnetId')
  const groupsFromNic = nic?.list('SecurityGroupId') ?? []
  if (nic && (r.str('SubnetId') || r.list('SecurityGroupId').length))
    throw new CloudError(
      'InvalidParameterCombination',
      'Network interfaces and an instance-level subnet ID or security groups may not be specified on the same request',
    )
  const userData = r.str('UserData')
  const behavior = r.str('InstanceInitiatedShutdownBehavior')
  if (behavior && behavior !== 'stop' && behavior !== 'terminate')
    throw new CloudError('InvalidParameterValue', `Invalid value '${behavior}' for InstanceInitiatedShutdownBehavior`)
  const tokens = r.struct('MetadataOptions')?.str('HttpTokens')
  if (tokens && tokens !== 'optional' && tokens !== 'required') throw new CloudError('InvalidParameterValue', `Invalid value '${tokens}' for HttpTokens`)
  const meta = r.struct('MetadataOptions')
  const profile = r.struct('IamInstanceProfile')
  const instances = inst.runInstances(cloud, region, {
    imageId,
    instanceType: r.str('InstanceType'),
    keyName: r.str('KeyName'),
    securityGroupIds: checkIds('sg', [...r.list('SecurityGroupId'), ...groupsFromNic]),
    securityGroupNames: r.list('SecurityGroup'),
    // Other clients (Packer's aws-sdk-go) send empty strings for what they leave unset; EC2
    // treats them as absent, so a launch without subnet or zone lands in the default subnet.
    subnetId: r.str('SubnetId') || subnetFromNic || undefined,
    zone: r.struct('Placement')?.str('AvailabilityZone') || undefined,
    userData: userData ? Buffer.from(userData, 'base64') : undefined,
    instanceTags: tagSpec(r, 'instance', ['instance', 'volume', 'network-interface', 'spot-instances-request', 'elastic-gpu']),
    volumeTags: tagSpec(r, 'volume', ['instance', 'volume', 'network-interface', 'spot-instances-request', 'elastic-gpu']),
    blockDevices: blockDevices(r, cloud, region),
    metadataOptions: meta && {
      httpTokens: tokens,
      httpEndpoint: meta.str('HttpEndpoint'),
      hopLimit: meta.int('HttpPutResponseHopLimit'),
      instanceMetadataTags: meta.str('InstanceMetadataTags'),
    },
    iamInstanceProfile: profile && { arn: profile.str('Arn'), name: profile.str('Name') },
    shutdownBehavior: behavior as 'stop' | 'terminate' | undefined,
    associatePublicIp: nic?.bool('AssociatePublicIpAddress'),
    minCount: r.int('MinCount') ?? 1,
    maxCount: r.int('MaxCount') ?? 1,
    clientToken: r.str('ClientToken'),
    disableApiTermination: r.bool('DisableApiTermination'),
  })
  const first = instances[0]!
  return {
    reservationId: first.reservationId,
    ownerId: cloud.accountId,
    groupSet: [],
    instancesSet: instances.map((i) => renderInstance(cloud, i)),
  }
}

const instanceFilters = (cloud: ActionContext['cloud']): FilterSpec<Instance> => ({
  'instance-id': (i) => i.id,
  'instance-state-name': (i) => i.state,
  'instance-state-code': (i) => String(STATE_CODES[i.state]),
  'image-id': (i) => i.imageId,
  'instance-type': (i) => i.instanceType,
  'key-name': (i) => i.keyName,
  'subnet-id': (i) => i.subnetId,
  'vpc-id': (i) => i.vpcId,
  'availability-zone': (i) => i.zone,
  'ip-address': (i) => addressing(cloud, i).publicIp,
  'private-ip-address': (i) => addressing(cloud, i).privateIp,
  'dns-name': (i) => addressing(cloud, i).publicDns,
  'private-dns-name': (i) => addressing(cloud, i).privateDns,
  'instance.group-id': (i) => i.securityGroupIds,
  'group-id': (i) => i.securityGroupIds,
  'reservation-id': (i) => i.reservationId,
  'root-device-type': () => 'ebs',
  architecture: () => 'x86_64',
})

function selected(ctx: ActionContext, r: Reader): Instance[] {
  const ids = checkIds('i', r.list('InstanceId'))
  let found = inst.instancesIn(ctx.cloud, ctx.region)
  if (ids.length) {
    found = found.filter((i) => ids.includes(i.id))
    missing('InvalidInstanceID.NotFound', 'instance ID', ids, new Set(found.map((i) => i.id)))
  }
  return applyFilters(found, readFilters(r), instanceFilters(ctx.cloud), (i) => i.tags)
}

export const DescribeInstances: Handler = (ctx, r) => {
  const { items: found, nextToken } = page(r, selected(ctx, r), r.list('InstanceId').length > 0)
  const reservations = new Map<string, Instance[]>()
  for (const i of found) reservations.set(i.reservationId, [...(reservations.get(i.reservationId) ?? []), i])
  return {
    reservationSet: [...reservations].map(([id, list]) => ({
      reservationId: id,
      ownerId: ctx.cloud.accountId,
      groupSet: [],
      instancesSet: list.map((i) => renderInstance(ctx.cloud, i)),
    })),
    nextToken,
  }
}

export const DescribeInstanceStatus: Handler = (ctx, r) => {
  const all = r.bool('IncludeAllInstances') === true
  const { items: found, nextToken } = page(
    r,
    selected(ctx, r).filter((i) => all || i.state === 'running'),
    r.list('InstanceId').length > 0,
  )
  const ok = (i: Instance): string => (i.state === 'running' ? 'ok' : 'not-applicable')
  return {
    instanceStatusSet: found.map((i) => ({
      instanceId: i.id,
      availabilityZone: i.zone,
      instanceState: instanceState(i.state),
      eventsSet: [],
      systemStatus: { status: ok(i), details: [{ name: 'reachability', status: ok(i) === 'ok' ? 'passed' : 'initializing' }] },
      instanceStatus: { status: ok(i), details: [{ name: 'reachability', status: ok(i) === 'ok' ? 'passed' : 'initializing' }] },
    })),
    nextToken,
  }
}

function changes(list: inst.StateChange[]): unknown {
  return list.map((c) => ({ instanceId: c.id, currentState: instanceState(c.current), previousState: instanceState(c.previous) }))
}

function ids(r: Reader): string[] {
  const list = checkIds('i', r.list('InstanceId'))
  if (list.length === 0) throw new CloudError('MissingParameter', 'The request must contain the parameter InstanceId')
  return list
}

export const StopInstances: Handler = ({ cloud, region }, r) => ({ instancesSet: changes(inst.stopInstances(cloud, region, ids(r))) as never })
export const StartInstances: Handler = ({ cloud, region }, r) => ({ instancesSet: changes(inst.startInstances(cloud, region, ids(r))) as never })
export const TerminateInstances: Handler = ({ cloud, region }, r) => ({ instancesSet: changes(inst.terminateInstances(cloud, region, ids(r))) as never })

export const RebootInstances: Handler = ({ cloud, region }, r) => {
  inst.rebootInstances(cloud, region, ids(r))
  return { return: true }
}

const BOOL_ATTRIBUTES = ['disableApiTermination', 'enaSupport', 'sourceDestCheck', 'ebsOptimized', 'disableApiStop'] as const

export const ModifyInstanceAttribute: Handler = ({ cloud, region }, r) => {
  const id = checkId('i', r.required('InstanceId'))
  const value = (name: string): string | undefined => r.struct(name)?.str('Value') ?? (r.str('Attribute') === lower(name) ? r.str('Value') : undefined)
  const bool = (name: string): boolean | undefined => {
    const v = value(name)
    return v === undefined ? undefined : v === 'true'
  }
  const attribute = r.str('Attribute')
  const known = ['instanceType', 'userData', 'instanceInitiatedShutdownBehavior', 'sriovNetSupport', 'groupSet', ...BOOL_ATTRIBUTES]
  if (attribute && !known.includes(attribute)) throw new CloudError('InvalidParameterValue', `Value (${attribute}) for parameter attribute is invalid.`)
  const behavior = value('InstanceInitiatedShutdownBehavior')
  if (behavior !== undefined && behavior !== 'stop' && behavior !== 'terminate')
    throw new CloudError('InvalidParameterValue', `Invalid value '${behavior}' for InstanceInitiatedShutdownBehavior`)
  const userData = value('UserData')
  const groups = r.list('GroupId')
  inst.modifyInstance(cloud, region, id, {
    instanceType: value('InstanceType'),
    userData: userData === undefined ? undefined : Buffer.from(userData, 'base64'),
    disableApiTermination: bool('DisableApiTermination'),
    enaSupport: bool('EnaSupport'),
    sriovNetSupport: value('SriovNetSupport'),
    shutdownBehavior: behavior as 'stop' | 'terminate' | undefined,
    securityGroupIds: groups.length ? checkIds('sg', groups) : undefined,
  })
  return { return: true }
}

const lower = (s: string): string => s[0]!.toLowerCase() + s.slice(1)

export const DescribeInstanceAttribute: Handler = ({ cloud, region }, r) => {
  const i = inst.getInstance(cloud, region, checkId('i', r.required('InstanceId')))
  const attribute = r.required('Attribute')
  const out: Record<string, unknown> = { instanceId: i.id }
  switch (attribute) {
    case 'instanceType':
      out.instanceType = { value: i.instanceType }
      break
    case 'userData':
      out.userData = i.userData ? { value: i.userData.toString('base64') } : {}
      break
    case 'disableApiTermination':
      out.disableApiTermination = { value: i.disableApiTermination }
      break
    case 'instanceInitiatedShutdownBehavior':
      out.instanceInitiatedShutdownBehavior = { value: i.shutdownBehavior }
      break
    case 'rootDeviceName':
      out.rootDeviceName = { value: i.rootDeviceName }
      break
    case 'enaSupport':
      out.enaSupport = { value: i.enaSupport }
      break
    case 'sriovNetSupport':
      out.sriovNetSupport = i.sriovNetSupport ? { value: i.sriovNetSupport } : {}
      break
    case 'sourceDestCheck':
      out.sourceDestCheck = { value: true }
      break
    case 'ebsOptimized':
      out.ebsOptimized = { value: false }
      break
    case 'groupSet':
      out.groupSet = i.securityGroupIds.map((groupId) => ({ groupId, groupName: cloud.securityGroups.get(groupId)?.name }))
      break
    case 'blockDeviceMapping':
      out.blockDeviceMapping = i.devices.map((d) => ({
        deviceName: d.deviceName,
        ebs: { volumeId: d.volumeId, status: 'attached', attachTime: i.launched, deleteOnTermination: d.deleteOnTermination },
      }))
      break
    default:
      throw new CloudError('InvalidParameterValue', `Value (${attribute}) for parameter attribute is invalid.`)
  }
  return out as Record<string, never>
}
