import { TsimgError, checkCommonOptions, checkSchema, countResults, describeFailures, fieldError, type ProvisionerPlugin } from '@tsimg/core/plugin'
import { formatResults, renderSuite, type GossFormatOption, type GossSuite } from '@tsimg/verify-goss'
import { gossChecks, loadSuite, runSuite, toCheckResult } from './checks.js'
import { DOWNLOAD_OPTIONS, gossSchema, type GossOptions, type GossRunOptions } from './options.js'

/** The options that say which files run and how: what the verify phase's goss checks take. */
function runOptionsOf(o: GossOptions): GossRunOptions {
  const keys = ['tests', 'gossFile', 'varsFile', 'varsEnv', 'varsInline', 'retryTimeout', 'sleep', 'useSudo'] as const
  return Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]])) as unknown as GossRunOptions
}

const FORMAT_OPTIONS = ['perfdata', 'verbose', 'pretty', 'sort'] as const

/**
 * Packer's goss provisioner (`"type": "goss"`): runs the goss files' checks on the build
 * machine during provisioning and fails the build on a failing check, printing goss's own
 * output format. No goss binary is downloaded or uploaded: each check runs as shell probes
 * over the connection (the download options are accepted and said to be unused).
 *
 *   goss({ tests: ['goss/goss.yaml'], varsInline: { port: 80 }, retryTimeout: '30s' })
 */
export function goss(options: GossOptions): ProvisionerPlugin<GossOptions> {
  let suite: GossSuite | undefined
  let baseDir = ''
  const formatOptions = (options.formatOptions ?? '').split(/[\s,]+/).filter(Boolean)
  return {
    kind: 'provisioner',
    type: 'goss',
    options,
    schema: gossSchema,
    describe: () => `goss ${options.gossFile ?? options.tests.join(' ')}`,
    secrets: () => (options.password ? [options.password] : []),
    // The same files, checked in the verify phase on a machine of the image (--move-goss-to-verify, tsimg verify).
    asCheck: () => gossChecks(runOptionsOf(options)),
    async validate(ctx) {
      checkSchema(gossSchema, options, ctx)
      checkCommonOptions(options, ctx)
      const bad = formatOptions.find((f) => !(FORMAT_OPTIONS as readonly string[]).includes(f))
      if (bad) throw fieldError(ctx, 'formatOptions', `goss has no format option "${bad}" (it has ${FORMAT_OPTIONS.join(', ')})`)
      baseDir = ctx.templateDir
      suite = await loadSuite(options, ctx.templateDir, { file: ctx.templateFile, field: ctx.path })
    },
    async provision(ctx) {
      const s = (suite ??= await loadSuite(options, baseDir || ctx.templateDir, { file: 'goss provisioner', field: 'goss' }))
      for (const w of s.warnings) ctx.ui.message(`goss: warning: ${w}`)
      const given = DOWNLOAD_OPTIONS.filter((k) => options[k] !== undefined && options[k] !== '')
      if (given.length) {
        ctx.ui.message(
          `goss: ${given.join(', ')} accepted and not used: tsimg downloads and uploads no goss binary, the checks run as shell probes over the connection`,
        )
      }
      if (options.inspect) {
        ctx.ui.say('Running goss in inspect mode: the rendered gossfile (goss render -d), then the checks; failing checks do not fail the build')
        for (const line of renderSuite(s).split('\n')) ctx.ui.message(line)
      }
      ctx.ui.say(`Running goss tests (${s.checks.length} resources from ${s.files.length} file(s), over the connection)...`)
      const results = await runSuite(s, options, ctx)
      const text = formatResults(results, options.format || 'rspecish', formatOptions as GossFormatOption[])
      for (const line of text.replace(/\n$/, '').split('\n')) ctx.ui.message(line)
      const checks = results.map((r) => toCheckResult(r, ctx.templateDir, 'goss'))
      const c = countResults(checks)
      if (c.failed === 0) {
        ctx.ui.say(`Goss tests ran successfully: ${c.passed} passed${c.skipped ? `, ${c.skipped} skipped` : ''}`)
        return
      }
      const lines = describeFailures(checks)
      if (options.inspect) {
        ctx.ui.error(`Goss found ${c.failed} failing check(s) (inspect mode: the build goes on):\n${lines.map((l) => `  - ${l}`).join('\n')}`)
        return
      }
      throw new TsimgError('GOSS_FAILED', `goss validate failed: ${c.failed} of ${c.total} checks failed:\n${lines.map((l) => `  - ${l}`).join('\n')}`, {
        hint: 'Fix the provisioning or the gossfile; retryTimeout re-runs failing checks while a service starts.',
      })
    },
  }
}
