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

export const ALICLOUD_REGIONS: readonly AliRegion[] = [
  { regionId: 'cn-hangzhou', localName: '华东1（杭州）', zones: ['cn-hangzhou-h', 'cn-hangzhou-i', 'cn-hangzhou-j'] },
  { regionId: 'cn-shanghai', localName: '华东2（上海）', zones: ['cn-shanghai-e', 'cn-shanghai-f', 'cn-shanghai-g'] },
  { regionId: 'cn-beijing', localName: '华北2（北京）', zones: ['cn-beijing-g', 'cn-beijing-h', 'cn-beijing-i'] },
  { regionId: 'cn-shenzhen', localName: '华南1（深圳）', zones: ['cn-shenzhen-d', 'cn-shenzhen-e', 'cn-shenzhen-f'] },
  { regionId: 'cn-hongkong', localName: '中国香港', zones: ['cn-hongkong-b', 'cn-hongkong-c', 'cn-hongkong-d'] },
  { regionId: 'ap-southeast-1', localName: '新加坡', zones: ['ap-southeast-1a', 'ap-southeast-1b', 'ap-southeast-1c'] },
  { regionId: 'eu-central-1', localName: '德国（法兰克福）', zones: ['eu-central-1a', 'eu-central-1b'] },
  { regionId: 'us-west-1', localName: '美国（硅谷）', zones: ['us-west-1a', 'us-west-1b'] },
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

/** The owner id the backend records for system images (Alibaba answers ImageOwnerAlias=system). */
export const SYSTEM_OWNER = 'system'
