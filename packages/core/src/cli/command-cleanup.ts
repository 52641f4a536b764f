import { cleanupLeftovers } from '../journal/cleanup.js'
import { EXIT_CANCELLED, EXIT_FAILED, EXIT_OK, exitCodeFor, formatError, logEnabled } from './errors.js'
import { Interrupts } from './interrupts.js'
import { DetailedLog } from '../ui/render-log.js'

export interface CleanupFlags {
  dryRun?: boolean
  stateDir?: string
}

/** `tsimg cleanup`: delete what killed builds left (see cleanupLeftovers). Exit 1 if anything remains. */
export async function cleanupCommand(flags: CleanupFlags): Promise<number> {
  const interrupts = new Interrupts({
    onFirst: () => process.stdout.write('==> Stopping cleanup after receiving interrupt...\n'),
    onSecond: () => setTimeout(() => process.exit(EXIT_CANCELLED), 100),
  }).install()
  const detailed = DetailedLog.fromEnv()
  try {
    const report = await cleanupLeftovers({
      ...(flags.stateDir !== undefined && { stateDir: flags.stateDir }),
      dryRun: Boolean(flags.dryRun),
      signal: interrupts.build.signal,
      cwd: process.cwd(),
      log: (text) => {
        process.stdout.write(`${text}\n`)
        detailed?.debug(`cleanup: ${text}`)
      },
    })
    return report.failed.length > 0 ? EXIT_FAILED : EXIT_OK
  } catch (err) {
    detailed?.error('cleanup', err)
    process.stderr.write(formatError(err, logEnabled()))
    return exitCodeFor(err)
  } finally {
    interrupts.uninstall()
  }
}
