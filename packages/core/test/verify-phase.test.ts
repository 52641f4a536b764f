import { describe, expect, it } from 'vitest'
import {
  BuildUi,
  CancelledError,
  Redactor,
  nonInteractive,
  runSteps,
  type BaseState,
  type BuildInfo,
  type BuildJournal,
  type Communicator,
  type Step,
} from '@tsimg/core/plugin'
import type { BuildEvent } from '@tsimg/core/node'
import { commandCheck, type CheckResult, type VerifyPlugin } from '@tsimg/core'
import { VerifyFailedError, verifyStep } from '../dist/verify/step-verify.js'
import { resolveVerify } from '../dist/verify/resolve.js'
import { formatResultsTable, resultsToJUnit } from '../dist/verify/format.js'
import type { TemplateError } from '../dist/errors.js'

// The verify step on its own: a machine made of plain steps, a communicator that answers from a
// table of commands, and the runner. What it starts is torn down after the checks, on failure
// and on cancel; a failing check fails the step with every failing check named.

const build: BuildInfo = { id: 'tsimg-test', name: 'fake.verify', sourceType: 'fake', sourceName: 'verify', force: false, templateDir: '/tmp' }
const journal: BuildJournal = {
  add: async () => 'j',
  remove: async () => undefined,
  addScope: async () => undefined,
  list: () => [],
} as unknown as BuildJournal

/** Answers `exec` from a table: command -> [exit code, stdout]. */
function fakeCommunicator(answers: Record<string, [number, string]>): Communicator {
  const no = async () => {
    throw new Error('not used')
  }
  return {
    target: 'fake',
    async exec(command, o) {
      const [code, out] = answers[command] ?? [127, '']
      for (const l of out.split('\n').filter(Boolean)) o?.onStdout?.(l)
      return { exitCode: code }
    },
    uploadFile: no,
    uploadContent: no,
    uploadDir: no,
    downloadFile: no,
    downloadDir: no,
    isDir: no,
    reconnect: no,
    close: async () => undefined,
  }
}

/** A machine of two steps (start, connect) that log what they do; `hold` makes start wait for the signal. */
function machine(log: string[], comm: Communicator, hold = false) {
  const start: Step<BaseState> = {
    name: 'fake:start',
    async run({ signal }) {
      log.push('start')
      if (hold) await new Promise((_, reject) => signal.addEventListener('abort', () => reject(new CancelledError()), { once: true }))
    },
    async cleanup() {
      log.push('stop')
    },
  }
  const connect: Step<BaseState> = {
    name: 'fake:connect',
    async run({ state }) {
      state.communicator = comm
      log.push('connect')
    },
  }
  return () => ({ description: 'fake machine of image x', state: { generated: {} } as BaseState, steps: [start, connect] })
}

async function run(checks: VerifyPlugin[], log: string[], comm: Communicator, opts: { hold?: boolean; signal?: AbortSignal } = {}) {
  const events: BuildEvent[] = []
  let results: readonly CheckResult[] = []
  const step = verifyStep(machine(log, comm, opts.hold), {
    verify: { checks },
    templateDir: '/tmp',
    onError: 'cleanup',
    prompter: nonInteractive,
    onResults: (r) => (results = r),
  })
  const ui = new BuildUi(build.name, (e) => void events.push(e), nonInteractive, new Redactor())
  const r = await runSteps([step], { state: { generated: {} }, signal: opts.signal ?? new AbortController().signal, ui, journal, build, cancelGraceMs: 0 })
  return { r, events, results, lines: events.flatMap((e) => (e.type === 'ui' ? [e.text] : [])) }
}

describe('the verify step', () => {
  const ok = fakeCommunicator({ 'test -f /etc/app': [0, ''], 'cat /etc/app': [0, 'version=2\n'] })

  it('starts the machine, runs each check over its connection, tears it down after the checks, and passes', async () => {
    const log: string[] = []
    const { r, results, lines } = await run(
      [commandCheck({ command: 'test -f /etc/app' }), commandCheck({ name: 'version', command: 'cat /etc/app', stdout: ['version=2'] })],
      log,
      ok,
    )
    expect(r.outcome).toBe('success')
    expect(log).toEqual(['start', 'connect', 'stop'])
    expect(results.map((c) => `${c.outcome} ${c.name}`)).toEqual([
      'pass command: test -f /etc/app: exit-status',
      'pass command: version: exit-status',
      'pass command: version: stdout',
    ])
    expect(lines).toContain('Verify passed: 3 of 3 checks passed')
    expect(lines[0]).toBe('Verifying: starting a fake machine of image x...')
  })

  it('fails after tearing the machine down, naming each failing check with expected and found', async () => {
    const log: string[] = []
    const bad = fakeCommunicator({ 'test -f /etc/app': [1, ''], 'cat /etc/app': [0, 'version=1\n'] })
    const { r } = await run(
      [commandCheck({ command: 'test -f /etc/app' }), commandCheck({ name: 'version', command: 'cat /etc/app', stdout: ['version=2'] })],
      log,
      bad,
    )
    expect(r.outcome).toBe('failed')
    expect(r.error).toBeInstanceOf(VerifyFailedError)
    expect((r.error as Error).message).toBe(
      'Verify failed: 2 of 3 checks failed on a machine started from the image:\n' +
        '  - command: test -f /etc/app: exit-status: expected 0, found 1\n' +
        '  - command: version: stdout: expected to contain "version=2", found "version=1"',
    )
    expect(log).toEqual(['start', 'connect', 'stop'])
  })

  it('a cancel while the machine starts: the step ends cancelled, and its cleanup waits until the machine is gone', async () => {
    const log: string[] = []
    const ac = new AbortController()
    const running = run([commandCheck({ command: 'true' })], log, ok, { hold: true, signal: ac.signal })
    while (!log.includes('start')) await new Promise((r) => setImmediate(r))
    ac.abort()
    const { r, events } = await running
    expect(r.outcome).toBe('cancelled')
    expect(log).toEqual(['start', 'stop'])
    // The machine's own start and teardown report as verify:<step>.
    expect(events.filter((e) => e.type === 'cleanup-end').map((e) => (e as { step: string }).step)).toEqual(['verify:fake:start', 'verify'])
  })

  it('a builder whose image is missing says why it skips verify', async () => {
    const step = verifyStep(() => 'the build made no image', {
      verify: { checks: [commandCheck({ command: 'true' })] },
      templateDir: '/tmp',
      onError: 'cleanup',
      prompter: nonInteractive,
    })
    const lines: string[] = []
    const ui = new BuildUi(build.name, (e) => void (e.type === 'ui' && lines.push(e.text)), nonInteractive, new Redactor())
    const r = await runSteps([step], { state: { generated: {} }, signal: new AbortController().signal, ui, journal, build })
    expect(r.outcome).toBe('success')
    expect(lines).toEqual(['Skipping verify: the build made no image'])
  })
})

describe("a template's verify", () => {
  const fail = (spec: unknown) =>
    resolveVerify(spec, 'image.ts', '/tmp').then(
      () => undefined,
      (e: unknown) => e as TemplateError,
    )

  it('an unknown option, goss options without goss files, a non-check, or no checks: errors naming the field', async () => {
    expect((await fail({ gos: 'x.yaml' }))?.message).toBe('image.ts: verify.gos: unknown option')
    expect((await fail({ vars: { a: 1 } }))?.message).toBe('image.ts: verify.vars: applies to goss files, and verify has none')
    expect((await fail({ checks: [{ kind: 'provisioner', type: 'shell' }] }))?.message).toBe('image.ts: verify.checks[0]: is not a check')
    expect((await fail({ checks: [] }))?.message).toBe('image.ts: verify: declares no checks')
  })

  it('junit is resolved against the template directory', async () => {
    const r = await resolveVerify({ checks: [commandCheck({ command: 'true' })], junit: 'out/v.xml' }, 'image.ts', '/srv/t')
    expect(r?.junit).toBe('/srv/t/out/v.xml')
  })
})

describe('results as a table and JUnit XML', () => {
  const results: CheckResult[] = [
    { name: 'File: /etc/a: exists', outcome: 'pass', expected: 'true', actual: 'true', where: 'goss.yaml:3', suite: 'goss goss.yaml', durationMs: 12 },
    {
      name: 'Command: x <y>: stdout',
      outcome: 'fail',
      expected: '["a&b"]',
      actual: '"c"',
      message: 'Expected\n    "c"\nto contain "a&b"',
      where: 'goss.yaml:9',
      suite: 'goss goss.yaml',
      durationMs: 30,
    },
    { name: 'Service: k3s: running', outcome: 'skip', expected: 'true', suite: 'goss goss.yaml' },
  ]

  it('the table has one row per check, failing ones with expected and found, then the counts', () => {
    const lines = formatResultsTable(results).split('\n')
    expect(lines[0]).toMatch(/^RESULT +CHECK +EXPECTED +FOUND +WHERE$/)
    expect(lines[1]).toMatch(/^ok +File: \/etc\/a: exists +true +true +goss\.yaml:3$/)
    expect(lines[2]).toMatch(/^FAIL +Command: x <y>: stdout +\["a&b"\] +"c" +goss\.yaml:9$/)
    expect(lines[3]).toMatch(/^skip +Service: k3s: running +true$/)
    expect(lines[4]).toBe('3 checks: 1 passed, 1 failed, 1 skipped')
  })

  it('JUnit XML counts, escapes, and gives each failing check a failure with expected and found', () => {
    const xml = resultsToJUnit(results, { name: 'docker.web', timestamp: new Date('2026-01-01T00:00:00Z') })
    expect(xml).toContain('<testsuites name="docker.web" tests="3" failures="1" skipped="1" time="0.042">')
    expect(xml).toContain('<testsuite name="goss goss.yaml" tests="3" failures="1" errors="0" skipped="1" time="0.042" timestamp="2026-01-01T00:00:00.000Z">')
    expect(xml).toContain('<testcase name="Command: x &lt;y&gt;: stdout" classname="goss goss.yaml" time="0.030">')
    expect(xml).toContain(
      '<failure message="expected [&quot;a&amp;b&quot;], found &quot;c&quot;">Expected\n    &quot;c&quot;\nto contain &quot;a&amp;b&quot;\n(goss.yaml:9)</failure>',
    )
    expect(xml).toContain('<skipped/>')
  })
})
