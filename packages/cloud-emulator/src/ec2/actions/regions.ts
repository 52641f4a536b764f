import { applyFilters, readFilters } from '../filters.js'
import { zoneId } from '../render.js'
import type { Handler } from './common.js'

export const DescribeRegions: Handler = ({ cloud }, r) => {
  const names = r.list('RegionName')
  const regions = applyFilters(
    cloud.regions.filter((x) => names.length === 0 || names.includes(x.name)),
    readFilters(r),
    { 'region-name': (x) => x.name, endpoint: (x) => `ec2.${x.name}.amazonaws.com`, 'opt-in-status': () => 'opt-in-not-required' },
    () => new Map(),
  )
  return { regionInfo: regions.map((x) => ({ regionName: x.name, regionEndpoint: `ec2.${x.name}.amazonaws.com`, optInStatus: 'opt-in-not-required' })) }
}

export const DescribeAvailabilityZones: Handler = ({ cloud, region }, r) => {
  const names = r.list('ZoneName')
  const zones = cloud.region(region).zones.filter((z) => names.length === 0 || names.includes(z))
  const filtered = applyFilters(
    zones,
    readFilters(r),
    {
      'zone-name': (z) => z,
      'region-name': () => region,
      state: () => 'available',
      'zone-id': (z) => zoneId(region, z),
      'zone-type': () => 'availability-zone',
    },
    () => new Map(),
  )
  return {
    availabilityZoneInfo: filtered.map((z) => ({
      zoneName: z,
      zoneState: 'available',
      regionName: region,
      zoneId: zoneId(region, z),
      zoneType: 'availability-zone',
      groupName: region,
      networkBorderGroup: region,
      optInStatus: 'opt-in-not-required',
      messageSet: [],
    })),
  }
}
