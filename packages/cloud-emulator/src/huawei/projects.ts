import { createHash } from 'node:crypto'
import type { Cloud } from '../backend/cloud.js'

/** The front end's name: its profile, its faults (`cloud: 'huaweicloud'`), its regions. */
export const HUAWEI = 'huaweicloud'

/** The account's domain id: fixed, so tests and the builder's README can name it. */
export const DOMAIN_ID = 'e4c1d0ba5a4f4e8f9d3c2b1a00000001'

/**
 * One IAM project per region, as on Huawei Cloud, with an id derived from the region name so
 * it is the same in every emulator run (a test may hard-code it, like a user's projectId).
 */
export function projectId(region: string): string {
  return createHash('sha256').update(`tsimg-emulator-project:${region}`).digest('hex').slice(0, 32)
}

export interface Project {
  readonly id: string
  readonly name: string
  readonly region: string
}

export function projects(cloud: Cloud): Project[] {
  return cloud.regions.filter((r) => r.cloud === HUAWEI).map((r) => ({ id: projectId(r.name), name: r.name, region: r.name }))
}

export function projectById(cloud: Cloud, id: string): Project | undefined {
  return projects(cloud).find((p) => p.id === id)
}
