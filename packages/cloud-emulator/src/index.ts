import { execFileSync } from 'node:child_process'
import type { Server } from 'node:http'
import { Cloud, type CatalogEntry } from './backend/cloud.js'
import { docker } from './backend/docker.js'
import type { Fault } from './backend/faults.js'
import { deregisterImage } from './backend/images.js'
import { terminateInstances } from './backend/instances.js'
import { loadImages, saveImages } from './backend/persist.js'
import { shutdown } from './backend/shutdown.js'
import type { Delays, LedgerEntry } from './backend/types.js'
import { controlHandler } from './control.js'
import { startEc2Server } from './ec2/server.js'
import type { Credentials } from './ec2/sigv4.js'

export { Cloud, DEFAULT_REGIONS, DEFAULT_ACCOUNT_ID, DEFAULT_CATALOG, CATALOG_OWNER_ID } from './backend/cloud.js'
export type { CatalogEntry, CloudOptions } from './backend/cloud.js'
export { CloudError } from './backend/errors.js'
export { sweep } from './backend/docker.js'
export type { Fault } from './backend/faults.js'
export type { Delays, LedgerEntry } from './backend/types.js'
export { DEFAULT_DELAYS } from './backend/types.js'
export type { Credentials } from './ec2/sigv4.js'

/** The credentials the emulator accepts unless told otherwise (fake, documented, never real). */
export const TEST_CREDENTIALS: Credentials = {
  accessKeyId: 'AKIAEMULATORTEST0001',
  secretAccessKey: 'tsimg-emulator-test-secret-key-0000000001',
}

export interface Ec2EmulatorOptions {
  readonly port?: number
  readonly host?: string
  readonly credentials?: Credentials | readonly Credentials[]
  readonly delays?: Partial<Delays>
  readonly seed?: number
  readonly faults?: readonly Fault[]
  readonly throttleProbability?: number
  readonly regions?: readonly string[]
  readonly accountId?: string
  readonly catalog?: readonly CatalogEntry[]
  /** Keep docker images of created AMIs on stop() (default false). */
  readonly keepImages?: boolean
  /**
   * Where AMIs kept at stop() (keepImages) are saved and registered again by the next
   * emulator started with the same stateDir. Other state lives in memory.
   */
  readonly stateDir?: string
  /** Called for every API call (action, region, status, error code). */
  readonly onCall?: (call: { action: string; region: string; status: number; code?: string }) => void
}

export interface Ec2Emulator {
  /** http://127.0.0.1:PORT, for `new EC2Client({ endpoint })`. */
  readonly endpoint: string
  /** The first accepted credentials. */
  readonly credentials: Credentials
  readonly accountId: string
  readonly backend: Cloud
  ledger(): LedgerEntry[]
  injectFault(f: Fault): void
  clearFaults(): void
  setDelays(d: Partial<Delays>): void
  setThrottle(probability: number): void
  /** Terminates instances and deletes every resource a client created; the catalog stays. */
  reset(): Promise<void>
  /** Stops the server, removes every container this emulator started and (unless kept) the images it made. */
  stop(opts?: { keepImages?: boolean }): Promise<void>
  [Symbol.asyncDispose](): Promise<void>
}

/** Starts the EC2 emulator: a docker-backed cloud behind the EC2 Query API. */
export async function startEc2Emulator(opts: Ec2EmulatorOptions = {}): Promise<Ec2Emulator> {
  const credentials = opts.credentials === undefined ? [TEST_CREDENTIALS] : Array.isArray(opts.credentials) ? opts.credentials : [opts.credentials as Credentials]
  const cloud = new Cloud({
    regions: opts.regions, accountId: opts.accountId, seed: opts.seed, delays: opts.delays, faults: opts.faults,
    throttleProbability: opts.throttleProbability, catalog: opts.catalog,
  })
  await cloud.start()
  if (opts.stateDir) await loadImages(cloud, opts.stateDir)
  let server: Server | undefined
  let stopped: Promise<void> | undefined
  // Safety net for a test that never calls stop(): remove this session's containers on exit.
  const onExit = (): void => {
    try {
      const ids = execFileSync('docker', ['ps', '-aq', '--filter', `label=tsimg-emulator=${cloud.session}`], { encoding: 'utf8' }).split('\n').filter(Boolean)
      if (ids.length) execFileSync('docker', ['rm', '-f', '-v', ...ids], { stdio: 'ignore' })
    } catch {
      // best effort; `tsimg-cloud-emulator --sweep` finds the rest
    }
  }
  process.once('exit', onExit)
  const handle: Ec2Emulator = {
    endpoint: '',
    credentials: credentials[0]!,
    accountId: cloud.accountId,
    backend: cloud,
    ledger: () => cloud.ledger(),
    injectFault: (f) => cloud.injectFault(f),
    clearFaults: () => cloud.faults.clear(),
    setDelays: (d) => cloud.setDelays(d),
    setThrottle: (p) => (cloud.faults.throttleProbability = p),
    reset: () => reset(cloud),
    stop: (o) => (stopped ??= (async () => {
      process.removeListener('exit', onExit)
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
      server?.closeAllConnections()
      const keep = o?.keepImages ?? opts.keepImages
      await shutdown(cloud, { keepImages: keep })
      if (keep && opts.stateDir) await saveImages(cloud, opts.stateDir)
    })()),
    [Symbol.asyncDispose]: () => handle.stop(),
  }
  const control = controlHandler({ ...handle, faultsFired: () => Object.fromEntries(cloud.faults.fired) })
  try {
    const started = await startEc2Server({ cloud, credentials, host: opts.host ?? '127.0.0.1', port: opts.port ?? 0, control, onCall: opts.onCall })
    server = started.server
    ;(handle as { endpoint: string }).endpoint = started.endpoint
  } catch (error) {
    await shutdown(cloud)
    throw error
  }
  return handle
}

/** Deletes everything clients created, in the order a careful user would. */
async function reset(cloud: Cloud): Promise<void> {
  cloud.faults.clear()
  for (const region of cloud.regions) {
    const live = [...cloud.instances.values()].filter((i) => i.region === region.name && i.state !== 'terminated')
    if (live.length) terminateInstances(cloud, region.name, live.map((i) => i.id))
  }
  await cloud.settle()
  for (const i of cloud.instances.values()) {
    i.state = 'terminated'
    i.transition = undefined
  }
  cloud.addresses.clear()
  for (const m of [...cloud.images.values()]) if (!m.seed) await deregisterImage(cloud, m.region, m.id, true)
  for (const s of [...cloud.snapshots.values()]) if (!s.seed) cloud.snapshots.delete(s.id)
  cloud.volumes.clear()
  cloud.keyPairs.clear()
  for (const g of [...cloud.securityGroups.values()]) if (!g.isDefault) cloud.securityGroups.delete(g.id)
  for (const v of [...cloud.vpcs.values()]) if (!v.isDefault) cloud.vpcs.delete(v.id)
  for (const s of [...cloud.subnets.values()]) if (!s.defaultForAz) cloud.subnets.delete(s.id)
  // Containers whose run raced the reset.
  const ids = await docker(['ps', '-aq', '--filter', `label=tsimg-emulator=${cloud.session}`])
  for (const id of ids.split('\n').filter(Boolean)) await docker(['rm', '-f', '-v', id]).catch(() => undefined)
}

/** The cloud-agnostic backend, for other clouds' front ends (Alibaba Cloud, Huawei Cloud). */
export * as backend from './backend/index.js'

/** The Huawei Cloud front end (IAM, ECS, VPC, EIP, IMS REST APIs) on the same backend. */
export * from './huawei/index.js'
