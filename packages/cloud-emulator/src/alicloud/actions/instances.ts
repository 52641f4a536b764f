import * as instances from '../../backend/instances.js'
import { CloudError } from '../../backend/errors.js'
import * as publicIps from '../../backend/public-ips.js'
import { findKeyPair } from '../../backend/keys.js'
import type { Instance } from '../../backend/types.js'
import { aliError } from '../errors.js'
import type { Params } from '../params.js'
import { unknownVolumeType } from '../../backend/catalog.js'
import { ALICLOUD_REGIONS, zoneOffers } from '../profile.js'
import type { Handler } from '../server.js'
import type { AliState, InstanceExtra } from '../state.js'
import { aliTime, matchesTags, page, renderTags } from './render.js'

const notFound = (): CloudError => aliError('InvalidInstanceId.NotFound', 'The specified InstanceId does not exist.', 404)
const badStatus = (i: Instance, expected: string): CloudError =>
  aliError(
    'IncorrectInstanceStatus',
    `The current status of the resource does not support this operation. Status of the specified instance is ${aliStatus(i)} but the expected status is in (${expected}).`,
    403,
  )

/** The backend's instance states in Alibaba's words. */
function aliStatus(i: Instance, extra?: InstanceExtra): string {
  switch (i.state) {
    case 'pending':
      return extra?.everStarted ? 'Starting' : 'Pending'
    case 'running':
      return extra?.stopWhenBooted ? 'Pending' : 'Running'
    case 'stopping':
      return 'Stopping'
    case 'stopped':
      return 'Stopped'
    default:
      return 'Stopping'
  }
}

/** StartInstance, DeleteInstance, ... carry no RegionId: find the instance in any region. */
export function liveInstance(state: AliState, id: string): Instance {
  const i = state.cloud.instances.get(id)
  if (!i || i.state === 'terminated' || !state.instances.has(id)) throw notFound()
  return i
}

function launch(state: AliState, p: Params, createOnly: boolean): Instance {
  const { cloud } = state
  const r = p.required('RegionId')
  const region = ALICLOUD_REGIONS.find((x) => x.regionId === r)
  if (!region) throw aliError('InvalidRegionId.NotFound')
  const type = p.required('InstanceType')
  const vSwitchId = p.required('VSwitchId')
  const subnet = cloud.subnets.get(vSwitchId)
  if (!subnet || subnet.region !== r) throw aliError('InvalidVSwitchId.NotFound', 'Specified virtual switch does not exist.', 404)
  const profile = cloud.profile('alicloud')!
  if (!zoneOffers(profile.instanceTypes ?? [], region, subnet.zone, type))
    throw aliError(
      'InvalidResourceType.NotSupported',
      `This resource type is not supported; please try other resource types. Zone ${subnet.zone} offers no ${type}.`,
      403,
    )
  const imageId = state.backendImageId(r, p.required('ImageId'))
  if (!cloud.images.get(imageId) || cloud.images.get(imageId)!.region !== r)
    throw aliError('InvalidImageId.NotFound', 'The specified ImageId does not exist.', 404)
  const keyName = p.str('KeyPairName')
  if (keyName && !findKeyPair(cloud, r, keyName)) throw aliError('InvalidKeyPairName.NotFound', 'The specified KeyPairName does not exist.', 404)
  const sgIds = p.str('SecurityGroupId') ? [p.str('SecurityGroupId')!] : p.list('SecurityGroupIds')
  if (!sgIds.length) throw aliError('MissingParameter', 'The input parameter "SecurityGroupId" that is mandatory for processing this request is not supplied.')
  for (const id of sgIds)
    if (!cloud.securityGroups.get(id)) throw aliError('InvalidSecurityGroupId.NotFound', 'The specified SecurityGroupId does not exist.', 404)
  const disks: Array<[string, string | undefined, string]> = [
    ['SystemDisk.Category', p.str('SystemDisk.Category'), 'InvalidSystemDiskCategory.ValueNotSupported'],
    ...p
      .records('DataDisk')
      .map((d, n): [string, string | undefined, string] => [`DataDisk.${n + 1}.Category`, d.Category, 'InvalidDataDiskCategory.ValueNotSupported']),
  ]
  for (const [field, category, code] of disks) {
    const unknown = category === undefined ? undefined : unknownVolumeType(profile, category)
    if (unknown) throw aliError(code, `The specified parameter ${field} is not valid: ${unknown}.`, 400)
  }
  const userData = p.str('UserData')
  if (userData && userData.length > 43_692) throw aliError('InvalidUserData.SizeExceeded', 'The specified parameter UserData exceeds the size.', 400)
  const dataDisks = p.records('DataDisk').filter((d) => d.Size || d.SnapshotId)
  const tags = new Map(p.tags().map((t) => [t.key, t.value]))
  const launched = instances.runInstances(cloud, r, {
    imageId,
    instanceType: type,
    keyName,
    securityGroupIds: sgIds,
    subnetId: vSwitchId,
    userData: userData ? Buffer.from(userData, 'base64') : undefined,
    instanceTags: tags,
    volumeTags: tags,
    clientToken: p.str('ClientToken'),
    blockDevices: [
      { deviceName: '/dev/xvda', volumeSize: p.int('SystemDisk.Size'), volumeType: p.str('SystemDisk.Category') ?? 'cloud_efficiency' },
      ...dataDisks.map((d, n) => ({
        deviceName: `/dev/xvd${String.fromCharCode(98 + n)}`,
        volumeSize: d.Size ? Number(d.Size) : undefined,
        snapshotId: d.SnapshotId,
        volumeType: d.Category ?? 'cloud_efficiency',
        deleteOnTermination: d.DeleteWithInstance !== 'false',
      })),
    ],
  })
  const instance = launched[0]!
  if (!state.instances.has(instance.id)) {
    state.instances.set(instance.id, {
      name: p.str('InstanceName') ?? instance.id,
      hostName: p.str('HostName') ?? `iZ${instance.id.slice(2)}Z`,
      internetMaxBandwidthOut: p.int('InternetMaxBandwidthOut') ?? 0,
      stopWhenBooted: createOnly,
      everStarted: false,
    })
  }
  return instance
}

function render(state: AliState, i: Instance): Record<string, unknown> {
  const extra = state.instances.get(i.id)!
  const eip = publicIps.publicIpOf(state.cloud, i)
  const publicIp = extra.internetMaxBandwidthOut > 0 && !eip && i.address ? [i.address] : []
  return {
    InstanceId: i.id,
    InstanceName: extra.name,
    HostName: extra.hostName,
    Status: aliStatus(i, extra),
    RegionId: i.region,
    ZoneId: i.zone,
    ImageId: state.imageId(i.imageId),
    InstanceType: i.instanceType,
    InstanceTypeFamily: i.instanceType.split('.').slice(0, 2).join('.'),
    InstanceNetworkType: 'vpc',
    OSType: 'linux',
    OSName: 'Debian 12 64位',
    Cpu: 2,
    Memory: 4096,
    IoOptimized: true,
    InstanceChargeType: 'PostPaid',
    InternetChargeType: 'PayByTraffic',
    InternetMaxBandwidthOut: extra.internetMaxBandwidthOut,
    KeyPairName: i.keyName ?? '',
    CreationTime: aliTime(i.launched),
    StartTime: aliTime(i.launched),
    ExpiredTime: '2099-12-31T15:59Z',
    VpcAttributes: { VpcId: i.vpcId, VSwitchId: i.subnetId, PrivateIpAddress: { IpAddress: i.address ? [i.address] : [] }, NatIpAddress: '' },
    PublicIpAddress: { IpAddress: publicIp },
    InnerIpAddress: { IpAddress: [] },
    EipAddress: eip
      ? { AllocationId: eip.id, IpAddress: eip.address, Bandwidth: Number(state.eipInfo.get(eip.id)?.bandwidth ?? 5), InternetChargeType: 'PayByTraffic' }
      : { AllocationId: '', IpAddress: '', Bandwidth: 0, InternetChargeType: '' },
    SecurityGroupIds: { SecurityGroupId: i.securityGroupIds },
    NetworkInterfaces: { NetworkInterface: [{ NetworkInterfaceId: i.id.replace(/^i-/, 'eni-'), PrimaryIpAddress: i.address, Type: 'Primary' }] },
    Tags: renderTags(i.tags),
  }
}

export function instanceActions(state: AliState): Record<string, Handler> {
  const { cloud } = state
  return {
    RunInstances(p) {
      const amount = p.int('Amount') ?? 1
      if (amount !== 1) throw aliError('InvalidParameter', 'The emulator launches one instance per call (Amount=1).', 400)
      const i = launch(state, p, false)
      return { InstanceIdSets: { InstanceIdSet: [i.id] }, OrderId: '', TradePrice: 0 }
    },
    CreateInstance(p) {
      return { InstanceId: launch(state, p, true).id, OrderId: '', TradePrice: 0 }
    },
    DescribeInstances(p) {
      const r = p.required('RegionId')
      const ids = p.jsonList('InstanceIds')
      const status = p.str('Status')
      const all = [...cloud.instances.values()]
        .filter((i) => i.region === r && i.state !== 'terminated' && state.instances.has(i.id))
        .filter(
          (i) => (!ids || ids.includes(i.id)) && (!p.str('VpcId') || i.vpcId === p.str('VpcId')) && (!p.str('VSwitchId') || i.subnetId === p.str('VSwitchId')),
        )
        .filter((i) => (!status || aliStatus(i, state.instances.get(i.id)) === status) && matchesTags(i.tags, p.tags()))
        .filter((i) => !p.str('InstanceName') || state.instances.get(i.id)!.name === p.str('InstanceName'))
      const { items, ...paging } = page(all, p.int('PageNumber'), p.int('PageSize') ?? 10)
      return { ...paging, NextToken: '', Instances: { Instance: items.map((i) => render(state, i)) } }
    },
    StartInstance(p) {
      const i = liveInstance(state, p.required('InstanceId'))
      if (i.state !== 'stopped') throw badStatus(i, 'Stopped')
      instances.startInstances(cloud, i.region, [i.id])
      state.instances.get(i.id)!.everStarted = true
      return {}
    },
    StopInstance(p) {
      const i = liveInstance(state, p.required('InstanceId'))
      if (i.state === 'stopped' || i.state === 'stopping') return {}
      if (i.state !== 'running') throw badStatus(i, 'Running')
      instances.stopInstances(cloud, i.region, [i.id])
      return {}
    },
    RebootInstance(p) {
      const i = liveInstance(state, p.required('InstanceId'))
      if (i.state !== 'running') throw badStatus(i, 'Running')
      instances.rebootInstances(cloud, i.region, [i.id])
      return {}
    },
    DeleteInstance(p) {
      const i = liveInstance(state, p.required('InstanceId'))
      const force = p.bool('Force') ?? false
      if (i.state === 'pending' && !state.instances.get(i.id)!.everStarted)
        throw aliError('IncorrectInstanceStatus.Initializing', 'The specified instance is in initializing status.', 403)
      if (!force && i.state !== 'stopped') throw badStatus(i, 'Stopped')
      if (publicIps.publicIpOf(cloud, i)) throw aliError('DependencyViolation.EIPAssociated', 'The instance still has an EIP associated.', 403)
      instances.terminateInstances(cloud, i.region, [i.id])
      state.instanceGone([i.subnetId, i.vpcId, ...i.securityGroupIds])
      return {}
    },
    AllocatePublicIpAddress(p) {
      const i = liveInstance(state, p.required('InstanceId'))
      const extra = state.instances.get(i.id)!
      state.instances.set(i.id, { ...extra, internetMaxBandwidthOut: Math.max(extra.internetMaxBandwidthOut, 1) })
      return { IpAddress: i.address }
    },
  }
}

/** Runs the background rule of CreateInstance: the instance stops by itself once booted. */
export function watchInstances(state: AliState): () => void {
  const timer = setInterval(() => {
    for (const [id, extra] of state.instances) {
      const i = state.cloud.instances.get(id)
      if (!i || i.state === 'terminated') {
        if (i?.state === 'terminated') state.instances.delete(id)
        continue
      }
      if (extra.stopWhenBooted && i.state === 'running' && !i.transition) {
        extra.stopWhenBooted = false
        instances.stopInstances(state.cloud, i.region, [i.id])
      }
    }
  }, 100)
  timer.unref()
  return () => clearInterval(timer)
}
