import { notFound } from './errors.js'
import type { Cloud } from './cloud.js'
import type { Instance } from './types.js'

/** The instance of this id in this region, or EC2's NotFound (power.ts and instances.ts both look up). */
export function getInstance(cloud: Cloud, region: string, id: string): Instance {
  const i = cloud.instances.get(id)
  if (!i || i.region !== region) throw notFound('instance', id, `The instance ID '${id}' does not exist`)
  return i
}
