import { createRequire } from 'node:module'
import { readFile, readdir, rm } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { CancelledError, errorMessage } from '../errors.js'
import { CORE_PLUGIN, tsimgResources as coreResources } from './core-resources.js'
import { FileJournal, defaultStateDir, isJournalOwnerAlive, journalDir, listJournals } from './journal.js'
import type { JournalFile, JournalResource, JournalScope } from './journal.js'
import type { AccountCheck, ResourceContext, ResourcePlugin } from './resources.js'

export interface CleanupLeftoversOptions {
  stateDir?: string
  /** List what would be deleted, delete nothing. */
  dryRun?: boolean
  signal?: AbortSignal
  /** Where plugin modules are resolved from first (the project that ran the build). */
  cwd?: string
  /** One line of progress for the user. */
  log(text: string): void
  /**
   * Also clean journals written on other hosts. Off by default: this host cannot tell whether
   * that build still runs, so the user says so (`--other-hosts`) once it is over.
   */
  otherHosts?: boolean
}

export interface LeftoverFailure {
  readonly build: string
  readonly buildId: string
  readonly description: string
  readonly error: string
  /**
   * What failed: a listed (journaled) resource, one found by its label in a search, a search
   * that could not run, or a journal that could not be read. Counted apart, so the summary
   * never says "4 could not be deleted" after listing 3.
   */
  readonly what: 'resource' | 'labelled' | 'search' | 'journal'
}

export interface CleanupReport {
  /** Journals of builds whose process is gone. */
  readonly journals: number
  /** Journals skipped because their build is still running (or runs on another host). */
  readonly running: number
  readonly found: number
  readonly deleted: number
  readonly failed: readonly LeftoverFailure[]
}

interface Orphan {
  readonly path: string
  readonly doc: JournalFile
}

/**
 * `tsimg cleanup`: delete what killed builds left. Lists everything first, then deletes each
 * journaled resource in reverse creation order through the plugin that created it, then asks
 * each recorded scope's plugin to sweep for resources tagged with those build ids (created but
 * killed before they were journaled). A failure is reported with what to delete by hand and the
 * rest goes on. A journal file is removed once nothing in it is left to do.
 */
export async function cleanupLeftovers(opts: CleanupLeftoversOptions): Promise<CleanupReport> {
  const stateDir = opts.stateDir ?? defaultStateDir()
  const signal = opts.signal ?? new AbortController().signal
  const { log } = opts
  const loader = new PluginLoader(opts.cwd ?? process.cwd())
  const failed: LeftoverFailure[] = []
  const { orphans, running } = await findOrphans(stateDir, opts, failed)

  if (!opts.dryRun) await removeStaleTempFiles(stateDir)

  const found = orphans.reduce((n, o) => n + o.doc.resources.length, 0)
  if (orphans.length === 0) {
    log(`==> No leftovers of killed builds in ${journalDir(stateDir)}.`)
    return { journals: 0, running, found: 0, deleted: 0, failed }
  }

  // Everything is listed before anything is deleted, so the user sees the whole picture.
  listOrphans(orphans, found, log)
  if (opts.dryRun) {
    log('==> Dry run: nothing was deleted. Run without --dry-run to delete them.')
    return { journals: orphans.length, running, found, deleted: 0, failed }
  }

  const ctx: ResourceContext = { signal, log: (text) => log(`    ${text}`) }
  const accounts = new AccountChecks(ctx)
  let deleted = await deleteJournaled(orphans, loader, ctx, accounts, failed, log, signal)

  const sweepOk = await sweepScopes(orphans, loader, ctx, accounts, failed, log, () => deleted++)

  await closeJournals(orphans, sweepOk, log)

  if (failed.length > 0) {
    log(`==> ${failureSummary(failed, found, deleted)}; delete them by hand or run 'tsimg cleanup' again:`)
    for (const f of failed) log(`--> ${f.build}: ${f.description}: ${f.error}`)
  } else {
    log(`==> Cleanup finished: ${deleted} resource(s) deleted.`)
  }
  return { journals: orphans.length, running, found, deleted, failed }
}

/** The journals of builds that are over (not running here, not on another host unless otherHosts); unreadable ones are failures. */
async function findOrphans(stateDir: string, opts: CleanupLeftoversOptions, failed: LeftoverFailure[]): Promise<{ orphans: Orphan[]; running: number }> {
  const { log } = opts
  const orphans: Orphan[] = []
  let running = 0

  for (const path of await listJournals(stateDir)) {
    let doc: JournalFile
    try {
      doc = JSON.parse(await readFile(path, 'utf8')) as JournalFile
    } catch (err) {
      log(`==> Cannot read journal ${path}: ${errorMessage(err)}; look at it and delete it by hand.`)
      failed.push({ build: '?', buildId: '?', description: `journal ${path}`, error: errorMessage(err), what: 'journal' })
      continue
    }
    if (doc.host !== hostname() && !opts.otherHosts) {
      running++
      log(`==> Skipping build '${doc.build}' (${doc.buildId}): its journal was written on host ${doc.host}, which may still be running it.`)
      log(`    Once that build is over, run 'tsimg cleanup --other-hosts' (or run tsimg cleanup on ${doc.host}).`)
      continue
    }
    if (doc.host === hostname() && isJournalOwnerAlive(doc) && !(await pidReused(doc))) {
      running++
      log(`==> Skipping build '${doc.build}' (${doc.buildId}): still running as pid ${doc.pid}.`)
      continue
    }
    orphans.push({ path, doc })
  }
  return { orphans, running }
}

/** What the orphaned journals hold, and which scopes will be searched. */
function listOrphans(orphans: readonly Orphan[], found: number, log: (line: string) => void): void {
  log(`==> Leftovers of ${orphans.length} killed build(s) (${found} resource(s)):`)
  for (const { doc } of orphans) {
    log(`--> ${doc.build} (build id ${doc.buildId}, started ${doc.startedAt}, pid ${doc.pid} on ${doc.host}):`)
    if (doc.resources.length === 0) log('    (no resources recorded)')
    for (const r of doc.resources) log(`    ${r.description}`)
    for (const s of doc.scopes) log(`    will also search ${s.plugin} ${JSON.stringify(s.data)} for resources labelled with this build id`)
  }
}

/** Deletes each journaled resource in reverse creation order; a failure is recorded and the rest goes on. Returns how many were deleted. */
async function deleteJournaled(
  orphans: readonly Orphan[],
  loader: PluginLoader,
  ctx: ResourceContext,
  accounts: AccountChecks,
  failed: LeftoverFailure[],
  log: (line: string) => void,
  signal: AbortSignal,
): Promise<number> {
  let deleted = 0
  for (const { path, doc } of orphans) {
    const journal = await FileJournal.open(path)
    // Reverse creation order: an instance goes before the security group it uses.
    for (const resource of [...doc.resources].reverse()) {
      if (signal.aborted) throw new CancelledError('Cleanup was cancelled')
      log(`==> ${doc.build}: Deleting ${resource.description}...`)
      try {
        const plugin = await loader.load(resource.plugin)
        // "Not found" only means "deleted" in the account the build used.
        await accounts.vouch(plugin, resource.plugin, resource.data)
        await plugin.deleteResource(resource.kind, resource.data, ctx)
        await journal.remove(resource.id)
        deleted++
      } catch (err) {
        failed.push(failure(doc, resource, err))
        log(`==> ${doc.build}: Failed to delete ${resource.description}: ${errorMessage(err)}`)
        log(`    Delete it by hand (${resource.plugin} ${resource.kind} ${JSON.stringify(resource.data)}).`)
      }
    }
  }
  return deleted
}

/** Removes each journal with nothing left in it and no failed sweep; says which stay. */
async function closeJournals(orphans: readonly Orphan[], sweepOk: ReadonlyMap<string, boolean>, log: (line: string) => void): Promise<void> {
  for (const { path, doc } of orphans) {
    const journal = await FileJournal.open(path)
    const scopesDone = doc.scopes.every((s) => sweepOk.get(scopeKey(s)) !== false)
    // A journal whose sweep failed stays, so a later `tsimg cleanup` can try the sweep again.
    if (scopesDone && (await journal.closeIfEmpty())) continue
    log(`==> Journal ${path} is kept: something in it still needs deleting.`)
  }
}

/**
 * One line that counts like the listing above it: `2 of the 3 listed resource(s) could not be
 * deleted, 1 search for labelled resources could not run`.
 */
function failureSummary(failed: readonly LeftoverFailure[], found: number, deleted: number): string {
  const n = (what: LeftoverFailure['what']) => failed.filter((f) => f.what === what).length
  const parts: string[] = []
  if (n('resource')) parts.push(`${n('resource')} of the ${found} listed resource(s) could not be deleted`)
  if (n('labelled')) parts.push(`${n('labelled')} resource(s) found by label could not be deleted`)
  if (n('search')) parts.push(`${n('search')} search(es) for resources labelled with the build id could not run`)
  if (n('journal')) parts.push(`${n('journal')} journal(s) could not be read`)
  return `${parts.join(', ')} (${deleted} deleted)`
}

/** Ask each scope's plugin for resources tagged with the build ids that recorded that scope. */
async function sweepScopes(
  orphans: readonly Orphan[],
  loader: PluginLoader,
  ctx: ResourceContext,
  accounts: AccountChecks,
  failed: LeftoverFailure[],
  log: (text: string) => void,
  onDeleted: () => void,
): Promise<Map<string, boolean>> {
  const scopes = new Map<string, { scope: JournalScope; docs: JournalFile[] }>()
  for (const { doc } of orphans) {
    for (const scope of doc.scopes) {
      const key = scopeKey(scope)
      const entry = scopes.get(key) ?? { scope, docs: [] }
      entry.docs.push(doc)
      scopes.set(key, entry)
    }
  }
  const ok = new Map<string, boolean>()
  for (const [key, { scope, docs }] of scopes) {
    const label = docs.map((d) => d.build).join(', ')
    try {
      const plugin = await loader.load(scope.plugin)
      if (!plugin.sweep) {
        ok.set(key, true)
        continue
      }
      await accounts.vouch(plugin, scope.plugin, scope.data)
      log(`==> Searching ${scope.plugin} for resources labelled with the build id of ${label}...`)
      const swept = await plugin.sweep(
        scope.data,
        docs.map((d) => d.buildId),
        ctx,
      )
      let allDeleted = true
      for (const s of swept) {
        log(`==> Deleting ${s.description} (found by label)...`)
        try {
          await s.delete()
          onDeleted()
        } catch (err) {
          allDeleted = false
          failed.push({ build: label, buildId: docs.map((d) => d.buildId).join(','), description: s.description, error: errorMessage(err), what: 'labelled' })
          log(`==> Failed to delete ${s.description}: ${errorMessage(err)}. Delete it by hand.`)
        }
      }
      ok.set(key, allDeleted)
    } catch (err) {
      ok.set(key, false)
      failed.push({
        build: label,
        buildId: docs.map((d) => d.buildId).join(','),
        description: `search of ${scope.plugin} ${JSON.stringify(scope.data)}`,
        error: errorMessage(err),
        what: 'search',
      })
      log(`==> Could not search ${scope.plugin} for leftovers: ${errorMessage(err)}`)
    }
  }
  return ok
}

/**
 * A journal outlives a reboot, and its pid may then belong to another process. On Linux, a
 * process that started after the journal was written cannot be the build that wrote it.
 */
async function pidReused(doc: Pick<JournalFile, 'pid' | 'startedAt'>): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${doc.pid}/stat`, 'utf8')
    // Field 22 (starttime, in clock ticks since boot) counted after the `(comm)` field.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const startTicks = Number(fields[19])
    const btime = Number(/^btime (\d+)$/m.exec(await readFile('/proc/stat', 'utf8'))?.[1])
    if (!Number.isFinite(startTicks) || !Number.isFinite(btime)) return false
    // USER_HZ is 100 on every Linux that Node runs on.
    const startedMs = (btime + startTicks / 100) * 1000
    return startedMs > Date.parse(doc.startedAt) + 2000
  } catch {
    return false
  }
}

/** `<id>.json.<pid>.tmp`: a journal write cut short by kill -9. The .json next to it is complete. */
async function removeStaleTempFiles(stateDir: string): Promise<void> {
  const dir = journalDir(stateDir)
  const names = await readdir(dir).catch(() => [] as string[])
  for (const name of names) {
    const m = /\.json\.(\d+)\.tmp$/.exec(name)
    if (m && !isJournalOwnerAlive({ pid: Number(m[1]), host: hostname() })) await rm(join(dir, name), { force: true })
  }
}

/**
 * Asks each plugin, once per recorded account/place, whether the current credentials reach
 * the account the build recorded; throws (so the entry is kept) when they do not or it cannot tell.
 */
class AccountChecks {
  readonly #seen = new Map<string, Promise<AccountCheck>>()
  constructor(private readonly ctx: ResourceContext) {}

  async vouch(plugin: ResourcePlugin, name: string, data: Readonly<Record<string, unknown>>): Promise<void> {
    if (!plugin.checkAccount) return
    const key = JSON.stringify([name, data.account, data.endpoint, data.region, data.profile])
    let p = this.#seen.get(key)
    if (!p) {
      p = plugin
        .checkAccount(data, this.ctx)
        .catch((err: unknown) => ({ ok: false as const, reason: `cannot tell which account these credentials reach: ${errorMessage(err)}` }))
      this.#seen.set(key, p)
      const r = await p
      if (!r.ok) this.ctx.log(`Not deleting anything recorded in ${name} ${placeOf(data)}: ${r.reason}`)
    }
    const r = await p
    // The whole reason was said once above; each entry it stops names its gist.
    if (!r.ok) throw new Error(`not deleted: ${gist(r.reason)} (see above)`)
  }
}

/** The first clause of a reason: up to its first `;` or sentence end. */
function gist(reason: string): string {
  return /^[^;]*?(?=;|\. |\.$|$)/.exec(reason)?.[0] ?? reason
}

function placeOf(data: Readonly<Record<string, unknown>>): string {
  return [data.account && `account ${String(data.account)}`, data.region, data.endpoint].filter(Boolean).join(', ')
}

function scopeKey(scope: JournalScope): string {
  return JSON.stringify([scope.plugin, scope.data])
}

function failure(doc: JournalFile, resource: JournalResource, err: unknown): LeftoverFailure {
  return { build: doc.build, buildId: doc.buildId, description: resource.description, error: errorMessage(err), what: 'resource' }
}

/**
 * Loads the module named in a journal entry. It is resolved from the project first (where the
 * template's plugins are installed), then from tsimg's own location.
 */
export class PluginLoader {
  readonly #cache = new Map<string, Promise<ResourcePlugin>>()
  constructor(private readonly cwd: string) {}

  load(name: string): Promise<ResourcePlugin> {
    let p = this.#cache.get(name)
    if (!p) {
      p = this.#import(name)
      this.#cache.set(name, p)
    }
    return p
  }

  async #import(name: string): Promise<ResourcePlugin> {
    const plugin = await this.#importModule(name)
    if (plugin.id !== undefined && plugin.id !== name) {
      throw new Error(`module '${name}' exports the resources of '${plugin.id}'; refusing to use it for '${name}'`)
    }
    return plugin
  }

  async #importModule(name: string): Promise<ResourcePlugin> {
    if (name === CORE_PLUGIN) return coreResources
    let mod: { tsimgResources?: ResourcePlugin }
    try {
      const resolved = createRequire(join(this.cwd, 'package.json')).resolve(name)
      mod = (await import(pathToFileURL(resolved).href)) as typeof mod
    } catch {
      try {
        mod = (await import(name)) as typeof mod
      } catch (err) {
        throw new Error(`cannot load plugin module '${name}' (install it in this project): ${errorMessage(err)}`, { cause: err })
      }
    }
    const plugin = mod.tsimgResources
    if (!plugin || typeof plugin.deleteResource !== 'function') {
      throw new Error(`module '${name}' does not export tsimgResources, so tsimg cannot delete its resources`)
    }
    return plugin
  }
}
