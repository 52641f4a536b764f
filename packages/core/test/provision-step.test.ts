import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { withOnError } from '../dist/runner/wrappers.js'
import { breakpoint } from '@tsimg/core'
import {
  BuildUi,
  FileJournal,
  Redactor,
  nonInteractive,
  provisionStep,
  runSteps,
  type BaseState,
  type BuildEvent,
  type BuildInfo,
  type ProvisionContext,
  type ProvisionerPlugin,
  type Prompter,
  type Step,
} from '@tsimg/core/plugin'
import { unreachableCommunicator } from './fixtures/unreachable-communicator.ts'

const build: BuildInfo = { id: 'b-1', name: 'docker.web', sourceType: 'docker', sourceName: 'web', force: false, templateDir: '.' }

// The provisioners in this file never reach the machine; any use of this is a test bug.
const communicator = unreachableCommunicator()

let dir: string
let journal: FileJournal
let events: BuildEvent[]
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsimg-provision-'))
  journal = await FileJournal.create('b-1', 'docker.web', dir)
  events = []
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

const said = () => events.flatMap((e) => (e.type === 'ui' ? [`${e.level}: ${e.text}`] : []))
const uiWith = (prompter: Prompter = nonInteractive) => new BuildUi('docker.web', (e) => events.push(e), prompter, new Redactor())

/** A provisioner that records its runs and does what `body` says. */
function recording(
  name: string,
  log: string[],
  options: ProvisionerPlugin['options'] = {},
  body?: (ctx: ProvisionContext, attempt: number) => Promise<void>,
): ProvisionerPlugin {
  let attempt = 0
  return {
    kind: 'provisioner',
    type: 'test',
    options,
    describe: () => `test ${name}`,
    async provision(ctx) {
      attempt++
      log.push(name)
      await body?.(ctx, attempt)
    },
  }
}

const connect: Step<BaseState> = {
  name: 'test:connect',
  async run(ctx) {
    ctx.state.communicator = communicator
  },
}
const failing: Step<BaseState> = {
  name: 'test:fails-after-provisioning',
  async run() {
    throw new Error('later step broke')
  },
}

async function run(steps: Step<BaseState>[], opts: { signal?: AbortSignal; prompter?: Prompter } = {}) {
  const state: BaseState = { generated: {} }
  return runSteps(steps, { state, signal: opts.signal ?? new AbortController().signal, ui: uiWith(opts.prompter), journal, build })
}

describe('provision step', () => {
  it('runs provisioners in order, honouring only/except by source name or build name', async () => {
    const log: string[] = []
    const step = provisionStep<BaseState>({
      templateDir: dir,
      provisioners: [
        recording('a', log),
        recording('only-web', log, { only: ['web'] }),
        recording('only-docker.web', log, { only: ['docker.web'] }),
        recording('only-db', log, { only: ['db'] }),
        recording('except-web', log, { except: ['web'] }),
        recording('except-docker.web', log, { except: ['docker.web'] }),
        recording('except-db', log, { except: ['docker.db'] }),
      ],
    })
    const res = await run([connect, step])
    expect(res.outcome).toBe('success')
    expect(log).toEqual(['a', 'only-web', 'only-docker.web', 'except-db'])
  })

  it('fails clearly, naming the provisioner, when no step connected to the machine', async () => {
    const res = await run([provisionStep({ templateDir: dir, provisioners: [recording('a', [])] })])
    expect(res.outcome).toBe('failed')
    expect((res.error as Error).message).toBe('Cannot provision: test a needs a connection to the machine, and this build has none')
  })

  it('pauses before a provisioner and says so', async () => {
    const log: string[] = []
    const t0 = Date.now()
    await run([connect, provisionStep({ templateDir: dir, provisioners: [recording('a', log, { pauseBefore: '1s' })] })])
    // A lower bound only (a busy machine makes the pause longer, never shorter); timers may fire a few ms early.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950)
    expect(said()).toContain('say: Pausing 1s before the next provisioner...')
    expect(log).toEqual(['a'])
  })

  it('a cancel during the pause ends it at once, and the provisioner does not run', async () => {
    const log: string[] = []
    const ac = new AbortController()
    const step = provisionStep<BaseState>({ templateDir: dir, provisioners: [recording('a', log, { pauseBefore: '1h' })] })
    // Cancelled on the next turn after the pause began; only the cancel can end a 1h pause within the test's limit.
    const onSaid = (e: BuildEvent) => e.type === 'ui' && e.text.startsWith('Pausing 1h') && setImmediate(() => ac.abort())
    const state: BaseState = { generated: {} }
    const ui = new BuildUi('docker.web', (e) => (events.push(e), onSaid(e)), nonInteractive, new Redactor())
    const res = await runSteps([connect, step], { state, signal: ac.signal, ui, journal, build })
    expect(res.outcome).toBe('cancelled')
    expect(said()).toContain('say: Pausing 1h0m0s before the next provisioner...')
    expect(log).toEqual([])
  })

  it('retries a failing provisioner up to maxRetries and says it retries', async () => {
    const log: string[] = []
    const flaky = recording('flaky', log, { maxRetries: 2 }, async (_, attempt) => {
      if (attempt < 3) throw new Error(`flaky failure ${attempt}`)
    })
    const res = await run([connect, provisionStep({ templateDir: dir, provisioners: [flaky] })])
    expect(res.outcome).toBe('success')
    expect(log).toEqual(['flaky', 'flaky', 'flaky'])
    expect(said().filter((l) => l.includes('Retrying'))).toEqual([
      'error: Provisioner test flaky failed (attempt 1 of 3): flaky failure 1. Retrying (maxRetries: 2)...',
      'error: Provisioner test flaky failed (attempt 2 of 3): flaky failure 2. Retrying (maxRetries: 2)...',
    ])
  })

  it('gives up after maxRetries with the last error', async () => {
    const log: string[] = []
    const broken = recording('broken', log, { maxRetries: 1 }, async (_, attempt) => {
      throw new Error(`broken ${attempt}`)
    })
    const res = await run([connect, provisionStep({ templateDir: dir, provisioners: [broken, recording('after', log)] })])
    expect(res.outcome).toBe('failed')
    expect((res.error as Error).message).toBe('broken 2')
    expect(log).toEqual(['broken', 'broken'])
  })

  it('aborts a provisioner at its timeout with a message naming the timeout', async () => {
    let sawAbort = false
    const slow = recording('slow', [], { timeout: '300ms' }, async (ctx) => {
      await new Promise<void>((_, reject) =>
        ctx.signal.addEventListener('abort', () => {
          sawAbort = true
          reject(ctx.signal.reason)
        }),
      )
    })
    const res = await run([connect, provisionStep({ templateDir: dir, provisioners: [slow] })])
    expect(res.outcome).toBe('failed')
    expect(sawAbort).toBe(true)
    expect((res.error as Error).message).toBe('Provisioner test slow timed out after 300ms (timeout: 300ms)')
  })

  it('abandons a provisioner that ignores its timeout signal', async () => {
    // Never settles: only abandoning it lets the build end.
    const stuck = recording('stuck', [], { timeout: 200 }, () => new Promise<void>(() => {}))
    const res = await run([connect, provisionStep({ templateDir: dir, provisioners: [stuck] })])
    expect((res.error as Error).message).toMatch(/timed out after 200ms/)
  })

  it('does not retry when the build is cancelled', async () => {
    const log: string[] = []
    const ac = new AbortController()
    const p = recording('cancelled', log, { maxRetries: 5 }, async (ctx) => {
      const aborted = new Promise<void>((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)))
      ac.abort() // the build is cancelled while this provisioner runs
      await aborted
    })
    const res = await run([connect, provisionStep({ templateDir: dir, provisioners: [p] })], { signal: ac.signal })
    expect(res.outcome).toBe('cancelled')
    expect(log).toEqual(['cancelled'])
  })
})

describe('error-cleanup provisioner', () => {
  const setup = () => {
    const log: string[] = []
    const step = provisionStep<BaseState>({
      templateDir: dir,
      provisioners: [recording('main', log)],
      errorCleanupProvisioner: recording('error-cleanup', log, {}, async (ctx) => {
        // Cleanup runs with the cleanup signal, which is live even though the build failed.
        log.push(`signal:${ctx.signal.aborted ? 'aborted' : 'live'}`)
      }),
    })
    return { log, step }
  }

  it('runs when a later step fails, and says so', async () => {
    const { log, step } = setup()
    const res = await run([connect, step, failing])
    expect(res.outcome).toBe('failed')
    expect(log).toEqual(['main', 'error-cleanup', 'signal:live'])
    expect(said()).toContain('say: Provisioning step had errors: Running the cleanup provisioner, if present...')
  })

  it('runs when a provisioner fails', async () => {
    const log: string[] = []
    const step = provisionStep<BaseState>({
      templateDir: dir,
      provisioners: [recording('bad', log, {}, async () => Promise.reject(new Error('bad script')))],
      errorCleanupProvisioner: recording('error-cleanup', log),
    })
    await run([connect, step])
    expect(log).toEqual(['bad', 'error-cleanup'])
  })

  it('does not run on success', async () => {
    const { log, step } = setup()
    await run([connect, step])
    expect(log).toEqual(['main'])
    expect(said().join('\n')).not.toMatch(/cleanup provisioner/)
  })

  it('does not run without a communicator', async () => {
    const { log, step } = setup()
    await run([step])
    expect(log).toEqual([])
  })

  it('is skipped, saying why, once the builder marked the machine down (stopped or gone)', async () => {
    const { log, step } = setup()
    const stop: Step<BaseState> = { name: 'test:stop-machine', run: async ({ state }) => void (state.machineDown = true) }
    const res = await run([connect, step, stop, failing])
    expect(res.outcome).toBe('failed')
    expect(log).toEqual(['main'])
    expect(said()).toContain('say: Provisioning step had errors: Skipping the cleanup provisioner (test error-cleanup): the machine is already stopped or gone')
  })

  it('is skipped, saying why, when the connection is known to be lost', async () => {
    const { log, step } = setup()
    const lost: Step<BaseState> = { name: 'test:connect-lost', run: async ({ state }) => void (state.communicator = { ...communicator, connected: false }) }
    await run([lost, step, failing])
    expect(log).toEqual(['main'])
    expect(said()).toContain('say: Provisioning step had errors: Skipping the cleanup provisioner (test error-cleanup): the connection to the machine is lost')
  })

  it('runs on --on-error=run-cleanup-provisioner, which skips the other cleanups', async () => {
    const { log, step } = setup()
    const cleaned: string[] = []
    const connectWithCleanup: Step<BaseState> = { ...connect, cleanup: async () => void cleaned.push('connect') }
    const res = await run(withOnError([connectWithCleanup, step, failing], 'run-cleanup-provisioner', nonInteractive))
    expect(res.halted).toBe(true)
    expect(log).toEqual(['main', 'error-cleanup', 'signal:live'])
    expect(cleaned).toEqual([])
  })
})

describe('breakpoint', () => {
  it('says it skips when no terminal is attached', async () => {
    const res = await run([connect, provisionStep({ templateDir: dir, provisioners: [breakpoint({ note: 'check /etc' })] })])
    expect(res.outcome).toBe('success')
    expect(said()).toContain('say: Breakpoint provisioner: no terminal attached, skipping pause (note: "check /etc")')
  })

  it('says it is disabled', async () => {
    await run([connect, provisionStep({ templateDir: dir, provisioners: [breakpoint({ disable: true })] })])
    expect(said()).toContain('say: Breakpoint provisioner disabled: skipping')
  })

  it('waits for Enter on a terminal: the next provisioner runs only after the answer', async () => {
    let answer: ((text: string) => void) | undefined
    let asked!: () => void
    const wasAsked = new Promise<void>((r) => (asked = r))
    const prompter: Prompter = {
      interactive: true,
      ask: () => {
        asked()
        return new Promise((r) => (answer = r))
      },
    }
    const log: string[] = []
    let answered = false
    const after = recording('after', log, {}, async () => void log.push(`answered:${answered}`))
    const done = run([connect, provisionStep({ templateDir: dir, provisioners: [breakpoint({ note: 'look' }), after] })], { prompter })
    await wasAsked
    // Nothing ran while the question is open; `answered:true` below shows the next provisioner
    // started only after the answer (no timer needed to give a wrong order a chance to show).
    expect(log).toEqual([])
    answered = true
    answer!('')
    expect((await done).outcome).toBe('success')
    expect(said()).toContain('say: Pausing at breakpoint provisioner with note "look". Press enter to continue.')
    expect(log).toEqual(['after', 'answered:true'])
  })

  it('stops waiting when the build is cancelled', async () => {
    const ac = new AbortController()
    let asked = 0
    const prompter: Prompter = {
      interactive: true,
      ask: (_q, signal) =>
        new Promise((_, reject) => {
          asked++
          signal?.addEventListener('abort', () => reject(signal.reason))
          ac.abort()
        }),
    }
    const log: string[] = []
    const res = await run([connect, provisionStep({ templateDir: dir, provisioners: [breakpoint(), recording('after', log)] })], {
      prompter,
      signal: ac.signal,
    })
    expect(asked).toBe(1)
    expect(res.outcome).toBe('cancelled')
    expect(log).toEqual([])
  })
})

describe('common option validation', () => {
  const vctx = { templateDir: '.', templateFile: '/t/image.ts', path: 'provisioners[0]' }
  it('rejects only together with except, naming file and field', () => {
    expect(() => breakpoint({ only: ['web'], except: ['db'] }).validate!(vctx)).toThrow(
      '/t/image.ts: provisioners[0].only: only one of only or except may be set',
    )
  })
  it('rejects a bad duration, naming the field', () => {
    expect(() => breakpoint({ timeout: '5 minutes' }).validate!(vctx)).toThrow(/^\/t\/image\.ts: provisioners\[0\]\.timeout: expected a duration/)
  })
  it('rejects an unknown option', () => {
    expect(() => breakpoint({ nope: 1 } as never).validate!(vctx)).toThrow('/t/image.ts: provisioners[0].nope: unknown option')
  })
})
