import {
  ALICLOUD_CATALOG,
  ALICLOUD_INSTANCE_TYPES,
  ALICLOUD_VOLUME_TYPES,
  AWS_CATALOG,
  AWS_INSTANCE_TYPES,
  AWS_VOLUME_TYPES,
  HUAWEICLOUD_CATALOG,
  HUAWEICLOUD_INSTANCE_TYPES,
  HUAWEICLOUD_VOLUME_TYPES,
} from './catalog.js'
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
  /** The shape of an instance type name (a name of another shape is an invalid parameter). */
  readonly instanceType: RegExp
  /**
   * The instance types (flavors) the cloud offers (catalog.ts; users add more). When given, a
   * type outside it is refused; when left out, any name of the right shape is accepted.
   */
  readonly instanceTypes?: readonly string[]
  /** The volume (disk) types the cloud offers; front ends refuse others when given. */
  readonly volumeTypes?: readonly string[]
  readonly defaultInstanceType: string
  /** Public images offered in every region of this cloud (skipped when the docker image is missing). */
  readonly catalog: readonly CatalogEntry[]
  /** A default network (VPC, one subnet per zone, default security group) in every region. */
  readonly defaultNetwork?: { readonly cidr: string }
  /** The device name of a catalog image's root disk. */
  readonly rootDeviceName: string
}

export type ResourceKind =
  'instance' | 'reservation' | 'image' | 'snapshot' | 'volume' | 'security-group' | 'key-pair' | 'vpc' | 'subnet' | 'public-ip' | 'job' | 'request'

const EC2_PREFIXES: Record<ResourceKind, string> = {
  instance: 'i',
  reservation: 'r',
  image: 'ami',
  snapshot: 'snap',
  volume: 'vol',
  'security-group': 'sg',
  'key-pair': 'key',
  vpc: 'vpc',
  subnet: 'subnet',
  'public-ip': 'eipalloc',
  job: 'job',
  request: 'req',
}

/** EC2's id format: prefix, '-0', 16 hex digits. */
export const ec2Ids = (kind: ResourceKind, rng: Rng): string => rng.id(EC2_PREFIXES[kind])

export const AWS_PROFILE: CloudProfile = {
  name: 'aws',
  regions: ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-1'].map((name) => ({
    name,
    zones: ['a', 'b', 'c'].map((z) => name + z),
  })),
  newId: ec2Ids,
  instanceType: /^[a-z][a-z0-9-]*\.[a-z0-9]+$/,
  instanceTypes: AWS_INSTANCE_TYPES,
  volumeTypes: AWS_VOLUME_TYPES,
  defaultInstanceType: 'm1.small',
  catalog: AWS_CATALOG,
  defaultNetwork: { cidr: '172.31.0.0/16' },
  rootDeviceName: '/dev/xvda',
}

const ALICLOUD_PREFIXES: Record<ResourceKind, string> = {
  instance: 'i',
  reservation: 'r',
  image: 'm',
  snapshot: 's',
  volume: 'd',
  'security-group': 'sg',
  'key-pair': 'kp',
  vpc: 'vpc',
  subnet: 'vsw',
  'public-ip': 'eip',
  job: 'job',
  request: 'req',
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
  instanceTypes: ALICLOUD_INSTANCE_TYPES,
  volumeTypes: ALICLOUD_VOLUME_TYPES,
  defaultInstanceType: 'ecs.g7.large',
  catalog: ALICLOUD_CATALOG,
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
  instanceTypes: HUAWEICLOUD_INSTANCE_TYPES,
  volumeTypes: HUAWEICLOUD_VOLUME_TYPES,
  defaultInstanceType: 's6.large.2',
  catalog: HUAWEICLOUD_CATALOG,
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
