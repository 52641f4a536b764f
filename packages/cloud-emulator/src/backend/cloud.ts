import { randomBytes } from 'node:crypto'
import { CloudError, notFound } from './errors.js'
import { FaultInjector, type Fault } from './faults.js'
import { Rng } from './rng.js'
import { docker, imageExists, PID_LABEL, SESSION_LABEL, IMAGE_LABEL } from './docker.js'
import { DEFAULT_DELAYS } from './types.js'
import { watchShutdowns } from './shutdown-watch.js'
import { removeContainer } from './instances.js'
import { DEFAULT_CATALOG, seedImage, seedNetwork, type CatalogEntry } from './seed.js'
export { CATALOG_OWNER_ID, DEFAULT_CATALOG, type CatalogEntry } from './seed.js'

/** Where a state change that fails (delay 'fail', or its work failed) ends, and why. */
const FAIL_STATES: Record<keyof Delays, string> = {
  instanceRunning: 'terminated', instanceStopped: 'running', instanceTerminated: 'terminated', imageAvailable: 'failed', snapshotCompleted: 'error',
}
const FAIL_REASONS: Record<keyof Delays, string> = {
  instanceRunning: 'Server.InternalError: Internal error on launch',
  instanceStopped: 'Server.InternalError: Internal error on stop',
  instanceTerminated: 'Server.InternalError: Internal error on terminate',
  imageAvailable: 'Client.InternalError: Client error on snapshot creation',
  snapshotCompleted: 'Server.InternalError: Snapshot creation failed',
}
import type {
  Delays, Image, Instance, KeyPair, LedgerEntry, Region, SecurityGroup, Snapshot, Subnet, Tags, Transition, Volume, Vpc,
} from './types.js'


export interface CloudOptions {
  readonly regions?: readonly string[]
  readonly accountId?: string
  readonly seed?: number
  readonly delays?: Partial<Delays>
  readonly faults?: readonly Fault[]
  readonly throttleProbability?: number
  readonly catalog?: readonly CatalogEntry[]
  /** Session id labelled on every container and image (default: random). */
  readonly session?: string
  /** Makes resource ids in a front end's format (default: EC2's, e.g. i-0123456789abcdef0). */
  readonly ids?: (kind: ResourceKind, rng: Rng) => string
}

export type ResourceKind = 'instance' | 'reservation' | 'image' | 'snapshot' | 'volume' | 'security-group' | 'key-pair' | 'vpc' | 'subnet'

const EC2_PREFIXES: Record<ResourceKind, string> = {
  instance: 'i', reservation: 'r', image: 'ami', snapshot: 'snap', volume: 'vol', 'security-group': 'sg', 'key-pair': 'key', vpc: 'vpc', subnet: 'subnet',
}

/** EC2's id format: prefix, '-0', 16 hex digits. */
export const ec2Ids = (kind: ResourceKind, rng: Rng): string => rng.id(EC2_PREFIXES[kind])

export const DEFAULT_REGIONS = ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-1']
export const DEFAULT_ACCOUNT_ID = '123456789012'

/**
 * The cloud's state: regions, network records, keys, images, instances and their
 * containers. Operations live in network.ts, keys.ts, instances.ts and images.ts; this
 * class holds the maps, the clock that completes state changes, tags and the ledger.
 */
export class Cloud {
  readonly session: string
  readonly accountId: string
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
  /** Loopback addresses this process has handed out and not yet released. */
  readonly addresses = new Set<string>()
  /** Per-resource chain of container operations, so stop/commit/terminate never overlap. */
  private readonly work = new Map<string, Promise<unknown>>()
  private readonly catalog: readonly CatalogEntry[]
  private readonly ids: (kind: ResourceKind, rng: Rng) => string
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
    this.catalog = opts.catalog ?? DEFAULT_CATALOG
    this.ids = opts.ids ?? ec2Ids
    this.regions = (opts.regions ?? DEFAULT_REGIONS).map((name) => ({ name, zones: ['a', 'b', 'c'].map((z) => name + z) }))
  }

  /** Creates default networks, registers the catalog and starts the state clock. */
  async start(): Promise<void> {
    await docker(['version', '--format', '{{.Server.Version}}'])
    for (const region of this.regions) seedNetwork(this, region)
    for (const entry of this.catalog) {
      if (!(await imageExists(entry.dockerRef))) continue
      for (const region of this.regions) seedImage(this, region.name, entry)
    }
    this.timer = setInterval(() => this.tick(), 50)
    this.timer.unref()
    this.stopWatch = watchShutdowns(this)
  }

  newId(kind: ResourceKind): string {
    return this.ids(kind, this.rng)
  }

  /** Labels for containers and images this cloud creates. */
  labels(): string[] {
    return ['--label', `${SESSION_LABEL}=${this.session}`, '--label', `${PID_LABEL}=${process.pid}`]
  }

  imageLabelChanges(): string[] {
    return ['--change', `LABEL ${IMAGE_LABEL}=${this.session} ${PID_LABEL}=${process.pid}`]
  }

  region(name: string): Region {
    const region = this.regions.find((r) => r.name === name)
    if (!region) throw new CloudError('AuthFailure', `The region '${name}' is not enabled for this account`, 401)
    return region
  }

  /** Runs fn after every earlier operation on the same resource has settled. */
  chain<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.work.get(key) ?? Promise.resolve()
    const next = previous.catch(() => undefined).then(fn)
    this.work.set(key, next.catch(() => undefined))
    return next
  }

  async settle(): Promise<void> {
    await Promise.all([...this.work.values()])
  }

  transition<S>(to: S, kind: keyof Delays): Transition<S> {
    return { to, kind, since: Date.now(), workDone: false }
  }

  setDelays(d: Partial<Delays>): void {
    Object.assign(this.delays, d)
  }

  private due<S>(t: Transition<S>): boolean {
    const delay = this.delays[t.kind]
    if (t.failTo !== undefined) return true
    if (!t.workDone || delay === 'stuck') return false
    if (delay === 'fail') {
      t.failTo = FAIL_STATES[t.kind] as S
      t.failReason = FAIL_REASONS[t.kind]
      return true
    }
    return Date.now() - t.since >= delay
  }

  /** Completes every state change whose work is done and whose delay has passed. */
  tick(): void {
    for (const i of this.instances.values()) {
      const t = i.transition
      if (!t || !this.due(t)) continue
      i.state = t.failTo ?? t.to
      if (t.failReason) i.stateReason = { code: t.failReason.split(':')[0]!, message: t.failReason }
      i.transition = undefined
      if (t.failTo === 'terminated') void this.chain(i.id, () => removeContainer(this, i))
      if (i.state === 'terminated') this.addresses.delete(i.address)
    }
    for (const img of this.images.values()) {
      const t = img.transition
      if (!t || !this.due(t)) continue
      img.state = t.failTo ?? t.to
      if (t.failReason) img.stateReason = t.failReason
      img.transition = undefined
    }
    for (const s of this.snapshots.values()) {
      const t = s.transition
      if (!t || !this.due(t)) continue
      s.state = t.failTo ?? t.to
      s.transition = undefined
    }
  }

  tagsOf(region: string, id: string): Tags {
    const maps = [this.instances, this.images, this.snapshots, this.volumes, this.securityGroups, this.vpcs, this.subnets]
    for (const map of maps) {
      const r = (map as Map<string, { region: string; tags: Tags }>).get(id)
      if (r && r.region === region) return r.tags
    }
    for (const k of this.keyPairs.values()) if (k.id === id && k.region === region) return k.tags
    throw notFound(notFoundCode(id), 'ID', id)
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

  /** Every live resource: instances not terminated, keys, groups, images, snapshots, volumes, own networks. */
  ledger(): LedgerEntry[] {
    const tags = (t: Tags): Record<string, string> => Object.fromEntries(t)
    const out: LedgerEntry[] = []
    for (const i of this.instances.values())
      if (i.state !== 'terminated') out.push({ type: 'instance', id: i.id, region: i.region, state: i.state, tags: tags(i.tags), seed: false })
    for (const g of this.securityGroups.values())
      if (!g.isDefault) out.push({ type: 'security-group', id: g.id, region: g.region, name: g.name, tags: tags(g.tags), seed: false })
    for (const k of this.keyPairs.values()) out.push({ type: 'key-pair', id: k.id, region: k.region, name: k.name, tags: tags(k.tags), seed: false })
    for (const m of this.images.values())
      out.push({ type: 'image', id: m.id, region: m.region, name: m.name, state: m.state, tags: tags(m.tags), seed: m.seed })
    for (const s of this.snapshots.values()) out.push({ type: 'snapshot', id: s.id, region: s.region, state: s.state, tags: tags(s.tags), seed: s.seed })
    for (const v of this.volumes.values()) out.push({ type: 'volume', id: v.id, region: v.region, state: v.state, tags: tags(v.tags), seed: false })
    for (const v of this.vpcs.values()) if (!v.isDefault) out.push({ type: 'vpc', id: v.id, region: v.region, tags: tags(v.tags), seed: false })
    for (const s of this.subnets.values()) if (!s.defaultForAz) out.push({ type: 'subnet', id: s.id, region: s.region, tags: tags(s.tags), seed: false })
    return out
  }

  /** Stops the clock; containers and images are removed by shutdown() in lifecycle.ts. */
  stopClock(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
    this.stopWatch?.()
  }
}

/** The NotFound code EC2 uses for an id, from its prefix. */
export function notFoundCode(id: string): string {
  const prefix = id.split('-')[0]
  switch (prefix) {
    case 'i': return 'InvalidInstanceID.NotFound'
    case 'ami': return 'InvalidAMIID.NotFound'
    case 'snap': return 'InvalidSnapshot.NotFound'
    case 'vol': return 'InvalidVolume.NotFound'
    case 'sg': return 'InvalidGroup.NotFound'
    case 'vpc': return 'InvalidVpcID.NotFound'
    case 'subnet': return 'InvalidSubnetID.NotFound'
    case 'key': return 'InvalidKeyPair.NotFound'
    default: return 'InvalidID'
  }
}
