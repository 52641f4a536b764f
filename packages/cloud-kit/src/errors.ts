import { TsimgError } from '@tsimg/core/plugin'

/**
 * What an API error means for the caller, whatever the cloud calls it:
 * - `transient`: a network hiccup or 5xx; the same call may work now.
 * - `throttled`: too many calls; the same call works later (backs off longer).
 * - `not-found`: the resource is not there (yet: right after a create; or any more).
 * - `conflict`: it depends on something still in use (a group still attached to an instance).
 * - `exists`: a create met what an earlier attempt of the same create made.
 * - `unsupported`: the endpoint does not implement an optional part of the request.
 * - `permanent`: anything else; retrying cannot help.
 */
export type ErrorClass = 'transient' | 'throttled' | 'not-found' | 'conflict' | 'exists' | 'unsupported' | 'permanent'

/** What an SDK error says, read the same way for every cloud. */
export interface ErrorFacts {
  /** The cloud's error code (`InvalidAMIID.NotFound`, `Throttling.User`), or a Node network code. */
  readonly code?: string
  readonly status?: number
  readonly requestId?: string
  readonly message: string
}

/**
 * One cloud's reading of its errors: the only thing about errors a new cloud writes.
 * `classify` sees the facts and may look at the raw error too.
 */
export interface ErrorModel {
  /** Shown in errors: `EC2`, `ECS`, `Huawei ECS`. */
  readonly service: string
  facts(err: unknown): ErrorFacts
  classify(facts: ErrorFacts, err: unknown): ErrorClass
}

/** Network-level failures every cloud shares: the request never got a clear answer. */
export const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'TimeoutError',
  'RequestTimeout',
  'socket hang up',
])

/**
 * The final error of an API call: names the cloud action, where it went, the code and the
 * HTTP status, not only what the SDK's parser made of the answer.
 */
export class CloudApiError extends TsimgError {
  constructor(
    readonly service: string,
    readonly action: string,
    readonly endpoint: string,
    readonly facts: ErrorFacts,
    readonly errorClass: ErrorClass,
    readonly attempts: number,
    options?: { cause?: unknown; hint?: string; unanswered?: boolean },
  ) {
    const status = facts.status !== undefined ? `HTTP ${facts.status}` : 'no HTTP answer'
    const tries = attempts > 1 ? `, after ${attempts} attempts` : ''
    super('CLOUD_API', `${service} ${action} failed at ${endpoint}: ${facts.code ?? 'error'} (${status}${tries}): ${facts.message}`, options)
    this.unanswered = options?.unanswered ?? facts.status === undefined
  }

  /** Some attempt was sent and got no HTTP answer: the server may have acted, or may still. */
  readonly unanswered: boolean

  /** The cloud's own error code, e.g. `InvalidKeyPair.Duplicate`. */
  get apiCode(): string | undefined {
    return this.facts.code
  }
}

/** The class of an error from CloudCaller (anything else is `permanent`). */
export function errorClassOf(err: unknown): ErrorClass {
  return err instanceof CloudApiError ? err.errorClass : 'permanent'
}

export function isNotFound(err: unknown): boolean {
  return errorClassOf(err) === 'not-found'
}

/** The cloud's error code of an error from CloudCaller, or undefined. */
export function apiCodeOf(err: unknown): string | undefined {
  return err instanceof CloudApiError ? err.apiCode : undefined
}
