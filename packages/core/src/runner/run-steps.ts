import { CancelledError, HaltWithoutCleanupError, errorMessage, isCancel } from '../errors.js'
import type { BuildJournal } from '../journal/journal.js'
import type { Ui } from '../ui/ui.js'
import type { BuildInfo, CleanupContext, Outcome, Step, StepContext, StepList } from './step.js'

export interface RunStepsOptions<S> {
  readonly state: S
  readonly signal: AbortSignal
  readonly ui: Ui
  readonly journal: BuildJournal
  readonly build: BuildInfo
  /** Bound for each step's cleanup, counted from its start. Default 10 minutes. */
  readonly cleanupTimeoutMs?: number
  /** Fires to give up on cleanup at once (second Ctrl-C). */
  readonly forceSignal?: AbortSignal
  /** How long a cancelled step may take to notice before the runner moves on to cleanup. Default 5 s. */
  readonly cancelGraceMs?: number
}

export interface CleanupFailure {
  readonly step: string
  readonly error: unknown
}

export interface RunResult {
  readonly outcome: Outcome
  readonly error?: unknown
  /** Steps whose run was entered, in order. */
  readonly entered: readonly string[]
  readonly cleanupFailures: readonly CleanupFailure[]
  /** True when `--on-error=abort` stopped the build and cleanups were skipped. */
  readonly halted: boolean
}

/**
 * Runs steps in order until one throws or the signal fires, then runs the cleanup of every
 * step whose run was entered, in reverse order. A cleanup failure is reported and the other
 * cleanups still run. Each cleanup gets its own time bound, never the build's signal: one slow
 * teardown (a terminate that hangs) must not eat the time of those after it.
 */
export async function runSteps<S>(steps: StepList<S>, opts: RunStepsOptions<S>): Promise<RunResult> {
  const list = steps.filter((s): s is Step<S> => Boolean(s))
  const entered: Step<S>[] = []
  const ctx: StepContext<S> = { state: opts.state, signal: opts.signal, ui: opts.ui, journal: opts.journal, build: opts.build }
  let outcome: Outcome = 'success'
  let error: unknown
  let halt: HaltWithoutCleanupError | undefined

  for (const step of list) {
    if (opts.signal.aborted) {
      outcome = 'cancelled'
      error = new CancelledError()
      break
    }
    entered.push(step)
    opts.ui.emit({ type: 'step-start', build: opts.build.name, step: step.name, time: Date.now() })
    try {
      await runUntilCancelled(step.run(ctx), opts.signal, opts.cancelGraceMs ?? 5000)
      opts.ui.emit({ type: 'step-end', build: opts.build.name, step: step.name, time: Date.now() })
    } catch (err) {
      opts.ui.emit({ type: 'step-end', build: opts.build.name, step: step.name, error: errorMessage(err), time: Date.now() })
      if (err instanceof HaltWithoutCleanupError) {
        halt = err
        error = err.original
        outcome = isCancel(err.original, opts.signal) ? 'cancelled' : 'failed'
      } else {
        error = isCancel(err, opts.signal) && !(err instanceof CancelledError) ? new CancelledError() : err
        outcome = isCancel(err, opts.signal) ? 'cancelled' : 'failed'
      }
      break
    }
  }
  // A cancel that came while a step ran is a cancel even if that step then ended as if none had
  // come (its last call was in flight and answered: an SDK that takes no abort signal). Packer's
  // runner marks the state cancelled the moment the context is; the build is cancelled, and
  // cleanup deletes what it made (the image too), as for a cancel between steps.
  if (outcome === 'success' && opts.signal.aborted) {
    outcome = 'cancelled'
    error = new CancelledError()
  }

  const cleanupFailures: CleanupFailure[] = []
  const cleanupMs = opts.cleanupTimeoutMs ?? 10 * 60_000

  for (const step of [...entered].reverse()) {
    const hook = halt ? (halt.runErrorCleanup ? step.onHalt : undefined) : step.cleanup
    if (!hook) continue
    const timeout = AbortSignal.timeout(cleanupMs)
    const cleanupSignal = opts.forceSignal ? AbortSignal.any([timeout, opts.forceSignal]) : timeout
    const cctx: CleanupContext<S> = {
      state: opts.state,
      signal: cleanupSignal,
      ui: opts.ui,
      journal: opts.journal,
      build: opts.build,
      outcome,
    }
    opts.ui.emit({ type: 'cleanup-start', build: opts.build.name, step: step.name, time: Date.now() })
    try {
      if (cleanupSignal.aborted) throw new Error(`cleanup skipped: ${abortReason(cleanupSignal)}`)
      await runUntilCancelled(hook.call(step, cctx), cleanupSignal, 0)
      opts.ui.emit({ type: 'cleanup-end', build: opts.build.name, step: step.name, time: Date.now() })
    } catch (err) {
      const msg =
        cleanupSignal.aborted && !(err instanceof Error && err.message.startsWith('cleanup skipped'))
          ? `cleanup interrupted: ${abortReason(cleanupSignal, cleanupMs)}`
          : errorMessage(err)
      cleanupFailures.push({ step: step.name, error: err })
      opts.ui.emit({ type: 'cleanup-end', build: opts.build.name, step: step.name, error: msg, time: Date.now() })
      opts.ui.error(`Error cleaning up (${step.name}): ${msg}`)
    }
  }

  return {
    outcome,
    ...(error === undefined ? {} : { error }),
    entered: entered.map((s) => s.name),
    cleanupFailures,
    halted: Boolean(halt),
  }
}

function abortReason(signal: AbortSignal, limitMs?: number): string {
  const r: unknown = signal.reason
  if (r instanceof Error && r.name === 'TimeoutError')
    return `cleanup time limit reached${limitMs === undefined ? '' : ` (${Math.round(limitMs / 1000)} s for this step)`}`
  return r instanceof Error ? r.message : 'forced exit'
}

/**
 * Waits for the step's promise. If the signal fires and the step does not settle within
 * graceMs, gives up on it (the step ignored the signal) so cleanup can begin.
 */
async function runUntilCancelled(p: Promise<void>, signal: AbortSignal, graceMs: number): Promise<void> {
  if (signal.aborted && graceMs === 0) {
    p.catch(() => undefined)
    throw signal.reason ?? new CancelledError()
  }
  let onAbort: (() => void) | undefined
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => {
      setTimeout(() => reject(signal.reason instanceof Error ? signal.reason : new CancelledError()), graceMs).unref()
    }
    signal.addEventListener('abort', onAbort, { once: true })
  })
  aborted.catch(() => undefined)
  try {
    await Promise.race([p, aborted])
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort)
    p.catch(() => undefined)
  }
}
