import { ALICLOUD_SCARCE_TYPES } from '../backend/catalog.js'
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

/** The instance types of the default catalog (backend/catalog.ts; users add more). */
export { ALICLOUD_CATALOG, ALICLOUD_INSTANCE_TYPES } from '../backend/catalog.js'

/**
 * Whether a zone offers a type: every type of the catalog (`offered`: the profile's, with the
 * user's additions) in every zone, but the scarce ones not in a region's last zone.
 */
export function zoneOffers(offered: readonly string[], region: AliRegion, zoneId: string, instanceType: string): boolean {
  if (!offered.includes(instanceType)) return false
  return !(ALICLOUD_SCARCE_TYPES.includes(instanceType) && zoneId === region.zones.at(-1))
}

/** The backend profile of this front end: the shared Alibaba profile (its catalog included) with these regions. */
export const ALICLOUD_EMULATOR_PROFILE: CloudProfile = {
  ...ALICLOUD_PROFILE,
  regions: ALICLOUD_REGIONS.map((r) => ({ name: r.regionId, zones: r.zones })),
}
