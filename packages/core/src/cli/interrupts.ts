import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { journalDir } from '../journal/journal.js'
import type { JournalFile, JournalResource } from '../journal/journal.js'

export interface InterruptHandlers {
  /** First SIGINT/SIGTERM: the build signal has fired; cleanup goes on. */
  onFirst(signal: NodeJS.Signals): void
  /** Second one: the force signal has fired; say what is left and exit. */
  onSecond(signal: NodeJS.Signals): void
}

/**
 * Ctrl-C handling as in Packer: the first SIGINT or SIGTERM cancels the build and lets cleanup
 * run; a second one gives up on cleanup (forceSignal) so the user is never stuck.
 */
export class Interrupts {
  readonly build = new AbortController()
  readonly force = new AbortController()
  #count = 0
  readonly #handlers: InterruptHandlers
  readonly #listener = (signal: NodeJS.Signals): void => this.#on(signal)

  constructor(handlers: InterruptHandlers) {
    this.#handlers = handlers
  }

  get interrupted(): boolean {
    return this.#count > 0
  }

  install(): this {
    process.on('SIGINT', this.#listener)
    process.on('SIGTERM', this.#listener)
    return this
  }

  uninstall(): void {
    process.off('SIGINT', this.#listener)
    process.off('SIGTERM', this.#listener)
  }

  #on(signal: NodeJS.Signals): void {
    this.#count++
    if (this.#count === 1) {
      this.#handlers.onFirst(signal)
      this.build.abort(signal)
    } else if (this.#count === 2) {
      this.force.abort(signal)
      this.#handlers.onSecond(signal)
    }
  }
}

export interface LeftResource {
  readonly build: string
  readonly buildId: string
  readonly resource: JournalResource
}

/**
 * What this process's journals still hold, read synchronously: called when the user has
 * asked to exit now, so it must not wait on anything.
 */
export function resourcesJournaledBy(pid: number, stateDir?: string): LeftResource[] {
  const dir = journalDir(stateDir)
  let names: string[]
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json'))
  } catch {
    return []
  }
  const out: LeftResource[] = []
  for (const name of names) {
    try {
      const doc = JSON.parse(readFileSync(join(dir, name), 'utf8')) as JournalFile
      if (doc.pid !== pid) continue
      for (const resource of doc.resources) out.push({ build: doc.build, buildId: doc.buildId, resource })
    } catch {
      // Being rewritten right now (atomic rename) or not ours: skip.
    }
  }
  return out
}
