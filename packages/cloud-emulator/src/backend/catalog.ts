import { readFileSync } from 'node:fs'
import type { CloudProfile } from './profile.js'
import type { CatalogEntry } from './seed.js'

/**
 * The catalog each cloud offers before any client call: public images by the names, owners and
 * families real templates look them up by, the instance types (flavors) and volume types the
 * cloud accepts. Every image boots a local docker image (the project's Debian base unless the
 * user says otherwise): the name is what templates reference, the disk is what is here.
 *
 * Users extend it from a JSON file (`tsimg-cloud-emulator --catalog FILE`, or `catalogFile`)
 * or in code (`catalogs`): per cloud, `images`, `instanceTypes`, `volumeTypes`, added to the
 * defaults (an image of the same name replaces the default one).
 */

/** The project's Debian base image (scripts/make-base-image.sh), booted by every default entry. */
export const BASE_IMAGE = 'tsimg/debian-ssh:bookworm'

/** What a user adds to one cloud's catalog. */
export interface CatalogExtension {
  readonly images?: readonly CatalogEntry[]
  readonly instanceTypes?: readonly string[]
  readonly volumeTypes?: readonly string[]
}

const date = (s: string): Date => new Date(`${s}T00:00:00.000Z`)

// ---- AWS -----------------------------------------------------------------------------------

/** Owner ids as EC2 shows them (these are the real publishers' accounts). */
export const AWS_OWNERS = { canonical: '099720109477', amazon: '137112412111', debian: '136693071363' } as const

function ubuntu(codename: string, version: string, stamp: string, volume = 'hvm-ssd'): CatalogEntry {
  return {
    dockerRef: BASE_IMAGE,
    name: `ubuntu/images/${volume}/ubuntu-${codename}-${version}-amd64-server-${stamp}`,
    description: `Canonical, Ubuntu, ${version} LTS, amd64 ${codename} image build on ${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}`,
    ownerId: AWS_OWNERS.canonical,
    platform: 'Ubuntu',
    osName: `Ubuntu ${version}`,
    loginUser: 'ubuntu',
    rootDeviceName: '/dev/sda1',
    created: date(`${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}`),
  }
}

export const AWS_CATALOG: readonly CatalogEntry[] = [
  {
    dockerRef: BASE_IMAGE,
    name: 'debian-12-amd64-tsimg-base',
    description: 'Debian 12 (bookworm) with OpenSSH, tsimg base image',
    ownerId: AWS_OWNERS.debian,
    platform: 'Debian',
    osName: 'Debian 12',
    loginUser: 'admin',
    created: date('2025-06-01'),
  },
  {
    dockerRef: BASE_IMAGE,
    name: 'debian-12-amd64-20240507-1740',
    description: 'Debian 12 (20240507-1740)',
    ownerId: AWS_OWNERS.debian,
    platform: 'Debian',
    osName: 'Debian 12',
    loginUser: 'admin',
    created: date('2024-05-07'),
  },
  ubuntu('bionic', '18.04', '20230531'),
  ubuntu('focal', '20.04', '20240228'),
  ubuntu('focal', '20.04', '20240430'),
  ubuntu('jammy', '22.04', '20240301'),
  ubuntu('jammy', '22.04', '20240501'),
  ubuntu('noble', '24.04', '20240423', 'hvm-ssd-gp3'),
  {
    dockerRef: BASE_IMAGE,
    name: 'amzn2-ami-hvm-2.0.20240412.0-x86_64-gp2',
    description: 'Amazon Linux 2 AMI 2.0.20240412.0 x86_64 HVM gp2',
    ownerId: AWS_OWNERS.amazon,
    ownerAlias: 'amazon',
    platform: 'Amazon Linux',
    osName: 'Amazon Linux 2',
    loginUser: 'ec2-user',
    created: date('2024-04-12'),
  },
  {
    dockerRef: BASE_IMAGE,
    name: 'amzn2-ami-hvm-2.0.20240503.0-x86_64-gp2',
    description: 'Amazon Linux 2 AMI 2.0.20240503.0 x86_64 HVM gp2',
    ownerId: AWS_OWNERS.amazon,
    ownerAlias: 'amazon',
    platform: 'Amazon Linux',
    osName: 'Amazon Linux 2',
    loginUser: 'ec2-user',
    created: date('2024-05-03'),
  },
  {
    dockerRef: BASE_IMAGE,
    name: 'amzn2-ami-kernel-5.10-hvm-2.0.20240503.0-x86_64-gp2',
    description: 'Amazon Linux 2 Kernel 5.10 AMI 2.0.20240503.0 x86_64 HVM gp2',
    ownerId: AWS_OWNERS.amazon,
    ownerAlias: 'amazon',
    platform: 'Amazon Linux',
    osName: 'Amazon Linux 2',
    loginUser: 'ec2-user',
    created: date('2024-05-03'),
  },
  {
    dockerRef: BASE_IMAGE,
    name: 'al2023-ami-2023.4.20240429.0-kernel-6.1-x86_64',
    description: 'Amazon Linux 2023 AMI 2023.4.20240429.0 x86_64 HVM kernel-6.1',
    ownerId: AWS_OWNERS.amazon,
    ownerAlias: 'amazon',
    platform: 'Amazon Linux',
    osName: 'Amazon Linux 2023',
    loginUser: 'ec2-user',
    created: date('2024-04-29'),
  },
]

const sizes = (families: readonly string[], names: readonly string[]): string[] => families.flatMap((f) => names.map((s) => `${f}.${s}`))

export const AWS_INSTANCE_TYPES: readonly string[] = [
  ...sizes(['t2', 't3', 't3a'], ['nano', 'micro', 'small', 'medium', 'large', 'xlarge', '2xlarge']),
  ...sizes(['m5', 'm5a', 'm6i', 'm6a', 'm7i', 'c5', 'c5a', 'c6i', 'c6a', 'c7i', 'r5', 'r6i', 'r7i'], ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge']),
  'm1.small',
  'm1.medium',
  'm3.medium',
  'm4.large',
  'm4.xlarge',
  'c4.large',
  'c4.xlarge',
  'r4.large',
]

export const AWS_VOLUME_TYPES: readonly string[] = ['standard', 'io1', 'io2', 'gp2', 'gp3', 'sc1', 'st1']

// ---- Alibaba Cloud -------------------------------------------------------------------------

function ali(name: string, family: string, osName: string, platform: string, created: string): CatalogEntry {
  return { dockerRef: BASE_IMAGE, name, family, osName, platform, description: osName, loginUser: 'root', created: date(created), minDisk: 20 }
}

/** System images by Alibaba's ImageId (which is also their name), with their families. */
export const ALICLOUD_CATALOG: readonly CatalogEntry[] = [
  ali('debian_12_5_x64_20G_alibase_20240429.vhd', 'acs:debian_12_x64', 'Debian 12.5 64位', 'Debian', '2024-04-29'),
  ali('ubuntu_22_04_x64_20G_alibase_20240130.vhd', 'acs:ubuntu_22_04_x64', 'Ubuntu 22.04 64位', 'Ubuntu', '2024-01-30'),
  ali('ubuntu_22_04_x64_20G_alibase_20240530.vhd', 'acs:ubuntu_22_04_x64', 'Ubuntu 22.04 64位', 'Ubuntu', '2024-05-30'),
  ali('ubuntu_20_04_x64_20G_alibase_20240508.vhd', 'acs:ubuntu_20_04_x64', 'Ubuntu 20.04 64位', 'Ubuntu', '2024-05-08'),
  ali('aliyun_3_x64_20G_alibase_20240528.vhd', 'acs:alibaba_cloud_linux_3_2104_lts_x64', 'Alibaba Cloud Linux 3.2104 LTS 64位', 'Aliyun', '2024-05-28'),
  ali('aliyun_3_x64_20G_alibase_20240219.vhd', 'acs:alibaba_cloud_linux_3_2104_lts_x64', 'Alibaba Cloud Linux 3.2104 LTS 64位', 'Aliyun', '2024-02-19'),
  ali('aliyun_2_1903_x64_20G_alibase_20240628.vhd', 'acs:aliyun_2_1903_x64', 'Alibaba Cloud Linux 2.1903 LTS 64位', 'Aliyun', '2024-06-28'),
  ali('centos_7_9_x64_20G_alibase_20240628.vhd', 'acs:centos_7_9_x64', 'CentOS 7.9 64位', 'CentOS', '2024-06-28'),
  ali('centos_7_06_64_20G_alibase_20190711.vhd', 'acs:centos_7_6_x64', 'CentOS 7.6 64位', 'CentOS', '2019-07-11'),
  ali('centos_7_03_64_20G_alibase_20170818.vhd', 'acs:centos_7_3_x64', 'CentOS 7.3 64位', 'CentOS', '2017-08-18'),
]

export const ALICLOUD_INSTANCE_TYPES: readonly string[] = [
  'ecs.n1.tiny',
  'ecs.n1.small',
  'ecs.n1.medium',
  'ecs.n1.large',
  'ecs.n4.small',
  'ecs.n4.large',
  'ecs.sn1ne.large',
  'ecs.sn2ne.large',
  'ecs.t5-lc1m1.small',
  'ecs.t5-lc1m2.small',
  'ecs.t5-lc1m2.large',
  'ecs.t5-c1m1.large',
  'ecs.t6-c1m1.large',
  'ecs.t6-c1m2.large',
  'ecs.t6-c2m1.large',
  'ecs.e-c1m1.large',
  'ecs.e-c1m2.large',
  'ecs.u1-c1m2.large',
  'ecs.s6-c1m2.small',
  ...sizes(['ecs.g6', 'ecs.c6', 'ecs.r6', 'ecs.g7', 'ecs.c7', 'ecs.r7', 'ecs.g8i', 'ecs.c8i', 'ecs.g6e', 'ecs.hfc6'], ['large', 'xlarge', '2xlarge']),
]

/** Types the last zone of each region lacks, so a builder must pick a zone that has them. */
export const ALICLOUD_SCARCE_TYPES: readonly string[] = ['ecs.g7.large', 'ecs.c7.large']

/** Disk categories (system and data disks). */
export const ALICLOUD_VOLUME_TYPES: readonly string[] = ['cloud', 'cloud_efficiency', 'cloud_ssd', 'cloud_essd', 'cloud_auto', 'cloud_essd_entry']

// ---- Huawei Cloud --------------------------------------------------------------------------

function hw(name: string, platform: string, created: string, loginUser = 'root'): CatalogEntry {
  return { dockerRef: BASE_IMAGE, name, platform, osName: name, description: '', loginUser, created: date(created), minDisk: 40 }
}

/** Public ("gold") images by the names IMS lists them under. */
export const HUAWEICLOUD_CATALOG: readonly CatalogEntry[] = [
  { ...hw('Debian 12.0.0 64bit tsimg', 'Debian', '2025-06-01'), osName: 'Debian GNU/Linux 12.0.0 64bit', description: 'Debian 12 64-bit, tsimg base image' },
  { ...hw('Debian 12.0.0 64bit', 'Debian', '2023-07-10'), osName: 'Debian GNU/Linux 12.0.0 64bit' },
  hw('Ubuntu 18.04 server 64bit', 'Ubuntu', '2021-03-02'),
  hw('Ubuntu 20.04 server 64bit', 'Ubuntu', '2023-11-20'),
  hw('Ubuntu 22.04 server 64bit', 'Ubuntu', '2024-03-18'),
  hw('Ubuntu 24.04 server 64bit', 'Ubuntu', '2024-06-17'),
  hw('EulerOS 2.5 64bit', 'EulerOS', '2022-05-06'),
  hw('EulerOS 2.9 64bit', 'EulerOS', '2023-03-01'),
  hw('Huawei Cloud EulerOS 2.0 Standard 64 bit', 'HCE OS', '2024-04-10'),
  hw('CentOS 7.6 64bit', 'CentOS', '2021-09-15'),
  hw('CentOS 7.9 64bit', 'CentOS', '2023-04-12'),
  hw('CentOS 8.2 64bit', 'CentOS', '2021-12-01'),
]

export const HUAWEICLOUD_INSTANCE_TYPES: readonly string[] = [
  's6.small.1',
  's6.medium.2',
  's6.medium.4',
  's6.large.2',
  's6.large.4',
  's6.xlarge.2',
  's6.xlarge.4',
  's6.2xlarge.2',
  's6.2xlarge.4',
  's7.small.1',
  's7.medium.2',
  's7.large.2',
  's7.large.4',
  's7.xlarge.2',
  's7.xlarge.4',
  'c6.large.2',
  'c6.large.4',
  'c6.xlarge.2',
  'c6.xlarge.4',
  'c6.2xlarge.2',
  'c6s.large.2',
  'c6s.xlarge.2',
  'c7.large.2',
  'c7.large.4',
  'c7.xlarge.2',
  'c7.xlarge.4',
  'c7.2xlarge.2',
  'm6.large.8',
  'm6.xlarge.8',
  'm7.large.8',
  't6.small.1',
  't6.medium.2',
  't6.large.2',
]

/** EVS disk types (root_volume.volumetype). */
export const HUAWEICLOUD_VOLUME_TYPES: readonly string[] = ['SATA', 'SAS', 'SSD', 'GPSSD', 'ESSD', 'GPSSD2', 'ESSD2']

// ---- Extension -----------------------------------------------------------------------------

/** The profile with the user's images, instance types and volume types added. */
export function extendProfile(profile: CloudProfile, ext: CatalogExtension | undefined): CloudProfile {
  if (!ext) return profile
  const names = new Set((ext.images ?? []).map((m) => m.name))
  return {
    ...profile,
    catalog: [...profile.catalog.filter((m) => !names.has(m.name)), ...(ext.images ?? [])],
    instanceTypes: [...new Set([...(profile.instanceTypes ?? []), ...(ext.instanceTypes ?? [])])],
    volumeTypes: [...new Set([...(profile.volumeTypes ?? []), ...(ext.volumeTypes ?? [])])],
  }
}

const CLOUDS = ['aws', 'alicloud', 'huaweicloud']
const IMAGE_FIELDS: Record<string, 'string' | 'date'> = {
  name: 'string',
  dockerRef: 'string',
  ownerId: 'string',
  ownerAlias: 'string',
  family: 'string',
  osName: 'string',
  platform: 'string',
  description: 'string',
  loginUser: 'string',
  created: 'date',
  rootDeviceName: 'string',
}

/**
 * Reads a catalog file: `{ "<cloud>": { "images": [{ "name", "dockerRef", "ownerId"?,
 * "ownerAlias"?, "family"?, "osName"?, "platform"?, "description"?, "loginUser"?, "created"?,
 * "rootDeviceName"?, "minDisk"? }], "instanceTypes": [...], "volumeTypes": [...] } }`. Errors name the file and the
 * field, and say what to write.
 */
export function readCatalogFile(path: string): Record<string, CatalogExtension> {
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    throw new Error(`${path}: not a readable JSON catalog (${(error as Error).message})`, { cause: error })
  }
  return parseCatalog(raw, path)
}

export function parseCatalog(raw: unknown, where = 'catalog'): Record<string, CatalogExtension> {
  const fail = (field: string, why: string): never => {
    throw new Error(`${where}: ${field}: ${why}`)
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('(top level)', `expected an object keyed by cloud (${CLOUDS.join(', ')})`)
  const out: Record<string, CatalogExtension> = {}
  for (const [cloud, value] of Object.entries(raw as Record<string, unknown>)) {
    if (!CLOUDS.includes(cloud)) fail(cloud, `unknown cloud; write one of ${CLOUDS.join(', ')}`)
    if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(cloud, 'expected an object with images, instanceTypes, volumeTypes')
    const v = value as Record<string, unknown>
    for (const k of Object.keys(v))
      if (!['images', 'instanceTypes', 'volumeTypes'].includes(k)) fail(`${cloud}.${k}`, 'unknown field; write images, instanceTypes or volumeTypes')
    const strings = (k: 'instanceTypes' | 'volumeTypes'): string[] | undefined => {
      if (v[k] === undefined) return undefined
      if (!Array.isArray(v[k]) || !(v[k] as unknown[]).every((s) => typeof s === 'string' && s !== ''))
        fail(`${cloud}.${k}`, 'expected a list of non-empty strings')
      return v[k] as string[]
    }
    let images: CatalogEntry[] | undefined
    if (v.images !== undefined) {
      if (!Array.isArray(v.images)) fail(`${cloud}.images`, 'expected a list of images')
      images = (v.images as unknown[]).map((m, n) => {
        const at = `${cloud}.images[${n}]`
        if (typeof m !== 'object' || m === null) fail(at, 'expected an object with at least name and dockerRef')
        const e = m as Record<string, unknown>
        for (const [k, val] of Object.entries(e)) {
          if (k === 'minDisk') {
            if (!Number.isInteger(val) || (val as number) < 1) fail(`${at}.minDisk`, 'expected a whole number of GB')
            continue
          }
          const type = IMAGE_FIELDS[k]
          if (!type) fail(`${at}.${k}`, `unknown field; write one of ${[...Object.keys(IMAGE_FIELDS), 'minDisk'].join(', ')}`)
          if (typeof val !== 'string' || val === '') fail(`${at}.${k}`, 'expected a non-empty string')
          if (type === 'date' && Number.isNaN(Date.parse(val as string))) fail(`${at}.${k}`, 'expected a date such as 2024-05-01 or 2024-05-01T00:00:00Z')
        }
        if (typeof e.name !== 'string') fail(`${at}.name`, 'missing: the public name templates look the image up by')
        if (typeof e.dockerRef !== 'string') fail(`${at}.dockerRef`, 'missing: the local docker image its machines boot (e.g. tsimg/debian-ssh:bookworm)')
        return { ...(e as unknown as CatalogEntry), ...(e.created !== undefined && { created: new Date(e.created as string) }) }
      })
    }
    const instanceTypes = strings('instanceTypes')
    const volumeTypes = strings('volumeTypes')
    out[cloud] = { ...(images && { images }), ...(instanceTypes && { instanceTypes }), ...(volumeTypes && { volumeTypes }) }
  }
  return out
}

/** A volume type the cloud does not offer: what the front end's error says. */
export function unknownVolumeType(profile: CloudProfile, type: string): string | undefined {
  const known = profile.volumeTypes
  if (!known?.length || known.includes(type)) return undefined
  return `${type} (offered: ${known.join(', ')}; add others with the emulator's --catalog file)`
}
