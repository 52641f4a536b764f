import { access, mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { defineTemplate, variable } from '@tsimg/core'
import { TemplateError, build, type BuildEvent, type Prompter } from '@tsimg/core/node'
import { touch, type TouchOptions } from './fixtures/templates/lib/touch-source.ts'

let dir: string
let stateDir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsimg-build-'))
  stateDir = join(dir, 'state')
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

const src = (name: string, o: Partial<TouchOptions> = {}) => touch({ name, dir, ...o })
const tempFiles = async () => (await readdir(dir)).filter((f) => f.endsWith('.tmp'))
const journals = async () => readdir(join(stateDir, 'journal')).catch(() => [] as string[])
const logLines = async () => (await readFile(join(dir, 'log.txt'), 'utf8')).trim().split('\n')

describe('build()', () => {
  it('builds every source, returns typed artifacts, removes temporary files and the journal', async () => {
    const events: BuildEvent[] = []
    const res = await build({ template: { sources: [src('a', { files: 2 }), src('b')] }, stateDir, onEvent: (e) => events.push(e) })
    expect(res.builds.map((b) => [b.name, b.outcome])).toEqual([
      ['touch.a', 'success'],
      ['touch.b', 'success'],
    ])
    expect(res.builds[0]?.buildId).toMatch(/^tsimg-[0-9a-z]{10}$/)
    expect(res.builds[0]?.buildId).not.toBe(res.builds[1]?.buildId)
    expect(res.artifacts.map((a) => a.id)).toEqual([`file:${join(dir, 'a.artifact')}`, `file:${join(dir, 'b.artifact')}`])
    await access(join(dir, 'a.artifact'))
    expect(await tempFiles()).toEqual([])
    expect(await journals()).toEqual([])
    const types = events.filter((e) => e.build === 'touch.a').map((e) => e.type)
    expect(types[0]).toBe('build-start')
    expect(types.at(-1)).toBe('build-end')
    expect(types).toContain('artifact')
  })

  it('selects builds with only/except by full name, source name, type or glob', async () => {
    const sources = [src('web'), src('db'), src('cache')]
    const names = async (o: { only?: string[]; except?: string[] }) => (await build({ template: { sources }, stateDir, ...o })).builds.map((b) => b.name)
    expect(await names({ only: ['touch.web'] })).toEqual(['touch.web'])
    expect(await names({ only: ['db', 'cache'] })).toEqual(['touch.db', 'touch.cache'])
    expect(await names({ except: ['*.c*'] })).toEqual(['touch.web', 'touch.db'])
    expect(await names({ only: ['touch'], except: ['web'] })).toEqual(['touch.db', 'touch.cache'])
    const err = await build({ template: { sources }, stateDir, only: ['wbe'] }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(TemplateError)
    expect((err as Error).message).toContain('--only wbe: matches no build')
  })

  it('runs builds in parallel (they overlap), or one at a time with parallelBuilds: 1', async () => {
    const window = async (parallelBuilds: number) => {
      await rm(join(dir, 'log.txt'), { force: true })
      await build({ template: { sources: [src('a', { waitMs: 400 }), src('b', { waitMs: 400 })] }, stateDir, parallelBuilds })
      const lines = await logLines()
      const at = (prefix: string) =>
        Number(
          lines
            .find((l) => l.startsWith(prefix))
            ?.split(' ')
            .at(-1),
        )
      return { aStart: at('touch.a wait-start'), aEnd: at('touch.a wait-end'), bStart: at('touch.b wait-start'), bEnd: at('touch.b wait-end') }
    }
    const par = await window(0)
    expect(par.bStart).toBeLessThan(par.aEnd)
    expect(par.aStart).toBeLessThan(par.bEnd)
    const seq = await window(1)
    expect(seq.bStart).toBeGreaterThanOrEqual(seq.aEnd)
  })

  it('AbortSignal cancels with teardown: temporary files and the journal are gone', async () => {
    const ac = new AbortController()
    const events: BuildEvent[] = []
    const before: { files: number; journals: number }[] = []
    // Waits far past the test's time limit: only the cancel can end these builds in time.
    const res = await build({
      template: { sources: [src('a', { files: 2, waitMs: 3_600_000 }), src('b', { files: 1, waitMs: 3_600_000 })] },
      stateDir,
      signal: ac.signal,
      onEvent: (e) => {
        events.push(e)
        // Cancel once both builds have created their files and are waiting.
        if (e.type === 'step-start' && e.step === 'touch:wait' && events.filter((x) => x.type === 'step-start' && x.step === 'touch:wait').length === 2) {
          void (async () => {
            // The files and journal entries exist right now.
            before.push({ files: (await tempFiles()).length, journals: (await journals()).length })
            ac.abort()
          })()
        }
      },
    })
    expect(before).toEqual([{ files: 3, journals: 2 }])
    expect(res.builds.map((b) => b.outcome)).toEqual(['cancelled', 'cancelled'])
    expect(res.builds.every((b) => b.leftovers.length === 0)).toBe(true)
    expect(await tempFiles()).toEqual([])
    expect(await journals()).toEqual([])
    expect(await logLines()).toEqual(expect.arrayContaining(['touch.a cleanup create-1', 'touch.a cleanup create-0', 'touch.b cleanup create-0']))
  })

  it('a build queued behind parallelBuilds creates nothing once cancelled', async () => {
    const ac = new AbortController()
    const res = await build({
      template: { sources: [src('a', { waitMs: 30_000 }), src('b')] },
      stateDir,
      parallelBuilds: 1,
      signal: ac.signal,
      onEvent: (e) => {
        if (e.type === 'step-start' && e.step === 'touch:wait') ac.abort()
      },
    })
    expect(res.builds.map((b) => b.outcome)).toEqual(['cancelled', 'cancelled'])
    expect(await logLines()).not.toEqual(expect.arrayContaining([expect.stringMatching(/^touch\.b/)]))
    expect(await journals()).toEqual([])
  })

  it('a failing step fails only its build, and everything it created is removed', async () => {
    const res = await build({ template: { sources: [src('bad', { files: 3, failAt: 'create-1' }), src('good')] }, stateDir })
    const bad = res.builds[0]
    expect(bad?.outcome).toBe('failed')
    expect(bad?.error?.message).toBe('create-1 failed on purpose')
    expect(bad?.artifacts).toEqual([])
    expect(res.builds[1]?.outcome).toBe('success')
    expect(await tempFiles()).toEqual([])
    expect(await journals()).toEqual([])
  })

  it('--on-error=abort leaves the resources and lists them as leftovers in the kept journal', async () => {
    const res = await build({ template: { sources: [src('bad', { files: 2, waitMs: 0, failAt: 'wait' })] }, stateDir, onError: 'abort' })
    const b = res.builds[0]
    expect(b).toMatchObject({ outcome: 'failed', halted: true })
    expect(b?.leftovers.map((r) => r.data.path)).toEqual([join(dir, `${b?.buildId}-0.tmp`), join(dir, `${b?.buildId}-1.tmp`)])
    expect((await tempFiles()).length).toBe(2)
    expect(await journals()).toEqual([`${b?.buildId}.json`])
  })

  it('a failed cleanup is reported, the other cleanups still run, and the summary lists what is left', async () => {
    const events: BuildEvent[] = []
    const res = await build({ template: { sources: [src('a', { files: 3, cleanupFailsAt: 'create-1' })] }, stateDir, onEvent: (e) => events.push(e) })
    const b = res.builds[0]
    expect(b?.outcome).toBe('success')
    expect(b?.leftovers.map((r) => r.description)).toEqual([`file ${join(dir, `${b?.buildId}-1.tmp`)}`])
    expect(await tempFiles()).toEqual([`${b?.buildId}-1.tmp`])
    expect(await journals()).toEqual([`${b?.buildId}.json`])
    const errors = events.flatMap((e) => (e.type === 'ui' && e.level === 'error' ? [e.text] : []))
    expect(errors[0]).toContain('Error cleaning up (touch:create-1): cannot delete')
    expect(errors).toHaveLength(1)
  })

  it('redacts sensitive variables and plugin secrets from events and errors', async () => {
    const template = defineTemplate({
      variables: { token: variable.string({ sensitive: true }) },
      build: ({ vars }) => ({
        sources: [
          src('a', { failAt: 'create-0', failMessage: `login with ${vars.token} refused` }),
          src('b', { password: 'pw-plugin-secret', failAt: 'artifact', failMessage: 'bad password pw-plugin-secret' }),
        ],
      }),
    })
    const events: BuildEvent[] = []
    const res = await build({ template, vars: { token: 'tok-from-cli-42' }, stateDir, onEvent: (e) => events.push(e) })
    expect(res.builds[0]?.error?.message).toBe('login with <sensitive> refused')
    expect(res.builds[1]?.error?.message).toBe('bad password <sensitive>')
    const text = JSON.stringify(events) + JSON.stringify(res.builds.map((b) => [b.error?.message, b.error?.stack]))
    expect(text).toContain('<sensitive>')
    expect(text).not.toContain('tok-from-cli-42')
    expect(text).not.toContain('pw-plugin-secret')
  })

  it('--debug pauses after each step and before each cleanup, through the prompter', async () => {
    const asked: string[] = []
    const prompter: Prompter = { interactive: true, ask: async (q) => (asked.push(q), '') }
    const res = await build({ template: { sources: [src('a', { files: 1 })] }, stateDir, debug: true, prompter })
    expect(res.builds[0]?.outcome).toBe('success')
    expect(asked).toEqual([
      "==> Pausing after run of step 'touch:create-0'. Press enter to continue.",
      "==> Pausing after run of step 'touch:artifact'. Press enter to continue.",
      "==> Pausing before cleanup of step 'touch:create-0'. Press enter to continue.",
    ])
  })

  it('--on-error=ask can retry the failed step, and the build then succeeds', async () => {
    const asked: string[] = []
    const prompter: Prompter = { interactive: true, ask: async (q) => (asked.push(q), 'r') }
    const res = await build({ template: { sources: [src('a', { files: 2, failAt: 'create-1', failOnce: true })] }, stateDir, onError: 'ask', prompter })
    expect(asked).toHaveLength(1)
    expect(res.builds[0]?.outcome).toBe('success')
    expect(await tempFiles()).toEqual([])
    expect(await journals()).toEqual([])
  })
})
