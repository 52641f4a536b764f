import type { Ui } from '../ui/ui.js'
import type { BuildJournal } from '../journal/journal.js'

/** What the build is: one source of one template run. */
export interface BuildInfo {
  /** Unique per run; used as the label/tag on every temporary resource. */
  readonly id: string
  /** `<type>.<name>`, e.g. `docker.web`. */
  readonly name: string
  readonly sourceType: string
  readonly sourceName: string
  /** Set with --force: replace an existing artifact of the same name. */
  readonly force: boolean
  /** Directory of the template file, to resolve relative paths. */
  readonly templateDir: string
}

export interface StepContext<S> {
  readonly state: S
  /** Fires on Ctrl-C, SIGTERM or the library caller's AbortSignal. Steps pass it to every wait. */
  readonly signal: AbortSignal
  readonly ui: Ui
  readonly journal: BuildJournal
  readonly build: BuildInfo
}

export type Outcome = 'success' | 'failed' | 'cancelled'

export interface CleanupContext<S> {
  readonly state: S
  /** The cleanup's own time bound; never the (already aborted) build signal. */
  readonly signal: AbortSignal
  readonly ui: Ui
  readonly journal: BuildJournal
  readonly build: BuildInfo
  readonly outcome: Outcome
}

/**
 * A build is a list of steps. `cleanup` is called, in reverse order, for every step whose
 * `run` was entered (also when it threw), on success, failure and cancellation.
 * A step records what it created (in its state and in the journal) and its cleanup checks
 * that record before deleting anything.
 */
export interface Step<S> {
  /** Namespaced, e.g. `docker:start-container`. */
  readonly name: string
  run(ctx: StepContext<S>): Promise<void>
  cleanup?(ctx: CleanupContext<S>): Promise<void>
  /**
   * Called instead of cleanup when the build halts without cleanup
   * (`--on-error=run-cleanup-provisioner`): the provision step runs the error-cleanup provisioner here.
   */
  onHalt?(ctx: CleanupContext<S>): Promise<void>
}

/** A list entry may be falsy for conditional steps: `[a, opts.x && b]`. */
export type StepList<S> = ReadonlyArray<Step<S> | false | null | undefined>
