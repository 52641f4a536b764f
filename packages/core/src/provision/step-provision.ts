import { setTimeout as sleep } from 'node:timers/promises'
import pRetry from 'p-retry'
import { CancelledError, TsimgError, errorMessage, isCancel } from '../errors.js'
import type { BaseState, ProvisionContext, ProvisionerPlugin } from '../plugin/types.js'
import type { CleanupContext, Step, StepContext } from '../runner/step.js'
import { appliesTo, durationMs, formatGoDuration as formatDuration } from './common.js'

export interface ProvisionStepOptions {
  readonly provisioners: readonly ProvisionerPlugin[]
  /** Packer's `error-cleanup-provisioner`: runs when the build fails after provisioning began. */
  readonly errorCleanupProvisioner?: ProvisionerPlugin
  readonly templateDir: string
}

/** First wait between attempts of a provisioner with maxRetries; doubles up to the cap. */
const RETRY_MIN_MS = 1000
const RETRY_MAX_MS = 30_000

/**
 * Runs the template's provisioners, in order, over `state.communicator` (set by the connect
 * step). Creates nothing itself; on failure its cleanup runs the error-cleanup provisioner.
 */
export function provisionStep<S extends BaseState>(opts: ProvisionStepOptions): Step<S> {
  const errorCleanup = async (ctx: CleanupContext<S>): Promise<void> => {
    const p = opts.errorCleanupProvisioner
    if (!p || !appliesTo(p.options, ctx.build)) return
    // Nothing could run there: trying would only wait out the provisioner's retries.
    const communicator = ctx.state.communicator
    const down = ctx.state.machineDown
      ? 'the machine is already stopped or gone'
      : !communicator
        ? 'there is no connection to the machine'
        : communicator.connected === false
          ? 'the connection to the machine is lost'
          : undefined
    if (down || !communicator) {
      ctx.ui.say(`Provisioning step had errors: Skipping the cleanup provisioner (${label(p)}): ${down ?? ''}`)
      return
    }
    ctx.ui.say('Provisioning step had errors: Running the cleanup provisioner, if present...')
    await runProvisioner(p, contextFor(ctx, communicator, opts.templateDir))
  }
  return {
    name: 'provision',
    async run(ctx) {
      const mine = opts.provisioners.filter((p) => appliesTo(p.options, ctx.build))
      // A build without a connection (communicator `none`) still runs what runs on this machine;
      // anything that needs the machine is refused before any of them runs.
      const remote = ctx.state.communicator ? [] : mine.filter((p) => !p.local)
      if (remote.length) {
        throw new TsimgError(
          'NO_COMMUNICATOR',
          `Cannot provision: ${remote.map(label).join(', ')} needs a connection to the machine, and this build has none`,
          {
            hint: 'Use a communicator (SSH) for this build, or limit those provisioners to other builds with only/except.',
          },
        )
      }
      const pctx = contextFor(ctx, ctx.state.communicator ?? NO_CONNECTION, opts.templateDir)
      for (const p of mine) {
        if (ctx.signal.aborted) throw new CancelledError()
        await runProvisioner(p, pctx)
      }
    },
    async cleanup(ctx) {
      if (ctx.outcome !== 'success') await errorCleanup(ctx)
    },
    // --on-error=run-cleanup-provisioner: resources stay, but the cleanup provisioner still runs.
    onHalt: errorCleanup,
  }
}

function contextFor<S extends BaseState>(
  ctx: StepContext<S> | CleanupContext<S>,
  communicator: NonNullable<BaseState['communicator']>,
  templateDir: string,
): ProvisionContext {
  return { communicator, ui: ctx.ui, signal: ctx.signal, build: ctx.build, generated: ctx.state.generated, templateDir }
}

const label = (p: ProvisionerPlugin): string => p.describe?.() ?? p.type

/** What a local provisioner sees as its communicator in a build without one: any use is a bug, said plainly. */
const absent = (): Promise<never> => Promise.reject(new TsimgError('NO_COMMUNICATOR', 'this build has no connection to the machine (communicator "none")'))
const NO_CONNECTION: NonNullable<BaseState['communicator']> = {
  target: 'none',
  exec: absent,
  uploadFile: absent,
  uploadContent: absent,
  uploadDir: absent,
  downloadFile: absent,
  downloadDir: absent,
  isDir: absent,
  reconnect: absent,
  close: async () => {},
}

/**
 * One provisioner with Packer's wrappers: pause once before it, then up to 1 + maxRetries
 * attempts, each bounded by `timeout`. Cancellation of the build is never retried.
 */
export async function runProvisioner(p: ProvisionerPlugin, ctx: ProvisionContext): Promise<void> {
  const pause = durationMs(p.options.pauseBefore)
  if (pause > 0) {
    ctx.ui.say(`Pausing ${formatDuration(pause)} before the next provisioner...`)
    await sleep(pause, undefined, { signal: ctx.signal })
  }
  const timeoutMs = durationMs(p.options.timeout)
  const attempt = () => (timeoutMs > 0 ? withTimeout(p, ctx, timeoutMs) : p.provision(ctx))
  const retries = p.options.maxRetries ?? 0
  if (retries === 0) return attempt()
  await pRetry(attempt, {
    retries,
    minTimeout: RETRY_MIN_MS,
    maxTimeout: RETRY_MAX_MS,
    signal: ctx.signal,
    shouldRetry: (err) => !isCancel(err, ctx.signal),
    onFailedAttempt(err) {
      if (isCancel(err, ctx.signal) || err.retriesLeft === 0) return
      ctx.ui.error(
        `Provisioner ${label(p)} failed (attempt ${err.attemptNumber} of ${retries + 1}): ${errorMessage(err)}. Retrying (maxRetries: ${retries})...`,
      )
    },
  })
}

/**
 * Runs one attempt under its own deadline joined with the build's signal, so the provisioner's
 * remote command is aborted; a provisioner that ignores the signal is abandoned at the deadline.
 */
async function withTimeout(p: ProvisionerPlugin, ctx: ProvisionContext, ms: number): Promise<void> {
  const deadline = AbortSignal.timeout(ms)
  const signal = AbortSignal.any([ctx.signal, deadline])
  const timedOut = () =>
    new TsimgError('PROVISIONER_TIMEOUT', `Provisioner ${label(p)} timed out after ${formatDuration(ms)} (timeout: ${formatDuration(ms)})`, {
      hint: "Raise the provisioner's timeout option if the work legitimately takes longer.",
    })
  let onAbort: (() => void) | undefined
  const abandoned = new Promise<never>((_, reject) => {
    onAbort = () => setTimeout(() => reject(deadline.aborted && !ctx.signal.aborted ? timedOut() : new CancelledError()), 2000).unref()
    signal.addEventListener('abort', onAbort, { once: true })
  })
  abandoned.catch(() => undefined)
  const run = p.provision({ ...ctx, signal })
  try {
    await Promise.race([run, abandoned])
  } catch (err) {
    if (deadline.aborted && !ctx.signal.aborted) throw timedOut()
    throw err
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort)
    run.catch(() => undefined)
  }
}
