import { resolve } from 'node:path'
import { TemplateError } from '../errors.js'
import type { Artifact } from '../plugin/types.js'
import type { CheckedVerify } from '../verify/step-verify.js'
import type { VerifyPlugin } from '../verify/types.js'
import type { OnError } from '../runner/wrappers.js'
import { beginRun } from '../template/helpers.js'
import { prepareTemplate, type PreparedTemplate } from '../template/prepare.js'
import type { BuildEvent } from '../ui/events.js'
import { Redactor } from '../ui/redact.js'
import { nonInteractive, type Prompter } from '../ui/ui.js'
import { runPool } from './pool.js'
import { runBuild, type BuildSummary } from './run-build.js'
import { ppNames, selectSources } from './select.js'
import { sourceBuildName } from '../template/check-plugins.js'

export type { BuildSummary } from './run-build.js'

export interface BuildOptions {
  /** Path of image.ts; or pass `template`. */
  templateFile?: string
  /** An already-imported template (what image.ts default-exports), for library use. */
  template?: unknown
  /** `-var name=value`, parsed by each variable's declared type. */
  vars?: Record<string, string>
  /** `-var-file`: JSON files, or .ts/.js modules default-exporting an object; later files win. */
  varFiles?: string[]
  /** Build only these: `docker.web`, `web` or `docker`; `*` is a wildcard. */
  only?: string[]
  except?: string[]
  /** Replace an existing image of the same name. */
  force?: boolean
  /** What to do when a step fails (default `cleanup`). */
  onError?: OnError
  /** Pause after each step and before each cleanup. */
  debug?: boolean
  /** How many builds run at once; 0 = unlimited (default). */
  parallelBuilds?: number
  /** Cancels every build; each tears down what it created. */
  signal?: AbortSignal
  /** Gives up on cleanup at once (second Ctrl-C); what is left stays in the journal. */
  forceSignal?: AbortSignal
  /** Every build event, in order (redacted). */
  onEvent?: (event: BuildEvent) => void
  /** Answers `--debug` pauses and `--on-error=ask`; defaults to never asking. */
  prompter?: Prompter
  /** Where journals live (default `$TSIMG_STATE_DIR` or `~/.tsimg`). */
  stateDir?: string
  /** Time bound for each step's cleanup, counted from its start (default 10 minutes). */
  cleanupTimeoutMs?: number
  /** Type-check a TypeScript template before building (default true). */
  typecheck?: boolean
  /** Resolves templateFile and var files (default process.cwd()). */
  cwd?: string
  /**
   * `tsimg verify --image <id>`: build nothing; start a machine of this existing image through
   * each builder's steps and run the template's checks on it (its `verify`, and its goss provisioners).
   */
  verifyImage?: string
  /** Write the verify phase's results as JUnit XML to this file (`--junit`), over the template's `verify.junit`. */
  junit?: string
  /** `--move-goss-to-verify`: the goss provisioners run in the verify phase, on a machine of the new image, instead of during provisioning. */
  moveChecksToVerify?: boolean
}

export interface BuildRunResult {
  /** Unique per run (the manifest's packer_run_uuid). */
  runId: string
  builds: BuildSummary[]
  /** Every artifact of every build, in build order. */
  artifacts: Artifact[]
}

/**
 * Builds every selected source of a template, in parallel up to `parallelBuilds`.
 * A bad template throws TemplateError before anything (journal, resource) is created;
 * build failures are reported per build in the result, never thrown.
 */
export async function build(options: BuildOptions): Promise<BuildRunResult> {
  const { runId } = beginRun()
  const prepared = await prepareTemplate(options, 'build')
  const sources = selectSources(prepared.build.sources, options.only, options.except, prepared.file, ppNames(prepared.build.postProcessors))
  const redactor = collectSecrets(prepared)
  const sink = (event: BuildEvent): void => options.onEvent?.(event)
  const signal = options.signal ?? new AbortController().signal
  const { verify, provisioners } = await verifyPhase(prepared, options)

  const tasks = sources.map((source) => async (): Promise<BuildSummary> => {
    try {
      return await runBuild({
        source,
        provisioners,
        ...(options.verifyImage ? { verifyImage: options.verifyImage } : {}),
        ...(prepared.build.errorCleanupProvisioner ? { errorCleanupProvisioner: prepared.build.errorCleanupProvisioner } : {}),
        postProcessors: prepared.build.postProcessors,
        ...(verify ? { verify } : {}),
        templateDir: prepared.templateDir,
        runId,
        force: options.force ?? false,
        onError: options.onError ?? 'cleanup',
        debug: options.debug ?? false,
        signal,
        ...(options.forceSignal ? { forceSignal: options.forceSignal } : {}),
        ...(options.cleanupTimeoutMs === undefined ? {} : { cleanupTimeoutMs: options.cleanupTimeoutMs }),
        ...(options.stateDir === undefined ? {} : { stateDir: options.stateDir }),
        sink,
        prompter: options.prompter ?? nonInteractive,
        redactor,
      })
    } catch (err) {
      // Only the journal could not be written (state dir unwritable): nothing was created.
      const error = new Error(redactor.redact(err instanceof Error ? err.message : String(err)), { cause: err })
      sink({ type: 'build-end', build: sourceBuildName(source), outcome: 'failed', error: error.message, time: Date.now() })
      return { name: sourceBuildName(source), buildId: '', outcome: 'failed', error, artifacts: [], leftovers: [], durationMs: 0, halted: false }
    }
  })
  const builds = await runPool(tasks, options.parallelBuilds ?? 0)
  return { runId, builds, artifacts: builds.flatMap((b) => b.artifacts) }
}

/**
 * The checks of the verify phase: the template's `verify`, plus its goss provisioners when they
 * are moved there (`--move-goss-to-verify`, and always for `tsimg verify`, where nothing is
 * provisioned). Errors before anything is created.
 */
async function verifyPhase(
  prepared: PreparedTemplate,
  options: BuildOptions,
): Promise<{ verify?: CheckedVerify; provisioners: PreparedTemplate['build']['provisioners'] }> {
  let verify = prepared.build.verify
  let provisioners = prepared.build.provisioners
  if (options.verifyImage !== undefined || options.moveChecksToVerify) {
    const moved: VerifyPlugin[] = []
    for (const [i, p] of provisioners.entries()) {
      if (!p.asCheck) continue
      const check = p.asCheck()
      await check.validate?.({ templateDir: prepared.templateDir, templateFile: prepared.file, path: `provisioners[${i}]` })
      moved.push(check)
    }
    if (moved.length) verify = { ...(verify ?? {}), checks: [...(verify?.checks ?? []), ...moved] }
    provisioners = provisioners.filter((p) => !p.asCheck)
  }
  if (options.verifyImage !== undefined && !verify) {
    throw new TemplateError('declares no checks to run on the image', {
      file: prepared.file,
      hint: 'Add verify: { goss: "goss.yaml" } (or checks) to the template, or a goss provisioner.',
    })
  }
  if (options.junit && verify) verify = { ...verify, junit: resolve(options.cwd ?? process.cwd(), options.junit) }
  return { ...(verify ? { verify } : {}), provisioners }
}

/** Sensitive variable values and every plugin's secrets, redacted from all output. */
export function collectSecrets(prepared: PreparedTemplate): Redactor {
  const redactor = new Redactor()
  for (const v of prepared.variables.sensitiveValues) redactor.add(v)
  const b = prepared.build
  for (const p of [...b.sources, ...b.provisioners, ...(b.errorCleanupProvisioner ? [b.errorCleanupProvisioner] : [])]) {
    for (const s of p.secrets?.() ?? []) redactor.add(s)
  }
  return redactor
}
