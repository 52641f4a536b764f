import { CloudCaller, requestTimeoutMs, type CallOptions } from '@tsimg/cloud-kit'
import type { AlicloudCredentials } from './credentials.js'
import { alicloudErrors } from './errors.js'
import { Ecs, OpenApi, Sts, Vpc, type EcsClient, type StsClient, type VpcClient } from './sdk.js'

export interface ConnectionOptions {
  readonly credentials: AlicloudCredentials
  /**
   * One endpoint for ECS and VPC calls instead of Alibaba's regional ones (an emulator, a
   * private endpoint): `http://127.0.0.1:4568` or `ecs.example.internal` (https).
   */
  readonly endpoint?: string
  /** Retries per call (tsimg's; the SDK makes none): attempts = maxRetries + 1. */
  readonly maxRetries?: number
  /** Per-request read timeout in ms (the SDK's default is 3 s, short for CreateImage on a busy region). */
  readonly readTimeoutMs?: number
}

/** Splits a custom endpoint into what the SDK wants: host[:port] without scheme, and the protocol. */
export function parseEndpoint(endpoint: string): { host: string; protocol: 'http' | 'https' } {
  const m = /^(https?):\/\/([^/]+)\/?$/.exec(endpoint)
  if (m) return { host: m[2]!, protocol: m[1] as 'http' | 'https' }
  if (/^[^/]+$/.test(endpoint)) return { host: endpoint, protocol: 'https' }
  throw new Error(`endpoint '${endpoint}' is not a host[:port] or an http(s)://host[:port] URL`)
}

/**
 * ECS and VPC clients per region, and `ecs`/`vpc`, which run every call through the kit's
 * CloudCaller: one error classification, one retry budget, errors naming action and endpoint.
 */
export class AlicloudApi {
  readonly caller: CloudCaller
  readonly #ecs = new Map<string, EcsClient>()
  readonly #vpc = new Map<string, VpcClient>()
  #sts: StsClient | undefined

  constructor(readonly connection: ConnectionOptions) {
    const custom = connection.endpoint ? parseEndpoint(connection.endpoint) : undefined
    this.caller = new CloudCaller(alicloudErrors, (region) => (custom ? `${custom.protocol}://${custom.host}` : `https://ecs.${region}.aliyuncs.com`), {
      attempts: (connection.maxRetries ?? 9) + 1,
    })
  }

  /** The SDK's read timeout of ordinary calls; a create's request waits until the kit's create bound. */
  get readTimeoutMs(): number {
    return this.connection.readTimeoutMs ?? 30_000
  }

  #config(region: string, readTimeout = this.readTimeoutMs): InstanceType<typeof OpenApi.$OpenApiUtil.Config> {
    const c = this.connection
    const custom = c.endpoint ? parseEndpoint(c.endpoint) : undefined
    return new OpenApi.$OpenApiUtil.Config({
      accessKeyId: c.credentials.accessKey,
      accessKeySecret: c.credentials.secretKey,
      securityToken: c.credentials.securityToken,
      // httpx uses connectTimeout as the socket's idle timeout too, so it also bounds the wait
      // for an answer: a create's request gets its whole bound in both.
      regionId: region,
      readTimeout,
      connectTimeout: readTimeout === this.readTimeoutMs ? 10_000 : readTimeout,
      ...(custom && { endpoint: custom.host, protocol: custom.protocol }),
    })
  }

  ecsClient(region: string): EcsClient {
    let client = this.#ecs.get(region)
    if (!client) this.#ecs.set(region, (client = new Ecs.default(this.#config(region))))
    return client
  }

  vpcClient(region: string): VpcClient {
    let client = this.#vpc.get(region)
    if (!client) this.#vpc.set(region, (client = new Vpc.default(this.#config(region))))
    return client
  }

  /** STS (one client: GetCallerIdentity is global), at the custom endpoint when there is one. */
  stsClient(region: string): StsClient {
    return (this.#sts ??= new Sts.default(this.#config(region)))
  }

  /**
   * An ECS call: `api.ecs('DescribeImages', region, (c) => c.describeImages(req), { signal })`.
   * The SDK takes no abort signal, so a create (a call with the kit's `requestSignal`) gets a
   * client whose read timeout is the time left of the create's bound: a cancelled build then
   * awaits the real answer instead of giving up at 30 s while the server still makes it.
   */
  ecs<T>(action: string, region: string, fn: (client: EcsClient) => Promise<T>, opts: CallOptions): Promise<T> {
    return this.caller.call(
      action,
      region,
      () => {
        const timeout = requestTimeoutMs(opts, this.readTimeoutMs)
        return fn(timeout === this.readTimeoutMs ? this.ecsClient(region) : new Ecs.default(this.#config(region, timeout)))
      },
      opts,
    )
  }

  vpc<T>(action: string, region: string, fn: (client: VpcClient) => Promise<T>, opts: CallOptions): Promise<T> {
    return this.caller.call(
      action,
      region,
      () => {
        const timeout = requestTimeoutMs(opts, this.readTimeoutMs)
        return fn(timeout === this.readTimeoutMs ? this.vpcClient(region) : new Vpc.default(this.#config(region, timeout)))
      },
      opts,
    )
  }

  sts<T>(action: string, region: string, fn: (client: StsClient) => Promise<T>, opts: CallOptions): Promise<T> {
    return this.caller.call(action, region, () => fn(this.stsClient(region)), opts)
  }
}
