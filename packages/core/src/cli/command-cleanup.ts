import { cleanupLeftovers } from '../journal/cleanup.js'
import { sweepTagged } from '../journal/sweep.js'
import { parseDuration } from '../util/duration.js'
import { TemplateError } from '../errors.js'
import { EXIT_CANCELLED, EXIT_FAILED, EXIT_OK, exitCodeFor, formatError, logEnabled } from './errors.js'
import { Interrupts } from './interrupts.js'
import { terminalPrompter } from './prompter.js'
import { DetailedLog } from '../ui/render-log.js'

export interface CleanupFlags {
  dryRun?: boolean
  stateDir?: string
  /** Also clean journals written on other hosts (their builds are over). */
  otherHosts?: boolean
  /** Find every resource tsimg tagged in a region / endpoint, journal or not. */
  sweep?: boolean
  cloud?: string[]
  region?: string
  endpoint?: string
  profile?: string
  account?: string
  /** `2h`: only resources at least this old (default 2h, so running builds are spared). */
  olderThan?: string
  yes?: boolean
}

/**
 * `tsimg cleanup`: delete what killed builds left (see cleanupLeftovers); with `--sweep`, every
 * resource tsimg tagged in a place (see sweepTagged). Exit 1 if anything remains.
 */
export async function cleanupCommand(flags: CleanupFlags): Promise<number> {
  const interrupts = new Interrupts({
    onFirst: () => process.stdout.write('==> Stopping cleanup after receiving interrupt...\n'),
    onSecond: () => setTimeout(() => process.exit(EXIT_CANCELLED), 100),
  }).install()
  const detailed = DetailedLog.fromEnv()
  const log = (text: string) => {
    process.stdout.write(`${text}\n`)
    detailed?.debug(`cleanup: ${text}`)
  }
  const prompter = flags.sweep && !flags.yes ? terminalPrompter() : undefined
  try {
    if (flags.sweep) {
      if (!flags.region) throw new TemplateError('--sweep needs --region (and --endpoint for an EC2-compatible endpoint)', { field: '--region' })
      const olderThanMs = parseDuration(flags.olderThan ?? '2h')
      const report = await sweepTagged({
        ...(flags.cloud?.length && { clouds: flags.cloud }),
        target: {
          region: flags.region,
          ...(flags.endpoint && { endpoint: flags.endpoint }),
          ...(flags.profile && { profile: flags.profile }),
          ...(flags.account && { account: flags.account }),
        },
        olderThanMs,
        yes: Boolean(flags.yes) && !flags.dryRun,
        // --dry-run never asks; without a terminal nothing is deleted without --yes.
        ...(!flags.dryRun &&
          prompter?.interactive && { confirm: async (q: string) => /^y(es)?$/i.test((await prompter.ask(q, interrupts.build.signal)).trim()) }),
        signal: interrupts.build.signal,
        cwd: process.cwd(),
        log,
      })
      return report.failed.length > 0 ? EXIT_FAILED : EXIT_OK
    }
    const report = await cleanupLeftovers({
      ...(flags.stateDir !== undefined && { stateDir: flags.stateDir }),
      dryRun: Boolean(flags.dryRun),
      otherHosts: Boolean(flags.otherHosts),
      signal: interrupts.build.signal,
      cwd: process.cwd(),
      log,
    })
    return report.failed.length > 0 ? EXIT_FAILED : EXIT_OK
  } catch (err) {
    detailed?.error('cleanup', err)
    process.stderr.write(formatError(err, logEnabled()))
    return exitCodeFor(err)
  } finally {
    ;(prompter as { close?(): void } | undefined)?.close?.()
    interrupts.uninstall()
  }
}
