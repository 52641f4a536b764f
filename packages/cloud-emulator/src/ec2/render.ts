import type { Cloud } from '../backend/cloud.js'
import { publicAddress } from '../backend/public-ips.js'
import type { Image, Instance, IpPermission, KeyPair, SecurityGroup, Snapshot, Subnet, Volume, Vpc } from '../backend/types.js'
import { tagSet, type XmlValue } from './xml.js'

/** Backend records in EC2's XML shapes (element names as the SDK's schemas expect them). */

export const STATE_CODES: Record<Instance['state'], number> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
}

export const instanceState = (state: Instance['state']): XmlValue => ({ code: STATE_CODES[state], name: state })

const dashed = (address: string): string => address.replaceAll('.', '-')

/** Addresses an instance shows in its current state (public ones go while stopped, all when terminated). */
export function addressing(cloud: Cloud, i: Instance): { privateIp?: string; publicIp?: string; privateDns: string; publicDns: string } {
  if (!i.address || i.state === 'terminated') return { privateDns: '', publicDns: '' }
  const publicIp = publicAddress(cloud, i)
  return {
    privateIp: i.address,
    publicIp,
    privateDns: `ip-${dashed(i.address)}.${i.region === 'us-east-1' ? 'ec2.internal' : `${i.region}.compute.internal`}`,
    publicDns: publicIp ? `ec2-${dashed(publicIp)}.compute.local` : '',
  }
}

export function renderInstance(cloud: Cloud, i: Instance): XmlValue {
  const a = addressing(cloud, i)
  const groups = i.securityGroupIds.map((id) => ({ groupId: id, groupName: cloud.securityGroups.get(id)?.name }))
  const reason =
    i.state === 'terminated' || i.state === 'shutting-down' || i.state === 'stopped' || i.state === 'stopping'
      ? (i.stateReason ?? { code: 'Client.UserInitiatedShutdown', message: 'Client.UserInitiatedShutdown: User initiated shutdown' })
      : i.stateReason
  return {
    instanceId: i.id,
    imageId: i.imageId,
    instanceState: instanceState(i.state),
    privateDnsName: a.privateDns,
    dnsName: a.publicDns,
    reason: i.transitionReason,
    keyName: i.keyName,
    amiLaunchIndex: i.launchIndex,
    productCodes: [],
    instanceType: i.instanceType,
    launchTime: i.launched,
    placement: { availabilityZone: i.zone, groupName: '', tenancy: 'default' },
    monitoring: { state: 'disabled' },
    subnetId: i.state === 'terminated' ? undefined : i.subnetId,
    vpcId: i.state === 'terminated' ? undefined : i.vpcId,
    privateIpAddress: a.privateIp,
    ipAddress: a.publicIp,
    sourceDestCheck: true,
    groupSet: groups,
    stateReason: reason,
    architecture: 'x86_64',
    rootDeviceType: 'ebs',
    rootDeviceName: i.rootDeviceName,
    blockDeviceMapping:
      i.state === 'terminated'
        ? []
        : i.devices.map((d) => ({
            deviceName: d.deviceName,
            ebs: { volumeId: d.volumeId, status: 'attached', attachTime: i.launched, deleteOnTermination: d.deleteOnTermination },
          })),
    virtualizationType: 'hvm',
    clientToken: i.clientToken,
    tagSet: tagSet(i.tags),
    hypervisor: 'xen',
    networkInterfaceSet:
      i.state === 'terminated' || !a.privateIp
        ? []
        : [
            {
              networkInterfaceId: `eni-${i.id.slice(2)}`,
              subnetId: i.subnetId,
              vpcId: i.vpcId,
              description: '',
              ownerId: cloud.accountId,
              status: 'in-use',
              privateIpAddress: a.privateIp,
              privateDnsName: a.privateDns,
              sourceDestCheck: true,
              groupSet: groups,
              attachment: {
                attachmentId: `eni-attach-${i.id.slice(2)}`,
                deviceIndex: 0,
                status: 'attached',
                attachTime: i.launched,
                deleteOnTermination: true,
              },
              association: a.publicIp ? { publicIp: a.publicIp, publicDnsName: a.publicDns, ipOwnerId: 'amazon' } : undefined,
              privateIpAddressesSet: [
                {
                  privateIpAddress: a.privateIp,
                  privateDnsName: a.privateDns,
                  primary: true,
                  association: a.publicIp ? { publicIp: a.publicIp, publicDnsName: a.publicDns, ipOwnerId: 'amazon' } : undefined,
                },
              ],
              interfaceType: 'interface',
            },
          ],
    iamInstanceProfile: i.iamInstanceProfile
      ? {
          arn: i.iamInstanceProfile.arn ?? `arn:aws:iam::${cloud.accountId}:instance-profile/${i.iamInstanceProfile.name}`,
          id: `AIPA${i.id.slice(2, 18).toUpperCase()}`,
        }
      : undefined,
    ebsOptimized: false,
    enaSupport: i.enaSupport,
    sriovNetSupport: i.sriovNetSupport,
    metadataOptions: {
      state: i.state === 'pending' ? 'pending' : 'applied',
      httpTokens: i.metadataOptions.httpTokens,
      httpPutResponseHopLimit: i.metadataOptions.hopLimit,
      httpEndpoint: i.metadataOptions.httpEndpoint,
      instanceMetadataTags: i.metadataOptions.instanceMetadataTags,
    },
    platformDetails: 'Linux/UNIX',
    usageOperation: 'RunInstances',
  }
}

export function renderImage(i: Image): XmlValue {
  return {
    imageId: i.id,
    imageLocation: `${i.catalog?.ownerAlias ?? i.ownerId}/${i.name}`,
    imageState: i.state,
    imageOwnerId: i.ownerId,
    imageOwnerAlias: i.catalog?.ownerAlias,
    creationDate: i.created.toISOString(),
    isPublic: i.isPublic,
    architecture: i.architecture,
    imageType: 'machine',
    platformDetails: 'Linux/UNIX',
    usageOperation: 'RunInstances',
    name: i.name,
    description: i.description,
    rootDeviceType: 'ebs',
    rootDeviceName: i.rootDeviceName,
    blockDeviceMapping: i.devices.map((d) => ({
      deviceName: d.deviceName,
      ebs: { snapshotId: d.snapshotId, volumeSize: d.volumeSize, volumeType: d.volumeType, deleteOnTermination: d.deleteOnTermination, encrypted: d.encrypted },
    })),
    virtualizationType: 'hvm',
    hypervisor: 'xen',
    enaSupport: true,
    tagSet: tagSet(i.tags),
    stateReason: i.stateReason ? { code: i.stateReason.split(':')[0], message: i.stateReason } : undefined,
    sourceInstanceId: i.sourceInstanceId,
    sourceImageId: i.sourceImageId,
    sourceImageRegion: i.sourceRegion,
    bootMode: 'uefi-preferred',
  }
}

export function renderSnapshot(s: Snapshot): XmlValue {
  return {
    snapshotId: s.id,
    volumeId: s.volumeId ?? 'vol-ffffffff',
    status: s.state,
    startTime: s.started,
    progress: s.state === 'completed' ? '100%' : '0%',
    ownerId: s.ownerId,
    description: s.description,
    volumeSize: s.volumeSize,
    encrypted: s.encrypted,
    kmsKeyId: s.kmsKeyId,
    tagSet: tagSet(s.tags),
    storageTier: 'standard',
  }
}

export function renderVolume(cloud: Cloud, v: Volume): XmlValue {
  return {
    volumeId: v.id,
    size: v.size,
    snapshotId: v.snapshotId ?? '',
    availabilityZone: v.zone,
    status: v.state,
    createTime: v.created,
    attachmentSet: v.attachment
      ? [
          {
            volumeId: v.id,
            instanceId: v.attachment.instanceId,
            device: v.attachment.device,
            status: 'attached',
            attachTime: v.attachment.attached,
            deleteOnTermination: v.attachment.deleteOnTermination,
          },
        ]
      : [],
    volumeType: v.volumeType,
    encrypted: v.encrypted,
    tagSet: tagSet(v.tags),
    ownerId: cloud.accountId,
  }
}

function renderPermission(p: IpPermission, cloud: Cloud): XmlValue {
  return {
    ipProtocol: p.protocol,
    fromPort: p.fromPort,
    toPort: p.toPort,
    groups: p.groupIds.map((groupId) => ({ groupId, userId: cloud.accountId })),
    ipRanges: p.cidrs.map((cidrIp) => ({ cidrIp })),
    ipv6Ranges: [],
    prefixListIds: [],
  }
}

export function renderSecurityGroup(cloud: Cloud, g: SecurityGroup): XmlValue {
  return {
    ownerId: cloud.accountId,
    groupId: g.id,
    groupName: g.name,
    groupDescription: g.description,
    vpcId: g.vpcId,
    ipPermissions: g.ingress.map((p) => renderPermission(p, cloud)),
    ipPermissionsEgress: g.egress.map((p) => renderPermission(p, cloud)),
    tagSet: tagSet(g.tags),
    securityGroupArn: `arn:aws:ec2:${g.region}:${cloud.accountId}:security-group/${g.id}`,
  }
}

export function renderKeyPair(k: KeyPair, includePublicKey = false): XmlValue {
  return {
    keyPairId: k.id,
    keyName: k.name,
    keyFingerprint: k.fingerprint,
    keyType: k.type,
    tagSet: tagSet(k.tags),
    publicKey: includePublicKey ? k.publicKey : undefined,
    createTime: k.created,
  }
}

export function renderVpc(cloud: Cloud, v: Vpc): XmlValue {
  return {
    vpcId: v.id,
    ownerId: cloud.accountId,
    state: 'available',
    cidrBlock: v.cidrBlock,
    dhcpOptionsId: 'dopt-00000000',
    instanceTenancy: 'default',
    isDefault: v.isDefault,
    tagSet: tagSet(v.tags),
    cidrBlockAssociationSet: [{ associationId: `vpc-cidr-assoc-${v.id.slice(4)}`, cidrBlock: v.cidrBlock, cidrBlockState: { state: 'associated' } }],
  }
}

export function renderSubnet(cloud: Cloud, s: Subnet): XmlValue {
  return {
    subnetId: s.id,
    subnetArn: `arn:aws:ec2:${s.region}:${cloud.accountId}:subnet/${s.id}`,
    state: 'available',
    vpcId: s.vpcId,
    cidrBlock: s.cidrBlock,
    availableIpAddressCount: 4091,
    availabilityZone: s.zone,
    availabilityZoneId: zoneId(s.region, s.zone),
    defaultForAz: s.defaultForAz,
    mapPublicIpOnLaunch: s.mapPublicIpOnLaunch,
    ownerId: cloud.accountId,
    tagSet: tagSet(s.tags),
  }
}

/** A stable zone id like use1-az1 (only its shape matters). */
export function zoneId(region: string, zone: string): string {
  const [geo = '', dir = '', num = ''] = region.split('-')
  return `${geo}${dir[0] ?? ''}${num}-az${zone.charCodeAt(zone.length - 1) - 96}`
}
