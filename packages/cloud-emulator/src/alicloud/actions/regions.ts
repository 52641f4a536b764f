import { aliError } from '../errors.js'
import type { Params } from '../params.js'
import { ALICLOUD_REGIONS, zoneOffers, type AliRegion } from '../profile.js'

/** The region a call names, or InvalidRegionId.NotFound as Alibaba answers an unknown one. */
export function regionOf(p: Params, required = true): AliRegion | undefined {
  const id = required ? p.required('RegionId') : p.str('RegionId')
  if (id === undefined) return undefined
  const region = ALICLOUD_REGIONS.find((r) => r.regionId === id)
  if (!region) throw aliError('InvalidRegionId.NotFound', `The specified RegionId does not exist. RegionId: ${id}`)
  return region
}

/** DescribeRegions: the Node SDK sends no RegionId here, the Go SDK (Packer) does. */
export function describeRegions(p: Params, product: 'Ecs' | 'Vpc'): Record<string, unknown> {
  regionOf(p, false)
  return {
    Regions: {
      Region: ALICLOUD_REGIONS.map((r) => ({
        RegionId: r.regionId,
        LocalName: r.localName,
        RegionEndpoint: product === 'Ecs' ? `ecs.${r.regionId}.aliyuncs.com` : `vpc.${r.regionId}.aliyuncs.com`,
        Status: 'available',
      })),
    },
  }
}

/** DescribeZones: what each zone can create; Packer picks the first with VSwitch and the type. */
export function describeZones(p: Params, offered: readonly string[], diskCategories: readonly string[]): Record<string, unknown> {
  const region = regionOf(p)!
  return {
    Zones: {
      Zone: region.zones.map((zoneId) => ({
        ZoneId: zoneId,
        LocalName: zoneId,
        AvailableResourceCreation: { ResourceTypes: ['VSwitch', 'IoOptimized', 'Instance', 'Disk'] },
        AvailableInstanceTypes: { InstanceTypes: offered.filter((t) => zoneOffers(offered, region, zoneId, t)) },
        AvailableDiskCategories: { DiskCategories: [...diskCategories] },
        AvailableVolumeCategories: { VolumeCategories: [...diskCategories] },
      })),
    },
  }
}
