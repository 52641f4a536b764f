import type { Cloud } from '../backend/cloud.js'
import type { ErrorFormat, ServiceCodes } from './errors.js'

/** The services behind the one port; each has its own error format and codes. */
export type Service = 'iam' | 'ecs' | 'nova' | 'vpc' | 'eip' | 'ims'

/** Status-only services (Nova, Keystone) put the HTTP status where the code goes. */
const BY_STATUS: ServiceCodes = {}

/** Each service's error format and its codes for the backend's neutral errors. */
export const SERVICES: Record<Service, { format: ErrorFormat; codes: ServiceCodes }> = {
  iam: { format: 'iam', codes: BY_STATUS },
  nova: { format: 'nova', codes: BY_STATUS },
  ecs: {
    format: 'ecs',
    codes: {
      'not-found:instance': 'Ecs.0114',
      'not-found:job': 'Ecs.0103',
      'not-found:image': 'Ecs.0005',
      'not-found': 'Ecs.0005',
      'invalid-parameter': 'Ecs.0005',
      'missing-parameter': 'Ecs.0005',
      'idempotency-mismatch': 'Ecs.0005',
      'invalid-state': 'Ecs.0015',
      'dependency-violation': 'Ecs.0015',
      'already-exists': 'Ecs.0005',
      quota: 'Ecs.0000',
      capacity: 'Ecs.0010',
      unauthorized: 'Ecs.1000',
      unavailable: 'Ecs.0001',
      internal: 'Ecs.0001',
    },
  },
  vpc: {
    format: 'vpc',
    codes: {
      'not-found:vpc': 'VPC.0101',
      'not-found:subnet': 'VPC.0202',
      'not-found:security-group': 'VPC.0602',
      'not-found': 'VPC.0002',
      'invalid-parameter': 'VPC.0002',
      'missing-parameter': 'VPC.0002',
      'already-exists': 'VPC.0601',
      'dependency-violation:vpc': 'VPC.0106',
      'dependency-violation:subnet': 'VPC.0206',
      'dependency-violation': 'VPC.0606',
      'invalid-state': 'VPC.0003',
      internal: 'VPC.0001',
    },
  },
  eip: {
    format: 'vpc',
    codes: {
      'not-found': 'VPC.0504',
      'invalid-parameter': 'VPC.0502',
      'missing-parameter': 'VPC.0502',
      'dependency-violation': 'VPC.0508',
      'invalid-state': 'VPC.0508',
      quota: 'VPC.0514',
      internal: 'VPC.0001',
    },
  },
  ims: {
    format: 'ecs',
    codes: {
      'not-found': 'IMG.0027',
      'invalid-parameter': 'IMG.0001',
      'missing-parameter': 'IMG.0001',
      'already-exists': 'IMG.0013',
      'invalid-state': 'IMG.0013',
      'dependency-violation': 'IMG.0013',
      internal: 'IMG.0002',
    },
  },
}

export interface HuaweiContext {
  readonly cloud: Cloud
  /** The region the project id belongs to. */
  readonly region: string
  readonly projectId: string
  readonly requestId: string
}

interface HuaweiRequest {
  readonly params: Readonly<Record<string, string>>
  readonly query: URLSearchParams
  /** The parsed JSON body ({} when empty). */
  readonly body: Record<string, any>
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
}

/** A handler's answer: a JSON value (status 200), or an explicit status and body. */
export type HuaweiAnswer = { readonly status: number; readonly body?: unknown }
type Handler = (ctx: HuaweiContext, req: HuaweiRequest) => Promise<unknown> | unknown

export interface Route {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE'
  /** Path template as in Huawei's API reference: '/v1/{project_id}/cloudservers/{server_id}'. */
  readonly path: string
  /** The SDK operation name; faults and the call log use it ('CreatePostPaidServers'). */
  readonly action: string
  readonly service: Service
  readonly handler: Handler
}

export const answer = (status: number, body?: unknown): HuaweiAnswer & { readonly [ANSWER]: true } => ({ status, body, [ANSWER]: true })
const ANSWER = Symbol('answer')
export const isAnswer = (v: unknown): v is HuaweiAnswer => typeof v === 'object' && v !== null && ANSWER in v

interface Compiled {
  readonly route: Route
  readonly regex: RegExp
  readonly names: string[]
}

/** Matches a method and raw path against the route table; path segments are decoded. */
export class Router {
  private readonly compiled: Compiled[]

  constructor(routes: readonly Route[]) {
    this.compiled = routes.map((route) => {
      const names: string[] = []
      const pattern = route.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_m, name: string) => {
        names.push(name)
        return '([^/]+)'
      })
      return { route, regex: new RegExp(`^${pattern}/?$`), names }
    })
  }

  match(method: string, rawPath: string): { route: Route; params: Record<string, string> } | undefined {
    for (const c of this.compiled) {
      if (c.route.method !== method) continue
      const m = c.regex.exec(rawPath)
      if (!m) continue
      const params: Record<string, string> = {}
      c.names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1]!)))
      return { route: c.route, params }
    }
    return undefined
  }
}
