import { setTimeout as sleep } from 'node:timers/promises'
import { TsimgError, type Ui } from '@tsimg/core/plugin'

/** What one poll saw: done with a value, still on the way (in `state`), or a dead end. */
export type Poll<T> = { readonly done: true; readonly value: T } | { readonly done: false; readonly state?: string } | { readonly failed: string }

/** How often and how long to poll; `option` names what raises the limit, for the timeout message. */
export interface PollLimit {
  readonly delayMs: number
  readonly attempts: number
  /** E.g. `pollAttempts or pollDelay (Packer: AWS_MAX_ATTEMPTS / AWS_POLL_DELAY_SECONDS)`. */
  readonly option: string
}

export interface WaitOptions<T> extends PollLimit {
  /** The resource, as the user knows it: `AMI ami-0abc (us-east-1)`. */
  readonly resource: string
  /** What is awaited: `to become available`. */
  readonly until: string
  readonly signal: AbortSignal
  /** The line shown when the wait starts; default `Waiting for <resource> <until>...`. */
  readonly headline?: string
  /** Shows the wait (elapsed time on a terminal); omit in cleanup plumbing that says nothing. */
  readonly ui?: Pick<Ui, 'say' | 'wait'>
  /**
   * One poll. Calls inside go through CloudCaller.call, so a throttled poll is retried
   * rather than failing the wait (the SDKs' own waiters give up on throttling).
   */
  probe(signal: AbortSignal): Promise<Poll<T>>
}

export class WaitTimeoutError extends TsimgError {
  constructor(
    readonly resource: string,
    readonly lastState: string | undefined,
    message: string,
    hint: string,
  ) {
    super('CLOUD_WAIT_TIMEOUT', message, { hint })
  }
}

/**
 * Polls until done, failed, cancelled or out of attempts. The timeout says which resource,
 * the state it was last seen in and which option raises the limit.
 */
export async function waitFor<T>(o: WaitOptions<T>): Promise<T> {
  const headline = o.headline ?? `Waiting for ${o.resource} ${o.until}...`
  o.ui?.say(headline)
  const done = o.ui?.wait(headline.replace(/\.\.\.$/, ''))
  let last: string | undefined
  try {
    for (let attempt = 1; attempt <= o.attempts; attempt++) {
      o.signal.throwIfAborted()
      const r = await o.probe(o.signal)
      if ('failed' in r) throw new TsimgError('CLOUD_WAIT_FAILED', `Error waiting for ${o.resource} ${o.until}: ${r.failed}`)
      if (r.done) return r.value
      last = r.state ?? last
      if (attempt < o.attempts) await sleep(o.delayMs, undefined, { signal: o.signal })
    }
  } finally {
    done?.()
  }
  const hint = `Raise ${o.option}.`
  throw new WaitTimeoutError(
    o.resource,
    last,
    `Timed out waiting for ${o.resource} ${o.until}: still ${last ? `'${last}'` : 'not there'} after ${o.attempts} polls ${formatMs(o.delayMs)} apart. ${hint}`,
    hint,
  )
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${ms / 1000}s` : `${ms}ms`
}
