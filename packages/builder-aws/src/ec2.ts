import { DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2'
import { CloudCaller, type CallOptions, type ErrorClass, type ErrorFacts, type ErrorModel } from '@tsimg/cloud-kit'

/** How to reach EC2: what the client needs, without anything journaled. */
export interface ConnectionOptions {
  readonly endpoint?: string
  readonly accessKey?: string
  readonly secretKey?: string
  readonly sessionToken?: string
  readonly profile?: string
  /** Retries per call (tsimg's, the SDK's own are off): attempts = maxRetries + 1. */
  readonly maxRetries?: number
}

const THROTTLED = new Set([
  'RequestLimitExceeded',
  'Throttling',
  'ThrottlingException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'SlowDown',
])
const TRANSIENT = new Set([
  'InternalError',
  'InternalFailure',
  'ServiceUnavailable',
  'Unavailable',
  'InsufficientInstanceCapacity',
  'RequestTimeout',
  'RequestTimeoutException',
])
const CONFLICT = new Set(['DependencyViolation', 'InvalidSnapshot.InUse', 'VolumeInUse', 'IncorrectState', 'InvalidGroup.InUse'])
/** Parameters an EC2-compatible endpoint may not implement (private clouds, offline tools). */
const UNSUPPORTED = new Set([
  'UnknownParameter',
  'InvalidParameter',
  'InvalidParameterValue',
  'InvalidParameterCombination',
  'UnsupportedOperation',
  'NotImplemented',
])

/** EC2's errors, read once for every call. */
const ec2Errors: ErrorModel = {
  service: 'EC2',
  facts(err: unknown): ErrorFacts {
    const e = (err ?? {}) as { name?: string; Code?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number; requestId?: string } }
    // The SDK names an answer it cannot parse (an HTML page) 'Unknown': that is no EC2 code.
    const named = e.name && e.name !== 'Error' && e.name !== 'Unknown' ? e.name : undefined
    const code = e.Code ?? named ?? e.code
    const status = e.$metadata?.httpStatusCode
    const requestId = e.$metadata?.requestId
    return { ...(code && { code }), ...(status !== undefined && { status }), ...(requestId && { requestId }), message: e.message ?? String(err) }
  },
  classify({ code = '', status, message }): ErrorClass {
    if (THROTTLED.has(code)) return 'throttled'
    if (TRANSIENT.has(code)) return 'transient'
    if (code.endsWith('.NotFound') || code.endsWith('NotFoundException')) return 'not-found'
    if (code.endsWith('.Duplicate') || code === 'IdempotentParameterMismatch') return 'exists'
    if (CONFLICT.has(code)) return 'conflict'
    // Only a complaint about tag specifications is an optional part: other bad values are the user's.
    if (UNSUPPORTED.has(code) && /tag ?specification|resource ?type|unknown parameter/i.test(message)) return 'unsupported'
    if (status !== undefined && status >= 500) return 'transient'
    return 'permanent'
  },
}

/** Any EC2 command; its output type is read from the command's middleware handler. */
type AnyCommand = { resolveMiddleware(...args: any[]): unknown }
export type OutputOf<C> = C extends { resolveMiddleware(...args: any[]): (...args: any[]) => Promise<{ output: infer O }> } ? O : never

/**
 * EC2 clients per region (the SDK's own retries off: maxAttempts 1), and `send`, which runs
 * every command through the kit's CloudCaller: one classification, one retry budget, errors
 * that name the action, status and endpoint.
 */
export class Ec2Api {
  readonly #clients = new Map<string, EC2Client>()
  readonly caller: CloudCaller

  constructor(readonly connection: ConnectionOptions) {
    this.caller = new CloudCaller(ec2Errors, (region) => connection.endpoint ?? `https://ec2.${region}.amazonaws.com`, {
      attempts: (connection.maxRetries ?? 9) + 1,
    })
  }

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
        maxAttempts: 1,
      })
      this.#clients.set(region, c)
    }
    return c
  }

  /** Sends one command (its action name is the command's) with retries per CallOptions. */
  send<C extends AnyCommand>(region: string, command: C, opts: CallOptions): Promise<OutputOf<C>> {
    const action = command.constructor.name.replace(/Command$/, '')
    const client = this.client(region)
    return this.caller.call(action, region, (signal) => client.send(command as never, { abortSignal: signal as never }) as Promise<OutputOf<C>>, opts)
  }

  /** The account these credentials reach: the owner of the region's default security group. */
  async account(region: string, signal: AbortSignal): Promise<string> {
    const res = await this.send(region, new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: ['default'] }] }), { signal })
    const owner = res.SecurityGroups?.find((g) => g.OwnerId)?.OwnerId
    if (!owner) throw new Error('cannot tell which AWS account these credentials reach: no default security group answered with an owner')
    return owner
  }

  destroy(): void {
    for (const c of this.#clients.values()) c.destroy()
    this.#clients.clear()
  }
}
