import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { CancelledError, TsimgError, errorMessage } from '../errors.js'
import type { BaseState } from '../plugin/types.js'
import { runSteps, type RunResult } from '../runner/run-steps.js'
import type { Step, StepList } from '../runner/step.js'
import { withOnError, type OnError } from '../runner/wrappers.js'
import type { Prompter } from '../ui/ui.js'
import { countResults, describeFailures, formatResultsTable, resultsToJUnit } from './format.js'
import type { CheckResult, VerifyMachineFactory, VerifyPlugin } from './types.js'

/** A template's verify phase after its options were checked. */
export interface CheckedVerify {
  readonly checks: readonly VerifyPlugin[]
  /** Absolute path of the JUnit XML file to write, if asked for. */
  readonly junit?: string
}

export interface VerifyStepOptions {
  readonly verify: CheckedVerify
  readonly templateDir: string
  readonly onError: OnError
  readonly prompter: Prompter
  readonly forceSignal?: AbortSignal
  readonly cleanupTimeoutMs?: number
  /** Receives the results once the checks ran (the build summary's `checks`). */
  readonly onResults?: (results: readonly CheckResult[]) => void
}

/** The checks failed: each failing one named with what was expected and found. */
export class VerifyFailedError extends TsimgError {
  constructor(readonly results: readonly CheckResult[]) {
    const lines = describeFailures(results)
    const c = countResults(results)
    super(
      'VERIFY_FAILED',
      `Verify failed: ${c.failed} of ${c.total} checks failed on a machine started from the image:\n${lines.map((l) => `  - ${l}`).join('\n')}`,
      {
        hint: 'The image is deleted (unless -on-error=abort). Fix the provisioning, or the check, and build again.',
      },
    )
  }
}

/**
 * The verify phase as a step of the build, placed by the builder right after its image exists
 * and before any copy, share or post-processor. It starts a fresh machine from the image
 * through the builder's own launch and connect steps (`machine`), runs every check over that
 * machine's connection, and tears the machine down through those steps' cleanups: journaled
 * as they are, swept by build id, bounded and run on cancel. A failed check fails the step,
 * so the build's cleanup deletes the image (unless -on-error=abort keeps everything).
 */
export function verifyStep<S extends BaseState, V extends BaseState>(machine: VerifyMachineFactory<S, V>, o: VerifyStepOptions): Step<S> {
  // The machine's run, teardown included: the step's cleanup waits for it, so the image is never
  // deleted under a machine still being torn down after a cancel.
  let pending: Promise<unknown> | undefined
  return {
    name: 'verify',
    async run(ctx) {
      const m = machine(ctx.state)
      if (typeof m === 'string') {
        ctx.ui.say(`Skipping verify: ${m}`)
        return
      }
      const results: CheckResult[] = []
      const checks: Step<V> = {
        name: 'verify:checks',
        async run(vctx) {
          const communicator = vctx.state.communicator
          if (!communicator) throw new TsimgError('NO_COMMUNICATOR', 'the verify machine has no connection (its connect step set no communicator)')
          for (const plugin of o.verify.checks) {
            if (vctx.signal.aborted) throw new CancelledError()
            const label = plugin.describe?.() ?? plugin.type
            ctx.ui.say(`Verifying with ${label}`)
            const got = await plugin.run({
              communicator,
              ui: vctx.ui,
              signal: vctx.signal,
              build: vctx.build,
              generated: vctx.state.generated,
              templateDir: o.templateDir,
            })
            results.push(...got.map((r) => (r.suite ? r : { ...r, suite: label })))
          }
        },
      }
      ctx.ui.say(`Verifying: starting a ${m.description}...`)
      const steps: Step<V>[] = [...present(m.steps).map(prefixed), checks]
      const run = runSteps(withOnError(steps, o.onError, o.prompter), {
        state: m.state,
        signal: ctx.signal,
        ui: ctx.ui,
        journal: ctx.journal,
        build: ctx.build,
        ...(o.forceSignal ? { forceSignal: o.forceSignal } : {}),
        ...(o.cleanupTimeoutMs === undefined ? {} : { cleanupTimeoutMs: o.cleanupTimeoutMs }),
      })
      pending = run.catch(() => undefined)
      const r: RunResult = await run
      if (results.length > 0) {
        for (const line of formatResultsTable(results).split('\n')) ctx.ui.message(line)
        o.onResults?.(results)
        if (o.verify.junit)
          await writeJUnit(o.verify.junit, results, ctx.build.name).catch((err: unknown) =>
            ctx.ui.error(`Could not write the JUnit results to ${o.verify.junit}: ${errorMessage(err)}`),
          )
      }
      if (r.cleanupFailures.length) {
        throw new TsimgError(
          'VERIFY_TEARDOWN',
          `the verify machine could not be torn down: ${r.cleanupFailures.map((f) => `${f.step}: ${errorMessage(f.error)}`).join('; ')}`,
          {
            hint: 'What is left is in the journal: run tsimg cleanup.',
          },
        )
      }
      if (r.outcome === 'cancelled') throw r.error ?? new CancelledError()
      if (r.outcome === 'failed') {
        if (r.entered.at(-1) === 'verify:checks' && results.some((x) => x.outcome === 'fail')) throw new VerifyFailedError(results)
        throw r.error
      }
      const failed = results.filter((x) => x.outcome === 'fail')
      if (failed.length) throw new VerifyFailedError(results)
      const c = countResults(results)
      ctx.ui.say(`Verify passed: ${c.passed} of ${c.total} checks passed${c.skipped ? `, ${c.skipped} skipped` : ''}`)
    },
    async cleanup() {
      await pending
    },
  }
}

async function writeJUnit(path: string, results: readonly CheckResult[], name: string): Promise<void> {
  await mkdir(dirname(resolve(path)), { recursive: true })
  await writeFile(path, resultsToJUnit(results, { name }))
}

const present = <V>(steps: StepList<V>): Step<V>[] => steps.filter((s): s is Step<V> => Boolean(s))

/** The machine's steps report as `verify:<step>`, so the verify machine's start and teardown read apart from the build's. */
function prefixed<V>(step: Step<V>): Step<V> {
  const out: Step<V> = { name: `verify:${step.name}`, run: step.run.bind(step) }
  if (step.cleanup) out.cleanup = step.cleanup.bind(step)
  if (step.onHalt) out.onHalt = step.onHalt.bind(step)
  return out
}
