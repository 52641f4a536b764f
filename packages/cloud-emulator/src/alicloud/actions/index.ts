import type { ActionTable } from '../server.js'
import { describeRegions, describeZones } from './regions.js'

/** Actions that need no backend state: the region and zone catalog. */
export function protocolActions(): ActionTable {
  return {
    Ecs: { DescribeRegions: (p) => describeRegions(p, 'Ecs'), DescribeZones: describeZones },
    Vpc: { DescribeRegions: (p) => describeRegions(p, 'Vpc'), DescribeZones: describeZones },
  }
}
