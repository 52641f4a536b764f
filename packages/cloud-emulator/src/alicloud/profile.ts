import { ALICLOUD_PROFILE, type CloudProfile } from '../backend/profile.js'

/**
 * Alibaba Cloud's geography and catalog as the emulator presents them: real region and
 * zone ids (the seeds use cn-hangzhou and cn-beijing) and common instance types, so
 * templates written for Alibaba validate unchanged.
 */
export interface AliRegion {
  readonly regionId: string
  readonly localName: string
  readonly zones: readonly string[]
}

// Regions that AWS also names (ap-southeast-1, us-west-1, ...) are left out: one backend
// serves both front ends, and a region name belongs to one cloud only.
export const ALICLOUD_REGIONS: readonly AliRegion[] = [
  { regionId: 'cn-hangzhou', localName: '华东1（杭州）', zones: ['cn-hangzhou-h', 'cn-hangzhou-i', 'cn-hangzhou-j'] },
  { regionId: 'cn-shanghai', localName: '华东2（上海）', zones: ['cn-shanghai-e', 'cn-shanghai-f', 'cn-shanghai-g'] },
  { regionId: 'cn-beijing', localName: '华北2（北京）', zones: ['cn-beijing-g', 'cn-beijing-h', 'cn-beijing-i'] },
  { regionId: 'cn-shenzhen', localName: '华南1（深圳）', zones: ['cn-shenzhen-d', 'cn-shenzhen-e', 'cn-shenzhen-f'] },
  { regionId: 'cn-hongkong', localName: '中国香港', zones: ['cn-hongkong-b', 'cn-hongkong-c', 'cn-hongkong-d'] },
  { regionId: 'ap-northeast-1', localName: '日本（东京）', zones: ['ap-northeast-1a', 'ap-northeast-1b'] },
]

/** Instance types offered in every zone but the last of a region (so zone choice matters). */
export const ALICLOUD_INSTANCE_TYPES: readonly string[] = [
  'ecs.n1.tiny', 'ecs.n1.small', 'ecs.n1.large', 'ecs.t5-lc1m1.small', 'ecs.t5-lc1m2.large',
  'ecs.g6.large', 'ecs.g6.xlarge', 'ecs.g7.large', 'ecs.c6.large', 'ecs.c7.large', 'ecs.r6.large',
]

/** Types only the last zone of each region lacks: a builder must pick a zone that has them. */
export const ALICLOUD_SCARCE_TYPES: readonly string[] = ['ecs.g7.large', 'ecs.c7.large']

export function zoneOffers(region: AliRegion, zoneId: string, instanceType: string): boolean {
  if (!ALICLOUD_INSTANCE_TYPES.includes(instanceType)) return false
  return !(ALICLOUD_SCARCE_TYPES.includes(instanceType) && zoneId === region.zones.at(-1))
}

/** An Alibaba public image the emulator offers, booting a local docker image. */
export interface AliCatalogImage {
  readonly name: string
  readonly family: string
  readonly osName: string
  readonly dockerRef: string
}

/**
 * Public ("system") images by Alibaba's names, including the seeds' CentOS sources. All boot
 * the local Debian base image: the name is what templates reference, the disk is what is here.
 */
export const ALICLOUD_CATALOG: readonly AliCatalogImage[] = [
  { name: 'debian_12_5_x64_20G_alibase_20240429.vhd', family: 'acs:debian_12_x64', osName: 'Debian 12.5 64位', dockerRef: 'tsimg/debian-ssh:bookworm' },
  { name: 'ubuntu_22_04_x64_20G_alibase_20240130.vhd', family: 'acs:ubuntu_22_04_x64', osName: 'Ubuntu 22.04 64位', dockerRef: 'tsimg/debian-ssh:bookworm' },
  { name: 'centos_7_06_64_20G_alibase_20190711.vhd', family: 'acs:centos_7_6_x64', osName: 'CentOS 7.6 64位', dockerRef: 'tsimg/debian-ssh:bookworm' },
  { name: 'centos_7_03_64_20G_alibase_20170818.vhd', family: 'acs:centos_7_3_x64', osName: 'CentOS 7.3 64位', dockerRef: 'tsimg/debian-ssh:bookworm' },
]

/** The backend profile of this front end: the shared Alibaba profile with these regions and catalog. */
export const ALICLOUD_EMULATOR_PROFILE: CloudProfile = {
  ...ALICLOUD_PROFILE,
  regions: ALICLOUD_REGIONS.map((r) => ({ name: r.regionId, zones: r.zones })),
  catalog: ALICLOUD_CATALOG.map((c) => ({
    dockerRef: c.dockerRef, name: c.name, description: c.osName, loginUser: 'root', created: new Date('2024-04-29T00:00:00.000Z'),
  })),
}
