import type { Rng } from './rng.js'
import type { CatalogEntry } from './seed.js'

/**
 * What differs between clouds that the backend itself must know: the shape of ids, which
 * instance type names exist, the regions and zones, the public images in the catalog, and
 * whether a region starts with a default network. Each front end brings one profile; the
 * backend keeps the regions of every profile side by side, so one backend serves several
 * front ends; a region name may belong to one profile only (the backend refuses a clash).
 */
export interface CloudProfile {
  /** 'aws', 'alicloud', 'huaweicloud': also the name `--cloud` selects. */
  readonly name: string
  readonly regions: ReadonlyArray<{ readonly name: string; readonly zones: readonly string[] }>
  /** Makes a new id for a resource of this cloud. */
  readonly newId: (kind: ResourceKind, rng: Rng) => string
  /** Instance type names the cloud accepts (anything else is an invalid parameter). */
  readonly instanceType: RegExp
  readonly defaultInstanceType: string
  /** Public images offered in every region of this cloud (skipped when the docker image is missing). */
  readonly catalog: readonly CatalogEntry[]
  /** A default network (VPC, one subnet per zone, default security group) in every region. */
  readonly defaultNetwork?: { readonly cidr: string }
  /** The device name of a catalog image's root disk. */
  readonly rootDeviceName: string
}

export type ResourceKind =
  | 'instance' | 'reservation' | 'image' | 'snapshot' | 'volume' | 'security-group' | 'key-pair' | 'vpc' | 'subnet'
  | 'public-ip' | 'job' | 'request'

const EC2_PREFIXES: Record<ResourceKind, string> = {
  instance: 'i', reservation: 'r', image: 'ami', snapshot: 'snap', volume: 'vol', 'security-group': 'sg', 'key-pair': 'key',
  vpc: 'vpc', subnet: 'subnet', 'public-ip': 'eipalloc', job: 'job', request: 'req',
}

/** EC2's id format: prefix, '-0', 16 hex digits. */
export const ec2Ids = (kind: ResourceKind, rng: Rng): string => rng.id(EC2_PREFIXES[kind])

/** The image every profile's catalog offers: the project's Debian base image. */
const DEBIAN = 'tsimg/debian-ssh:bookworm'
const CATALOG_DATE = new Date('2025-06-01T00:00:00.000Z')

export const AWS_PROFILE: CloudProfile = {
  name: 'aws',
  regions: ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-1']
    .map((name) => ({ name, zones: ['a', 'b', 'c'].map((z) => name + z) })),
  newId: ec2Ids,
  instanceType: /^[a-z][a-z0-9-]*\.[a-z0-9]+$/,
  defaultInstanceType: 'm1.small',
  catalog: [{
    dockerRef: DEBIAN, name: 'debian-12-amd64-tsimg-base', description: 'Debian 12 (bookworm) with OpenSSH, tsimg base image',
    loginUser: 'admin', created: CATALOG_DATE,
  }],
  defaultNetwork: { cidr: '172.31.0.0/16' },
  rootDeviceName: '/dev/xvda',
}

const ALICLOUD_PREFIXES: Record<ResourceKind, string> = {
  instance: 'i', reservation: 'r', image: 'm', snapshot: 's', volume: 'd', 'security-group': 'sg', 'key-pair': 'kp',
  vpc: 'vpc', subnet: 'vsw', 'public-ip': 'eip', job: 'job', request: 'req',
}

/**
 * Alibaba Cloud (ECS/VPC): ids such as `i-bp1` + 17 lowercase alphanumerics, `m-`, `sg-`,
 * `vsw-`; instance types `ecs.<family>.<size>`; images log in as root. A starting point the
 * Alibaba front end may use as is or extend.
 */
export const ALICLOUD_PROFILE: CloudProfile = {
  name: 'alicloud',
  regions: [
    { name: 'cn-hangzhou', zones: ['cn-hangzhou-h', 'cn-hangzhou-i', 'cn-hangzhou-j'] },
    { name: 'cn-shanghai', zones: ['cn-shanghai-e', 'cn-shanghai-f'] },
    { name: 'cn-beijing', zones: ['cn-beijing-g', 'cn-beijing-h'] },
  ],
  newId: (kind, rng) => `${ALICLOUD_PREFIXES[kind]}-bp1${alnum(rng, 17)}`,
  instanceType: /^ecs\.[a-z0-9-]+\.[a-z0-9-]+$/,
  defaultInstanceType: 'ecs.g7.large',
  catalog: [{ dockerRef: DEBIAN, name: 'debian_12_x64_20G_alibase_tsimg.vhd', description: 'Debian 12 64-bit, tsimg base image', loginUser: 'root', created: CATALOG_DATE }],
  defaultNetwork: undefined,
  rootDeviceName: '/dev/xvda',
}

/**
 * Huawei Cloud (ECS/IMS/VPC): ids are UUIDs; flavors such as `s6.large.2`, `c7.xlarge.4`;
 * images log in as root.
 */
export const HUAWEICLOUD_PROFILE: CloudProfile = {
  name: 'huaweicloud',
  regions: [
    { name: 'cn-north-4', zones: ['cn-north-4a', 'cn-north-4b', 'cn-north-4c'] },
    { name: 'cn-east-3', zones: ['cn-east-3a', 'cn-east-3b'] },
    { name: 'ap-southeast-3', zones: ['ap-southeast-3a', 'ap-southeast-3b'] },
  ],
  newId: (_kind, rng) => uuid(rng),
  instanceType: /^[a-z][a-z0-9]*\.[a-z0-9]+\.\d+$/,
  defaultInstanceType: 's6.large.2',
  catalog: [{ dockerRef: DEBIAN, name: 'Debian 12.0.0 64bit tsimg', description: 'Debian 12 64-bit, tsimg base image', loginUser: 'root', created: CATALOG_DATE }],
  defaultNetwork: undefined,
  rootDeviceName: '/dev/vda',
}

function alnum(rng: Rng, n: number): string {
  const chars = 'abcdefghijklmnopqrstuvwxyz0123456789'
  let out = ''
  for (let i = 0; i < n; i++) out += chars[Math.floor(rng.next() * chars.length)]
  return out
}

/** A version-4-shaped UUID drawn from the seeded Rng (repeatable ids for a seeded run). */
function uuid(rng: Rng): string {
  const h = rng.hex(32).split('')
  h[12] = '4'
  h[16] = '89ab'[Math.floor(rng.next() * 4)]!
  const s = h.join('')
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`
}
