import type { Cloud } from './cloud.js'
import { AWS_PROFILE } from './profile.js'
import type { Image, Region, SecurityGroup, Snapshot, Subnet, Vpc } from './types.js'

/** What every region has before any client call: a default VPC, its subnets and group, the catalog. */

/** A local docker image the cloud offers as a public image in every region. */
export interface CatalogEntry {
  readonly dockerRef: string
  readonly name: string
  readonly description?: string
  /** The publisher's account (EC2 owner id); CATALOG_OWNER_ID when left out. */
  readonly ownerId?: string
  /** EC2's ImageOwnerAlias ('amazon' for Amazon's own images), which `Owners: ['amazon']` selects. */
  readonly ownerAlias?: string
  /** Image family (Alibaba's `acs:ubuntu_22_04_x64`), for lookups by family. */
  readonly family?: string
  /** The OS name the cloud shows (Alibaba OSName, Huawei __os_version). */
  readonly osName?: string
  /** The OS platform (Ubuntu, CentOS, EulerOS, Debian, ...). */
  readonly platform?: string
  readonly loginUser?: string
  readonly created?: Date
  /** The root device (the cloud's usual one when left out; Ubuntu's AMIs use /dev/sda1). */
  readonly rootDeviceName?: string
  /** Size of the image's root disk in GB (8 when left out). */
  readonly minDisk?: number
}

/** Fake owner of the catalog images (stands in for a distribution's publishing account). */
export const CATALOG_OWNER_ID = '136693071363'
export const DEFAULT_CATALOG: readonly CatalogEntry[] = AWS_PROFILE.catalog

export function seedNetwork(cloud: Cloud, region: Region, cidr = '172.31.0.0/16'): void {
  const prefix = cidr.split('.').slice(0, 2).join('.')
  const vpc: Vpc = { id: cloud.newId('vpc', region.name), region: region.name, tags: new Map(), cidrBlock: cidr, isDefault: true }
  cloud.vpcs.set(vpc.id, vpc)
  region.zones.forEach((zone, n) => {
    const subnet: Subnet = {
      id: cloud.newId('subnet', region.name),
      region: region.name,
      tags: new Map(),
      vpcId: vpc.id,
      zone,
      cidrBlock: `${prefix}.${n * 16}.0/20`,
      defaultForAz: true,
      mapPublicIpOnLaunch: true,
    }
    cloud.subnets.set(subnet.id, subnet)
  })
  const sg: SecurityGroup = {
    id: cloud.newId('security-group', region.name),
    region: region.name,
    tags: new Map(),
    name: 'default',
    description: 'default VPC security group',
    vpcId: vpc.id,
    isDefault: true,
    ingress: [],
    egress: [{ protocol: '-1', cidrs: ['0.0.0.0/0'], groupIds: [] }],
  }
  cloud.securityGroups.set(sg.id, sg)
}

export function seedImage(cloud: Cloud, region: string, entry: CatalogEntry, defaultRootDevice = '/dev/xvda', rootVolumeType = 'gp3'): void {
  const rootDeviceName = entry.rootDeviceName ?? defaultRootDevice
  const created = entry.created ?? new Date()
  const snapshot: Snapshot = {
    id: cloud.newId('snapshot', region),
    region,
    tags: new Map(),
    ownerId: entry.ownerId ?? CATALOG_OWNER_ID,
    volumeSize: entry.minDisk ?? 8,
    description: `Catalog snapshot for ${entry.name}`,
    started: created,
    state: 'completed',
    encrypted: false,
    createVolumeUsers: new Set(),
    createVolumeGroups: new Set(['all']),
    seed: true,
  }
  cloud.snapshots.set(snapshot.id, snapshot)
  const image: Image = {
    id: cloud.newId('image', region),
    region,
    tags: new Map(),
    name: entry.name,
    description: entry.description,
    ownerId: entry.ownerId ?? CATALOG_OWNER_ID,
    state: 'available',
    dockerRef: entry.dockerRef,
    ownsDockerRef: false,
    rootDeviceName,
    devices: [
      {
        deviceName: rootDeviceName,
        snapshotId: snapshot.id,
        volumeSize: entry.minDisk ?? 8,
        volumeType: rootVolumeType,
        deleteOnTermination: true,
        encrypted: false,
      },
    ],
    created,
    architecture: 'x86_64',
    isPublic: true,
    launchUsers: new Set(),
    launchGroups: new Set(),
    loginUser: entry.loginUser ?? 'admin',
    seed: true,
    catalog: entry,
  }
  cloud.images.set(image.id, image)
}
