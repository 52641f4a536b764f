import { EC2Client } from '@aws-sdk/client-ec2'
import pRetry, { AbortError } from 'p-retry'

/** How to reach EC2: what the client needs, without anything journaled. */
export interface ConnectionOptions {
  readonly endpoint?: string
  readonly accessKey?: string
  readonly secretKey?: string
  readonly sessionToken?: string
  readonly profile?: string
  /** SDK retries per call (its own backoff); tsimg retries throttling on top of it. */
  readonly maxRetries?: number
}

/** Error codes that mean "try again later": AWS throttles and server-side hiccups. */
const TRANSIENT = new Set([
  'RequestLimitExceeded',
  'Throttling',
  'ThrottlingException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'InternalError',
  'InternalFailure',
  'ServiceUnavailable',
  'Unavailable',
  'InsufficientInstanceCapacity',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
])

/** The error code of an SDK error (`InvalidAMIID.NotFound`), or a Node network code. */
export function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined
  const e = err as { name?: string; Code?: string; code?: string }
  return e.Code ?? (e.name && e.name !== 'Error' ? e.name : undefined) ?? e.code
}

function httpStatus(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode
}

export function isTransient(err: unknown): boolean {
  const code = errorCode(err)
  if (code && TRANSIENT.has(code)) return true
  const status = httpStatus(err)
  return status !== undefined && status >= 500
}

/** Any `*.NotFound` / `*.Malformed`-free "it is not there" answer. */
export function isNotFound(err: unknown): boolean {
  const code = errorCode(err) ?? ''
  return code.endsWith('.NotFound') || code.endsWith('NotFoundException') || code === 'InvalidGroup.NotFound'
}

export interface CallOptions {
  readonly signal: AbortSignal
  /** Codes retried for this call besides throttling (eventual consistency, DependencyViolation). */
  readonly alsoRetry?: readonly string[]
  /** Retries for the extra codes and throttling; default 8 (about a minute of backoff). */
  readonly retries?: number
  /** First backoff; default 500 ms. */
  readonly minTimeoutMs?: number
  /**
   * A call that creates something is not aborted on cancel: an aborted request may still have
   * created the resource on the server, unrecorded. It finishes (bounded by 2 minutes), the step
   * records what it made, then notices the cancel.
   */
  readonly creates?: boolean
}

/**
 * EC2 clients per region, and `call`, which wraps every API call in a retry on throttling
 * and 5xx (on top of the SDK's own retries, whose retry quota runs dry under sustained
 * throttling) and passes the abort signal to the request.
 */
export class Ec2Api {
  readonly #clients = new Map<string, EC2Client>()

  constructor(readonly connection: ConnectionOptions) {}

  client(region: string): EC2Client {
    let c = this.#clients.get(region)
    if (!c) {
      const o = this.connection
      c = new EC2Client({
        region,
        ...(o.endpoint ? { endpoint: o.endpoint } : {}),
        ...(o.profile ? { profile: o.profile } : {}),
        ...(o.accessKey && o.secretKey
          ? { credentials: { accessKeyId: o.accessKey, secretAccessKey: o.secretKey, ...(o.sessionToken ? { sessionToken: o.sessionToken } : {}) } }
          : {}),
        maxAttempts: (o.maxRetries ?? 5) + 1,
      })
      this.#clients.set(region, c)
    }
    return c
  }

  async call<T>(region: string, fn: (client: EC2Client, opts: { abortSignal: AbortSignal }) => Promise<T>, options: CallOptions): Promise<T> {
    const client = this.client(region)
    const also = new Set(options.alsoRetry ?? [])
    const signal = options.creates ? AbortSignal.timeout(120_000) : options.signal
    return pRetry(
      async () => {
        try {
          return await fn(client, { abortSignal: signal as never })
        } catch (err) {
          if (signal.aborted) throw new AbortError(signal.reason instanceof Error ? signal.reason : 'aborted')
          const code = errorCode(err)
          if (isTransient(err) || (code !== undefined && also.has(code))) throw err
          throw new AbortError(err as Error)
        }
      },
      {
        retries: options.retries ?? 8,
        minTimeout: options.minTimeoutMs ?? 500,
        maxTimeout: 10_000,
        factor: 2,
        randomize: true,
        signal,
      },
    )
  }

  destroy(): void {
    for (const c of this.#clients.values()) c.destroy()
    this.#clients.clear()
  }
}
