import { setTimeout as sleep } from 'node:timers/promises'
import { CancelledError } from '@tsimg/core/plugin'
import { CloudApiError, NETWORK_CODES, type ErrorClass, type ErrorModel } from './errors.js'

/**
 * One retry budget per call, bounded in attempts and in total time. The SDK's own retries
 * are turned off (maxAttempts 1 or equivalent) so the two never multiply: a permanent 5xx is
 * tried `attempts` times, not SDK retries x ours.
 */
export interface RetryBudget {
  /** Tries in all, the first included. */
  readonly attempts: number
  /** No new try starts after this long since the first. */
  readonly totalMs: number
  /** First backoff; doubles each try (throttling starts at twice this). */
  readonly minDelayMs: number
  readonly maxDelayMs: number
}

/**
 * A cancel that stopped a call: `unanswered` when a request was sent and no HTTP answer came
 * back (a timeout, a reset, a request cut in flight), so the server may still act on it.
 */
export class CallCancelledError extends CancelledError {
  constructor(
    message: string,
    readonly unanswered: boolean,
  ) {
    super(message)
  }
}

/**
 * True when an error from CloudCaller.call leaves the call's outcome unknown: some attempt was
 * sent and got no HTTP answer. A create failing so may still land later on the server.
 */
export function unansweredCall(err: unknown): boolean {
  if (typeof err === 'object' && err !== null && unansweredEarlier.has(err)) return true
  if (err instanceof CallCancelledError) return err.unanswered
  return err instanceof CloudApiError && err.unanswered
}

const unansweredEarlier = new WeakSet<object>()

/** Marks `err` (a later call's failure) as following an attempt that got no answer. */
export function markUnanswered<E>(err: E): E {
  if (typeof err === 'object' && err !== null) unansweredEarlier.add(err)
  return err
}

/** Failures before the request left: the server never saw it. */
const NEVER_SENT: ReadonlySet<string> = new Set(['ECONNREFUSED', 'EAI_AGAIN', 'ENOTFOUND'])

/** How long a create's request may wait for its answer (the kit's create bound, see create.ts). */
const deadlines = new WeakMap<AbortSignal, number>()

/** Marks `signal` as a create's request bound ending at `deadline` (ms since the epoch). */
export function markRequestDeadline(signal: AbortSignal, deadline: number): void {
  deadlines.set(signal, deadline)
}

/**
 * The per-request timeout an SDK without abort signals must use for this call: for a create
 * (its `requestSignal` is a TrackedResource's bound) the time left until that bound, so the
 * client never gives up on a request the server is still working on and a cancelled build's
 * cleanup awaits the real answer; for any other call, `ordinaryMs`.
 */
export function requestTimeoutMs(opts: Pick<CallOptions, 'requestSignal'>, ordinaryMs: number): number {
  const deadline = opts.requestSignal && deadlines.get(opts.requestSignal)
  return deadline ? Math.max(1000, deadline - Date.now()) : ordinaryMs
}

const DEFAULT_BUDGET: RetryBudget = { attempts: 10, totalMs: 180_000, minDelayMs: 500, maxDelayMs: 10_000 }

/** For deletes that wait on a dependency (a group until its instance's ENI is gone). */
export const DEPENDENCY_BUDGET: Partial<RetryBudget> = { attempts: 40, totalMs: 300_000, maxDelayMs: 8_000 }

export interface CallOptions {
  /**
   * Stops retrying (and, unless `requestSignal` is given, aborts the request in flight).
   * The build's signal for ordinary calls; the cleanup's signal in cleanups.
   */
  readonly signal: AbortSignal
  /**
   * Aborts the request in flight; give a create its own bound here, so a cancel never cuts
   * a request that may still make the resource on the server (it only stops further tries).
   */
  readonly requestSignal?: AbortSignal
  /** Classes retried besides `transient` and `throttled`: `not-found` right after a create, `conflict` for dependencies. */
  readonly retry?: readonly ErrorClass[]
  readonly budget?: Partial<RetryBudget>
}

/**
 * Calls one cloud's API: every call of a builder goes through `call`, which classifies each
 * failure with the cloud's ErrorModel, retries within one budget, and throws CloudApiError.
 */
export class CloudCaller {
  readonly budget: RetryBudget

  constructor(
    readonly model: ErrorModel,
    /** The endpoint a region's calls go to, for error messages. */
    readonly endpointOf: (region: string) => string,
    budget: Partial<RetryBudget> = {},
  ) {
    this.budget = { ...DEFAULT_BUDGET, ...budget }
  }

  async call<T>(action: string, region: string, fn: (signal: AbortSignal) => Promise<T>, opts: CallOptions): Promise<T> {
    const budget = { ...this.budget, ...opts.budget }
    const retried = new Set<ErrorClass>(['transient', 'throttled', ...(opts.retry ?? [])])
    const started = Date.now()
    const requestSignal = opts.requestSignal ?? opts.signal
    // Some attempt was sent and never answered: the server may still act on it.
    let unanswered = false
    const cancelled = () => new CallCancelledError(`${this.model.service} ${action} was cancelled`, unanswered)
    for (let attempt = 1; ; attempt++) {
      if (opts.signal.aborted) throw cancelled()
      try {
        return await fn(requestSignal)
      } catch (err) {
        const facts = this.model.facts(err)
        if (facts.status === undefined && !NEVER_SENT.has(facts.code ?? '')) unanswered = true
        if (requestSignal.aborted || (opts.signal.aborted && isAbort(err))) throw cancelled()
        const cls = NETWORK_CODES.has(facts.code ?? '') ? 'transient' : this.model.classify(facts, err)
        const delay = backoff(budget, attempt, cls)
        const outOfBudget = attempt >= budget.attempts || Date.now() - started + delay > budget.totalMs
        if (!retried.has(cls) || outOfBudget) {
          throw new CloudApiError(this.model.service, action, this.endpointOf(region), facts, cls, attempt, { cause: err, unanswered })
        }
        await sleep(delay, undefined, { signal: opts.signal }).catch(() => undefined)
      }
    }
  }
}

/** Exponential backoff with full jitter in its upper half; throttling backs off twice as long. */
function backoff(b: RetryBudget, attempt: number, cls: ErrorClass): number {
  const base = Math.min(b.maxDelayMs, b.minDelayMs * (cls === 'throttled' ? 2 : 1) * 2 ** (attempt - 1))
  return Math.round(base / 2 + (Math.random() * base) / 2)
}

function isAbort(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || (err as { code?: string }).code === 'ABORT_ERR')
}
