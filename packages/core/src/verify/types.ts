import type { z } from 'zod'
import type { Communicator } from '../communicator/types.js'
import type { BaseState, GeneratedData, ValidateContext } from '../plugin/types.js'
import type { BuildInfo, StepList } from '../runner/step.js'
import type { Ui } from '../ui/ui.js'

/** One compared fact of a check (a goss attribute, a command's exit status). */
export interface CheckResult {
  /** What was checked, e.g. `service: sshd: running` or `file: /etc/motd: exists`. */
  readonly name: string
  readonly outcome: 'pass' | 'fail' | 'skip'
  /** The expected value as the check wrote it. */
  readonly expected: string
  /** What was found; absent when skipped or when the probe could not run. */
  readonly actual?: string
  /** The check's own wording of the difference (goss: `Expected ... to equal ...`), or the probe's error. */
  readonly message?: string
  /** Where the check was written: `goss.yaml:12`. */
  readonly where?: string
  /** The suite it came from (the check plugin's description: `goss goss.yaml`). */
  readonly suite?: string
  readonly durationMs?: number
}

/** What a check plugin gets to run its checks: the connection to a machine started from the new image. */
export interface VerifyContext {
  readonly communicator: Communicator
  readonly ui: Ui
  readonly signal: AbortSignal
  readonly build: BuildInfo
  readonly generated: GeneratedData
  readonly templateDir: string
}

/**
 * A set of checks the verify phase runs on a fresh machine of the new image (goss files, or
 * checks of your own). `validate` reads and checks its files before anything is created.
 */
export interface VerifyPlugin<O = unknown> {
  readonly kind: 'verify'
  /** `goss`, `command` */
  readonly type: string
  readonly options: O
  readonly schema?: z.ZodType
  validate?(ctx: ValidateContext): Promise<void> | void
  /** Shown in the `==> Verifying with ...` line and as the results' suite. */
  describe?(): string
  run(ctx: VerifyContext): Promise<CheckResult[]>
}

/**
 * A build's `verify`: checks run on a machine started from the image the build made, after
 * the image exists and before any copy, share or post-processor. A failing check fails the
 * build (and deletes the image unless `-on-error=abort`).
 */
export interface VerifySpec {
  /** goss files (relative to the template): each one's checks, includes and templates (needs `@tsimg/provisioner-goss`). */
  goss?: string | readonly string[]
  /** goss `--vars`: a YAML or JSON file of variables (relative to the template). */
  varsFile?: string
  /** goss `--vars-inline`: variables, winning over varsFile. */
  vars?: Readonly<Record<string, unknown>>
  /** Environment variables the goss templates see as `.Env` (besides this process's). */
  varsEnv?: Readonly<Record<string, string>>
  /** Re-run failing checks until they pass or this much time passed (goss `--retry-timeout`), e.g. `'30s'`. */
  retryTimeout?: string | number
  /** Pause between retries (goss `--sleep`), default `'1s'`. */
  sleep?: string | number
  /** Run the probes through `sudo -n`. */
  useSudo?: boolean
  /** Other check plugins, run after the goss files. */
  checks?: ReadonlyArray<VerifyPlugin<any> | false | null | undefined>
  /** Also write the results as JUnit XML to this file (relative to the template). */
  junit?: string
}

/**
 * What a builder hands the verify step once its image exists: the initial state of a fresh
 * machine and the builder's own steps that launch it from the image and connect to it
 * (setting `communicator`). Their cleanups tear it down like every temporary resource.
 */
export interface VerifyMachine<V extends BaseState = BaseState> {
  /** What is started, for messages: `container of sha256:1234`, `instance of ami-123`. */
  readonly description: string
  readonly state: V
  readonly steps: StepList<V>
}

/**
 * Called by the verify step with the build's state once the image exists; returns the
 * machine to start, or a reason string when the build made no image (commit: false, skip_create_ami).
 */
export type VerifyMachineFactory<S extends BaseState, V extends BaseState = BaseState> = (state: S) => VerifyMachine<V> | string
