import { randomUUID } from 'node:crypto'
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises'
import { hostname, homedir } from 'node:os'
import { join } from 'node:path'
import { isPluginId, type PluginId } from './resources.js'

/**
 * One temporary resource, recorded as soon as it exists with what is needed to delete it
 * (never credentials: those come from the environment when cleaning up).
 */
export interface JournalResource {
  readonly id: string
  /** Module that knows how to delete it; it exports `tsimgResources` (see ResourcePlugin). */
  readonly plugin: PluginId
  /** Plugin-specific kind, e.g. `container`, `instance`, `key-pair`. */
  readonly kind: string
  /** Human-readable, e.g. `container 1a2b3c (docker.web)`; shown by `tsimg cleanup`. */
  readonly description: string
  readonly data: Readonly<Record<string, unknown>>
  readonly createdAt: string
  /**
   * The create was sent but has not answered (or its answer was lost): the resource may exist
   * without an id in `data`. Cleanup looks it up by the name or token in `data`.
   */
  readonly pending?: boolean
}

/** Where a plugin may find resources by tag/label if the journal missed them (e.g. region + endpoint). */
export interface JournalScope {
  readonly plugin: PluginId
  readonly data: Readonly<Record<string, unknown>>
}

export interface JournalFile {
  readonly version: 1
  readonly buildId: string
  readonly build: string
  readonly pid: number
  readonly host: string
  readonly startedAt: string
  resources: JournalResource[]
  scopes: JournalScope[]
}

export interface BuildJournal {
  readonly buildId: string
  /** Record a resource that now exists; returns its entry id. Resolves once it is on disk. */
  add(resource: Omit<JournalResource, 'id' | 'createdAt'>): Promise<string>
  /** The resource was deleted. */
  remove(entryId: string): Promise<void>
  /** A pending create answered (new data with the id, `pending: false`), or facts changed. */
  update(entryId: string, patch: Partial<Pick<JournalResource, 'description' | 'data' | 'pending'>>): Promise<void>
  /** Record where the plugin may search by tag for this build's resources. */
  addScope(scope: JournalScope): Promise<void>
  list(): readonly JournalResource[]
}

export function defaultStateDir(): string {
  return process.env.TSIMG_STATE_DIR || join(homedir(), '.tsimg')
}

export function journalDir(stateDir = defaultStateDir()): string {
  return join(stateDir, 'journal')
}

/** A journal file per build; writes are serialized and atomic (temp file + rename). */
export class FileJournal implements BuildJournal {
  readonly #path: string
  readonly #doc: JournalFile
  #queue: Promise<void> = Promise.resolve()

  private constructor(path: string, doc: JournalFile) {
    this.#path = path
    this.#doc = doc
  }

  static async create(buildId: string, build: string, stateDir = defaultStateDir()): Promise<FileJournal> {
    const dir = journalDir(stateDir)
    await mkdir(dir, { recursive: true, mode: 0o700 })
    const doc: JournalFile = {
      version: 1,
      buildId,
      build,
      pid: process.pid,
      host: hostname(),
      startedAt: new Date().toISOString(),
      resources: [],
      scopes: [],
    }
    const j = new FileJournal(join(dir, `${buildId}.json`), doc)
    await j.#flush()
    return j
  }

  /** Open an existing journal (for `tsimg cleanup`). */
  static async open(path: string): Promise<FileJournal> {
    const doc = JSON.parse(await readFile(path, 'utf8')) as JournalFile
    return new FileJournal(path, doc)
  }

  get buildId(): string {
    return this.#doc.buildId
  }
  get path(): string {
    return this.#path
  }
  get doc(): Readonly<JournalFile> {
    return this.#doc
  }

  list(): readonly JournalResource[] {
    return this.#doc.resources
  }

  add(resource: Omit<JournalResource, 'id' | 'createdAt'>): Promise<string> {
    // Typed at compile time; checked here too, for JavaScript callers.
    if (!isPluginId(resource.plugin)) return Promise.reject(new TypeError(`journal entry names no plugin package: ${String(resource.plugin)}`))
    const entry: JournalResource = { ...resource, id: randomUUID(), createdAt: new Date().toISOString() }
    this.#doc.resources.push(entry)
    return this.#enqueue().then(() => entry.id)
  }

  remove(entryId: string): Promise<void> {
    this.#doc.resources = this.#doc.resources.filter((r) => r.id !== entryId)
    return this.#enqueue()
  }

  update(entryId: string, patch: Partial<Pick<JournalResource, 'description' | 'data' | 'pending'>>): Promise<void> {
    this.#doc.resources = this.#doc.resources.map((r) => {
      if (r.id !== entryId) return r
      const next = { ...r, ...patch }
      if (!next.pending) delete (next as { pending?: boolean }).pending
      return next
    })
    return this.#enqueue()
  }

  addScope(scope: JournalScope): Promise<void> {
    const key = JSON.stringify(scope)
    if (!this.#doc.scopes.some((s) => JSON.stringify(s) === key)) this.#doc.scopes.push(scope)
    return this.#enqueue()
  }

  /** Delete the journal file if nothing is left in it. Returns whether it was deleted. */
  async closeIfEmpty(): Promise<boolean> {
    await this.#queue
    if (this.#doc.resources.length > 0) return false
    await rm(this.#path, { force: true })
    return true
  }

  #enqueue(): Promise<void> {
    this.#queue = this.#queue.then(
      () => this.#flush(),
      () => this.#flush(),
    )
    return this.#queue
  }

  async #flush(): Promise<void> {
    const tmp = `${this.#path}.${process.pid}.tmp`
    await writeFile(tmp, JSON.stringify(this.#doc, null, 2) + '\n', { mode: 0o600 })
    await rename(tmp, this.#path)
  }
}

/** All journal files in the state directory. */
export async function listJournals(stateDir = defaultStateDir()): Promise<string[]> {
  const dir = journalDir(stateDir)
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw err
  }
  return names.filter((n) => n.endsWith('.json')).map((n) => join(dir, n))
}

/**
 * Whether the process that wrote a journal may still be running. A journal written on another
 * host (a shared home, a copied state directory) counts as alive: this host cannot see that
 * process, and a different host name is no evidence that the build is over.
 */
export function isJournalOwnerAlive(doc: Pick<JournalFile, 'pid' | 'host'>): boolean {
  if (doc.host !== hostname()) return true
  if (doc.pid === process.pid) return true
  try {
    process.kill(doc.pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
