import { HaltWithoutCleanupError, errorMessage, isCancel } from '../errors.js'
import type { Prompter } from '../ui/ui.js'
import type { Step, StepList } from './step.js'

/** Packer's `-on-error` choices. */
export type OnError = 'cleanup' | 'abort' | 'ask' | 'run-cleanup-provisioner'
export const ON_ERROR_VALUES: readonly OnError[] = ['cleanup', 'abort', 'ask', 'run-cleanup-provisioner']

const present = <S>(steps: StepList<S>): Step<S>[] => steps.filter((s): s is Step<S> => Boolean(s))

/**
 * `--debug`: pause after each step's run and before each step's cleanup until Enter.
 * Without a TTY it says so and does not wait.
 */
export function withDebugPauses<S>(steps: StepList<S>, prompter: Prompter): Step<S>[] {
  return present(steps).map((step) => {
    const wrapped: Step<S> = {
      name: step.name,
      async run(ctx) {
        await step.run(ctx)
        await pause(prompter, ctx.ui.say.bind(ctx.ui), `Pausing after run of step '${step.name}'. Press enter to continue.`, ctx.signal)
      },
    }
    if (step.cleanup) {
      const cleanup = step.cleanup.bind(step)
      wrapped.cleanup = async (ctx) => {
        await pause(prompter, ctx.ui.say.bind(ctx.ui), `Pausing before cleanup of step '${step.name}'. Press enter to continue.`, ctx.signal)
        await cleanup(ctx)
      }
    }
    if (step.onHalt) wrapped.onHalt = step.onHalt.bind(step)
    return wrapped
  })
}

async function pause(prompter: Prompter, say: (t: string) => void, text: string, signal: AbortSignal): Promise<void> {
  if (!prompter.interactive) {
    say(`${text.replace(/ Press enter to continue\.$/, '')} (no terminal: not waiting)`)
    return
  }
  await prompter.ask(`==> ${text}`, signal)
}

/**
 * `--on-error`: what to do when a step fails. `cleanup` is the runner's default behaviour;
 * `abort` and `run-cleanup-provisioner` leave resources (they stay in the journal for
 * `tsimg cleanup`); `ask` lets the user choose, and may retry the step.
 */
export function withOnError<S>(steps: StepList<S>, mode: OnError, prompter: Prompter): Step<S>[] {
  const list = present(steps)
  if (mode === 'cleanup') return list
  return list.map((step) => {
    const wrapped: Step<S> = {
      name: step.name,
      async run(ctx) {
        for (;;) {
          try {
            await step.run(ctx)
            return
          } catch (err) {
            if (isCancel(err, ctx.signal)) throw err
            if (mode === 'abort') throw new HaltWithoutCleanupError(err)
            if (mode === 'run-cleanup-provisioner') throw new HaltWithoutCleanupError(err, true)
            if (!prompter.interactive) {
              ctx.ui.error(`Step '${step.name}' failed: ${errorMessage(err)} (no terminal to ask: cleaning up)`)
              throw err
            }
            ctx.ui.error(`Step '${step.name}' failed: ${errorMessage(err)}`)
            const answer = (
              await prompter.ask('[c] Clean up and exit, [a] abort without cleanup, or [r] retry step (build may fail even if retry succeeds)? ', ctx.signal)
            )
              .trim()
              .toLowerCase()
            if (answer.startsWith('a')) throw new HaltWithoutCleanupError(err)
            if (answer.startsWith('r')) {
              ctx.ui.say(`Retrying step '${step.name}'...`)
              continue
            }
            throw err
          }
        }
      },
    }
    if (step.cleanup) wrapped.cleanup = step.cleanup.bind(step)
    if (step.onHalt) wrapped.onHalt = step.onHalt.bind(step)
    return wrapped
  })
}
