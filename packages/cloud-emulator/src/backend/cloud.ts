import { randomBytes } from 'node:crypto'
import { BackendError, notFound } from './errors.js'
import { FaultInjector, type Fault } from './faults.js'
import { Rng } from './rng.js'
import { docker, imageExists, PID_LABEL, SESSION_LABEL, IMAGE_LABEL } from './docker.js'
import { DEFAULT_DELAYS } from './types.js'
import { watchShutdowns } from './shutdown-watch.js'
import { tickCloud } from './clock.js'
import { ledgerOf } from './ledger.js'
import type { MachineMode } from './paper.js'
import { closePublicIps } from './public-ips.js'
import { AWS_PROFILE, type CloudProfile, type ResourceKind } from './profile.js'
import { seedImage, seedNetwork, type CatalogEntry } from './seed.js'
import type {
  DelayKind,
  Delays,
  Image,
  Instance,
  Job,
  KeyPair,
  LedgerEntry,
  PublicIp,
  Region,
  SecurityGroup,
  Snapshot,
  Subnet,
  Tags,
  Transition,
  Volume,
  Vpc,
} from './types.js'
export { CATALOG_OWNER_ID, DEFAULT_CATALOG, type CatalogEntry } from './seed.js'
export { type ResourceKind } from './profile.js'

export interface CloudOptions {
  /**
   * The clouds this backend serves (default: AWS only). Each profile brings its regions,
   * id format, instance types and catalog; `regions`, `catalog` and `ids` below override the
   * first profile's, for callers that predate profiles.
   */
  readonly profiles?: readonly CloudProfile[]
  readonly regions?: readonly string[]
  readonly accountId?: string
  readonly seed?: number
  readonly delays?: Partial<Delays>
  readonly faults?: readonly Fault[]
  readonly throttleProbability?: number
  readonly catalog?: readonly CatalogEntry[]
  /** Session id labelled on every container and image (default: random). */
  readonly session?: string
  readonly ids?: (kind: ResourceKind, rng: Rng) => string
  /** How machines launched run: as containers (default) or on paper (see paper.ts). */
  readonly machines?: MachineMode
}

export const DEFAULT_REGIONS = AWS_PROFILE.regions.map((r) => r.name)
export const DEFAULT_ACCOUNT_ID = '123456789012'

/**
 * The cloud's state: regions, network records, keys, images, instances and their
 * containers, public IPs and jobs. Operations live in network.ts, keys.ts, instances.ts,
 * images.ts, public-ips.ts and jobs.ts; this class holds the maps, the clock that completes
 * state changes, tags and the ledger.
 */
export class Cloud {
  readonly session: string
  readonly accountId: string
  readonly profiles: readonly CloudProfile[]
  readonly regions: Region[]
  readonly rng: Rng
  readonly faults: FaultInjector
  readonly delays: Delays
  readonly vpcs = new Map<string, Vpc>()
  readonly subnets = new Map<string, Subnet>()
  readonly securityGroups = new Map<string, SecurityGroup>()
  readonly keyPairs = new Map<string, KeyPair>()
  readonly images = new Map<string, Image>()
  readonly snapshots = new Map<string, Snapshot>()
  readonly volumes = new Map<string, Volume>()
  readonly instances = new Map<string, Instance>()
  readonly publicIps = new Map<string, PublicIp>()
  readonly jobs = new Map<string, Job>()
  /**
   * How the machines launched from now on run: 'container' (a real container per machine) or
   * 'paper' (records and an SSH server that runs nothing; see paper.ts). Each machine keeps
   * the mode it was launched with.
   */
  machines: MachineMode
  /** Loopback addresses this process has handed out and not yet released. */
  readonly addresses = new Set<string>()
  /** Per-resource chain of container operations, so stop/commit/terminate never overlap. */
  private readonly work = new Map<string, Promise<unknown>>()
  private timer: NodeJS.Timeout | undefined
  private stopWatch: (() => void) | undefined

  constructor(opts: CloudOptions = {}) {
    this.session = opts.session ?? randomBytes(4).toString('hex')
    this.accountId = opts.accountId ?? DEFAULT_ACCOUNT_ID
    this.rng = new Rng(opts.seed)
    this.faults = new FaultInjector(this.rng)
    this.faults.throttleProbability = opts.throttleProbability ?? 0
    for (const f of opts.faults ?? []) this.faults.add(f)
    this.delays = { ...DEFAULT_DELAYS, ...opts.delays }
    this.machines = opts.machines ?? 'container'
    const [first = AWS_PROFILE, ...rest] = opts.profiles ?? [AWS_PROFILE]
    const primary: CloudProfile = {
      ...first,
      regions: opts.regions ? opts.regions.map((name) => ({ name, zones: ['a', 'b', 'c'].map((z) => name + z) })) : first.regions,
      catalog: opts.catalog ?? first.catalog,
      newId: opts.ids ?? first.newId,
    }
    this.profiles = [primary, ...rest]
    this.regions = []
    for (const p of this.profiles) {
      for (const r of p.regions) {
        const clash = this.regions.find((x) => x.name === r.name)
        if (clash) throw new Error(`region ${r.name} is in two cloud profiles (${clash.cloud}, ${p.name}); give one of them other regions`)
        this.regions.push({ name: r.name, zones: [...r.zones], cloud: p.name })
      }
    }
  }

  /** Creates default networks, registers each profile's catalog and starts the state clock. */
  async start(): Promise<void> {
    await docker(['version', '--format', '{{.Server.Version}}'])
    // Many catalog entries boot the same local image: ask docker once per image.
    const known = new Map<string, Promise<boolean>>()
    const present = (ref: string): Promise<boolean> => {
      if (!known.has(ref)) known.set(ref, imageExists(ref))
      return known.get(ref)!
    }
    for (const region of this.regions) {
      const profile = this.profileOf(region.name)
      if (profile.defaultNetwork) seedNetwork(this, region, profile.defaultNetwork.cidr)
      for (const entry of profile.catalog) if (await present(entry.dockerRef)) seedImage(this, region.name, entry, profile.rootDeviceName)
    }
    this.timer = setInterval(() => this.tick(), 50)
    this.timer.unref()
    this.stopWatch = watchShutdowns(this)
  }

  /** The profile a region belongs to. */
  profileOf(region: string): CloudProfile {
    const cloudName = this.region(region).cloud
    return this.profiles.find((p) => p.name === cloudName)!
  }

  profile(name: string): CloudProfile | undefined {
    return this.profiles.find((p) => p.name === name)
  }

  /** A new id in the format of the region's cloud (the first profile's when no region is given). */
  newId(kind: ResourceKind, region?: string): string {
    const profile = region === undefined ? this.profiles[0]! : this.profileOf(region)
    return profile.newId(kind, this.rng)
  }

  /** Labels for containers and images this cloud creates. */
  labels(): string[] {
    return ['--label', `${SESSION_LABEL}=${this.session}`, '--label', `${PID_LABEL}=${process.pid}`]
  }

  imageLabelChanges(): string[] {
    return ['--change', `LABEL ${IMAGE_LABEL}=${this.session} ${PID_LABEL}=${process.pid}`]
  }

  /** The region, which must exist and, when `cloud` is given, belong to that cloud's profile. */
  region(name: string, cloud?: string): Region {
    const region = this.regions.find((r) => r.name === name && (cloud === undefined || r.cloud === cloud))
    if (!region) throw notFound('region', name, `The region '${name}' is not enabled for this account`)
    return region
  }

  /**
   * Runs one front-end action with the faults injected for it: those of phase 'before' (and
   * throttling) before `fn`, those of phase 'after' once `fn` has acted. Every front end runs
   * its handlers through this, so faults behave alike on every cloud. `request` is the
   * request as text, for faults that match one part of it (Fault.request).
   */
  async act<T>(frontEnd: string, action: string, fn: () => T | Promise<T>, request?: string): Promise<T> {
    await this.faults.check(action, 'before', frontEnd, request)
    const out = await fn()
    await this.faults.check(action, 'after', frontEnd, request)
    return out
  }

  /** Runs fn after every earlier operation on the same resource has settled. */
  chain<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.work.get(key) ?? Promise.resolve()
    const next = previous.catch(() => undefined).then(fn)
    this.work.set(
      key,
      next.catch(() => undefined),
    )
    return next
  }

  async settle(): Promise<void> {
    await Promise.all([...this.work.values()])
  }

  transition<S>(to: S, kind: DelayKind): Transition<S> {
    return { to, kind, since: Date.now(), workDone: false }
  }

  setDelays(d: Partial<Delays>): void {
    Object.assign(this.delays, d)
  }

  /** Completes every state change whose work is done and whose delay has passed (see clock.ts). */
  tick(): void {
    tickCloud(this)
  }

  /** The tags of any taggable resource in the region; not-found (resource 'id') otherwise. */
  tagsOf(region: string, id: string): Tags {
    const maps = [this.instances, this.images, this.snapshots, this.volumes, this.securityGroups, this.vpcs, this.subnets, this.publicIps]
    for (const map of maps) {
      const r = (map as Map<string, { region: string; tags: Tags }>).get(id)
      if (r && r.region === region) return r.tags
    }
    for (const k of this.keyPairs.values()) if (k.id === id && k.region === region) return k.tags
    throw new BackendError('not-found', `The ID '${id}' does not exist`, { resource: 'id', id })
  }

  createTags(region: string, ids: readonly string[], tags: ReadonlyMap<string, string>): void {
    const targets = ids.map((id) => this.tagsOf(region, id))
    for (const t of targets) for (const [k, v] of tags) t.set(k, v)
  }

  /** Deletes tags by key, or by key and value when a value is given. */
  deleteTags(region: string, ids: readonly string[], tags: ReadonlyArray<{ key: string; value?: string }>): void {
    const targets = ids.map((id) => this.tagsOf(region, id))
    for (const t of targets) {
      if (tags.length === 0) t.clear()
      for (const { key, value } of tags) if (value === undefined || t.get(key) === value) t.delete(key)
    }
  }

  injectFault(f: Fault): void {
    this.faults.add(f)
  }

  /** Every live resource a client made, and the catalog (seed: true); see ledger.ts. */
  ledger(): LedgerEntry[] {
    return ledgerOf(this)
  }

  /** Stops the clock and the public-IP forwarders; containers and images are removed by shutdown(). */
  stopClock(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
    this.stopWatch?.()
    closePublicIps(this)
  }
}
