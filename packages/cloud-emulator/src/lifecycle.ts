import { execFileSync } from 'node:child_process'
import { extendProfile, readCatalogFile, type CatalogExtension } from './backend/catalog.js'
import { Cloud, type CatalogEntry } from './backend/cloud.js'
import type { Fault } from './backend/faults.js'
import { loadImages, saveImages } from './backend/persist.js'
import type { CloudProfile } from './backend/profile.js'
import { shutdown } from './backend/shutdown.js'
import type { MachineMode } from './backend/paper.js'
import type { Delays, LedgerEntry } from './backend/types.js'
import { controlHandler } from './control.js'
import type { CallRecord, Credentials, StartedFrontEnd } from './front-end.js'
import { frontEnd } from './registry.js'
import { reset } from './reset.js'

/** The credentials the emulator accepts unless told otherwise (fake, documented, never real). */
export const TEST_CREDENTIALS: Credentials = {
  accessKeyId: 'AKIAEMULATORTEST0001',
  secretAccessKey: 'tsimg-emulator-test-secret-key-0000000001',
}

export interface EmulatorOptions {
  /** Front ends to start, by name (default ['aws']); see FRONT_ENDS for what is registered. */
  readonly frontEnds?: readonly string[]
  /** Port of the first front end (0 = random, the default). */
  readonly port?: number
  /** Port per front end name; a front end without one gets a random port (`port` for the first). */
  readonly ports?: Readonly<Record<string, number>>
  readonly host?: string
  readonly credentials?: Credentials | readonly Credentials[]
  readonly delays?: Partial<Delays>
  readonly seed?: number
  readonly faults?: readonly Fault[]
  readonly throttleProbability?: number
  /** Region names of the first front end's cloud (zones a, b, c each); use `profiles` for others. */
  readonly regions?: readonly string[]
  readonly accountId?: string
  /** Catalog of the first front end's cloud: replaces its default images. */
  readonly catalog?: readonly CatalogEntry[]
  /**
   * Additions to each cloud's default catalog, by front end name: public images (name, owner,
   * family, the local docker image they boot), instance types, volume types.
   */
  readonly catalogs?: Readonly<Record<string, CatalogExtension>>
  /** A JSON file of such additions (see readCatalogFile); applied before `catalogs`. */
  readonly catalogFile?: string
  /** Changes to a cloud's profile by front end name, e.g. `{ alicloud: { regions: [...] } }`. */
  readonly profiles?: Readonly<Record<string, Partial<CloudProfile>>>
  /** Keep docker images of created images on stop() (default false). */
  readonly keepImages?: boolean
  /**
   * Where images kept at stop() (keepImages) are saved and registered again by the next
   * emulator started with the same stateDir. Other state lives in memory.
   */
  readonly stateDir?: string
  /** Called for every API call of every front end. */
  readonly onCall?: (call: CallRecord) => void
  /**
   * How machines run (default 'container'): 'paper' keeps every record (state, ledger, ids,
   * jobs, faults, power states, images) and answers SSH key checks, but starts no container
   * and runs nothing on the machine. For tests whose subject is the API and the teardown.
   */
  readonly machines?: MachineMode
}

export interface Emulator {
  /** The first front end's base URL (for `new EC2Client({ endpoint })` when it is 'aws'). */
  readonly endpoint: string
  /** Base URL per front end name. */
  readonly endpoints: Readonly<Record<string, string>>
  /** The first accepted credentials. */
  readonly credentials: Credentials
  readonly accountId: string
  readonly backend: Cloud
  ledger(): LedgerEntry[]
  injectFault(f: Fault): void
  clearFaults(): void
  /** How many calls failed or were slowed by injection, per action. */
  faultsFired(): Record<string, number>
  setDelays(d: Partial<Delays>): void
  setThrottle(probability: number): void
  /** How machines launched from now on run; those already launched keep theirs. */
  setMachines(mode: MachineMode): void
  /** Terminates instances and deletes every resource a client created; the catalog stays. */
  reset(): Promise<void>
  /** Stops the servers, removes every container this emulator started and (unless kept) the images it made. */
  stop(opts?: { keepImages?: boolean }): Promise<void>
  [Symbol.asyncDispose](): Promise<void>
}

/**
 * Starts one backend (docker-backed state) and the given front ends over it, each on its own
 * port; every endpoint also answers the control API under /_emulator/.
 */
export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const names = opts.frontEnds?.length ? [...new Set(opts.frontEnds)] : ['aws']
  const fronts = names.map((n) => frontEnd(n))
  const fromFile = opts.catalogFile ? readCatalogFile(opts.catalogFile) : undefined
  const credentials =
    opts.credentials === undefined ? [TEST_CREDENTIALS] : Array.isArray(opts.credentials) ? opts.credentials : [opts.credentials as Credentials]
  const cloud = new Cloud({
    profiles: fronts.map((f) => extendProfile(extendProfile({ ...f.profile, ...opts.profiles?.[f.name] }, fromFile?.[f.name]), opts.catalogs?.[f.name])),
    regions: opts.regions,
    accountId: opts.accountId,
    seed: opts.seed,
    delays: opts.delays,
    faults: opts.faults,
    throttleProbability: opts.throttleProbability,
    catalog: opts.catalog,
    machines: opts.machines,
  })
  await cloud.start()
  if (opts.stateDir) await loadImages(cloud, opts.stateDir)
  const started: StartedFrontEnd[] = []
  let stopped: Promise<void> | undefined
  // Safety net for a test that never calls stop(): remove this session's containers on exit.
  const onExit = (): void => {
    try {
      const ids = execFileSync('docker', ['ps', '-aq', '--filter', `label=tsimg-emulator=${cloud.session}`], { encoding: 'utf8' })
        .split('\n')
        .filter(Boolean)
      if (ids.length) execFileSync('docker', ['rm', '-f', '-v', ...ids], { stdio: 'ignore' })
    } catch {
      // best effort; `tsimg-cloud-emulator --sweep` finds the rest
    }
  }
  process.once('exit', onExit)
  const endpoints: Record<string, string> = {}
  const handle: Emulator = {
    endpoint: '',
    endpoints,
    credentials: credentials[0]!,
    accountId: cloud.accountId,
    backend: cloud,
    ledger: () => cloud.ledger(),
    injectFault: (f) => cloud.injectFault(f),
    clearFaults: () => cloud.faults.clear(),
    faultsFired: () => Object.fromEntries(cloud.faults.fired),
    setDelays: (d) => cloud.setDelays(d),
    setThrottle: (p) => (cloud.faults.throttleProbability = p),
    setMachines: (mode) => {
      if (mode !== 'container' && mode !== 'paper') throw new Error(`machines must be 'container' or 'paper', not ${JSON.stringify(mode)}`)
      cloud.machines = mode
    },
    reset: () => reset(cloud),
    stop: (o) =>
      (stopped ??= (async () => {
        process.removeListener('exit', onExit)
        await Promise.all(started.map((s) => s.close()))
        const keep = o?.keepImages ?? opts.keepImages
        await shutdown(cloud, { keepImages: keep })
        if (keep && opts.stateDir) await saveImages(cloud, opts.stateDir)
      })()),
    [Symbol.asyncDispose]: () => handle.stop(),
  }
  const control = controlHandler(handle)
  try {
    for (const [n, f] of fronts.entries()) {
      const port = opts.ports?.[f.name] ?? (n === 0 ? opts.port : undefined) ?? 0
      const s = await f.start({ cloud, credentials, host: opts.host ?? '127.0.0.1', port, control, onCall: opts.onCall })
      started.push(s)
      endpoints[f.name] = s.endpoint
    }
  } catch (error) {
    await Promise.all(started.map((s) => s.close()))
    process.removeListener('exit', onExit)
    await shutdown(cloud)
    throw error
  }
  ;(handle as { endpoint: string }).endpoint = endpoints[fronts[0]!.name]!
  return handle
}
