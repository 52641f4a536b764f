import type { JournalResource } from '../journal/journal.js'
import type { Artifact } from '../plugin/types.js'
import type { Outcome } from '../runner/step.js'
import type { BuildEvent } from './events.js'

/** What the renderers need of one finished build (a subset of the engine's BuildSummary). */
export interface RenderedBuild {
  readonly name: string
  readonly outcome: Outcome
  readonly error?: Error
  readonly artifacts: readonly Artifact[]
  /** Finished before a cancel that came after the steps ended: exist, kept, never a success. */
  readonly kept?: readonly Artifact[]
  readonly leftovers: readonly JournalResource[]
  /** Stopped without cleanup (`-on-error=abort`): its leftovers were kept on purpose. */
  readonly halted: boolean
}

/** Turns build events into output. One instance per CLI run. */
export interface Renderer {
  event(event: BuildEvent): void
  /** A line from the CLI itself (`Cancelling build after receiving interrupt...`). */
  notice(text: string, level?: 'say' | 'error'): void
  /** The end-of-run summary: wait time, errors, artifacts, leftovers. */
  finish(builds: readonly RenderedBuild[], durationMs: number): void
  /** Stop timers; clears a status line left on the terminal. */
  close(): void
}

const UNITS: ReadonlyArray<[string, number]> = [
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1_000],
  ['millisecond', 1],
]

/** `12 seconds 340 milliseconds`, the way Packer prints durations. */
export function formatDuration(ms: number): string {
  let rest = Math.max(0, Math.round(ms))
  const parts: string[] = []
  for (const [unit, size] of UNITS) {
    const n = Math.floor(rest / size)
    rest -= n * size
    if (n > 0) parts.push(`${n} ${unit}${n === 1 ? '' : 's'}`)
  }
  return parts.length > 0 ? parts.join(' ') : '0 milliseconds'
}

/** RFC 3339 in UTC without fractional seconds: `2026-11-21T23:59:01Z`. */
export function rfc3339(time: number): string {
  return new Date(time).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/**
 * The build's error as shown to the user. The build-end event's text was redacted by the
 * engine, so it is preferred over the Error object's own message.
 */
export function buildErrorText(build: RenderedBuild, redactedErrors: ReadonlyMap<string, string>): string {
  return redactedErrors.get(build.name) ?? build.error?.message ?? 'unknown error'
}
