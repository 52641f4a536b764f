/**
 * The cloud-neutral backend every front end drives (see "Writing a front end" in the README).
 * Exported names here are a contract with the front ends: rename only with a compatible alias.
 */
export { Cloud, DEFAULT_REGIONS, DEFAULT_ACCOUNT_ID, DEFAULT_CATALOG, CATALOG_OWNER_ID } from './cloud.js'
export type { CloudOptions, CatalogEntry } from './cloud.js'
export { AWS_PROFILE, ALICLOUD_PROFILE, HUAWEICLOUD_PROFILE, ec2Ids } from './profile.js'
export type { CloudProfile, ResourceKind } from './profile.js'
export { Rng } from './rng.js'
export { BackendError, CloudError, defaultStatus, notFound, invalid, badState, inUse, exists, missingParameter } from './errors.js'
export type { ErrorKind, ResourceType, BackendErrorInit } from './errors.js'
export type { Fault } from './faults.js'
export { FaultInjector } from './faults.js'
export { sweep, SESSION_LABEL } from './docker.js'
export { shutdown } from './shutdown.js'
export * as network from './network.js'
export * as keys from './keys.js'
export * as instances from './instances.js'
export * as images from './images.js'
export * as publicIps from './public-ips.js'
export * as jobs from './jobs.js'
export type * from './types.js'
export { DEFAULT_DELAYS } from './types.js'
