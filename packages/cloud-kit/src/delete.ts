import { DEPENDENCY_BUDGET, type CloudCaller, type RetryBudget } from './call.js'
import { isNotFound } from './errors.js'
import { waitFor, type Poll, type PollLimit } from './wait.js'

export interface DeleteSpec {
  readonly caller: CloudCaller
  readonly region: string
  /** The API action, for errors: `DeleteSecurityGroup`. */
  readonly action: string
  /** `security group sg-123 (us-east-1)`. */
  readonly resource: string
  readonly signal: AbortSignal
  /** Sends the delete once (CloudCaller retries it). */
  send(signal: AbortSignal): Promise<unknown>
  /**
   * After the delete was accepted: polls until the resource is gone. Return `{ done: true }`
   * when gone; a not-found thrown here also means gone. Omit when the delete is synchronous.
   */
  gone?(signal: AbortSignal): Promise<Poll<void>>
  /** How long to poll `gone`. */
  readonly limit?: PollLimit
  /** Retry budget for `conflict` (dependency still in use); default DEPENDENCY_BUDGET. */
  readonly budget?: Partial<RetryBudget>
}

/**
 * Act, then poll until gone; not-found means done. A dependency error (the group's instance
 * still detaching, the VPC's subnet still there) is retried within its own, longer budget.
 */
export async function deleteUntilGone(d: DeleteSpec): Promise<void> {
  try {
    await d.caller.call(d.action, d.region, d.send, { signal: d.signal, retry: ['conflict'], budget: d.budget ?? DEPENDENCY_BUDGET })
  } catch (err) {
    if (isNotFound(err)) return
    throw err
  }
  const gone = d.gone
  if (!gone) return
  await waitFor({
    resource: d.resource,
    until: 'to be deleted',
    signal: d.signal,
    ...(d.limit ?? { delayMs: 2000, attempts: 300, option: 'the cleanup time limit' }),
    probe: async (signal) => {
      try {
        return await gone(signal)
      } catch (err) {
        if (isNotFound(err)) return { done: true, value: undefined }
        throw err
      }
    },
  })
}

/** Runs a delete whose not-found means "already done". */
export async function ignoreNotFound(p: Promise<unknown>): Promise<void> {
  try {
    await p
  } catch (err) {
    if (!isNotFound(err)) throw err
  }
}
