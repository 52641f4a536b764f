/**
 * Child processes that outlive a killed build. A CLI that creates something (`docker run`,
 * `docker commit`) keeps running after `kill -9` of tsimg and may finish after `tsimg cleanup`
 * looked; so the build journals the process before it may act (gatedSpawn), and cleanup waits
 * for it (waitForExit) before looking for what it made.
 */
import { execFile, type ChildProcess, type ExecFileException, type ExecFileOptions } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { CancelledError } from '../errors.js'

/** A process, told apart from a later one that reuses its pid by its start time (Linux). */
export interface ProcessRef {
  readonly pid: number
  /** Clock ticks after boot when it started (field 22 of /proc/<pid>/stat); absent off Linux. */
  readonly startTicks?: number
}

/** Fields of /proc/<pid>/stat after the `(comm)` field, or undefined when there is none. */
async function statFields(pid: number): Promise<string[] | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  } catch {
    return undefined
  }
}

/** The pid with its start time, read at once (while it surely is still the same process). */
export async function processRef(pid: number): Promise<ProcessRef> {
  const ticks = Number((await statFields(pid))?.[19])
  return Number.isFinite(ticks) ? { pid, startTicks: ticks } : { pid }
}

/** Whether the process still runs: not exited, not a zombie, and its pid not reused. */
export async function isRunning(ref: ProcessRef): Promise<boolean> {
  try {
    process.kill(ref.pid, 0)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  const fields = await statFields(ref.pid)
  if (!fields) return process.platform !== 'linux'
  // An orphan whose new parent does not reap it stays a zombie: it has finished all the same.
  if (fields[0] === 'Z' || fields[0] === 'X') return false
  return ref.startTicks === undefined || Number(fields[19]) === ref.startTicks
}

/**
 * Waits until the process has exited. Resolves true when it did, false when timeoutMs passed
 * first; rejects with CancelledError when the signal fires.
 */
export async function waitForExit(ref: ProcessRef, opts: { timeoutMs: number; signal?: AbortSignal; pollMs?: number }): Promise<boolean> {
  const deadline = Date.now() + opts.timeoutMs
  while (await isRunning(ref)) {
    if (Date.now() >= deadline) return false
    try {
      await sleep(opts.pollMs ?? 200, undefined, opts.signal ? { signal: opts.signal } : {})
    } catch {
      throw new CancelledError('Cleanup was cancelled')
    }
  }
  return true
}

/** Waits for one line on stdin before it becomes the command; EOF (its parent died) ends it unrun. */
const GATE = 'IFS= read -r _ || exit 125; exec "$0" "$@"'

/** Exit code of a gated command whose parent died before releasing it. */
export const GATE_CLOSED_EXIT = 125

export interface GatedChild {
  readonly child: ChildProcess
  /** Lets the command run. Without this (the parent killed first) it never runs. */
  release(): void
}

/**
 * execFile, but the command does not start until `release()`: its pid can be journaled first,
 * so a kill -9 at any moment leaves either no command or a journaled one. Stays the same pid
 * (the shell execs the command). On Windows, where there is no /bin/sh, it starts at once.
 */
export function gatedExecFile(
  file: string,
  args: readonly string[],
  options: ExecFileOptions & { encoding: 'utf8' },
  callback: (err: ExecFileException | null, stdout: string, stderr: string) => void,
): GatedChild {
  if (process.platform === 'win32') {
    const child = execFile(file, [...args], options, callback)
    return { child, release: () => {} }
  }
  const child = execFile('/bin/sh', ['-c', GATE, file, ...args], options, callback)
  // A command that exits early closes the pipe; writing to it then must not throw.
  child.stdin?.on('error', () => {})
  return { child, release: () => void child.stdin?.end('\n') }
}
