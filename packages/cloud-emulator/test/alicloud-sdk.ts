import { createRequire } from 'node:module'

// The SDKs are CommonJS with `exports.default = Client`; require() gives the same object
// under Node and under vitest, where a default import of CJS differs between the two.
const require = createRequire(import.meta.url)
export const Ecs = require('@alicloud/ecs20140526') as typeof import('@alicloud/ecs20140526')
export const Vpc = require('@alicloud/vpc20160428') as typeof import('@alicloud/vpc20160428')
export const OpenApi = require('@alicloud/openapi-core') as typeof import('@alicloud/openapi-core')
export const Dara = require('@darabonba/typescript') as typeof import('@darabonba/typescript')

export interface ClientCredentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken?: string
}

export interface ClientOptions {
  /** 'v2' makes the SDK sign with HMAC-SHA1 (RPC v1) instead of ACS3-HMAC-SHA256. */
  readonly signatureAlgorithm?: 'v2'
  readonly readTimeout?: number
}

function config(endpoint: string, c: ClientCredentials, o: ClientOptions): InstanceType<typeof OpenApi.$OpenApiUtil.Config> {
  return new OpenApi.$OpenApiUtil.Config({
    accessKeyId: c.accessKeyId,
    accessKeySecret: c.secretAccessKey,
    securityToken: c.sessionToken,
    endpoint,
    protocol: 'http',
    regionId: 'cn-hangzhou',
    signatureAlgorithm: o.signatureAlgorithm,
    readTimeout: o.readTimeout,
  })
}

export const ecsClient = (endpoint: string, c: ClientCredentials, o: ClientOptions = {}) => new Ecs.default(config(endpoint, c, o))
export const vpcClient = (endpoint: string, c: ClientCredentials, o: ClientOptions = {}) => new Vpc.default(config(endpoint, c, o))

/** The SDK's error as a plain record, to compare code, status and class in one assertion. */
export async function failure(p: Promise<unknown>): Promise<{ name: string; code: string; statusCode: number }> {
  try {
    await p
  } catch (error) {
    const e = error as { name: string; code: string; statusCode: number }
    return { name: e.name, code: e.code, statusCode: e.statusCode }
  }
  throw new Error('expected the call to fail')
}
