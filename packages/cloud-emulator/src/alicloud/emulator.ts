import type { Server } from 'node:http'
import { Cloud, type ResourceKind } from '../backend/cloud.js'
import type { Fault } from '../backend/faults.js'
import type { Rng } from '../backend/rng.js'
import { shutdown } from '../backend/shutdown.js'
import type { Delays, LedgerEntry, Region } from '../backend/types.js'
import { backendActions } from './actions/index.js'
import { releaseAllEips } from './actions/eips.js'
import { watchInstances } from './actions/instances.js'
import { toAlibaba } from './errors.js'
import { ALICLOUD_CATALOG, ALICLOUD_REGIONS } from './profile.js'
import { startAlicloudServer, type AlicloudServerOptions } from './server.js'
import type { AliCredentials } from './signature.js'
import { AliState } from './state.js'

/** The credentials the Alibaba emulator accepts unless told otherwise (fake, never real). */
export const ALICLOUD_TEST_CREDENTIALS: AliCredentials = {
  accessKeyId: 'LTAI5tEmulatorTestKey01',
  secretAccessKey: 'tsimg-alicloud-emulator-test-secret-01',
}

/** An Alibaba account id (UID): 16 digits. */
export const ALICLOUD_ACCOUNT_ID = '1234567890123456'

const PREFIXES: Record<ResourceKind, string> = {
  instance: 'i', reservation: 'r', image: 'm', snapshot: 's', volume: 'd', 'security-group': 'sg', 'key-pair': 'kp', vpc: 'vpc', subnet: 'vsw',
}
/** Alibaba's id format: a prefix and 20 lowercase alphanumerics (`i-bp1a2b...`). */
const aliIds = (kind: ResourceKind, rng: Rng): string => `${PREFIXES[kind]}-${rng.hex(20)}`

export interface AlicloudEmulatorOptions {
  readonly port?: number
  readonly host?: string
  readonly credentials?: AliCredentials | readonly AliCredentials[]
  readonly delays?: Partial<Delays>
  readonly seed?: number
  readonly faults?: readonly Fault[]
  readonly throttleProbability?: number
  /** How long a VPC, vSwitch or security group still counts a deleted instance (ms, default 3000). */
  readonly dependencyHoldMs?: number
  readonly onCall?: AlicloudServerOptions['onCall']
}

/** One live resource: the backend's, plus EIPs. */
export type AliLedgerEntry = Omit<LedgerEntry, 'type'> & { readonly type: LedgerEntry['type'] | 'eip' }

export interface AlicloudEmulator {
  /** host:port, for the SDK's `endpoint` (with `protocol: 'http'`) and for HTTP_PROXY. */
  readonly endpoint: string
  readonly credentials: AliCredentials
  readonly accountId: string
  readonly backend: Cloud
  readonly state: AliState
  /** Every resource a client created and has not deleted (the catalog is left out). */
  ledger(): AliLedgerEntry[]
  injectFault(f: Fault): void
  clearFaults(): void
  setDelays(d: Partial<Delays>): void
  setThrottle(probability: number): void
  stop(): Promise<void>
  [Symbol.asyncDispose](): Promise<void>
}

/** Starts Alibaba Cloud's ECS and VPC APIs over a docker-backed cloud. */
export async function startAlicloudEmulator(opts: AlicloudEmulatorOptions = {}): Promise<AlicloudEmulator> {
  const credentials = opts.credentials === undefined ? [ALICLOUD_TEST_CREDENTIALS] : Array.isArray(opts.credentials) ? opts.credentials : [opts.credentials as AliCredentials]
  const cloud = new Cloud({
    regions: ALICLOUD_REGIONS.map((r) => r.regionId), accountId: ALICLOUD_ACCOUNT_ID, seed: opts.seed, delays: opts.delays, faults: opts.faults,
    throttleProbability: opts.throttleProbability, ids: aliIds,
    catalog: ALICLOUD_CATALOG.map((c) => ({ dockerRef: c.dockerRef, name: c.name, description: c.osName, loginUser: 'root', created: new Date('2024-04-29T00:00:00Z') })),
  })
  // Alibaba's zone ids are not region + letter for every region.
  for (const region of cloud.regions) (region as { zones: Region['zones'] }).zones = ALICLOUD_REGIONS.find((r) => r.regionId === region.name)!.zones
  await cloud.start()
  const state = new AliState(cloud)
  if (opts.dependencyHoldMs !== undefined) state.dependencyHoldMs = opts.dependencyHoldMs
  for (const m of cloud.images.values()) {
    const entry = ALICLOUD_CATALOG.find((c) => c.name === m.name)
    if (!m.seed || !entry) continue
    state.families.set(m.id, entry.family)
    state.registerSystemImage(m.id, m.region, entry.name)
  }
  const unwatch = watchInstances(state)
  let server: Server | undefined
  try {
    const started = await startAlicloudServer({
      credentials, actions: backendActions(state), host: opts.host, port: opts.port, faults: cloud.faults, mapError: toAlibaba, onCall: opts.onCall,
    })
    server = started.server
    let stopped: Promise<void> | undefined
    const handle: AlicloudEmulator = {
      endpoint: started.endpoint, credentials: credentials[0]!, accountId: cloud.accountId, backend: cloud, state,
      ledger: () => [
        ...cloud.ledger().filter((e) => !e.seed),
        ...[...state.eips.values()].map((e) => ({ type: 'eip' as const, id: e.allocationId, region: e.region, name: e.ipAddress, state: e.status, tags: Object.fromEntries(e.tags), seed: false })),
      ],
      injectFault: (f) => cloud.injectFault(f),
      clearFaults: () => cloud.faults.clear(),
      setDelays: (d) => cloud.setDelays(d),
      setThrottle: (p) => (cloud.faults.throttleProbability = p),
      stop: () => (stopped ??= (async () => {
        unwatch()
        await new Promise<void>((resolve) => server!.close(() => resolve()))
        server!.closeAllConnections()
        await releaseAllEips(state)
        await shutdown(cloud)
      })()),
      [Symbol.asyncDispose]: () => handle.stop(),
    }
    return handle
  } catch (error) {
    unwatch()
    await shutdown(cloud)
    throw error
  }
}
