import type { BuildEvent } from './events.js'
import { buildErrorText, formatDuration } from './render-common.js'
import type { RenderedBuild, Renderer } from './render-common.js'

export interface MachineRendererOptions {
  write(text: string): void
  now?: () => number
}

/** Escapes one field the way Packer does, so `split(',')` gives the fields back. */
function escapeMachineField(value: string): string {
  return value.replaceAll(',', '%!(PACKER_COMMA)').replaceAll('\r', '\\r').replaceAll('\n', '\\n')
}

/** One line of Packer's machine-readable format: `timestamp,target,type,data...`. */
export function machineLine(time: number, target: string, type: string, ...data: string[]): string {
  return [String(Math.floor(time / 1000)), target, type, ...data.map(escapeMachineField)].join(',') + '\n'
}

/**
 * `-machine-readable`: the lines Packer prints, so scripts written for `packer build
 * -machine-readable` (e.g. `grep 'artifact,0,id'`) keep working.
 */
export class MachineRenderer implements Renderer {
  readonly #o: MachineRendererOptions
  readonly #errors = new Map<string, string>()
  readonly #started = new Map<string, number>()

  constructor(options: MachineRendererOptions) {
    this.#o = options
  }

  event(e: BuildEvent): void {
    switch (e.type) {
      case 'build-start':
        this.#started.set(e.build, e.time)
        this.#emit(e.time, '', 'ui', 'say', `${e.build}: output will be in this color.`)
        return
      case 'ui':
        if (e.level === 'say') this.#emit(e.time, '', 'ui', 'say', `==> ${e.build}: ${e.text}`)
        else if (e.level === 'error') this.#emit(e.time, '', 'ui', 'error', `==> ${e.build}: ${e.text}`)
        else this.#emit(e.time, '', 'ui', 'message', `    ${e.build}: ${e.text}`)
        return
      case 'build-end': {
        const took = formatDuration(e.time - (this.#started.get(e.build) ?? e.time))
        if (e.outcome === 'success') {
          this.#emit(e.time, '', 'ui', 'say', `Build '${e.build}' finished after ${took}.`)
          return
        }
        const text = e.error ?? (e.outcome === 'cancelled' ? 'Build was cancelled' : 'unknown error')
        this.#errors.set(e.build, text)
        this.#emit(e.time, e.build, 'error', text)
        this.#emit(
          e.time,
          '',
          'ui',
          'error',
          e.outcome === 'cancelled' ? `Build '${e.build}' was cancelled after ${took}.` : `Build '${e.build}' errored after ${took}: ${text}`,
        )
        return
      }
      default:
        return
    }
  }

  notice(text: string, level: 'say' | 'error' = 'say'): void {
    this.#emit(this.#now(), '', 'ui', level, `==> ${text}`)
  }

  finish(builds: readonly RenderedBuild[], durationMs: number): void {
    const now = this.#now()
    this.#emit(now, '', 'ui', 'say', `\n==> Wait completed after ${formatDuration(durationMs)}`)
    const failed = builds.filter((b) => b.outcome !== 'success')
    this.#emit(now, '', 'error-count', String(failed.length))
    if (failed.length > 0) {
      this.#emit(now, '', 'ui', 'error', "\n==> Some builds didn't complete successfully and had errors:")
      for (const b of failed) {
        this.#emit(now, b.name, 'error', buildErrorText(b, this.#errors))
        this.#emit(now, '', 'ui', 'error', `--> ${b.name}: ${buildErrorText(b, this.#errors)}`)
      }
    }
    for (const b of builds) {
      for (const r of b.leftovers) {
        this.#emit(now, b.name, 'leftover', r.plugin, r.kind, r.description)
        this.#emit(now, '', 'ui', 'error', `--> ${b.name}: left behind: ${r.description} (delete it by hand or run 'tsimg cleanup')`)
      }
    }
    for (const b of builds) {
      if (!b.kept?.length) continue
      this.#emit(now, '', 'ui', 'error', '\n==> Cancelled after the image was finished; these exist and were kept:')
      for (const a of b.kept) {
        this.#emit(now, b.name, 'kept-artifact', a.builderType, a.id)
        this.#emit(now, '', 'ui', 'error', `--> ${b.name}: ${a.description}`)
      }
    }
    const withArtifacts = builds.filter((b) => b.artifacts.length > 0)
    this.#emit(
      now,
      '',
      'ui',
      'say',
      withArtifacts.length > 0 ? '\n==> Builds finished. The artifacts of successful builds are:' : '\n==> Builds finished but no artifacts were created.',
    )
    for (const b of builds) {
      if (b.outcome !== 'success' && b.artifacts.length === 0) continue
      this.#emit(now, b.name, 'artifact-count', String(b.artifacts.length))
      b.artifacts.forEach((a, i) => {
        const n = String(i)
        this.#emit(now, b.name, 'artifact', n, 'builder-id', a.builderType)
        this.#emit(now, b.name, 'artifact', n, 'id', a.id)
        this.#emit(now, b.name, 'artifact', n, 'string', a.description)
        const files = a.files ?? []
        this.#emit(now, b.name, 'artifact', n, 'files-count', String(files.length))
        files.forEach((f, j) => this.#emit(now, b.name, 'artifact', n, 'file', String(j), f))
        this.#emit(now, b.name, 'artifact', n, 'end')
        this.#emit(now, '', 'ui', 'say', `--> ${b.name}: ${a.description}`)
      })
    }
  }

  close(): void {}

  #emit(time: number, target: string, type: string, ...data: string[]): void {
    this.#o.write(machineLine(time, target, type, ...data))
  }

  #now(): number {
    return this.#o.now ? this.#o.now() : Date.now()
  }
}
