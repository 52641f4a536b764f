import type { Server } from 'node:http'
import { Cloud, type CatalogEntry } from '../backend/cloud.js'
import type { Fault } from '../backend/faults.js'
import type { Rng } from '../backend/rng.js'
import { shutdown } from '../backend/shutdown.js'
import type { Delays, LedgerEntry } from '../backend/types.js'
import { iamRoutes } from './iam.js'
import { novaRoutes } from './nova.js'
import { projectId } from './projects.js'
import type { Route } from './routes.js'
import { startHuaweiServer } from './server.js'
import type { HuaweiCredentials } from './signature.js'
import { vpcRoutes } from './vpc.js'

export type { HuaweiCredentials } from './signature.js'
export { projectId as huaweiProjectId, DOMAIN_ID as HUAWEI_DOMAIN_ID } from './projects.js'

/** The AK/SK the Huawei front end accepts unless told otherwise (fake, documented, never real). */
export const HUAWEI_TEST_CREDENTIALS: HuaweiCredentials = {
  accessKey: 'HWEMULATORTESTAK0001',
  secretKey: 'tsimg-emulator-huawei-test-secret-0000000001',
}

export const HUAWEI_REGIONS = ['cn-north-4', 'cn-east-3', 'cn-south-1', 'ap-southeast-1', 'ap-southeast-3', 'la-south-2']

/** Huawei's resource ids are UUIDs (ECS, VPC, subnet, security group, IMS image). */
const uuid = (_kind: unknown, rng: Rng): string => {
  const h = rng.hex(32)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`
}

/** Every route of the front end, in the order they are matched. */
export const HUAWEI_ROUTES: readonly Route[] = [...iamRoutes, ...novaRoutes, ...vpcRoutes]

export interface HuaweiEmulatorOptions {
  readonly port?: number
  readonly host?: string
  readonly credentials?: HuaweiCredentials | readonly HuaweiCredentials[]
  readonly regions?: readonly string[]
  readonly seed?: number
  readonly delays?: Partial<Delays>
  readonly faults?: readonly Fault[]
  readonly throttleProbability?: number
  readonly catalog?: readonly CatalogEntry[]
  /** Called for every API call (SDK operation name, region, status, error code). */
  readonly onCall?: (call: { action: string; region: string; status: number; code?: string }) => void
}

export interface HuaweiEmulator {
  /** http://127.0.0.1:PORT: the endpoint of every service (IAM, ECS, VPC, EIP, IMS). */
  readonly endpoint: string
  readonly credentials: HuaweiCredentials
  readonly backend: Cloud
  /** The project id of a region (one project per region, the same in every run). */
  projectId(region: string): string
  ledger(): LedgerEntry[]
  injectFault(f: Fault): void
  clearFaults(): void
  setThrottle(probability: number): void
  stop(): Promise<void>
  [Symbol.asyncDispose](): Promise<void>
}

/** Starts the Huawei Cloud front end on the emulator's docker-backed cloud. */
export async function startHuaweiEmulator(opts: HuaweiEmulatorOptions = {}): Promise<HuaweiEmulator> {
  const credentials = opts.credentials === undefined ? [HUAWEI_TEST_CREDENTIALS] : Array.isArray(opts.credentials) ? opts.credentials : [opts.credentials as HuaweiCredentials]
  const cloud = new Cloud({
    regions: opts.regions ?? HUAWEI_REGIONS, seed: opts.seed, delays: opts.delays, faults: opts.faults,
    throttleProbability: opts.throttleProbability, catalog: opts.catalog, ids: uuid,
  })
  await cloud.start()
  let server: Server | undefined
  let stopped: Promise<void> | undefined
  const handle: HuaweiEmulator = {
    endpoint: '',
    credentials: credentials[0]!,
    backend: cloud,
    projectId,
    ledger: () => cloud.ledger(),
    injectFault: (f) => cloud.injectFault(f),
    clearFaults: () => cloud.faults.clear(),
    setThrottle: (p) => (cloud.faults.throttleProbability = p),
    stop: () => (stopped ??= (async () => {
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
      server?.closeAllConnections()
      await shutdown(cloud)
    })()),
    [Symbol.asyncDispose]: () => handle.stop(),
  }
  try {
    const started = await startHuaweiServer({ cloud, credentials, routes: HUAWEI_ROUTES, host: opts.host ?? '127.0.0.1', port: opts.port ?? 0, onCall: opts.onCall })
    server = started.server
    ;(handle as { endpoint: string }).endpoint = started.endpoint
  } catch (error) {
    await shutdown(cloud)
    throw error
  }
  return handle
}
