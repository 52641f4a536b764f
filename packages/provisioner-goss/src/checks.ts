import { relative, resolve } from 'node:path'
import { TemplateError, durationMs, errorMessage, type CheckResult, type ValidateContext, type VerifyPlugin } from '@tsimg/core/plugin'
import { execOver, loadGossfile, runGossSuite, type GossResult, type GossSuite } from '@tsimg/verify-goss'
import { localGossfile } from './files.js'
import { gossChecksSchema, type GossRunOptions } from './options.js'

/** Loads the gossfile the options name (includes, templates, variables); errors name the file, line and key. */
export async function loadSuite(o: GossRunOptions, baseDir: string, at: { file: string; field: string }): Promise<GossSuite> {
  const found = await localGossfile(o.tests, o.gossFile, baseDir)
  if ('error' in found)
    throw new TemplateError(found.error, {
      file: at.file,
      field: `${at.field}.${found.field}`,
      hint: 'tsimg reads the goss files where they are (nothing is uploaded): tests names files or directories next to the template.',
    })
  return loadGossfile(found.path, {
    ...(o.varsFile ? { varsFile: resolve(baseDir, o.varsFile) } : {}),
    ...(o.varsInline ? { varsInline: o.varsInline } : {}),
    // Packer's vars_env are the goss process's environment: the templates' .Env.
    env: { ...(o.varsEnv ?? {}) },
  })
}

/** Probes run at once over the one connection (below sshd's default MaxSessions of 10). */
const PROBES_AT_ONCE = 6

/** Runs the suite over the connection; each result as the verify phase reports it. */
export async function runSuite(
  suite: GossSuite,
  o: GossRunOptions,
  ctx: { communicator: Parameters<typeof execOver>[0]; signal: AbortSignal },
): Promise<GossResult[]> {
  return runGossSuite(suite, execOver(ctx.communicator), {
    signal: ctx.signal,
    // One SSH connection carries every probe, and sshd opens at most 10 sessions on one
    // (MaxSessions): goss's own 50 at once would be refused.
    maxConcurrent: PROBES_AT_ONCE,
    ...(o.retryTimeout !== undefined ? { retryTimeoutMs: durationMs(o.retryTimeout) } : {}),
    ...(o.sleep !== undefined ? { sleepMs: durationMs(o.sleep) } : {}),
    ...(o.useSudo ? { useSudo: true } : {}),
  })
}

/** A goss result as one of the verify phase's check results. */
export function toCheckResult(r: GossResult, baseDir: string, suite: string): CheckResult {
  const where = `${relative(baseDir, r.where.file) || r.where.file}:${r.where.line}`
  return {
    name: `${r.resourceType}: ${r.title ?? r.resourceId}: ${r.property}`,
    outcome: r.outcome,
    expected: r.expected,
    ...(r.found === undefined ? {} : { actual: r.found }),
    ...(r.message || r.error ? { message: r.error ?? r.message } : {}),
    where,
    suite,
    durationMs: r.durationMs,
  }
}

/**
 * The verify phase's goss checks: the same options as the goss provisioner's files (`tests`,
 * `gossFile`, `varsFile`, `varsInline`, `varsEnv`, `retryTimeout`, `sleep`, `useSudo`), run on
 * a machine started from the new image. Moving a goss provisioner to the verify phase is
 * moving these options:
 *
 *   verify: { checks: [gossChecks({ tests: ['goss/'], gossFile: 'goss.yaml', varsInline: { ARCH: 'amd64' } })] }
 */
export function gossChecks(options: GossRunOptions): VerifyPlugin<GossRunOptions> {
  // Read (and checked) by validate, before anything is created; a library caller that skips
  // validation gets it read at the first run.
  let suite: GossSuite | undefined
  const label = `goss ${options.gossFile ?? options.tests.join(' ')}`
  return {
    kind: 'verify',
    type: 'goss',
    options,
    schema: gossChecksSchema,
    describe: () => label,
    async validate(ctx: ValidateContext) {
      suite = await loadSuite(options, ctx.templateDir, { file: ctx.templateFile, field: ctx.path })
    },
    async run(ctx) {
      suite ??= await loadSuite(options, ctx.templateDir, { file: label, field: 'goss' })
      for (const w of suite.warnings) ctx.ui.message(`goss: warning: ${w}`)
      try {
        const results = await runSuite(suite, options, ctx)
        return results.map((r) => toCheckResult(r, ctx.templateDir, label))
      } catch (err) {
        if (ctx.signal.aborted) throw err
        throw new Error(`goss checks could not run: ${errorMessage(err)}`, { cause: err })
      }
    },
  }
}
