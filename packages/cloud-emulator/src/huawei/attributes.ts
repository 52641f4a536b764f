import type { Cloud } from '../backend/cloud.js'

/**
 * What Huawei's API keeps about a resource that the cloud-neutral backend does not model
 * (a VPC's name and description, a rule's id): the front end's own few fields, per cloud.
 */
export interface Attributes {
  name?: string
  description?: string
  enterpriseProjectId?: string
  gatewayIp?: string
  [key: string]: unknown
}

const stores = new WeakMap<Cloud, Map<string, Attributes>>()

export function attrs(cloud: Cloud, id: string): Attributes {
  let store = stores.get(cloud)
  if (!store) stores.set(cloud, (store = new Map()))
  let a = store.get(id)
  if (!a) store.set(id, (a = {}))
  return a
}

export function forget(cloud: Cloud, id: string): void {
  stores.get(cloud)?.delete(id)
}
