import { setTimeout as sleep } from 'node:timers/promises'
import { TsimgError } from '@tsimg/core'

/** What one poll saw: done with a value, still waiting, or a terminal failure. */
export type PollResult<T> = { done: true; value: T } | { done: false; state?: string } | { failed: string }

export interface PollOptions {
  readonly delayMs: number
  readonly attempts: number
  readonly signal: AbortSignal
}

/**
 * Polls until `probe` says done, honoring pollDelay/pollAttempts and the abort signal.
 * Each probe goes through Ec2Api.call, so a throttled poll is retried instead of failing the
 * wait (the SDK's waiters give up on the first throttling error past their own retries).
 */
export async function pollUntil<T>(what: string, probe: () => Promise<PollResult<T>>, opts: PollOptions): Promise<T> {
  let last: string | undefined
  for (let attempt = 1; attempt <= opts.attempts; attempt++) {
    opts.signal.throwIfAborted()
    const r = await probe()
    if ('failed' in r) throw new TsimgError('AWS_WAIT_FAILED', `Error waiting for ${what}: ${r.failed}`)
    if (r.done) return r.value
    last = r.state ?? last
    if (attempt < opts.attempts) await sleep(opts.delayMs, undefined, { signal: opts.signal })
  }
  throw new TsimgError('AWS_WAIT_TIMEOUT', `Timed out waiting for ${what}${last ? ` (last state: ${last})` : ''} after ${opts.attempts} attempts`, {
    hint: 'Raise pollAttempts or pollDelay (Packer: AWS_MAX_ATTEMPTS / AWS_POLL_DELAY_SECONDS).',
  })
}

/** `500ms`, `5s`, `2m`, `1h` or milliseconds, to milliseconds. */
export function toMs(d: string | number): number {
  if (typeof d === 'number') return d
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(d)
  if (!m) throw new TypeError(`not a duration: ${d}`)
  const n = Number(m[1])
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h']
  return Math.round(n * unit)
}
