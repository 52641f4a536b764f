/**
 * Ctrl-C twice on the real `tsimg` bin, as a user presses it: the first SIGINT once the build's
 * create call is held (by the emulator, or by a docker CLI that waits), so the build's cleanup
 * has a create in flight to await; the second once the cleanup has started. The second must
 * make the process exit at once, listing what it leaves for `tsimg cleanup`.
 *
 * No wall-clock bound: the test waits for the process to exit (the event) and prints how long
 * the exit took after the second SIGINT.
 */
import { spawn } from 'node:child_process'
import { resolve } from 'node:path'
import type { Emulator } from '@tsimg/cloud-emulator'
import { expect } from 'vitest'
import { journalFiles } from './cloud-build.js'
import type { callAnswers } from './cloud-matrix.js'

const CLI = resolve(import.meta.dirname, '../../packages/core/bin/tsimg.js')
const ROOT = resolve(import.meta.dirname, '../..')

export interface TwiceOptions {
  readonly args: readonly string[]
  readonly env: NodeJS.ProcessEnv
  readonly cwd?: string
  /** True once the create the first SIGINT must land in is held (polled; given the output so far). */
  held(out: string): boolean | Promise<boolean>
  /** True once the output (after the first SIGINT) shows the cleanup under way: the second SIGINT goes then. */
  cleaning(out: string): boolean
  /** The cloud's name, for the printed time. */
  readonly name: string
}

export interface TwiceResult {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  /** stdout and stderr, interleaved as they came. */
  readonly out: string
  /** Output printed before the second SIGINT, and after it. */
  readonly before: string
  readonly after: string
  /** From the second SIGINT to the process's exit. */
  readonly exitMs: number
  /** Whether the two SIGINTs were sent (the build did not end by itself first). */
  readonly sent: number
}

export function interruptTwice(o: TwiceOptions): Promise<TwiceResult> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [CLI, ...o.args], { cwd: o.cwd ?? ROOT, env: o.env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let sent = 0
    let firstAt = 0
    let secondAt = 0
    let before = ''
    const second = () => {
      if (sent !== 1 || !o.cleaning(out.slice(firstAt))) return
      sent = 2
      before = out
      secondAt = performance.now()
      child.kill('SIGINT')
    }
    const add = (d: Buffer) => {
      out += d.toString()
      second()
    }
    child.stdout.on('data', add)
    child.stderr.on('data', add)
    // The hold is observed in the emulator (or the shim's files), not in the output: poll it.
    const poll = setInterval(() => {
      void Promise.resolve(o.held(out)).then((h) => {
        if (!h || sent !== 0 || child.exitCode !== null) return
        clearInterval(poll)
        sent = 1
        firstAt = out.length
        child.kill('SIGINT')
        second()
      }, rej)
    }, 20)
    child.on('exit', (code, signal) => {
      clearInterval(poll)
      const exitMs = secondAt ? performance.now() - secondAt : Number.NaN
      if (secondAt) console.log(`[${o.name}] second SIGINT -> exit ${code ?? signal} after ${exitMs.toFixed(0)} ms`)
      res({ code, signal, out, before, after: out.slice(before.length), exitMs, sent })
    })
  })
}

/** Runs the `tsimg` bin to its end (asynchronously: the emulator answering it runs in this process). */
export function runTsimg(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd = ROOT,
  onOutput?: (out: string) => void,
): Promise<{ code: number | null; out: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    const add = (d: Buffer) => {
      out += d.toString()
      onOutput?.(out)
    }
    child.stdout.on('data', add)
    child.stderr.on('data', add)
    child.on('exit', (code) => res({ code, out }))
  })
}

export interface CloudTwice {
  readonly name: string
  readonly emu: Emulator
  /** The emulator's answers (its `onCall` must be `answers.onCall`). */
  readonly answers: ReturnType<typeof callAnswers>
  readonly stateDir: string
  readonly args: readonly string[]
  readonly env: NodeJS.ProcessEnv
  /** The create the first SIGINT lands in, held by the emulator. */
  readonly action: string
  /** The build's name as printed (`amazon-ebs.killed`). */
  readonly build: string
  /** What the exit must list as left, each a resource description's start. */
  readonly left: readonly string[]
  /** What the client made and is alive now (the emulator's ledger less its seed). */
  alive(): Promise<readonly { type: string }[]>
  /** When the second SIGINT goes, by the output since the first (default: the cancel notice). */
  cleaning?(out: string): boolean
  /** Once the process has exited, before `tsimg cleanup`: e.g. let a stuck state change complete. */
  afterExit?(): void
  /**
   * Without it the create is held until the process has exited and its exit is checked, then
   * released (at the latest after HOLD_MS). A row whose second SIGINT lands later in cleanup
   * holds it this many ms instead: it answers before then.
   */
  readonly holdMs?: number
}

/**
 * The longest the create is held when the exit does not come: far longer than two SIGINTs and
 * an exit take. A process that ignores the second SIGINT then finishes its cleanup once the
 * create answers, and the check below says so (instead of the test hanging on the hold).
 */
const HOLD_MS = 30_000

/**
 * The whole check on a cloud: a create held, SIGINT, SIGINT once cleanup runs; exit 130 before
 * the held create answered, what is left listed, journal kept; once the held create has acted,
 * `tsimg cleanup` deletes everything and the journal.
 */
export async function expectInterruptedTwice(c: CloudTwice): Promise<void> {
  // Held until released below, once the exit is checked: the hold ends on that event, not after
  // a time the exit must come within.
  let release = (): void => undefined
  const until = new Promise<void>((r) => {
    const latest = setTimeout(r, HOLD_MS)
    release = () => {
      clearTimeout(latest)
      r()
    }
  })
  c.emu.injectFault({ action: c.action, times: 1, ...(c.holdMs === undefined ? { until } : { delayMs: c.holdMs }) })
  try {
    const r = await interruptTwice({
      name: c.name,
      args: c.args,
      env: c.env,
      held: () => (c.emu.faultsFired()[c.action] ?? 0) >= 1,
      cleaning: c.cleaning ?? ((out) => out.includes('Cancelling build after receiving interrupt...')),
    })
    c.afterExit?.()
    expect(r.sent, r.out).toBe(2)
    expect(r.code, r.out).toBe(130)
    // It exited on the second SIGINT, not because the held create answered and cleanup finished.
    if (c.holdMs === undefined)
      expect(
        c.answers.answered.filter((a) => a.action === c.action),
        'the held create had not answered when the process exited',
      ).toEqual([])
    expect(r.after, r.out).toContain('Interrupted again: exiting now. These temporary resources are being left:')
    for (const what of c.left) expect(r.after, r.out).toContain(`==> ${c.build}: ${what}`)
    expect(r.after).toContain("Run 'tsimg cleanup' to delete them.")
    expect(await journalFiles(c.stateDir)).toHaveLength(1)
  } finally {
    release()
  }

  // The held create acts once released (or at the end of its hold); then cleanup finds and deletes it with the rest.
  await c.answers.acted(c.action)
  expect((await c.alive()).length, 'what the build left before tsimg cleanup').toBeGreaterThan(0)
  const cleanup = await runTsimg(['cleanup'], c.env)
  expect(cleanup.code, cleanup.out).toBe(0)
  expect(await c.alive()).toEqual([])
  expect(await journalFiles(c.stateDir)).toEqual([])
}
