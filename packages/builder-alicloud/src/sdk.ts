import { createRequire } from 'node:module'

// The SDKs are CommonJS with `exports.default = Client`: require() gives the same object
// wherever this module is loaded from (Node's ESM default import of CJS would add a level).
const require = createRequire(import.meta.url)
export const Ecs = require('@alicloud/ecs20140526') as typeof import('@alicloud/ecs20140526')
export const Vpc = require('@alicloud/vpc20160428') as typeof import('@alicloud/vpc20160428')
export const Sts = require('@alicloud/sts20150401') as typeof import('@alicloud/sts20150401')
export const OpenApi = require('@alicloud/openapi-core') as typeof import('@alicloud/openapi-core')

export type EcsClient = InstanceType<typeof Ecs.default>
export type VpcClient = InstanceType<typeof Vpc.default>
export type StsClient = InstanceType<typeof Sts.default>
