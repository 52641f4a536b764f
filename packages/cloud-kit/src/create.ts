import { CancelledError, type BuildJournal, type PluginId } from '@tsimg/core/plugin'
import { markRequestDeadline, unansweredCall } from './call.js'
import { errorClassOf } from './errors.js'

/** Everything safe creation needs to know about one temporary resource. */
export interface CreateSpec<R> {
  readonly plugin: PluginId
  /** Journal kind: `key-pair`, `instance`, `image`... (the plugin's deleteResource switches on it). */
  readonly kind: string
  /**
   * The deterministic name or client token of this create: the same on every attempt, so a
   * retry (ours, or `tsimg cleanup` later) can find what an unanswered attempt made.
   */
  readonly token: string
  /** For the user: `key pair tsimg-abc (us-east-1)`. */
  readonly description: string
  /** Where it lives (region, endpoint, account...), journaled with the token; never secrets. */
  readonly data: Readonly<Record<string, unknown>>
  /**
   * Sends the create (through CloudCaller, with the API's idempotency token where it has one).
   * Pass `requestSignal` as the call's `requestSignal`: the request must run until it answers
   * or that bound fires, never be cut by the build's cancel or by a shorter SDK timeout (an SDK
   * without abort signals takes its timeout from `requestTimeoutMs`). `stopSignal` stops retries.
   */
  create(requestSignal: AbortSignal, stopSignal: AbortSignal): Promise<R>
  /** The new resource's id in the answer. */
  idOf(answer: R): string | undefined
  /** Finds what an attempt of this create made, by token, name or tag; undefined when none. */
  find(signal: AbortSignal): Promise<string | undefined>
}

export interface CreateContext {
  readonly journal: BuildJournal
  /** The build's signal: a cancel stops waiting for the answer, never the request itself. */
  readonly signal: AbortSignal
}

/** How long a create request may run once sent, cancelled build or not. */
const CREATE_BOUND_MS = 5 * 60_000

/**
 * One temporary resource's life: intent journaled before the call, create, adopt what an
 * earlier attempt made, and delete in cleanup after awaiting a create still in flight.
 * A step keeps one per resource (a small object, not a string-keyed bag).
 */
export class TrackedResource<R = unknown> {
  /** The resource's id once known. */
  id: string | undefined
  /** The create's answer (undefined when adopted). */
  answer: R | undefined
  #entry: string | undefined
  #inflight: Promise<void> | undefined
  #spec: CreateSpec<R> | undefined
  /** The create ended without an answer (timeout, reset, cut): the server may still act on it. */
  #unanswered = false

  /** True once a create was started (whether or not it landed). */
  get started(): boolean {
    return this.#spec !== undefined
  }

  /**
   * Journals the intent (kind, token, build-id tag in `data`), sends the create, and records
   * the id the moment it is known. "Already exists" adopts what an earlier attempt made; any
   * other failure looks for a create that landed unanswered before throwing. A cancel returns
   * at once with CancelledError while the request runs on; `remove` awaits it.
   */
  async create<A extends R>(ctx: CreateContext, spec: CreateSpec<A>, boundMs = CREATE_BOUND_MS): Promise<string> {
    if (this.#spec) throw new Error(`${spec.description}: create called twice`)
    this.#spec = spec as CreateSpec<R>
    this.#entry = await ctx.journal.add({
      plugin: spec.plugin,
      kind: spec.kind,
      description: spec.description,
      data: { ...spec.data, token: spec.token },
      pending: true,
    })
    if (ctx.signal.aborted) throw new CancelledError()
    const bound = AbortSignal.timeout(boundMs)
    markRequestDeadline(bound, Date.now() + boundMs)
    this.#inflight = this.#run(ctx.journal, spec, bound, ctx.signal)
    // After a cancel nobody awaits it until cleanup: its failure must not be an unhandled rejection.
    this.#inflight.catch(() => undefined)
    await raceAbort(this.#inflight, ctx.signal)
    if (!this.id) throw new Error(`${spec.description}: the create answered without an id`)
    return this.id
  }

  async #run<A extends R>(journal: BuildJournal, spec: CreateSpec<A>, bound: AbortSignal, stop: AbortSignal): Promise<void> {
    let failure: unknown
    try {
      const answer = await spec.create(bound, stop)
      this.answer = answer
      this.id = spec.idOf(answer)
    } catch (err) {
      failure = err
      this.#unanswered = unansweredCall(err)
    }
    // "Already exists" is our own earlier attempt; any other failure may be a lost answer.
    if (!this.id) this.id = await spec.find(bound).catch(() => undefined)
    if (this.id) await journal.update(this.#entry!, { data: { ...spec.data, token: spec.token, id: this.id }, pending: false })
    if (failure !== undefined && !(this.id && errorClassOf(failure) === 'exists')) throw failure
  }

  /**
   * In cleanup: awaits a create still in flight (within the cleanup's signal), looks up a
   * create whose answer was lost, deletes what exists and drops the journal entry. If the
   * create is still running when the signal fires, or it ended without any answer and nothing
   * is found by its token, the entry stays, so `tsimg cleanup` finds it.
   */
  async remove(ctx: CreateContext, del: (id: string, signal: AbortSignal) => Promise<void>): Promise<boolean> {
    const spec = this.#spec
    if (!spec || !this.#entry) return false
    if (this.#inflight) {
      await raceAbort(
        this.#inflight.catch(() => undefined),
        ctx.signal,
      ).catch(() => {
        throw new Error(
          `${spec.description}: its create was still running when cleanup ran out of time; 'tsimg cleanup' will find it by its token ${spec.token}`,
        )
      })
    }
    if (!this.id) this.id = await spec.find(ctx.signal)
    if (!this.id && this.#unanswered) {
      // No answer and nothing found yet: the server may still make it. Dropping the entry would
      // let it appear later with nobody looking; kept, 'tsimg cleanup' looks for it again.
      throw new Error(
        `${spec.description}: its create got no answer and nothing was found by its token ${spec.token} yet; the journal keeps it, so 'tsimg cleanup' looks for it again`,
      )
    }
    if (this.id) await del(this.id, ctx.signal)
    await ctx.journal.remove(this.#entry)
    this.#entry = undefined
    return Boolean(this.id)
  }

  /** The resource is kept (an artifact) or was deleted by other means: drop the journal entry only. */
  async forget(journal: BuildJournal): Promise<void> {
    if (!this.#entry) return
    await journal.remove(this.#entry)
    this.#entry = undefined
  }
}

/** Waits for `p`, or rejects with CancelledError as soon as `signal` fires (p runs on). */
async function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) throw new CancelledError()
  let onAbort: (() => void) | undefined
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new CancelledError())
    signal.addEventListener('abort', onAbort, { once: true })
  })
  try {
    return await Promise.race([p, aborted])
  } finally {
    signal.removeEventListener('abort', onAbort!)
  }
}
