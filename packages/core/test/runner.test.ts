import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { withDebugPauses, withOnError } from '../dist/runner/wrappers.js'
import {
  BuildUi,
  CancelledError,
  FileJournal,
  Redactor,
  nonInteractive,
  runSteps,
  type BuildEvent,
  type BuildInfo,
  type Prompter,
  type Step,
} from '@tsimg/core/plugin'

const build: BuildInfo = { id: 'b-1', name: 'test.unit', sourceType: 'test', sourceName: 'unit', force: false, templateDir: '.' }

let dir: string
let journal: FileJournal
let events: BuildEvent[]
let ui: BuildUi
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsimg-runner-'))
  journal = await FileJournal.create('b-1', 'test.unit', dir)
  events = []
  ui = new BuildUi('test.unit', (e) => events.push(e), nonInteractive, new Redactor())
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

function recorder() {
  const log: string[] = []
  const step = (
    name: string,
    opts: { fail?: boolean; cleanupFails?: boolean; noCleanup?: boolean; run?: (signal: AbortSignal) => Promise<void> } = {},
  ): Step<object> => ({
    name,
    async run(ctx) {
      log.push(`run:${name}`)
      if (opts.run) await opts.run(ctx.signal)
      if (opts.fail) throw new Error(`${name} broke`)
    },
    ...(opts.noCleanup
      ? {}
      : {
          async cleanup(ctx) {
            log.push(`cleanup:${name}:${ctx.outcome}:${ctx.signal.aborted ? 'aborted' : 'live'}`)
            if (opts.cleanupFails) throw new Error(`${name} cleanup broke`)
          },
        }),
  })
  return { log, step }
}

const opts = (signal = new AbortController().signal) => ({ state: {}, signal, ui, journal, build })

describe('runSteps', () => {
  it('runs in order and cleans up in reverse on success', async () => {
    const { log, step } = recorder()
    const res = await runSteps([step('a'), step('b')], opts())
    expect(res.outcome).toBe('success')
    expect(log).toEqual(['run:a', 'run:b', 'cleanup:b:success:live', 'cleanup:a:success:live'])
  })

  it('skips falsy entries', async () => {
    const { log, step } = recorder()
    await runSteps([step('a'), false, null, undefined, step('b')], opts())
    expect(log.filter((l) => l.startsWith('run'))).toEqual(['run:a', 'run:b'])
  })

  it("stops at a failing step and still runs that step's own cleanup, then earlier ones", async () => {
    const { log, step } = recorder()
    const res = await runSteps([step('a'), step('b', { fail: true }), step('c')], opts())
    expect(res.outcome).toBe('failed')
    expect((res.error as Error).message).toBe('b broke')
    expect(log).toEqual(['run:a', 'run:b', 'cleanup:b:failed:live', 'cleanup:a:failed:live'])
    expect(res.entered).toEqual(['a', 'b'])
  })

  it('reports a cleanup failure and runs the other cleanups', async () => {
    const { log, step } = recorder()
    const res = await runSteps([step('a'), step('b', { cleanupFails: true }), step('c')], opts())
    expect(res.outcome).toBe('success')
    expect(log).toEqual(['run:a', 'run:b', 'run:c', 'cleanup:c:success:live', 'cleanup:b:success:live', 'cleanup:a:success:live'])
    expect(res.cleanupFailures.map((f) => f.step)).toEqual(['b'])
    const errors = events.filter((e) => e.type === 'ui' && e.level === 'error').map((e) => (e as { text: string }).text)
    expect(errors.join('\n')).toContain('b cleanup broke')
  })

  it('cancel during a step: the step sees the signal, cleanups run with a live signal of their own', async () => {
    const { log, step } = recorder()
    const ac = new AbortController()
    const slow = step('b', {
      run: (signal) =>
        new Promise((_, reject) => {
          signal.addEventListener('abort', () => reject(new CancelledError()), { once: true })
          setTimeout(() => ac.abort(), 20)
        }),
    })
    const res = await runSteps([step('a'), slow, step('c')], opts(ac.signal))
    expect(res.outcome).toBe('cancelled')
    expect(res.error).toBeInstanceOf(CancelledError)
    expect(log).toEqual(['run:a', 'run:b', 'cleanup:b:cancelled:live', 'cleanup:a:cancelled:live'])
  })

  it('moves on to cleanup when a cancelled step ignores the signal', async () => {
    const { log, step } = recorder()
    const ac = new AbortController()
    const stuck = step('b', { run: () => new Promise(() => setTimeout(() => ac.abort(), 10)) })
    const res = await runSteps([step('a'), stuck], { ...opts(ac.signal), cancelGraceMs: 50 })
    expect(res.outcome).toBe('cancelled')
    expect(log).toEqual(['run:a', 'run:b', 'cleanup:b:cancelled:live', 'cleanup:a:cancelled:live'])
  })

  it('bounds each cleanup by its own time limit: a hanging one is cut off and the ones before it still run, with a live signal', async () => {
    const log: string[] = []
    const hang: Step<object> = { name: 'hang', run: async () => {}, cleanup: () => new Promise(() => log.push('hang-cleanup')) }
    const a: Step<object> = {
      name: 'a',
      run: async () => {},
      cleanup: async ({ signal }) => void log.push(`a-cleanup:${signal.aborted ? 'aborted' : 'live'}`),
    }
    const res = await runSteps([a, hang], { ...opts(), cleanupTimeoutMs: 200 })
    // With one budget shared by all cleanups, `a` would be skipped once `hang` used it up.
    expect(log).toEqual(['hang-cleanup', 'a-cleanup:live'])
    expect(res.cleanupFailures.map((f) => f.step)).toEqual(['hang'])
    const errors = events.filter((e) => e.type === 'ui' && e.level === 'error').map((e) => (e as { text: string }).text)
    expect(errors.join('\n')).toMatch(/Error cleaning up \(hang\): cleanup interrupted: cleanup time limit reached/)
  })

  it('does not start later steps once the signal has fired', async () => {
    const { log, step } = recorder()
    const ac = new AbortController()
    const res = await runSteps([step('a', { run: async () => ac.abort() }), step('b')], opts(ac.signal))
    expect(res.outcome).toBe('cancelled')
    expect(log).toEqual(['run:a', 'cleanup:a:cancelled:live'])
  })

  it('a cancel during the last step that the step rode out (its last call answered) still cancels the build: cleanups see cancelled, as in Packer', async () => {
    const { log, step } = recorder()
    const ac = new AbortController()
    // The step's last call is in flight when the cancel comes; it answers, and the step returns normally.
    const last = step('b', {
      run: async () => {
        ac.abort()
        await new Promise((r) => setTimeout(r, 10))
      },
    })
    const res = await runSteps([step('a'), last], opts(ac.signal))
    expect(res.outcome).toBe('cancelled')
    expect(res.error).toBeInstanceOf(CancelledError)
    expect(log).toEqual(['run:a', 'run:b', 'cleanup:b:cancelled:live', 'cleanup:a:cancelled:live'])
  })

  it('a cancel after the last step ended does not change the outcome its cleanups see', async () => {
    const { log, step } = recorder()
    const ac = new AbortController()
    const res = await runSteps(
      [
        step('a'),
        {
          ...step('b'),
          cleanup: async () => {
            ac.abort()
            log.push('cleanup:b')
          },
        },
      ],
      opts(ac.signal),
    )
    expect(res.outcome).toBe('success')
    expect(log).toEqual(['run:a', 'run:b', 'cleanup:b', 'cleanup:a:success:live'])
  })
})

describe('withOnError', () => {
  it('abort: halts without running cleanups', async () => {
    const { log, step } = recorder()
    const res = await runSteps(withOnError([step('a'), step('b', { fail: true })], 'abort', nonInteractive), opts())
    expect(res.halted).toBe(true)
    expect(res.outcome).toBe('failed')
    expect(log).toEqual(['run:a', 'run:b'])
  })

  it('run-cleanup-provisioner: runs only onHalt hooks', async () => {
    const log: string[] = []
    const prov: Step<object> = {
      name: 'provision',
      run: async () => {
        throw new Error('x')
      },
      cleanup: async () => void log.push('cleanup'),
      onHalt: async () => void log.push('error-cleanup-provisioner'),
    }
    const res = await runSteps(withOnError([prov], 'run-cleanup-provisioner', nonInteractive), opts())
    expect(res.halted).toBe(true)
    expect(log).toEqual(['error-cleanup-provisioner'])
  })

  it('ask: retry runs the step again, then the build goes on', async () => {
    let tries = 0
    const flaky: Step<object> = {
      name: 'flaky',
      run: async () => {
        if (++tries < 2) throw new Error('first try fails')
      },
    }
    const prompter: Prompter = { interactive: true, ask: async () => 'r' }
    const res = await runSteps(withOnError([flaky], 'ask', prompter), opts())
    expect(res.outcome).toBe('success')
    expect(tries).toBe(2)
  })

  it('ask without a terminal cleans up', async () => {
    const { log, step } = recorder()
    const res = await runSteps(withOnError([step('a'), step('b', { fail: true })], 'ask', nonInteractive), opts())
    expect(res.halted).toBe(false)
    expect(log).toEqual(['run:a', 'run:b', 'cleanup:b:failed:live', 'cleanup:a:failed:live'])
  })
})

describe('withDebugPauses', () => {
  it('pauses after each run and before each cleanup', async () => {
    const { log, step } = recorder()
    const asked: string[] = []
    const prompter: Prompter = {
      interactive: true,
      ask: async (q) => {
        asked.push(q)
        log.push('pause')
        return ''
      },
    }
    await runSteps(withDebugPauses([step('a'), step('b')], prompter), opts())
    expect(log).toEqual(['run:a', 'pause', 'run:b', 'pause', 'pause', 'cleanup:b:success:live', 'pause', 'cleanup:a:success:live'])
    expect(asked[0]).toContain("after run of step 'a'")
    expect(asked[2]).toContain("before cleanup of step 'b'")
  })
})
