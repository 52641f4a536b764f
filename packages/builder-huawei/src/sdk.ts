/**
 * The official Huawei Cloud Node SDK, made safe to embed. Importing this module (and only
 * this module) is how tsimg loads the SDK, because the SDK has three traps:
 *
 *  1. Its core `require('uuid')` without declaring it: this package depends on uuid@11
 *     (12+ is ESM-only and cannot be required on Node 20).
 *  2. Building a client without a custom user agent writes `~/.huaweicloud/application_id`
 *     (an id it sends with every call): every client here gets `customUserAgent`, so the
 *     home directory is never touched.
 *  3. The core configures log4js to stdout at import and, on every failed call, logs the
 *     whole request (Authorization header, body with user_data and adminPass) there; with
 *     DEBUG=DEBUG in the environment it logs every request. Its one logger instance is
 *     silenced below, for good: tsimg reports errors itself, from `HuaweiApiError`.
 *
 * Also: `@huaweicloud/huaweicloud-sdk-iam`'s main entry fails to load (its v5 index requires
 * './GlobalCredentials,BasicCredentials'), so IAM is imported from its v3 entry.
 */
import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core'
import { ClientBuilder } from '@huaweicloud/huaweicloud-sdk-core/ClientBuilder.js'
import type { HcClient } from '@huaweicloud/huaweicloud-sdk-core/HcClient.js'
import { Logger4jInstance } from '@huaweicloud/huaweicloud-sdk-core/logger/log4jLogger.js'
import { EcsClient } from '@huaweicloud/huaweicloud-sdk-ecs'
import { IamClient } from '@huaweicloud/huaweicloud-sdk-iam/v3/public-api.js'
import { VpcClient } from '@huaweicloud/huaweicloud-sdk-vpc'

silenceSdkLogger()

/** Replaces every method of the SDK's single log4js logger with one that drops the line. */
function silenceSdkLogger(): void {
  const logger = Logger4jInstance as unknown as Record<string, unknown>
  for (const level of ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'mark', 'log'])
    if (typeof logger[level] === 'function') logger[level] = () => undefined
}

export const USER_AGENT = 'tsimg/0.1'

export interface HuaweiConnection {
  readonly accessKey: string
  readonly secretKey: string
  /** Temporary (STS) credentials come with a security token. */
  readonly securityToken?: string
  readonly projectId: string
  /** Per service; each defaults to https://<service>.<region>.myhuaweicloud.com. */
  readonly endpoints: HuaweiEndpoints
  /** Per-call timeout in ms (the SDK has none by default, so a lost answer would hang). */
  readonly timeoutMs?: number
}

export interface HuaweiEndpoints {
  readonly ecs: string
  readonly vpc: string
  readonly ims: string
  readonly eip: string
  readonly iam: string
}

/** Huawei's public endpoints of a region. */
export function defaultEndpoints(region: string): HuaweiEndpoints {
  const at = (service: string): string => `https://${service}.${region}.myhuaweicloud.com`
  return { ecs: at('ecs'), vpc: at('vpc'), ims: at('ims'), eip: at('vpc'), iam: at('iam') }
}

function credential(c: Pick<HuaweiConnection, 'accessKey' | 'secretKey' | 'securityToken'>, projectId?: string): BasicCredentials {
  const cred = new BasicCredentials().withAk(c.accessKey).withSk(c.secretKey)
  if (c.securityToken) cred.withSecurityToken(c.securityToken)
  if (projectId) cred.withProjectId(projectId)
  return cred
}

function options(timeoutMs = 60_000): {
  customUserAgent: string
  axiosRequestConfig: { timeout: number; transformResponse: Array<(data: unknown, headers: unknown, status?: number) => unknown> }
} {
  return { customUserAgent: USER_AGENT, axiosRequestConfig: { timeout: timeoutMs, transformResponse: [parseAnswer] } }
}

/**
 * Parses an answer as the SDK's default does (JSON when it is JSON) and gives an error body
 * the fields the SDK reads (`error_code`, `error_msg`). The SDK reads only API Gateway's and
 * ECS's shapes and drops the body: VPC v1's `{"code","message"}`, Nova's
 * `{"badRequest":{"code":400,"message"}}` and Neutron's `{"NeutronError":{"type","message"}}`
 * reached users as "Request failed with status code 400", without the service's code and message.
 */
export function parseAnswer(data: unknown, _headers?: unknown, status?: number): unknown {
  let body = data
  if (typeof data === 'string' && /^\s*[{[]/.test(data)) {
    try {
      body = JSON.parse(data)
    } catch {
      return data
    }
  }
  if (status === undefined || status < 400 || body === null || typeof body !== 'object' || Array.isArray(body)) return body
  const b = body as Record<string, unknown>
  if (b.error_code !== undefined || (typeof b.error === 'object' && b.error !== null && (b.error as Record<string, unknown>).code !== undefined)) return body
  // VPC v1.
  if (typeof b.code === 'string' && typeof b.message === 'string') return { ...b, error_code: b.code, error_msg: b.message }
  // Nova and Neutron: one key naming the fault, holding its message.
  const keys = Object.keys(b)
  const inner = keys.length === 1 ? b[keys[0]!] : undefined
  if (inner && typeof inner === 'object' && typeof (inner as Record<string, unknown>).message === 'string') {
    const i = inner as Record<string, unknown>
    const code = typeof i.code === 'string' ? i.code : typeof i.type === 'string' ? i.type : keys[0]!
    return { ...b, error_code: code, error_msg: i.message }
  }
  return body
}

/** The SDK's typed clients plus a generic signed client for IMS and EIP (no npm package). */
export interface HuaweiClients {
  readonly ecs: EcsClient
  readonly vpc: VpcClient
  readonly ims: HcClient
  readonly eip: HcClient
}

export function huaweiClients(c: HuaweiConnection): HuaweiClients {
  const cred = credential(c, c.projectId)
  const opts = options(c.timeoutMs)
  const generic = (endpoint: string): HcClient =>
    new ClientBuilder<HcClient>((client) => client).withCredential(cred).withEndpoint(endpoint).withOptions(opts).build()
  return {
    ecs: EcsClient.newBuilder().withCredential(cred).withEndpoint(c.endpoints.ecs).withOptions(opts).build(),
    vpc: VpcClient.newBuilder().withCredential(cred).withEndpoint(c.endpoints.vpc).withOptions(opts).build(),
    ims: generic(c.endpoints.ims),
    eip: generic(c.endpoints.eip),
  }
}

/** An IAM client (no project: Keystone's project list is global to the account). */
export function iamClient(c: Omit<HuaweiConnection, 'projectId' | 'endpoints'> & { readonly endpoint: string }): IamClient {
  return IamClient.newBuilder().withCredential(credential(c)).withEndpoint(c.endpoint).withOptions(options(c.timeoutMs)).build()
}
