import { startEmulator, type Emulator, type EmulatorOptions } from './lifecycle.js'

export { startEmulator, TEST_CREDENTIALS } from './lifecycle.js'
export type { Emulator, EmulatorOptions } from './lifecycle.js'
export { FRONT_ENDS, frontEnd } from './registry.js'
export type { FrontEnd, FrontEndContext, StartedFrontEnd, Credentials, CallRecord, ControlHandler } from './front-end.js'
export { Cloud, DEFAULT_REGIONS, DEFAULT_ACCOUNT_ID, DEFAULT_CATALOG, CATALOG_OWNER_ID } from './backend/cloud.js'
export type { CatalogEntry, CloudOptions } from './backend/cloud.js'
export { BackendError, CloudError } from './backend/errors.js'
export type { ErrorKind, ResourceType } from './backend/errors.js'
export { AWS_PROFILE, ALICLOUD_PROFILE, HUAWEICLOUD_PROFILE } from './backend/profile.js'
export type { CloudProfile } from './backend/profile.js'
export {
  AWS_CATALOG,
  AWS_INSTANCE_TYPES,
  AWS_VOLUME_TYPES,
  AWS_OWNERS,
  ALICLOUD_VOLUME_TYPES,
  HUAWEICLOUD_CATALOG,
  HUAWEICLOUD_INSTANCE_TYPES,
  HUAWEICLOUD_VOLUME_TYPES,
  BASE_IMAGE,
  extendProfile,
  parseCatalog,
  readCatalogFile,
} from './backend/catalog.js'
export type { CatalogExtension } from './backend/catalog.js'
export { sweep } from './backend/docker.js'
export type { Fault } from './backend/faults.js'
export type { Delays, LedgerEntry } from './backend/types.js'
export type { MachineMode } from './backend/paper.js'
export { PAPER_REFUSAL } from './backend/paper.js'
export { DEFAULT_DELAYS } from './backend/types.js'

export type Ec2EmulatorOptions = Omit<EmulatorOptions, 'frontEnds'>
export type Ec2Emulator = Emulator

/** Starts the EC2 front end alone over a new backend: `startEmulator({ frontEnds: ['aws'] })`. */
export function startEc2Emulator(opts: Ec2EmulatorOptions = {}): Promise<Ec2Emulator> {
  return startEmulator({ ...opts, frontEnds: ['aws'] })
}

/** The cloud-agnostic backend, for other clouds' front ends (Alibaba Cloud, Huawei Cloud). */
export * as backend from './backend/index.js'

/** Alibaba Cloud's front end (ECS and VPC RPC APIs). */
export * as alicloud from './alicloud/index.js'
/** The Huawei Cloud front end (IAM, ECS, VPC, EIP, IMS REST APIs) on the same backend. */
export { startHuaweiEmulator, huaweiProjectId, HUAWEI_DOMAIN_ID, HUAWEI_ROUTES, type HuaweiEmulator, type HuaweiEmulatorOptions } from './huawei/index.js'
