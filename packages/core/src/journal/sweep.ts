import { errorMessage } from '../errors.js'
import { PluginLoader } from './cleanup.js'
import { pluginId, type PluginId, type ResourceContext, type SweepTarget, type SweptResource } from './resources.js'

/**
 * The cloud builders whose tagged resources `tsimg cleanup --sweep` looks for, by the name
 * given to `--cloud`. Each cloud builder registers its package here (one line); those not
 * installed in the project are skipped.
 */
const SWEEP_PLUGINS: Readonly<Record<string, PluginId>> = {
  aws: pluginId('@tsimg/builder-aws'),
  alicloud: pluginId('@tsimg/builder-alicloud'),
  huaweicloud: pluginId('@tsimg/builder-huawei'),
  vsphere: pluginId('@tsimg/builder-vsphere'),
}

export interface SweepOptions {
  /** Keys of SWEEP_PLUGINS; default: every one that is installed. */
  readonly clouds?: readonly string[]
  readonly target: SweepTarget
  /** Only resources at least this old (ms); resources of unknown age are listed, never deleted. */
  readonly olderThanMs: number
  /** Delete without asking (scripts). */
  readonly yes?: boolean
  /** Asks the person at the terminal; undefined when there is none: then nothing is deleted without `yes`. */
  readonly confirm?: (question: string) => Promise<boolean>
  readonly cwd?: string
  readonly signal?: AbortSignal
  log(text: string): void
}

export interface SweepReport {
  readonly found: number
  readonly deleted: number
  readonly failed: readonly { readonly description: string; readonly error: string }[]
  /** Listed only: no terminal to ask and no --yes, or the user said no. */
  readonly listedOnly: boolean
}

/**
 * `tsimg cleanup --sweep`: for throw-away CI runners whose journal died with them. Asks each
 * cloud builder for every resource tsimg tagged in a region/account (or endpoint), lists it with
 * its build id and age, and deletes those older than the limit once confirmed.
 */
export async function sweepTagged(opts: SweepOptions): Promise<SweepReport> {
  const { log } = opts
  const signal = opts.signal ?? new AbortController().signal
  const ctx: ResourceContext = { signal, log: (t) => log(`    ${t}`) }
  const loader = new PluginLoader(opts.cwd ?? process.cwd())
  const names = opts.clouds?.length ? opts.clouds : Object.keys(SWEEP_PLUGINS)
  const failed: { description: string; error: string }[] = []
  const old: SweptResource[] = []
  let found = 0
  for (const name of names) {
    const id = SWEEP_PLUGINS[name]
    if (!id) throw new Error(`unknown cloud '${name}' for --cloud; one of: ${Object.keys(SWEEP_PLUGINS).join(', ')}`)
    let swept: SweptResource[]
    try {
      const plugin = await loader.load(id)
      if (!plugin.sweepAll) continue
      swept = await plugin.sweepAll(opts.target, ctx)
    } catch (err) {
      // Without --cloud, a builder that is not installed is simply not asked.
      if (!opts.clouds?.length && /cannot load plugin module/.test(errorMessage(err))) continue
      failed.push({ description: `search of ${name}`, error: errorMessage(err) })
      log(`==> Could not search ${name}: ${errorMessage(err)}`)
      continue
    }
    found += swept.length
    const now = Date.now()
    log(`==> ${name}: ${swept.length} resource(s) tagged by tsimg:`)
    for (const s of swept) {
      const age = s.createdAt ? now - Date.parse(s.createdAt) : undefined
      const oldEnough = age !== undefined && Number.isFinite(age) && age >= opts.olderThanMs
      log(
        `    ${s.description}  build ${s.buildId ?? '?'}  age ${age === undefined || !Number.isFinite(age) ? 'unknown' : formatAge(age)}${oldEnough ? '' : '  (kept: younger than --older-than)'}`,
      )
      if (oldEnough) old.push(s)
    }
  }
  if (old.length === 0) {
    log('==> Nothing old enough to delete.')
    return { found, deleted: 0, failed, listedOnly: false }
  }
  const go = opts.yes || (opts.confirm ? await opts.confirm(`Delete these ${old.length} resource(s)? [y/N] `) : false)
  if (!go) {
    log(opts.confirm ? '==> Nothing was deleted.' : '==> Nothing was deleted: no terminal to confirm; run again with --yes to delete them.')
    return { found, deleted: 0, failed, listedOnly: true }
  }
  let deleted = 0
  // In listing order: each builder lists instances before what they use.
  for (const s of old) {
    signal.throwIfAborted()
    log(`==> Deleting ${s.description}...`)
    try {
      await s.delete()
      deleted++
    } catch (err) {
      failed.push({ description: s.description, error: errorMessage(err) })
      log(`==> Failed to delete ${s.description}: ${errorMessage(err)}. Delete it by hand.`)
    }
  }
  log(`==> Sweep finished: ${deleted} resource(s) deleted${failed.length ? `, ${failed.length} failed` : ''}.`)
  return { found, deleted, failed, listedOnly: false }
}

function formatAge(ms: number): string {
  const m = Math.floor(ms / 60_000)
  if (m < 60) return `${m}m`
  const h = Math.floor(m / 60)
  return h < 48 ? `${h}h${m % 60 ? `${m % 60}m` : ''}` : `${Math.floor(h / 24)}d`
}
