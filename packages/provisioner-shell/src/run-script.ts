import { setTimeout as sleep } from 'node:timers/promises'
import {
  DisconnectedError,
  TsimgError,
  errorMessage,
  formatGoDuration as formatDuration,
  isCancel,
  type ExecResult,
  type ProvisionContext,
} from '@tsimg/core/plugin'

export interface ScriptSettings {
  /** Remote path the script is uploaded to and run from. */
  readonly remotePath: string
  /** executeCommand with `{{.Vars}}` and `{{.Path}}` filled in. */
  readonly command: string
  readonly expectDisconnect: boolean
  readonly validExitCodes: readonly number[]
  readonly startRetryMs: number
  readonly skipClean: boolean
}

export interface Script {
  /** What the user wrote (`scripts/a.sh`), or a description of inline commands. */
  readonly label: string
  readonly content: string | Uint8Array
}

/** Network-level failures that mean "the machine is not reachable right now", worth retrying. */
const NETWORK_CODES = new Set(['DISCONNECTED', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTCONN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED'])

function isConnectionLost(err: unknown): boolean {
  if (err instanceof DisconnectedError) return true
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && NETWORK_CODES.has(code)
}

/**
 * Uploads one script, runs it with the execute command, checks its exit code and removes it.
 * Remote output goes line by line to the UI.
 */
export async function runScript(ctx: ProvisionContext, s: ScriptSettings, script: Script): Promise<void> {
  const { communicator: comm, ui, signal } = ctx
  ui.say(`Provisioning with shell script: ${script.label}`)
  const deadline = Date.now() + s.startRetryMs
  await whileUnreachable(ctx, s, deadline, 'upload the script', () => comm.uploadContent(script.content, s.remotePath, { signal, mode: 0o755 }))

  let result: ExecResult | undefined
  try {
    result = await comm.exec(s.command, {
      signal,
      onStdout: (line) => ui.remote(line, 'stdout'),
      onStderr: (line) => ui.remote(line, 'stderr'),
    })
  } catch (err) {
    if (isCancel(err, signal) || !isConnectionLost(err)) throw err
    if (!s.expectDisconnect) {
      throw new TsimgError('DISCONNECTED', `Connection to ${comm.target} was lost while running ${script.label}: ${errorMessage(err)}`, {
        cause: err,
        hint: 'If the script reboots the machine or restarts sshd, set expectDisconnect: true.',
      })
    }
    ui.say('Remote end disconnected (expected: expectDisconnect is set); reconnecting...')
    await reconnect(ctx, s, Date.now() + s.startRetryMs, err)
  }

  if (result) {
    const failure = exitFailure(result, s.validExitCodes)
    if (failure) {
      await removeScript(ctx, s, deadline).catch(() => undefined)
      throw new TsimgError('SCRIPT_FAILED', failure, { hint: `Script: ${script.label}` })
    }
  }
  await removeScript(ctx, s, Date.now() + s.startRetryMs)
}

function exitFailure(r: ExecResult, valid: readonly number[]): string | undefined {
  if (r.exitCode === null) return `Script was terminated by signal ${r.exitSignal ?? 'unknown'}`
  if (valid.includes(r.exitCode)) return undefined
  return `Script exited with non-zero exit status: ${r.exitCode}. Allowed exit codes are: [${valid.join(' ')}]`
}

async function removeScript(ctx: ProvisionContext, s: ScriptSettings, deadline: number): Promise<void> {
  if (s.skipClean) return
  const r = await whileUnreachable(ctx, s, deadline, 'remove the script', () => ctx.communicator.exec(`rm -f ${shq(s.remotePath)}`, { signal: ctx.signal }))
  if (r.exitCode !== 0)
    throw new TsimgError('SCRIPT_CLEAN_FAILED', `Error removing temporary script at ${s.remotePath}: exit status ${r.exitCode ?? r.exitSignal}`)
}

/**
 * Packer's start_retry_timeout: while the machine is unreachable (rebooting, sshd restarting),
 * reconnect and try again until the deadline. Other errors (permission denied...) fail at once.
 */
async function whileUnreachable<T>(ctx: ProvisionContext, s: ScriptSettings, deadline: number, what: string, fn: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await fn()
    } catch (err) {
      if (isCancel(err, ctx.signal) || !isConnectionLost(err)) throw err
      ctx.ui.message(`Machine not reachable (${errorMessage(err)}); retrying to ${what}...`)
      await reconnect(ctx, s, deadline, err)
    }
  }
}

async function reconnect(ctx: ProvisionContext, s: ScriptSettings, deadline: number, lastError: unknown): Promise<void> {
  for (;;) {
    const left = deadline - Date.now()
    if (left <= 0) {
      throw new TsimgError(
        'START_RETRY_TIMEOUT',
        `Could not reach ${ctx.communicator.target} within startRetryTimeout (${formatDuration(s.startRetryMs)}): ${errorMessage(lastError)}`,
        {
          cause: lastError,
        },
      )
    }
    try {
      await ctx.communicator.reconnect({ timeoutMs: left, signal: ctx.signal })
      return
    } catch (err) {
      if (isCancel(err, ctx.signal)) throw err
      lastError = err
      await sleep(Math.min(1000, Math.max(0, deadline - Date.now())), undefined, { signal: ctx.signal })
    }
  }
}

/** Single-quote a value for the remote /bin/sh. */
function shq(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`
}
