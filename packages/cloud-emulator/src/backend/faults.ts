import { BackendError, CloudError, RawAnswer, type ErrorKind } from './errors.js'
import type { Rng } from './rng.js'

/**
 * One injected failure: `action` is the front end's action name ('RunInstances',
 * 'CreateServers') or '*'; `job:<type>` fails jobs of that type when they would start.
 */
export interface Fault {
  readonly action: string
  /** Only calls through this front end ('aws', 'alicloud', 'huaweicloud'); default: any. */
  readonly cloud?: string
  /**
   * The error code to answer, in the front end's vocabulary ('RequestLimitExceeded',
   * 'Throttling', 'APIGW.0308'). Omit it (and give `delayMs`) for a fault that only slows the call.
   */
  readonly code?: string
  /**
   * Instead of a code: a neutral error kind ('throttled', 'internal', 'unavailable', ...)
   * that each front end answers with its own code and status.
   */
  readonly kind?: ErrorKind
  /** HTTP status; default: the front end's status for the code or kind. */
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
  /**
   * Hold the call (after any `delayMs`) until this settles, then let it go on as the rest of
   * the fault says: a hold the test releases when it chooses (its client killed meanwhile, say)
   * instead of one that ends after a time. In-process only: the control API cannot carry it.
   */
  readonly until?: PromiseLike<unknown>
  /**
   * Only calls whose request matches this regular expression, tested against the request as
   * the front end reads it (EC2: the decoded query, `TagSpecification.2.ResourceType=snapshot`;
   * Alibaba: the parameters, `ClientToken=abc`, one per line; Huawei: the method and path, a
   * newline, then the JSON body). A fault for one optional part of a request.
   */
  readonly request?: string
  /**
   * Answer this body verbatim, with `status` (default 500) and `contentType` (default
   * text/html), instead of the front end's error document: what a proxy or an endpoint that
   * does not implement the call answers (an HTML error page, not the API's XML or JSON).
   */
  readonly body?: string
  readonly contentType?: string
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
    if (!fault.action || (!fault.code && !fault.kind && !fault.delayMs && !fault.until && fault.body === undefined))
      throw new Error('a fault needs an action and a code, a kind, a body, a delayMs or an until')
    if (fault.request !== undefined) new RegExp(fault.request)
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
  async check(action: string, phase: 'before' | 'after' = 'before', frontEnd?: string, request?: string): Promise<void> {
    for (const active of this.faults) {
      const { fault } = active
      if (!this.matches(fault, action, frontEnd)) continue
      if (fault.request !== undefined && (request === undefined || !new RegExp(fault.request).test(request))) continue
      if ((fault.phase ?? 'before') !== phase) continue
      if (active.remaining <= 0) continue
      if (fault.probability !== undefined && this.rng.next() >= fault.probability) continue
      active.remaining -= 1
      this.record(action)
      if (fault.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs))
      if (fault.until) await Promise.resolve(fault.until).catch(() => undefined)
      const error = this.errorOf(fault, action)
      if (error) throw error
    }
    if (phase === 'before' && this.throttleProbability > 0 && this.rng.next() < this.throttleProbability) {
      this.record(action)
      throw new BackendError('throttled', 'Request limit exceeded.')
    }
  }

  /**
   * For work the clock drives (jobs): takes the next matching fault without waiting and
   * returns its error, if it has one.
   */
  take(action: string): CloudError | BackendError | undefined {
    for (const active of this.faults) {
      if (
        !this.matches(active.fault, action, undefined) ||
        active.remaining <= 0 ||
        active.fault.action === '*' ||
        active.fault.request !== undefined ||
        active.fault.body !== undefined
      )
        continue
      if (active.fault.probability !== undefined && this.rng.next() >= active.fault.probability) continue
      active.remaining -= 1
      this.record(action)
      return this.errorOf(active.fault, action) as CloudError | BackendError | undefined
    }
    return undefined
  }

  private matches(fault: Fault, action: string, frontEnd: string | undefined): boolean {
    if (fault.action !== action && !(fault.action === '*' && !action.startsWith('job:'))) return false
    return fault.cloud === undefined || frontEnd === undefined || fault.cloud === frontEnd
  }

  private errorOf(fault: Fault, action: string): CloudError | BackendError | RawAnswer | undefined {
    if (fault.body !== undefined) return new RawAnswer(fault.status ?? 500, fault.body, fault.contentType ?? 'text/html')
    if (fault.code) return new CloudError(fault.code, fault.message ?? `Injected ${fault.code} for ${action}`, fault.status)
    if (fault.kind) return new BackendError(fault.kind, fault.message ?? `Injected ${fault.kind} error for ${action}`, { status: fault.status })
    return undefined
  }

  private record(action: string): void {
    this.fired.set(action, (this.fired.get(action) ?? 0) + 1)
  }
}
