import pc from 'picocolors'
import type { BuildEvent, UiLevel } from './events.js'
import { buildErrorText, formatDuration, rfc3339 } from './render-common.js'
import type { RenderedBuild, Renderer } from './render-common.js'

export interface TextRendererOptions {
  write(text: string): void
  color: boolean
  /** `-timestamp-ui`: prefix each line with an RFC 3339 time. */
  timestamps: boolean
  /** Output is a terminal: show elapsed time on long waits on one updating line. */
  tty: boolean
  /** Width of the terminal, to keep the status line on one row. */
  columns?: number
  /** How long a wait lasts before its elapsed time is shown. */
  waitThresholdMs?: number
  now?: () => number
}

type Paint = (s: string) => string
interface BuildColors {
  readonly say: Paint
  readonly message: Paint
}

interface ActiveWait {
  readonly build: string
  readonly text: string
  readonly start: number
}

/**
 * Packer-style text: `==> docker.web: Starting container...` for headlines, `    docker.web: ...`
 * for details and remote output, one color per build (as Packer's ColoredUi), errors in red,
 * and the artifact summary at the end.
 */
export class TextRenderer implements Renderer {
  readonly #o: TextRendererOptions
  readonly #c: ReturnType<typeof pc.createColors>
  readonly #palette: Array<[Paint, Paint]>
  readonly #colors = new Map<string, BuildColors>()
  readonly #started = new Map<string, number>()
  readonly #errors = new Map<string, string>()
  readonly #waits = new Map<string, ActiveWait>()
  #statusShown = false
  #timer: NodeJS.Timeout | undefined

  constructor(options: TextRendererOptions) {
    this.#o = options
    const c = pc.createColors(options.color)
    this.#c = c
    const bold =
      (f: Paint): Paint =>
      (s) =>
        c.bold(f(s))
    this.#palette = [c.green, c.cyan, c.magenta, c.yellow, c.blue].map((f) => [bold(f), f])
  }

  event(e: BuildEvent): void {
    switch (e.type) {
      case 'build-start':
        this.#started.set(e.build, e.time)
        this.#line(this.#colorsOf(e.build).message(`${e.build}: output will be in this color.`), e.time)
        return
      case 'ui':
        this.#ui(e.build, e.level, e.text, e.time)
        return
      case 'wait-start':
        this.#waits.set(`${e.build}\0${e.text}`, { build: e.build, text: e.text, start: e.time })
        this.#ensureTimer()
        return
      case 'wait-end':
        this.#waits.delete(`${e.build}\0${e.text}`)
        if (this.#waits.size === 0) this.#stopTimer()
        this.#redrawStatus()
        return
      case 'build-end':
        this.#buildEnd(e.build, e.outcome, e.error, e.time)
        return
      default:
        // step and cleanup events, artifacts: shown in the detailed log and the summary.
        return
    }
  }

  notice(text: string, level: 'say' | 'error' = 'say'): void {
    const paint = level === 'error' ? (s: string) => this.#c.bold(this.#c.red(s)) : this.#c.bold
    this.#line(paint(`==> ${text}`))
  }

  finish(builds: readonly RenderedBuild[], durationMs: number): void {
    this.#stopTimer()
    this.#waits.clear()
    this.#clearStatus()
    const c = this.#c
    this.#blank()
    this.#line(c.bold(`==> Wait completed after ${formatDuration(durationMs)}`))

    const failed = builds.filter((b) => b.outcome !== 'success')
    if (failed.length > 0) {
      this.#blank()
      this.#line(c.bold(c.red("==> Some builds didn't complete successfully and had errors:")))
      for (const b of failed) this.#line(c.red(`--> ${b.name}: ${buildErrorText(b, this.#errors)}`))
    }

    for (const b of builds) this.#leftovers(b)

    const kept = builds.filter((b) => (b.kept?.length ?? 0) > 0)
    if (kept.length > 0) {
      this.#blank()
      this.#line(c.bold(c.yellow('==> Cancelled after the image was finished; these exist and were kept:')))
      for (const b of kept) for (const a of b.kept!) this.#line(c.yellow(`--> ${b.name}: ${a.description}`))
    }

    const withArtifacts = builds.filter((b) => b.artifacts.length > 0)
    this.#blank()
    if (withArtifacts.length === 0) {
      this.#line(c.bold('==> Builds finished but no artifacts were created.'))
      return
    }
    this.#line(c.bold('==> Builds finished. The artifacts of successful builds are:'))
    for (const b of withArtifacts) {
      for (const a of b.artifacts) this.#line(this.#colorsOf(b.name).message(`--> ${b.name}: ${a.description}`))
    }
  }

  close(): void {
    this.#stopTimer()
    this.#clearStatus()
  }

  #ui(build: string, level: UiLevel, text: string, time: number): void {
    const colors = this.#colorsOf(build)
    if (level === 'say') this.#line(colors.say(`==> ${build}: ${text}`), time)
    else if (level === 'error') this.#line(this.#c.bold(this.#c.red(`==> ${build}: ${text}`)), time)
    else this.#line(colors.message(`    ${build}: ${text}`), time)
  }

  #buildEnd(build: string, outcome: string, error: string | undefined, time: number): void {
    const took = formatDuration(time - (this.#started.get(build) ?? time))
    for (const key of [...this.#waits.keys()]) if (key.startsWith(`${build}\0`)) this.#waits.delete(key)
    if (outcome === 'success') {
      this.#line(this.#colorsOf(build).message(`Build '${build}' finished after ${took}.`), time)
      return
    }
    const text = error ?? (outcome === 'cancelled' ? 'Build was cancelled' : 'unknown error')
    this.#errors.set(build, text)
    const line = outcome === 'cancelled' ? `Build '${build}' was cancelled after ${took}.` : `Build '${build}' errored after ${took}: ${text}`
    this.#line(this.#c.bold(this.#c.red(line)), time)
  }

  /** Resources that teardown could not delete: listed loudly, with what to do. */
  #leftovers(b: RenderedBuild): void {
    if (b.leftovers.length === 0) return
    const c = this.#c
    const loud = (s: string): string => c.bold(c.yellow(s))
    this.#blank()
    this.#line(
      loud(
        b.halted
          ? `==> ${b.name}: Build stopped without cleanup; these temporary resources were left as they are:`
          : `==> ${b.name}: These temporary resources could NOT be deleted and still exist:`,
      ),
    )
    for (const r of b.leftovers) this.#line(loud(`--> ${b.name}: ${r.description}`))
    this.#line(loud(`==> Delete them by hand, or run 'tsimg cleanup' to delete them.`))
  }

  #colorsOf(build: string): BuildColors {
    let colors = this.#colors.get(build)
    if (!colors) {
      const [say, message] = this.#palette[this.#colors.size % this.#palette.length]!
      colors = { say, message }
      this.#colors.set(build, colors)
    }
    return colors
  }

  #blank(): void {
    this.#clearStatus()
    this.#o.write('\n')
    this.#redrawStatus()
  }

  #line(text: string, time = this.#now()): void {
    this.#clearStatus()
    const prefix = this.#o.timestamps ? `${rfc3339(time)}: ` : ''
    this.#o.write(`${prefix}${text}\n`)
    this.#redrawStatus()
  }

  #now(): number {
    return this.#o.now ? this.#o.now() : Date.now()
  }

  // The status line: only on a terminal, only for waits longer than the threshold.
  #ensureTimer(): void {
    if (!this.#o.tty || this.#timer) return
    this.#timer = setInterval(() => this.#redrawStatus(), 1000)
    this.#timer.unref()
  }

  #stopTimer(): void {
    if (this.#timer) clearInterval(this.#timer)
    this.#timer = undefined
  }

  #clearStatus(): void {
    if (!this.#statusShown) return
    this.#o.write('\r\x1b[2K')
    this.#statusShown = false
  }

  #redrawStatus(): void {
    if (!this.#o.tty) return
    const now = this.#now()
    const threshold = this.#o.waitThresholdMs ?? 2000
    const parts = [...this.#waits.values()]
      .filter((w) => now - w.start >= threshold)
      .map((w) => `${w.build}: ${w.text} (${Math.floor((now - w.start) / 1000)}s)`)
    this.#clearStatus()
    if (parts.length === 0) return
    const width = Math.max(20, (this.#o.columns || 80) - 1)
    let text = `    ${parts.join('  |  ')}`
    if (text.length > width) text = `${text.slice(0, width - 1)}…`
    this.#o.write(this.#c.dim(text))
    this.#statusShown = true
  }
}
