import { CancelledError } from '@tsimg/core/plugin'
import { markUnanswered, unansweredCall, type RetryBudget } from './call.js'
import { CloudApiError, errorClassOf } from './errors.js'

/**
 * A create call with an optional part: something the cloud's own reference client does not
 * send in that call (Packer tags an AMI's snapshots with CreateTags, never in CreateImage),
 * or that an endpoint compatible with the cloud may not implement (tags in the create itself).
 */
export interface OptionalPart<T> {
  /** What the part is, for the message: `tags (TagSpecification) in ImportKeyPair`. */
  readonly part: string
  /** Sends the call with the part, exactly once: pass `budget` to the call (one attempt, no retries). */
  with(budget: Partial<RetryBudget>): Promise<T>
  /** Sends the call without the part, under the call's usual budget. */
  without(): Promise<T>
  /** Told once when the part is dropped (the step then does it afterwards, as the reference client does). */
  dropped?(reason: string): void
}

/** One attempt, no retries: a refusal of an optional part must not spend the retry budget. */
const ONCE: Partial<RetryBudget> = { attempts: 1 }

/**
 * Sends the call with its optional part once; on any refusal (a 4xx, a 5xx, an answer that is
 * not the API's, no answer at all) sends it once more without the part, with the full retry
 * budget, and says so. What is never a refusal: a cancel (propagates), "already exists"
 * (the first attempt landed: the caller adopts it, as after any lost answer), and a denial
 * of the credentials (HTTP 401/403: the call itself is not allowed, with or without the part). Returns the
 * answer and whether the part was dropped, so the step can do the part another way.
 */
export async function withOptionalPart<T>(o: OptionalPart<T>): Promise<{ answer: T; dropped: boolean }> {
  let unanswered: boolean
  try {
    return { answer: await o.with(ONCE), dropped: false }
  } catch (err) {
    if (err instanceof CancelledError || errorClassOf(err) === 'exists' || isDenied(err)) throw err
    unanswered = unansweredCall(err)
    o.dropped?.(refusal(err))
  }
  try {
    return { answer: await o.without(), dropped: true }
  } catch (err) {
    // The first attempt may still land: whoever tracks the create must keep looking for it.
    throw unanswered ? markUnanswered(err) : err
  }
}

function isDenied(err: unknown): boolean {
  const status = err instanceof CloudApiError ? err.facts.status : undefined
  return status === 401 || status === 403
}

/** A short reason for the message: the code and status, not an HTML page. */
function refusal(err: unknown): string {
  if (err instanceof CloudApiError) {
    const status = err.facts.status !== undefined ? `HTTP ${err.facts.status}` : 'no HTTP answer'
    return err.facts.code ? `${err.facts.code}, ${status}` : status
  }
  return err instanceof Error ? err.message.split('\n')[0]!.slice(0, 200) : String(err)
}
