import { CloudError, defaultStatus } from './errors.js'
import type { Rng } from './rng.js'

/** One injected failure: `action` is the front end's action name ('RunInstances') or '*'. */
export interface Fault {
  readonly action: string
  /** The error code to answer; omit it (and give `delayMs`) for a fault that only slows the call. */
  readonly code?: string
  readonly status?: number
  readonly message?: string
  /** Fail this many matching calls, then stop (default: every matching call). */
  readonly times?: number
  /** Fail a matching call with this probability (default 1). */
  readonly probability?: number
  /**
   * 'before' (default): the call fails and does nothing. 'after': the call takes effect but its
   * answer is the error, as when a response is lost; retries then meet what the first call made.
   */
  readonly phase?: 'before' | 'after'
  /**
   * Slow the call down by this many ms. Without `code`, the call then succeeds: with phase
   * 'before' the server waits before it acts (a cancel meanwhile leaves a create that still
   * lands), with 'after' it acts at once and answers late. With `code`, the wait precedes the error.
   */
  readonly delayMs?: number
}

interface ActiveFault {
  readonly fault: Fault
  remaining: number
}

/**
 * Decides, per call, whether the cloud fails it. Draws come from the seeded Rng so a run
 * with the same seed and the same call sequence fails the same calls.
 */
export class FaultInjector {
  private faults: ActiveFault[] = []
  throttleProbability = 0
  /** Calls failed so far, by action, so tests can assert that faults really fired. */
  readonly fired = new Map<string, number>()

  constructor(private readonly rng: Rng) {}

  add(fault: Fault): void {
    if (!fault.action || (!fault.code && !fault.delayMs)) throw new Error('a fault needs an action and a code or a delayMs')
    this.faults.push({ fault, remaining: fault.times ?? Number.POSITIVE_INFINITY })
  }

  clear(): void {
    this.faults = []
    this.throttleProbability = 0
  }

  /**
   * Waits out any delay and throws the injected error for this call, if any; throttling
   * applies before the call only.
   */
  async check(action: string, phase: 'before' | 'after' = 'before'): Promise<void> {
    for (const active of this.faults) {
      const { fault } = active
      if (fault.action !== action && fault.action !== '*') continue
      if ((fault.phase ?? 'before') !== phase) continue
      if (active.remaining <= 0) continue
      if (fault.probability !== undefined && this.rng.next() >= fault.probability) continue
      active.remaining -= 1
      this.record(action)
      if (fault.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs))
      if (!fault.code) continue
      throw new CloudError(
        fault.code,
        fault.message ?? `Injected ${fault.code} for ${action}`,
        fault.status ?? defaultStatus(fault.code),
      )
    }
    if (phase === 'before' && this.throttleProbability > 0 && this.rng.next() < this.throttleProbability) {
      this.record(action)
      throw new CloudError('RequestLimitExceeded', 'Request limit exceeded.', 503)
    }
  }

  private record(action: string): void {
    this.fired.set(action, (this.fired.get(action) ?? 0) + 1)
  }
}
