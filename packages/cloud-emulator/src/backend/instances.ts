import { BackendError, badState, invalid, notFound } from './errors.js'
import { addressesInUse, docker, DockerError, ADDRESS_LABEL } from './docker.js'
import { firstBootScript, RUN_USER_DATA } from './first-boot.js'
import { removeContainer } from './power.js'
import { getInstance } from './lookup.js'
import { getKeyPair } from './keys.js'
import { getSecurityGroup, getSubnet, subnetsIn, defaultVpc } from './network.js'
import { getImage, launchable } from './images.js'
import { waitForSshBanner } from './ssh-ready.js'
import { bootPaper } from './paper.js'
import type { Cloud } from './cloud.js'
import type { Instance, InstanceDevice, Volume } from './types.js'

export interface BlockDeviceSpec {
  readonly deviceName: string
  readonly noDevice?: boolean
  readonly snapshotId?: string
  readonly volumeSize?: number
  readonly volumeType?: string
  readonly deleteOnTermination?: boolean
  readonly encrypted?: boolean
}

export interface RunSpec {
  readonly imageId: string
  readonly instanceType?: string
  readonly keyName?: string
  readonly securityGroupIds?: readonly string[]
  readonly securityGroupNames?: readonly string[]
  readonly subnetId?: string
  readonly zone?: string
  readonly userData?: Buffer
  readonly instanceTags?: ReadonlyMap<string, string>
  readonly volumeTags?: ReadonlyMap<string, string>
  readonly blockDevices?: readonly BlockDeviceSpec[]
  readonly metadataOptions?: { httpTokens?: string; httpEndpoint?: string; hopLimit?: number; instanceMetadataTags?: string }
  readonly iamInstanceProfile?: { arn?: string; name?: string }
  readonly shutdownBehavior?: 'stop' | 'terminate'
  readonly associatePublicIp?: boolean
  readonly minCount?: number
  readonly maxCount?: number
  readonly clientToken?: string
  readonly disableApiTermination?: boolean
}

/** At most this many instances per call: containers are heavy on a shared machine. */
const MAX_PER_CALL = 4

export function instancesIn(cloud: Cloud, region: string): Instance[] {
  return [...cloud.instances.values()].filter((i) => i.region === region)
}

/** Refuses instance type names the region's cloud does not have (ecs.g7.large is Alibaba's, s6.large.2 Huawei's). */
export function checkInstanceType(cloud: Cloud, region: string, type: string): void {
  const profile = cloud.profileOf(region)
  // The catalog's list when the profile has one (users extend it: catalog.ts), else the shape.
  if (profile.instanceTypes?.length ? !profile.instanceTypes.includes(type) : !profile.instanceType.test(type))
    throw invalid(`Invalid value '${type}' for InstanceType.`, { resource: 'instance-type', id: type, field: 'instance-type' })
}

/** Validates everything first, so a refused call leaves nothing behind; then boots containers. */
export function runInstances(cloud: Cloud, region: string, spec: RunSpec): Instance[] {
  // EC2 idempotency: a retry with the same client token gets the first call's instances.
  if (spec.clientToken) {
    const earlier = instancesIn(cloud, region).filter((i) => i.clientToken === spec.clientToken)
    if (earlier.length) {
      if (earlier[0]!.imageId !== spec.imageId)
        throw new BackendError('idempotency-mismatch', `Client token ${spec.clientToken} was used with different parameters`, { resource: 'instance' })
      return earlier
    }
  }
  const zones = cloud.region(region).zones
  const image = getImage(cloud, region, spec.imageId)
  if (!launchable(cloud, image)) throw notFound('image', spec.imageId, `The image id '[${spec.imageId}]' does not exist`)
  if (image.state !== 'available') throw badState('image', image.id, `The image id '[${image.id}]' is not available`, 'unavailable')
  const min = spec.minCount ?? 1
  const max = spec.maxCount ?? min
  if (min < 1 || max < min) throw invalid('MinCount and MaxCount must be positive and MinCount <= MaxCount', { field: 'count' })
  if (min > MAX_PER_CALL)
    throw new BackendError('quota', `You have requested more instances (${min}) than your current instance limit of ${MAX_PER_CALL} allows`, {
      resource: 'instance',
    })
  const count = Math.min(max, MAX_PER_CALL)
  const type = spec.instanceType ?? cloud.profileOf(region).defaultInstanceType
  checkInstanceType(cloud, region, type)
  const key = spec.keyName ? getKeyPair(cloud, region, spec.keyName) : undefined
  let subnet = spec.subnetId ? getSubnet(cloud, region, spec.subnetId) : undefined
  if (subnet && spec.zone && subnet.zone !== spec.zone)
    throw invalid(`Value (${spec.zone}) for parameter availabilityZone is invalid. Subnet '${subnet.id}' is in ${subnet.zone}`, {
      resource: 'zone',
      field: 'zone',
    })
  if (spec.zone && !zones.includes(spec.zone)) throw invalid(`Invalid availability zone: [${spec.zone}]`, { resource: 'zone', field: 'zone', id: spec.zone })
  if (!subnet) {
    const vpc = defaultVpc(cloud, region)
    const zone = spec.zone ?? zones[0]
    subnet = subnetsIn(cloud, region).find((s) => s.vpcId === vpc?.id && s.defaultForAz && s.zone === zone)
    if (!subnet) throw invalid('No default VPC for this user', { field: 'subnet', reason: 'no-default-network' })
  }
  const groups = [
    ...(spec.securityGroupIds ?? []).map((id) => getSecurityGroup(cloud, region, { id })),
    ...(spec.securityGroupNames ?? []).map((name) => getSecurityGroup(cloud, region, { name })),
  ]
  if (groups.length === 0) {
    // No group given: the default group of the subnet's VPC, as EC2 does.
    const fallback = [...cloud.securityGroups.values()].find((g) => g.isDefault && g.vpcId === subnet!.vpcId)
    if (fallback) groups.push(fallback)
  }
  for (const g of groups)
    if (g.vpcId !== subnet.vpcId)
      throw invalid(`Security group ${g.id} and subnet ${subnet.id} belong to different networks.`, {
        resource: 'security-group',
        id: g.id,
        reason: 'other-network',
      })
  for (const d of spec.blockDevices ?? []) {
    if (d.snapshotId && !cloud.snapshots.has(d.snapshotId)) throw notFound('snapshot', d.snapshotId)
    const root = image.devices.find((x) => x.deviceName === d.deviceName)
    if (root && d.volumeSize !== undefined && d.volumeSize < root.volumeSize)
      throw invalid(`Volume of size ${d.volumeSize}GB is smaller than snapshot '${root.snapshotId}', expect size >= ${root.volumeSize}GB`, {
        field: 'block-device',
        reason: 'block-device',
      })
  }
  // A paper image has nothing a container could run: what launches from it is on paper too.
  const paper = image.paper === true || cloud.machines === 'paper'
  const reservationId = cloud.newId('reservation', region)
  const out: Instance[] = []
  for (let n = 0; n < count; n++) {
    const id = cloud.newId('instance', region)
    const devices = createVolumes(cloud, region, subnet.zone, id, image.devices, spec)
    const instance: Instance = {
      id,
      region,
      tags: new Map(spec.instanceTags ?? []),
      reservationId,
      launchIndex: n,
      imageId: image.id,
      instanceType: type,
      keyName: key?.name,
      securityGroupIds: groups.map((g) => g.id),
      subnetId: subnet.id,
      vpcId: subnet.vpcId,
      zone: subnet.zone,
      state: 'pending',
      transitionReason: '',
      transition: cloud.transition('running', 'instanceRunning'),
      launched: new Date(),
      address: '',
      hasPublicIp: spec.associatePublicIp ?? subnet.mapPublicIpOnLaunch,
      containerName: `tsimg-emu-${cloud.session}-${id}`,
      paper,
      authorizedKey: key?.publicKey,
      rootDeviceName: image.rootDeviceName,
      devices,
      userData: spec.userData,
      loginUser: image.loginUser,
      metadataOptions: {
        httpTokens: spec.metadataOptions?.httpTokens ?? 'optional',
        httpEndpoint: spec.metadataOptions?.httpEndpoint ?? 'enabled',
        hopLimit: spec.metadataOptions?.hopLimit ?? 2,
        instanceMetadataTags: spec.metadataOptions?.instanceMetadataTags ?? 'disabled',
      },
      iamInstanceProfile: spec.iamInstanceProfile,
      shutdownBehavior: spec.shutdownBehavior ?? 'stop',
      clientToken: spec.clientToken,
      disableApiTermination: spec.disableApiTermination ?? false,
      enaSupport: true,
    }
    cloud.instances.set(id, instance)
    out.push(instance)
    const t = instance.transition!
    const work = paper ? () => bootPaper(cloud, instance, (avoid) => pickAddress(cloud, avoid)) : () => boot(cloud, instance, image.dockerRef, key?.publicKey)
    void cloud.chain(id, work).then(
      () => (t.workDone = true),
      (error: unknown) => {
        t.failTo = 'terminated'
        t.failReason = `Server.InternalError: ${(error as Error).message}`
        void removeContainer(cloud, instance)
      },
    )
  }
  return out
}

function createVolumes(
  cloud: Cloud,
  region: string,
  zone: string,
  instanceId: string,
  imageDevices: readonly {
    deviceName: string
    snapshotId?: string
    volumeSize: number
    volumeType: string
    deleteOnTermination: boolean
    encrypted: boolean
  }[],
  spec: RunSpec,
): InstanceDevice[] {
  const requested = spec.blockDevices ?? []
  const merged = imageDevices
    .filter((d) => !requested.some((r) => r.deviceName === d.deviceName && r.noDevice))
    .map((d) => {
      const r = requested.find((x) => x.deviceName === d.deviceName)
      return {
        deviceName: d.deviceName,
        snapshotId: r?.snapshotId ?? d.snapshotId,
        volumeSize: r?.volumeSize ?? d.volumeSize,
        volumeType: r?.volumeType ?? d.volumeType,
        deleteOnTermination: r?.deleteOnTermination ?? d.deleteOnTermination,
        encrypted: r?.encrypted ?? d.encrypted,
      }
    })
  for (const r of requested) {
    if (r.noDevice || merged.some((m) => m.deviceName === r.deviceName)) continue
    merged.push({
      deviceName: r.deviceName,
      snapshotId: r.snapshotId,
      volumeSize: r.volumeSize ?? 8,
      volumeType: r.volumeType ?? 'gp2',
      deleteOnTermination: r.deleteOnTermination ?? true,
      encrypted: r.encrypted ?? false,
    })
  }
  return merged.map((m) => {
    const volume: Volume = {
      id: cloud.newId('volume', region),
      region,
      tags: new Map(spec.volumeTags ?? []),
      zone,
      size: m.volumeSize,
      volumeType: m.volumeType,
      snapshotId: m.snapshotId,
      encrypted: m.encrypted,
      created: new Date(),
      state: 'in-use',
      attachment: { instanceId, device: m.deviceName, deleteOnTermination: m.deleteOnTermination, attached: new Date() },
    }
    cloud.volumes.set(volume.id, volume)
    return { deviceName: m.deviceName, volumeId: volume.id, deleteOnTermination: m.deleteOnTermination }
  })
}

/** Picks a free 127.0.0.N not used by this or any other emulator's containers. */
async function pickAddress(cloud: Cloud, avoid: Set<string>): Promise<string> {
  const used = await addressesInUse()
  const start = 2 + Math.floor(Math.random() * 253)
  for (let k = 0; k < 253; k++) {
    const address = `127.0.0.${2 + ((start - 2 + k) % 253)}`
    if (!used.has(address) && !cloud.addresses.has(address) && !avoid.has(address)) return address
  }
  throw new BackendError('capacity', 'No loopback address is free for another instance', { resource: 'instance' })
}

async function boot(cloud: Cloud, instance: Instance, dockerRef: string, publicKey?: string): Promise<void> {
  const tried = new Set<string>()
  for (;;) {
    const address = await pickAddress(cloud, tried)
    tried.add(address)
    cloud.addresses.add(address)
    ;(instance as { address: string }).address = address
    try {
      await docker([
        'run',
        '-d',
        '--name',
        instance.containerName,
        '--hostname',
        `ip-${address.replaceAll('.', '-')}`,
        ...cloud.labels(),
        '--label',
        `${ADDRESS_LABEL}=${address}`,
        '--label',
        `tsimg-emulator.instance=${instance.id}`,
        '-p',
        `${address}:22:22`,
        dockerRef,
      ])
      break
    } catch (error) {
      cloud.addresses.delete(address)
      await docker(['rm', '-f', instance.containerName]).catch(() => undefined)
      const busy = error instanceof DockerError && /address already in use|port is already allocated/.test(error.stderr)
      if (!busy || tried.size > 5) throw error
    }
  }
  const script = firstBootScript({ instanceId: instance.id, loginUser: instance.loginUser, publicKey, userData: instance.userData })
  await docker(['exec', '-i', instance.containerName, 'sh', '-s'], script)
  await docker(['exec', '-d', instance.containerName, 'sh', '-c', RUN_USER_DATA])
  await waitForSshBanner(instance.address)
}

export interface InstanceChange {
  readonly instanceType?: string
  readonly userData?: Buffer
  readonly disableApiTermination?: boolean
  readonly enaSupport?: boolean
  readonly sriovNetSupport?: string
  readonly shutdownBehavior?: 'stop' | 'terminate'
  readonly securityGroupIds?: readonly string[]
}

/** ModifyInstanceAttribute: what EC2 lets change only while stopped is refused otherwise. */
export function modifyInstance(cloud: Cloud, region: string, id: string, change: InstanceChange): void {
  const i = getInstance(cloud, region, id)
  const needsStop =
    change.instanceType !== undefined || change.userData !== undefined || change.enaSupport !== undefined || change.sriovNetSupport !== undefined
  if (needsStop && i.state !== 'stopped') throw badState('instance', id, `The instance '${id}' is not in the 'stopped' state.`)
  if (i.state === 'terminated') throw badState('instance', id, `The instance '${id}' is terminated.`)
  if (change.instanceType !== undefined) checkInstanceType(cloud, region, change.instanceType)
  const groups = change.securityGroupIds?.map((gid) => getSecurityGroup(cloud, region, { id: gid }))
  const foreign = groups?.find((g) => g.vpcId !== i.vpcId)
  if (foreign) throw notFound('security-group', foreign.id, "A security group does not belong to the instance's VPC")
  const m = i as { -readonly [K in keyof Instance]: Instance[K] }
  if (change.instanceType !== undefined) m.instanceType = change.instanceType
  if (change.userData !== undefined) m.userData = change.userData
  if (change.disableApiTermination !== undefined) m.disableApiTermination = change.disableApiTermination
  if (change.enaSupport !== undefined) m.enaSupport = change.enaSupport
  if (change.sriovNetSupport !== undefined) m.sriovNetSupport = change.sriovNetSupport
  if (change.shutdownBehavior !== undefined) m.shutdownBehavior = change.shutdownBehavior
  if (groups) m.securityGroupIds = groups.map((g) => g.id)
}

// Power state changes (stop, start, terminate, reboot) live in power.ts; re-exported for callers of this module.
export { stopInstances, startInstances, terminateInstances, rebootInstances, removeContainer, type StateChange } from './power.js'
export { getInstance } from './lookup.js'
