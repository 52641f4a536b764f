import { appendFileSync } from 'node:fs'
import type { BuildEvent } from './events.js'
import type { RenderedBuild } from './render-common.js'

/**
 * `TSIMG_LOG=1`: a detailed log of everything (every event with its time, debug notes, error
 * stacks) to `TSIMG_LOG_PATH` or stderr. Events arrive already redacted by BuildUi; an error's
 * own message may not be, so stacks are written with the redacted message in place of theirs.
 */
export class DetailedLog {
  readonly #write: (text: string) => void

  constructor(write: (text: string) => void) {
    this.#write = write
  }

  /** From the environment: undefined unless TSIMG_LOG is set to something other than 0/false. */
  static fromEnv(env: NodeJS.ProcessEnv = process.env, stderr: (t: string) => void = (t) => process.stderr.write(t)): DetailedLog | undefined {
    const flag = env.TSIMG_LOG
    if (!flag || flag === '0' || flag.toLowerCase() === 'false') return undefined
    const path = env.TSIMG_LOG_PATH
    if (path) return new DetailedLog((t) => appendFileSync(path, t, { mode: 0o600 }))
    return new DetailedLog(stderr)
  }

  debug(text: string): void {
    this.#line('debug', text)
  }

  event(e: BuildEvent): void {
    const { type, time, ...rest } = e
    this.#line(type, JSON.stringify(rest), time)
  }

  /** The end of a run: each build's outcome and, when it failed, its stack (redacted). */
  finish(builds: readonly RenderedBuild[], redactedErrors: ReadonlyMap<string, string>): void {
    for (const b of builds) {
      this.#line(
        'summary',
        JSON.stringify({
          build: b.name,
          outcome: b.outcome,
          halted: b.halted,
          artifacts: b.artifacts.map((a) => a.id),
          ...(b.kept?.length ? { kept: b.kept.map((a) => a.id) } : {}),
          leftovers: b.leftovers.map((r) => r.description),
        }),
      )
      if (b.error) this.error(`build ${b.name}`, b.error, redactedErrors.get(b.name))
    }
  }

  /** An error with its stack frames and causes; `redactedMessage` replaces the error's own text. */
  error(context: string, err: unknown, redactedMessage?: string): void {
    this.#line('error', `${context}: ${redactStack(err, redactedMessage)}`)
  }

  #line(kind: string, text: string, time = Date.now()): void {
    this.#write(`${new Date(time).toISOString()} [${kind}] ${text}\n`)
  }
}

/**
 * An error's stack with only the code locations kept from the original: the message part of a
 * stack can hold a secret (a variable value in a failed command), the `at ...` frames cannot.
 */
export function redactStack(err: unknown, redactedMessage?: string): string {
  if (!(err instanceof Error)) return redactedMessage ?? String(err)
  const frames = (err.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l))
  const head = `${err.name}: ${redactedMessage ?? err.message}`
  const cause =
    err.cause === undefined
      ? ''
      : `\n  caused by: ${redactedMessage === undefined ? redactStack(err.cause) : `${err.cause instanceof Error ? err.cause.name : 'value'} (message withheld)`}`
  return [head, ...frames].join('\n') + cause
}
