import { ShowJobRequest } from '@huaweicloud/huaweicloud-sdk-ecs'
import {
  CloudCaller,
  deleteUntilGone,
  requestTimeoutMs,
  waitFor,
  type CallOptions,
  type DeleteSpec,
  type ErrorClass,
  type ErrorFacts,
  type ErrorModel,
  type PollLimit,
} from '@tsimg/cloud-kit'
import type { Ui } from '@tsimg/core/plugin'
import { HuaweiApiError, call } from './errors.js'
import { lookupProjectId } from './project.js'
import { defaultEndpoints, huaweiClients, type HuaweiClients, type HuaweiEndpoints } from './sdk.js'

/** How to reach Huawei Cloud: nothing here is ever journaled (the keys stay in memory). */
export interface HuaweiConnectionOptions {
  readonly region: string
  readonly accessKey: string
  readonly secretKey: string
  readonly securityToken?: string | undefined
  readonly projectId?: string | undefined
  readonly endpoint?: string | undefined
  readonly endpoints?: Partial<HuaweiEndpoints> | undefined
  readonly maxRetries?: number
}

/**
 * Huawei's errors for the kit: 429 / APIGW.0308 is throttling, 404 not found, 5xx and "no
 * answer" transient; 409 is a dependency still in use, except on a create, where it is the
 * create's own earlier attempt. VPC v1 and Nova lose their codes in the SDK: the status decides.
 */
export const huaweiErrors: ErrorModel = {
  service: 'Huawei',
  facts(err: unknown): ErrorFacts {
    if (!(err instanceof HuaweiApiError)) return { message: err instanceof Error ? err.message : String(err) }
    return {
      ...(err.code && { code: err.code }),
      ...(err.status !== undefined && { status: err.status }),
      ...(err.requestId && { requestId: err.requestId }),
      message: err.detail,
    }
  },
  classify({ code, status }, err): ErrorClass {
    if (status === 429 || code === 'APIGW.0308') return 'throttled'
    if (status === undefined) return err instanceof HuaweiApiError ? 'transient' : 'permanent'
    if (status === 404) return 'not-found'
    // IMS names are unique per project: a retried CreateImage meets its own first attempt.
    if (code === 'IMG.0013' && err instanceof HuaweiApiError && err.operation === 'CreateImage') return 'exists'
    if (status === 409) return err instanceof HuaweiApiError && /^(Nova)?Create|^Import/.test(err.operation) ? 'exists' : 'conflict'
    if (status >= 500) return 'transient'
    return 'permanent'
  },
}

type Generic = 'ims' | 'eip'

/** The SDK's per-call timeout of every call but a create's request (it has none by default). */
const ORDINARY_TIMEOUT_MS = 60_000

/**
 * The Huawei clients of one build (or one cleanup), every call through the kit's CloudCaller
 * and the package's `call`, so each failure is a secret-free HuaweiApiError before anything
 * classifies, retries or prints it. The SDK takes no abort signal: its per-call timeout bounds
 * a request instead.
 */
export class HuaweiApi {
  readonly caller: CloudCaller
  readonly endpoints: HuaweiEndpoints
  #projectId: string | undefined
  #clients: HuaweiClients | undefined

  constructor(readonly connection: HuaweiConnectionOptions) {
    const e = connection.endpoint
    this.endpoints = { ...defaultEndpoints(connection.region), ...(e && { ecs: e, vpc: e, ims: e, eip: e, iam: e }), ...connection.endpoints }
    this.#projectId = connection.projectId
    this.caller = new CloudCaller(huaweiErrors, () => connection.endpoint ?? this.endpoints.ecs, { attempts: (connection.maxRetries ?? 9) + 1 })
  }

  get region(): string {
    return this.connection.region
  }

  get secrets(): string[] {
    return [this.connection.secretKey, this.connection.securityToken ?? ''].filter(Boolean)
  }

  /** The project id: given, or Keystone's project named after the region. */
  async projectId(signal: AbortSignal): Promise<string> {
    if (!this.#projectId) {
      const c = this.connection
      this.#projectId = await this.caller.call(
        'KeystoneListProjects',
        c.region,
        () =>
          lookupProjectId({
            accessKey: c.accessKey,
            secretKey: c.secretKey,
            ...(c.securityToken && { securityToken: c.securityToken }),
            region: c.region,
            iamEndpoint: this.endpoints.iam,
          }),
        { signal },
      )
    }
    return this.#projectId
  }

  get pid(): string {
    if (!this.#projectId) throw new Error('the project id is not known yet')
    return this.#projectId
  }

  /**
   * The SDK's clients. It takes no abort signal, so a create (a call with the kit's
   * `requestSignal`) gets clients whose timeout is the time left of the create's bound: a
   * cancelled build awaits the real answer instead of giving up at 60 s while the server works.
   */
  #sdk(opts: Pick<CallOptions, 'requestSignal'> = {}): HuaweiClients {
    const c = this.connection
    const timeoutMs = requestTimeoutMs(opts, ORDINARY_TIMEOUT_MS)
    const make = () =>
      huaweiClients({
        accessKey: c.accessKey,
        secretKey: c.secretKey,
        ...(c.securityToken && { securityToken: c.securityToken }),
        projectId: this.pid,
        endpoints: this.endpoints,
        timeoutMs,
      })
    if (timeoutMs !== ORDINARY_TIMEOUT_MS) return make()
    this.#clients ??= make()
    return this.#clients
  }

  /** One typed SDK call (ECS, VPC): `api.sdk('ShowServer', (c) => c.ecs.showServer(req), { signal })`. */
  sdk<T>(operation: string, fn: (c: HuaweiClients) => Promise<T>, opts: CallOptions): Promise<T> {
    return this.caller.call(operation, this.region, () => call(operation, this.secrets, () => fn(this.#sdk(opts))), opts)
  }

  /**
   * A create with no idempotency token (VPC v1: VPCs, subnets and groups may share a name):
   * before each retry, `find` looks for what an unanswered earlier attempt made, by its
   * build-unique name, and adopts it, so a lost answer never makes a second one.
   */
  createOnce<T>(
    operation: string,
    fn: (c: HuaweiClients) => Promise<T>,
    find: (signal: AbortSignal) => Promise<string | undefined>,
    opts: CallOptions,
  ): Promise<T | { adoptedId: string }> {
    let attempt = 0
    return this.caller.call<T | { adoptedId: string }>(
      operation,
      this.region,
      async () => {
        if (attempt++ > 0) {
          const id = await find(opts.signal)
          if (id) return { adoptedId: id }
        }
        return call(operation, this.secrets, () => fn(this.#sdk(opts)))
      },
      opts,
    )
  }

  /** One try of a typed call, no retries (for the kit's deleteUntilGone, which retries itself). */
  once<T>(operation: string, fn: (c: HuaweiClients) => Promise<T>): Promise<T> {
    return call(operation, this.secrets, () => fn(this.#sdk()))
  }

  /** The kit's deleteUntilGone in this API's caller and region (`send` is tried once per attempt: use `once`). */
  deleteUntilGone(spec: Omit<DeleteSpec, 'caller' | 'region'>): Promise<void> {
    return deleteUntilGone({ ...spec, caller: this.caller, region: this.region })
  }

  /** One call of a service with no Node package (IMS, EIP, VPC tags) through the core's signed client. */
  json(service: Generic, operation: string, method: string, url: string, opts: CallOptions, data?: unknown, query: Record<string, string> = {}): Promise<any> {
    return this.sdk(
      operation,
      (c) =>
        c[service].sendRequest({ method, url, contentType: 'application/json', pathParams: {}, queryParams: query, headers: {}, data: data ?? {} } as never),
      opts,
    )
  }

  /**
   * Waits for an ECS or IMS job (`GET /v1/{project}/jobs/{id}`, at the service that made it)
   * to end; a FAIL is an error naming the job's code and reason.
   */
  async waitJob(
    service: 'ecs' | 'ims',
    jobId: string,
    what: string,
    limit: PollLimit,
    signal: AbortSignal,
    ui?: Pick<Ui, 'say' | 'wait'>,
  ): Promise<JobEntities> {
    const url = `/v1/${this.pid}/jobs/${jobId}`
    return waitFor<JobEntities>({
      resource: `${what} (job ${jobId})`,
      until: 'to finish',
      signal,
      ...(ui && { ui }),
      ...limit,
      probe: async (s) => {
        const j =
          service === 'ims'
            ? await this.json('ims', 'ShowJob', 'GET', url, { signal: s, retry: ['not-found'], budget: { attempts: 6 } })
            : await this.sdk('ShowJob', (c) => c.ecs.showJob(new ShowJobRequest().withJobId(jobId)), {
                signal: s,
                retry: ['not-found'],
                budget: { attempts: 6 },
              })
        const status = String(j.status ?? '')
        if (status === 'SUCCESS') return { done: true, value: entitiesOf(j) }
        if (status === 'FAIL')
          return { failed: `job ${jobId} failed: ${field(j, 'error_code', 'errorCode') ?? ''} ${field(j, 'fail_reason', 'failReason') ?? ''}`.trim() }
        return { done: false, state: status }
      },
    })
  }
}

/** What a job made: the server ids of a create, the image id of an image job. */
export interface JobEntities {
  readonly serverIds: string[]
  readonly imageId?: string
}

function entitiesOf(job: unknown): JobEntities {
  const e = (field(job, 'entities') ?? {}) as object
  const subs = (field(e, 'sub_jobs', 'subJobs') ?? []) as object[]
  const serverIds = subs.map((s) => field(field(s, 'entities') ?? {}, 'server_id', 'serverId')).filter((x): x is string => typeof x === 'string')
  const imageId = field(e, 'image_id', 'imageId')
  return { serverIds, ...(typeof imageId === 'string' && { imageId }) }
}

/**
 * A field of an SDK answer: the SDK's models keep some fields under their wire name and
 * expose others through camelCase getters, and untyped answers are plain wire JSON.
 */
export function field(o: unknown, ...names: string[]): any {
  if (o === null || typeof o !== 'object') return undefined
  for (const n of names) {
    const v = (o as Record<string, unknown>)[n]
    if (v !== undefined && v !== null) return v
  }
  return undefined
}
