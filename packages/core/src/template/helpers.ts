import { randomUUID } from 'node:crypto'

/**
 * Helpers for image.ts, in the spirit of Packer's `{{env}}`, `{{timestamp}}` and `{{uuid}}`.
 * The run state lives on globalThis so a template loaded through another module instance
 * (jiti) still sees the run's values.
 */
const RUN = Symbol.for('tsimg.run')

interface RunGlobals {
  timestamp: number
  runId: string
}

function run(): RunGlobals {
  const g = globalThis as { [RUN]?: RunGlobals }
  g[RUN] ??= { timestamp: Math.floor(Date.now() / 1000), runId: randomUUID() }
  return g[RUN]
}

/** Starts a new run: fixes the timestamp and run id that helpers return. Called by build(). */
export function beginRun(): RunGlobals {
  const g = globalThis as { [RUN]?: RunGlobals }
  g[RUN] = { timestamp: Math.floor(Date.now() / 1000), runId: randomUUID() }
  return g[RUN]
}

export function currentRun(): Readonly<RunGlobals> {
  return run()
}

/** An environment variable, or the fallback (or '' when there is none), like Packer's `{{env}}`. */
export function env(name: string, fallback?: string): string {
  const v = process.env[name]
  return v === undefined || v === '' ? (fallback ?? '') : v
}

/** Unix seconds, the same value for the whole run (Packer's `{{timestamp}}`). */
export function timestamp(): number {
  return run().timestamp
}

/** A fresh random UUID (Packer's `{{uuid}}`). */
export function uuid(): string {
  return randomUUID()
}
