import { resolve } from 'node:path'
import { isCancel } from '../errors.js'
import type { OnError } from '../runner/wrappers.js'
import type { BuildEvent } from '../ui/events.js'
import { DetailedLog } from '../ui/render-log.js'
import { MachineRenderer } from '../ui/render-machine.js'
import { TextRenderer } from '../ui/render-text.js'
import type { Renderer } from '../ui/render-common.js'
import { loadEngine } from './engine.js'
import type { BuildRunResult } from './engine.js'
import { EXIT_CANCELLED, EXIT_FAILED, EXIT_OK, exitCodeFor, formatError } from './errors.js'
import { Interrupts, resourcesJournaledBy } from './interrupts.js'
import { terminalPrompter } from './prompter.js'
import { version } from './version.js'

export interface BuildFlags {
  var: Record<string, string>
  varFile: string[]
  only: string[]
  except: string[]
  force?: boolean
  onError: OnError
  debug?: boolean
  parallelBuilds?: number
  timestampUi?: boolean
  machineReadable?: boolean
  color: boolean
  stateDir?: string
  /** `--junit FILE`: the verify phase's results as JUnit XML. */
  junit?: string
  /** `--move-goss-to-verify`. */
  moveGossToVerify?: boolean
  /** `tsimg verify --image <id>`: check this existing image, build nothing. */
  image?: string
}

/** `tsimg build <template>`: run the builds, render their events, map the outcome to an exit code. */
export async function buildCommand(template: string, flags: BuildFlags): Promise<number> {
  const stdout = process.stdout
  const write = (t: string): void => void stdout.write(t)
  const force = process.env.FORCE_COLOR
  const color = flags.color && !process.env.NO_COLOR && (Boolean(stdout.isTTY) || (force !== undefined && force !== '' && force !== '0'))
  const renderer: Renderer = flags.machineReadable
    ? new MachineRenderer({ write })
    : new TextRenderer({ write, color, timestamps: Boolean(flags.timestampUi), tty: Boolean(stdout.isTTY), columns: stdout.columns })
  const log = DetailedLog.fromEnv()
  const redactedErrors = new Map<string, string>()
  if (log) {
    log.debug(`tsimg v${version()} on Node ${process.version} ${process.platform}/${process.arch}, pid ${process.pid}`)
    // Variable values may be secrets: only their names are logged.
    const { var: vars, ...rest } = flags
    log.debug(`build ${template} ${JSON.stringify({ ...rest, var: Object.keys(vars) })}`)
  }

  const prompter = terminalPrompter()
  const interrupts = new Interrupts({
    onFirst() {
      // Ctrl-C at a -debug pause: end the question's line first.
      if (prompter.pending) write('\n')
      renderer.notice('Cancelling build after receiving interrupt...', 'error')
      log?.debug('first interrupt: build signal aborted, cleanup continues')
    },
    onSecond() {
      log?.debug('second interrupt: force signal aborted, exiting')
      const left = resourcesJournaledBy(process.pid, flags.stateDir)
      if (left.length === 0) {
        renderer.notice('Interrupted again: exiting now, without waiting for cleanup to finish.', 'error')
      } else {
        renderer.notice('Interrupted again: exiting now. These temporary resources are being left:', 'error')
        for (const { build, resource } of left) renderer.notice(`${build}: ${resource.description}`, 'error')
        renderer.notice("Run 'tsimg cleanup' to delete them.", 'error')
      }
      renderer.close()
      // Leave a moment for output to flush and for an in-flight journal write to land.
      setTimeout(() => process.exit(EXIT_CANCELLED), 200)
    },
  }).install()

  let firstBuildStart: number | undefined
  let result: BuildRunResult
  try {
    const engine = await loadEngine()
    result = await engine.build({
      templateFile: resolve(template),
      vars: flags.var,
      varFiles: flags.varFile,
      only: flags.only,
      except: flags.except,
      force: Boolean(flags.force),
      onError: flags.onError,
      debug: Boolean(flags.debug),
      ...(flags.parallelBuilds !== undefined && { parallelBuilds: flags.parallelBuilds }),
      signal: interrupts.build.signal,
      forceSignal: interrupts.force.signal,
      prompter,
      ...(flags.stateDir !== undefined && { stateDir: flags.stateDir }),
      ...(flags.junit !== undefined && { junit: flags.junit }),
      ...(flags.moveGossToVerify && { moveChecksToVerify: true }),
      ...(flags.image !== undefined && { verifyImage: flags.image }),
      cwd: process.cwd(),
      onEvent(event: BuildEvent) {
        // Packer's "Wait completed" counts from when the builds start, not from template loading.
        if (event.type === 'build-start' && firstBuildStart === undefined) firstBuildStart = event.time
        if (event.type === 'build-end' && event.error !== undefined) redactedErrors.set(event.build, event.error)
        log?.event(event)
        renderer.event(event)
      },
    })
  } catch (err) {
    prompter.close?.()
    renderer.close()
    interrupts.uninstall()
    log?.error('build', err)
    if (interrupts.interrupted && isCancel(err)) {
      renderer.notice('Build cancelled.', 'error')
      return EXIT_CANCELLED
    }
    process.stderr.write(formatError(err, Boolean(log)))
    return exitCodeFor(err)
  }

  prompter.close?.()
  renderer.finish(result.builds, Date.now() - (firstBuildStart ?? Date.now()))
  renderer.close()
  log?.finish(result.builds, redactedErrors)
  interrupts.uninstall()
  if (interrupts.interrupted || result.builds.some((b) => b.outcome === 'cancelled')) return EXIT_CANCELLED
  // Something temporary still exists: the run did not do all it promised, even if the image is made.
  if (result.builds.some((b) => b.outcome !== 'success' || b.leftovers.length > 0)) return EXIT_FAILED
  return EXIT_OK
}
