/**
 * The one harness every cloud's failure, cancel, lost-response, slow-answer and throttling
 * matrices use (amazon-ebs, alicloud-ecs, huaweicloud-ecs, and the clouds that come next).
 *
 * A cloud describes itself once (`MatrixCloud`: how to start its emulator, the builder source
 * pointing at it, the provisioner a container row runs); a matrix file then gets one emulator
 * and one state directory (`useCloudMatrix`), runs each row's build (`m.run(row)`, which also
 * checks that the row's machines ran where it said) and checks that nothing is left
 * (`m.expectNothingLeft(r)`: no cleanup failed, the emulator's ledger is empty of what the build
 * made (at once, or once settled on a cloud whose ledger lags), the summary names no leftover,
 * no journal is left, and the secret key is in no event, printed line, journal or log).
 *
 * Every row says where its machine runs:
 * - `machine: 'paper'` for rows whose subject is the API and the teardown: the emulator keeps
 *   every record and state change and answers SSH key checks, but starts no container
 *   (packages/cloud-emulator/src/backend/paper.ts). Such a row runs no provisioner.
 * - `machine: 'container'` for rows whose subject is SSH, provisioning, kill -9 or the image's
 *   content: a real container per machine, and the cloud's provisioner unless the row gives its own.
 *
 * Rows that wait out long delays and share nothing run side by side, each on an emulator of
 * its own (`isolated`), under `describe.concurrent`.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { CallRecord, Emulator, MachineMode } from '@tsimg/cloud-emulator'
import type { BuildEvent, ProvisionerPlugin, SourcePlugin } from '@tsimg/core/plugin'
import type { VerifySpec } from '@tsimg/core'
import { afterAll, afterEach, beforeAll, beforeEach, expect, onTestFailed } from 'vitest'
import { cleanupErrors, journalFiles, runSourceBuild, stateText, type SourceRunResult } from './cloud-build.js'

export { cleanupErrors, failedStep, journalFiles } from './cloud-build.js'
export type { SourceRunResult } from './cloud-build.js'

export interface MatrixCloud<E extends Emulator, I> {
  /** For temp directory names. */
  readonly name: string
  /** Starts one emulator with fast state changes (`extra`: a file's own options, e.g. a seed). */
  start(extra?: Record<string, unknown>): Promise<E>
  /** The delays restored after each row (a row may change them). */
  readonly delays: Record<string, number>
  /** The builder source for a build against the emulator, with the row's options over the defaults. */
  source(emu: E, over?: Partial<I>): SourcePlugin<any, any>
  /** What a container row provisions unless it says otherwise. */
  provisioners(): ProvisionerPlugin<any>[]
  /** Bound on each step's cleanup (default: cloud-build's). */
  readonly cleanupTimeoutMs?: number
  /**
   * The cloud's deletes answer before the emulator's background work is done (Alibaba's
   * DeleteInstance before the container is gone), so the ledger may lag a moment: the
   * nothing-left check waits for it to settle. Without it the ledger must be empty at once.
   */
  readonly ledgerLags?: boolean
}

interface Row<I> {
  /** Where the row's machine runs: see the header. */
  readonly machine: MachineMode
  readonly over?: Partial<I>
  /** A container row's provisioners (default: the cloud's); a paper row may only give none. */
  readonly provisioners?: ProvisionerPlugin<any>[]
  readonly signal?: AbortSignal
  readonly onEvent?: (e: BuildEvent) => void
  readonly onLine?: (line: string) => void
  /** The template's verify phase: its machine runs where the row's machines run. */
  readonly verify?: VerifySpec
  /** Only check this existing image with `verify` (`tsimg verify --image`). */
  readonly verifyImage?: string
}

export interface Matrix<E extends Emulator, I> {
  readonly emu: E
  readonly stateDir: string
  /** Runs one row's build on this matrix's emulator, its machines where the row says. */
  run(row: Row<I>): Promise<SourceRunResult>
  /** What the client made and is alive now, minus `keep` (for a build that keeps its image). */
  alive(keep?: readonly string[]): ReturnType<E['ledger']>
  /** The same, for a build that must leave nothing (after the emulator's background deletes, on a cloud whose ledger lags). */
  leftovers(keep?: readonly string[]): Promise<ReturnType<E['ledger']>>
  /** Every check that the row's build left nothing behind (`keep`: ids of the test's own resources). */
  expectNothingLeft(r: SourceRunResult, keep?: readonly string[]): Promise<void>
  expectNoSecret(text: string): void
}

/** The build a row ran last, printed when the row fails. */
interface LastBuild {
  result?: SourceRunResult
}

/** What a failing row prints: the build's outcome, its error, the step that failed and the last lines it printed. */
function describeBuild(r: SourceRunResult, tail = 30): string {
  const err = r.summary.error
  const failed = r.events.flatMap((e) => (e.type === 'step-end' && e.error ? [`${e.step} (${e.error})`] : []))
  return [
    `build outcome: ${r.summary.outcome}`,
    `build error: ${err ? err.message : '(none)'}`,
    ...(failed.length ? [`failed steps: ${failed.join(', ')}`] : []),
    `last ${tail} lines of its output:`,
    ...r.lines.slice(-tail).map((l) => `  | ${l}`),
  ].join('\n')
}

/** Prints the row's last build (its error and last output lines) if the current test fails; call it synchronously in the test. */
function printBuildOnFailure(last: LastBuild, register: (fn: () => void) => void = onTestFailed, sayNone = true): void {
  register(() => {
    if (last.result) console.error(`--- the failed row's build ---\n${describeBuild(last.result)}`)
    else if (sayNone) console.error('--- the failed row ran no build to its end ---')
  })
}

function matrixOf<E extends Emulator, I>(cloud: MatrixCloud<E, I>, t: { emu: E; stateDir: string }, last: LastBuild): Matrix<E, I> {
  const live = (keep: readonly string[]) => t.emu.ledger().filter((e) => !e.seed && !keep.includes(e.id))
  const m: Matrix<E, I> = {
    get emu() {
      return t.emu
    },
    get stateDir() {
      return t.stateDir
    },
    async run(row) {
      if (row.machine === 'paper' && row.provisioners?.length) throw new Error('a paper row runs no provisioner: give it machine "container"')
      t.emu.setMachines(row.machine)
      const earlier = new Set(t.emu.backend.instances.keys())
      const provisioners = row.provisioners ?? (row.machine === 'paper' ? [] : cloud.provisioners())
      const r = await runSourceBuild(cloud.source(t.emu, row.over), {
        stateDir: t.stateDir,
        provisioners,
        ...(row.signal && { signal: row.signal }),
        ...(row.onEvent && { onEvent: row.onEvent }),
        ...(row.onLine && { onLine: row.onLine }),
        ...(row.verify && { verify: row.verify }),
        ...(row.verifyImage && { verifyImage: row.verifyImage }),
        ...(cloud.cleanupTimeoutMs && { cleanupTimeoutMs: cloud.cleanupTimeoutMs }),
      })
      last.result = r
      // The row's machines ran where it said: on paper, or each in a container of its own.
      const launched = [...t.emu.backend.instances.values()].filter((i) => !earlier.has(i.id))
      expect(
        launched.map((i) => (i.paper ? 'paper' : 'container')),
        'where the machines ran',
      ).toEqual(launched.map(() => row.machine))
      return r
    },
    alive(keep = []) {
      return live(keep) as ReturnType<E['ledger']>
    },
    async leftovers(keep = []) {
      return (await settledLeftovers(t.emu, keep, cloud.ledgerLags ?? false)) as ReturnType<E['ledger']>
    },
    expectNothingLeft: (r, keep = []) => expectNothingLeft(t.emu, t.stateDir, r, keep, { settle: cloud.ledgerLags ?? false }),
    expectNoSecret: (text) => expectNoSecret(t.emu, text),
  }
  return m
}

/** What the client made and is still alive, minus `keep`; with `settle`, once the emulator's background deletes have settled. */
export async function settledLeftovers(emu: Emulator, keep: readonly string[] = [], settle = true) {
  const live = () => emu.ledger().filter((e) => !e.seed && !keep.includes(e.id))
  // A delete answers before the emulator's background work (a container's removal) is done:
  // wait while that work runs or a state change is under way (an instance shutting down). What
  // is alive once nothing is changing stays (a kept image, what an interrupted build left).
  if (settle)
    for (let i = 0; i < 100 && live().length > 0; i++) {
      await emu.backend.settle()
      if (!changing(emu)) break
      await new Promise((r) => setTimeout(r, 200))
    }
  return live()
}

/** Whether a state change is under way in the emulator (an instance, image or snapshot in transition). */
function changing(emu: Emulator): boolean {
  const b = emu.backend
  return [...b.instances.values(), ...b.images.values(), ...b.snapshots.values()].some((x) => x.transition !== undefined)
}

/**
 * Every check that a build left nothing behind: no cleanup failed, nothing the build made is
 * alive in the emulator (`keep`: ids of the test's own resources), the summary names no
 * leftover, no journal is left, and the secret key is in no event, printed line, journal or log.
 */
export async function expectNothingLeft(
  emu: Emulator,
  stateDir: string,
  r: SourceRunResult,
  keep: readonly string[] = [],
  opts: { settle?: boolean } = {},
): Promise<void> {
  expect(cleanupErrors(r.events)).toEqual([])
  expect(await settledLeftovers(emu, keep, opts.settle ?? false)).toEqual([])
  expect(r.summary.leftovers).toEqual([])
  expect(await journalFiles(stateDir)).toEqual([])
  expectNoSecret(emu, r.text + (await stateText(stateDir)))
}

export function expectNoSecret(emu: Emulator, text: string): void {
  expect(text.includes(emu.credentials.secretAccessKey), 'the secret key was printed, logged or journaled').toBe(false)
}

async function open<E extends Emulator, I>(cloud: MatrixCloud<E, I>, extra: Record<string, unknown>): Promise<{ emu: E; stateDir: string }> {
  const emu = await cloud.start(extra)
  const stateDir = await mkdtemp(join(tmpdir(), `tsimg-${cloud.name}-matrix-`))
  return { emu, stateDir }
}

async function close(t: { emu?: Emulator; stateDir?: string }): Promise<void> {
  await t.emu?.stop()
  if (t.stateDir) await rm(t.stateDir, { recursive: true, force: true })
}

/**
 * One emulator and one state directory for a matrix file, both removed after it. After each
 * row: faults cleared, delays restored, machines back to containers.
 */
export function useCloudMatrix<E extends Emulator, I>(cloud: MatrixCloud<E, I>, extra: Record<string, unknown> = {}): Matrix<E, I> {
  const t = {} as { emu: E; stateDir: string }
  const last: LastBuild = {}
  beforeAll(async () => Object.assign(t, await open(cloud, extra)))
  beforeEach((ctx) => {
    last.result = undefined
    // A file's isolated rows print their own builds: this one says nothing when it ran none.
    printBuildOnFailure(last, (fn) => ctx.onTestFailed(fn), false)
  })
  afterEach(() => {
    t.emu?.clearFaults()
    t.emu?.setDelays(cloud.delays)
    t.emu?.setMachines('container')
  })
  afterAll(() => close(t))
  return matrixOf(cloud, t, last)
}

/**
 * A row on an emulator and state directory of its own, both removed after it: rows that
 * share nothing can then run side by side (`describe.concurrent`), each ledger its own.
 */
export async function isolated<E extends Emulator, I, T>(
  cloud: MatrixCloud<E, I>,
  fn: (m: Matrix<E, I>) => Promise<T>,
  extra: Record<string, unknown> = {},
): Promise<T> {
  // Registered before the first await: under describe.concurrent the current test is this one only until then.
  const last: LastBuild = {}
  printBuildOnFailure(last)
  const t = await open(cloud, extra)
  try {
    return await fn(matrixOf(cloud, t, last))
  } finally {
    await close(t)
  }
}

/**
 * Cancels (`ac.abort()`) once the emulator holds the `count`th slowed call of `action` since
 * `arm()` was called (a delay fault counts a call as it starts waiting): the cancel lands while
 * that request is in flight, however long the steps before it took. Returns `arm` and `disarm`.
 */
export function cancelWhenHeld(emu: Emulator, action: string, ac: AbortController, count = 1): { arm(): void; disarm(): void } {
  let poll: NodeJS.Timeout | undefined
  const disarm = (): void => clearInterval(poll)
  return {
    arm() {
      if (poll) return
      const before = emu.faultsFired()[action] ?? 0
      poll = setInterval(() => {
        if ((emu.faultsFired()[action] ?? 0) - before >= count) {
          disarm()
          ac.abort()
        }
      }, 20)
    },
    disarm,
  }
}

/** A create of the slow-create tests: the call the emulator slows, and the line the build says just before it sends it. */
interface SlowCreate {
  readonly action: string
  readonly before: string
}

export interface SlowCreateCancel<I> {
  readonly create: SlowCreate
  /** How long the emulator holds the call; a create acts at the end, after the cancel. */
  readonly holdMs: number
  /** Only the call through this front end (Fault.cloud). */
  readonly cloud?: string
  readonly over?: Partial<I>
  /** Slow only the call after the line, not an earlier one of the same action (ShowJob is polled for each job). */
  readonly slowAfterLine?: boolean
  /**
   * For a create held past the SDK's ordinary timeout: the emulator's answers (the isolated
   * emulator's `onCall`), and the status the held call is answered with (default: any 2xx).
   */
  readonly late?: { readonly answers: ReturnType<typeof callAnswers>; readonly status?: number }
}

/**
 * A build cancelled while the emulator holds a create: the cancel comes once the emulator holds
 * the call (not after a fixed time: on a busy machine the journal write before it may take
 * longer), the build is cancelled, the slow call really was made (the cancel landed while it was
 * in flight) and nothing is left. With `late`, also: the build did not end before the held call
 * acted (the emulator had answered it already), and once it has acted, still nothing is left.
 */
export async function expectSlowCreateCancelled<E extends Emulator, I>(m: Matrix<E, I>, o: SlowCreateCancel<I>): Promise<void> {
  const { action, before } = o.create
  const fault = { action, ...(o.cloud && { cloud: o.cloud }), delayMs: o.holdMs, times: 1 }
  if (!o.slowAfterLine) m.emu.injectFault(fault)
  const ac = new AbortController()
  const cancel = cancelWhenHeld(m.emu, action, ac)
  let armed = false
  const r = await m.run({
    machine: 'paper',
    ...(o.over && { over: o.over }),
    signal: ac.signal,
    onLine: (line) => {
      if (armed || !line.startsWith(before)) return
      armed = true
      if (o.slowAfterLine) m.emu.injectFault(fault)
      cancel.arm()
    },
  })
  cancel.disarm()
  expect(armed, `the build never said ${JSON.stringify(before)}`).toBe(true)
  expect(r.summary.outcome, r.summary.error?.message).toBe('cancelled')
  expect(m.emu.faultsFired()[action] ?? 0).toBe(1)
  if (!o.late) return m.expectNothingLeft(r)
  const statuses = o.late.answers.answered.filter((c) => c.action === action).map((c) => c.status)
  if (o.late.status === undefined) expect(statuses.map((s) => s < 300)).toEqual([true])
  else expect(statuses).toEqual([o.late.status])
  await m.expectNothingLeft(r)
  await o.late.answers.acted(action)
  expect(m.alive()).toEqual([])
}

/** Where a cancel row's cancel lands: inside `step`, and (with `hold`) while the emulator holds that call of the step. */
export interface CancelPoint {
  readonly step: string
  /**
   * A call the step sends, slowed by the emulator (a delay fault, injected as the step starts)
   * so that the cancel deterministically lands while it is in flight, however quick the step.
   * `request`: only a request matching this pattern (see Fault.request). Without `hold` the
   * cancel is issued in the step's start event (for steps that send no call: SSH, provisioning).
   */
  readonly hold?: { readonly action: string; readonly request?: string }
  /** Instead of the step's start: cancel at the first printed line of the step starting with this (with `hold`: the hold is injected there). */
  readonly atLine?: string
  /**
   * The held call cannot be aborted (Alibaba's SDK takes no abort signal): the step awaits its
   * answer and may then end, and the runner stops before the next step. Without it the step
   * itself must end with the cancel.
   */
  readonly awaitsHeldCall?: boolean
}

/** How long the emulator holds a cancel point's call: far longer than a cancel takes to land, so the cancel is inside it. */
const HOLD_MS = 3000

/**
 * Cancels the build inside a step: `onEvent` goes to the row's run. After the build,
 * `expectLanded(r)` checks that, when the cancel was issued, `step` was the last step started
 * (and the held call had been sent and was held by the emulator), and that no step started after it.
 */
export function cancelDuring(emu: Emulator, ac: AbortController, point: CancelPoint): { onEvent(e: BuildEvent): void; expectLanded(r: SourceRunResult): void } {
  const started: string[] = []
  const later: string[] = []
  let atCancel: { started: string[]; held: number } | undefined
  let armed = false
  let poll: NodeJS.Timeout | undefined
  const fired = () => (point.hold ? (emu.faultsFired()[point.hold.action] ?? 0) : 0)
  let before = 0
  const cancel = (held: number) => {
    atCancel = { started: [...started], held }
    ac.abort()
  }
  const arm = () => {
    armed = true
    if (!point.hold) return cancel(0)
    emu.injectFault({ action: point.hold.action, delayMs: HOLD_MS, times: 1, ...(point.hold.request !== undefined && { request: point.hold.request }) })
    before = fired()
    // The emulator counts a delayed call as it starts holding it: cancel then, not after a fixed time.
    poll = setInterval(() => {
      if (fired() - before < 1) return
      clearInterval(poll)
      cancel(fired() - before)
    }, 5)
  }
  return {
    onEvent(e) {
      if (e.type === 'step-start') {
        if (atCancel) later.push(e.step)
        else started.push(e.step)
      }
      if (armed || started.at(-1) !== point.step) return
      if (point.atLine === undefined ? e.type === 'step-start' && e.step === point.step : e.type === 'ui' && e.text.startsWith(point.atLine)) arm()
    },
    expectLanded(r) {
      clearInterval(poll)
      expect(started, `the build reached ${point.step}`).toContain(point.step)
      expect(atCancel, `the cancel was issued (${point.hold ? `${point.hold.action} was sent during ${point.step}` : `${point.step} started`})`).toBeDefined()
      expect(atCancel!.started.at(-1), 'the step running when the cancel was issued').toBe(point.step)
      if (point.hold) expect(atCancel!.held, `${point.hold.action} was held by the emulator when the cancel was issued`).toBe(1)
      expect(later, 'steps started after the cancel').toEqual([])
      if (!point.awaitsHeldCall)
        expect(
          r.events.some((e) => e.type === 'step-end' && e.step === point.step && !e.error),
          `${point.step} ended with the cancel, not as if none had come`,
        ).toBe(false)
    },
  }
}

/**
 * Records an emulator's answers (pass `onCall` to it); `acted(action, times)` resolves once it
 * has answered `action` successfully `times` times in all (a held call acted and replied), however late.
 */
export function callAnswers() {
  const answered: CallRecord[] = []
  const waiters: Array<() => void> = []
  return {
    answered,
    onCall: (c: CallRecord) => {
      answered.push(c)
      for (const w of waiters.splice(0)) w()
    },
    async acted(action: string, times = 1): Promise<void> {
      while (answered.filter((c) => c.action === action && c.status < 300).length < times) await new Promise<void>((r) => waiters.push(r))
    },
    /** How many times `action` was answered successfully so far. */
    succeeded: (action: string): number => answered.filter((c) => c.action === action && c.status < 300).length,
  }
}

/**
 * A cancel as the teardown starts, every step having ended: the image was finished, so it is
 * kept (with its snapshots) and listed as kept, never as a successful artifact; the build is
 * cancelled and nothing else is left. On an emulator of its own (the kept image stays in it).
 */
export function expectKeptAfterTeardownCancel<E extends Emulator, I>(cloud: MatrixCloud<E, I>, over?: Partial<I>): Promise<void> {
  return isolated(cloud, async (m) => {
    const ac = new AbortController()
    let at: string | undefined
    const r = await m.run({
      machine: 'paper',
      ...(over && { over }),
      signal: ac.signal,
      onEvent: (e) => {
        if (e.type !== 'cleanup-start' || at) return
        at = e.step
        ac.abort()
      },
    })
    expect(at, 'the cancel came as the first cleanup started').toBeDefined()
    expect(
      r.events.filter((e) => e.type === 'step-end' && e.error),
      'every step ended without error',
    ).toEqual([])
    expect(r.summary.outcome).toBe('cancelled')
    expect(r.summary.artifacts).toEqual([])
    expect(r.summary.kept?.length, 'the finished image is listed as kept').toBe(1)
    expect(r.lines.some((l) => l.startsWith('Cancelled after the image was finished: keeping '))).toBe(true)
    const kept = (await m.leftovers()).filter((e) => e.type === 'image' || e.type === 'snapshot')
    expect(kept.some((e) => e.type === 'image')).toBe(true)
    await m.expectNothingLeft(
      r,
      kept.map((e) => e.id),
    )
  })
}
