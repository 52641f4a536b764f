import { CancelledError, isCancel } from '../errors.js'
import { FileJournal, type JournalResource } from '../journal/journal.js'
import type { Artifact, BaseState, PostProcessorPlugin, ProvisionerPlugin, SourcePlugin } from '../plugin/types.js'
import { provisionStep } from '../provision/step-provision.js'
import { runSteps } from '../runner/run-steps.js'
import type { BuildInfo, Outcome } from '../runner/step.js'
import { withDebugPauses, withOnError, type OnError } from '../runner/wrappers.js'
import { sourceBuildName } from '../template/check-plugins.js'
import type { EventSink } from '../ui/events.js'
import type { Redactor } from '../ui/redact.js'
import { BuildUi, type Prompter } from '../ui/ui.js'
import { redactError } from '../template/_redact-error.js'
import { newBuildId } from './build-id.js'
import { verifyStep, type CheckedVerify } from '../verify/step-verify.js'
import type { CheckResult } from '../verify/types.js'
import { TsimgError } from '../errors.js'

/** What one build (one source of the template) ended with. */
export interface BuildSummary {
  /** `<type>.<name>` */
  readonly name: string
  readonly buildId: string
  readonly outcome: Outcome
  /** Why it failed or was cancelled; the message is redacted. */
  readonly error?: Error
  /** The builder's artifact, then each post-processor's artifact that differs from its input. */
  readonly artifacts: Artifact[]
  /**
   * A cancel that came after the build's steps had ended (during their teardown or a
   * post-processor): the image was finished and exists, kept. The build counts as cancelled
   * (exit 130) and these are never among `artifacts`; the summary lists them as kept, and a
   * manifest records them with `"cancelled": true`. Absent otherwise.
   */
  readonly kept?: Artifact[]
  /** Resources still in the journal after cleanup (delete with `tsimg cleanup`). */
  readonly leftovers: JournalResource[]
  readonly durationMs: number
  /** `--on-error=abort` (or the `ask` answer) stopped the build without cleanup. */
  readonly halted: boolean
  /** The verify phase's results, when it ran its checks. */
  readonly checks?: readonly CheckResult[]
}

export interface RunBuildOptions {
  readonly source: SourcePlugin<unknown, any>
  readonly provisioners: readonly ProvisionerPlugin<any>[]
  readonly errorCleanupProvisioner?: ProvisionerPlugin<any>
  readonly postProcessors: readonly PostProcessorPlugin[]
  /** Checks run on a machine started from the image, before copies and post-processors. */
  readonly verify?: CheckedVerify
  /** Only verify this existing image (`tsimg verify --image`): the builder builds nothing. */
  readonly verifyImage?: string
  readonly templateDir: string
  readonly runId: string
  readonly force: boolean
  readonly onError: OnError
  readonly debug: boolean
  readonly signal: AbortSignal
  readonly forceSignal?: AbortSignal
  readonly cleanupTimeoutMs?: number
  readonly stateDir?: string
  readonly sink: EventSink
  readonly prompter: Prompter
  readonly redactor: Redactor
}

/**
 * Runs one source's steps with guaranteed cleanup, then the post-processors on its artifact.
 * The journal exists from before the first step until everything it recorded is gone.
 */
export async function runBuild(o: RunBuildOptions): Promise<BuildSummary> {
  const started = Date.now()
  const name = sourceBuildName(o.source)
  const buildId = newBuildId()
  const ui = new BuildUi(name, o.sink, o.prompter, o.redactor)
  let checks: readonly CheckResult[] | undefined
  const finish = (
    outcome: Outcome,
    rest: { error?: unknown; artifacts?: Artifact[]; kept?: Artifact[]; leftovers?: JournalResource[]; halted?: boolean },
  ): BuildSummary => {
    const error = rest.error === undefined ? undefined : redactError(rest.error, o.redactor)
    o.sink({ type: 'build-end', build: name, outcome, ...(error ? { error: error.message } : {}), time: Date.now() })
    return {
      name,
      buildId,
      outcome,
      ...(error ? { error } : {}),
      artifacts: rest.artifacts ?? [],
      ...(rest.kept?.length ? { kept: rest.kept } : {}),
      leftovers: rest.leftovers ?? [],
      durationMs: Date.now() - started,
      halted: rest.halted ?? false,
      ...(checks ? { checks } : {}),
    }
  }

  o.sink({ type: 'build-start', build: name, buildId, time: started })
  // Queued behind --parallel-builds when the run was cancelled: nothing was created, nothing to clean.
  if (o.signal.aborted) return finish('cancelled', { error: new CancelledError() })

  const journal = await FileJournal.create(buildId, name, o.stateDir)
  const info: BuildInfo = {
    id: buildId,
    name,
    sourceType: o.source.type,
    sourceName: o.source.name,
    force: o.force,
    templateDir: o.templateDir,
  }
  const artifacts: Artifact[] = []
  let kept: Artifact[] = []
  let outcome: Outcome
  let error: unknown
  let halted = false
  let verifyPlaced = false
  try {
    let steps = await o.source.steps({
      build: info,
      ...(o.verifyImage !== undefined ? { verifyImage: o.verifyImage } : {}),
      provision: <S extends BaseState>() =>
        provisionStep<S>({
          provisioners: o.provisioners,
          ...(o.errorCleanupProvisioner ? { errorCleanupProvisioner: o.errorCleanupProvisioner } : {}),
          templateDir: o.templateDir,
        }),
      verify: (machine) => {
        if (!o.verify) return undefined
        verifyPlaced = true
        return verifyStep(machine, {
          verify: o.verify,
          templateDir: o.templateDir,
          onError: o.onError,
          prompter: o.prompter,
          ...(o.forceSignal ? { forceSignal: o.forceSignal } : {}),
          ...(o.cleanupTimeoutMs === undefined ? {} : { cleanupTimeoutMs: o.cleanupTimeoutMs }),
          onResults: (r) => {
            checks = r
          },
        })
      },
    })
    if (o.verify && !verifyPlaced) {
      throw new TsimgError(
        'VERIFY_UNSUPPORTED',
        `the ${o.source.type} builder cannot start a machine from ${o.verifyImage === undefined ? 'its' : 'an'} image, so this build cannot run the template's verify checks`,
        {
          hint: 'Limit verify to builders that make an image (docker, amazon-ebs, alicloud-ecs, huaweicloud-ecs), or remove it.',
        },
      )
    }
    steps = withOnError(steps, o.onError, o.prompter)
    if (o.debug) steps = withDebugPauses(steps, o.prompter)
    const state: BaseState = o.source.initialState()
    const result = await runSteps(steps, {
      state,
      signal: o.signal,
      ui,
      journal,
      build: info,
      ...(o.forceSignal ? { forceSignal: o.forceSignal } : {}),
      ...(o.cleanupTimeoutMs === undefined ? {} : { cleanupTimeoutMs: o.cleanupTimeoutMs }),
    })
    outcome = result.outcome
    error = result.error
    halted = result.halted
    // A halted build (--on-error=abort) skipped the connect step's cleanup: the remote
    // resources stay for `tsimg cleanup`, but the local connection must not keep us alive.
    await state.communicator?.close().catch(() => undefined)
    if (outcome === 'success' && state.artifact) {
      let artifact = state.artifact
      artifacts.push(artifact)
      o.sink({ type: 'artifact', build: name, artifact, time: Date.now() })
      const ctx = { ui, signal: o.signal, build: info, generated: state.generated, templateDir: o.templateDir, runId: o.runId }
      let next = 0
      try {
        for (; next < o.postProcessors.length && !o.signal.aborted; next++) {
          const pp = o.postProcessors[next]!
          ui.say(`Running post-processor: ${pp.type}`)
          const out = await pp.postProcess(artifact, ctx)
          if (out !== artifact) {
            artifacts.push(out)
            o.sink({ type: 'artifact', build: name, artifact: out, time: Date.now() })
          }
          artifact = out
        }
      } catch (err) {
        if (!isCancel(err, o.signal)) throw err
      }
      if (o.signal.aborted) {
        // The cancel came after the steps had ended: what they made is finished and kept (the
        // steps' cleanups saw a successful run). Never a successful build's artifact: listed as
        // kept, and the manifests not yet written record it as cancelled, so the summary, the
        // exit code and the manifest say the same.
        outcome = 'cancelled'
        error = new CancelledError('Build was cancelled after its image was finished; the image is kept (see below)')
        kept = artifacts.splice(0)
        ui.error(`Cancelled after the image was finished: keeping ${kept.map((a) => a.id).join(', ')}`)
        for (const pp of o.postProcessors.slice(next).filter((p) => p.recordsCancelled)) {
          ui.say(`Running post-processor: ${pp.type} (recording the kept image as cancelled)`)
          await pp.postProcess(artifact, { ...ctx, signal: new AbortController().signal, cancelled: true })
        }
      }
    }
  } catch (err) {
    // Steps' failures come back in the run result; this is a post-processor or a broken plugin.
    outcome = isCancel(err, o.signal) ? 'cancelled' : 'failed'
    error = outcome === 'cancelled' && !(err instanceof CancelledError) ? new CancelledError() : err
  }

  const leftovers = [...journal.list()]
  // What remains is listed in the summary (the CLI prints it at the end with how to remove it).
  await journal.closeIfEmpty()
  return finish(outcome, { error, artifacts, kept, leftovers, halted })
}
