// How a suite runs, through this host's sh: goss validate's --retry-timeout (whole passes
// repeated until they pass), a cancel, and at most maxConcurrent probes on the machine at once.
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CancelledError } from '@tsimg/core/plugin'
import { loadGossfile, runGossSuite, type GossExec } from '@tsimg/verify-goss'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsimg-goss-run-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const sh: GossExec = (command, options = {}) =>
  new Promise((resolve, reject) => {
    execFile('/bin/sh', ['-c', command], { signal: options.signal }, (err, stdout, stderr) => {
      if (err && typeof (err as { code?: unknown }).code !== 'number') return reject(err)
      resolve({ stdout, stderr, exitCode: err ? (err as { code: number }).code : 0 })
    })
  })

async function suite(name: string, yaml: string) {
  const f = join(dir, name)
  await writeFile(f, yaml)
  return loadGossfile(f)
}

describe('runGossSuite', () => {
  it('with retryTimeoutMs, repeats failed passes until all pass, telling onRetry each time', async () => {
    const counter = join(dir, 'passes')
    await writeFile(counter, '')
    const s = await suite('retry.yaml', `command:\n  third time:\n    exec: echo x >> ${counter}; [ $(wc -l < ${counter}) -ge 3 ]\n    exit-status: 0\n`)
    const retries: number[] = []
    const results = await runGossSuite(s, sh, { retryTimeoutMs: 120_000, sleepMs: 10, onRetry: (i) => retries.push(i.attempt) })
    expect(results.map((r) => r.outcome)).toEqual(['pass'])
    expect(retries).toEqual([1, 2])
    expect((await readFile(counter, 'utf8')).trim().split('\n')).toHaveLength(3)
  })

  it('without retryTimeoutMs a failing pass is returned at once', async () => {
    const s = await suite('noretry.yaml', 'command:\n  never:\n    exec: "false"\n    exit-status: 0\n')
    let retried = false
    const results = await runGossSuite(s, sh, { onRetry: () => (retried = true) })
    expect(results.map((r) => r.outcome)).toEqual(['fail'])
    expect(retried).toBe(false)
  })

  it('an aborted signal rejects with CancelledError and runs nothing', async () => {
    const marker = join(dir, 'ran')
    const s = await suite('cancel.yaml', `command:\n  touch:\n    exec: touch ${marker}\n    exit-status: 0\n`)
    const ac = new AbortController()
    ac.abort()
    await expect(runGossSuite(s, sh, { signal: ac.signal })).rejects.toBeInstanceOf(CancelledError)
    const { existsSync } = await import('node:fs')
    expect(existsSync(marker)).toBe(false)
  })

  it('a probe whose connection fails rejects the run and starts no further probes', async () => {
    const checks = Array.from({ length: 6 }, (_, i) => `  c${i}:\n    exec: echo ${i}\n    exit-status: 0\n`).join('')
    const s = await suite('lost.yaml', `command:\n${checks}`)
    const started: string[] = []
    let release!: () => void
    const held = new Promise<void>((r) => (release = r))
    const dropping: GossExec = async (cmd, o) => {
      if (cmd.includes('command -v')) return sh(cmd, o) // the look at which tools exist
      started.push(cmd)
      if (cmd.includes('echo 0')) return held.then(() => ({ stdout: '0\n', stderr: '', exitCode: 0 })) // still running when the other probe fails
      if (cmd.includes('echo 1')) throw new Error('connection lost')
      return sh(cmd, o)
    }
    await expect(runGossSuite(s, dropping, { maxConcurrent: 2 })).rejects.toThrow('connection lost')
    // let the held probe finish: its worker must not pick up another check afterwards
    release()
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r))
    expect(started).toHaveLength(2)
  })

  it('keeps at most maxConcurrent probes running at once', async () => {
    const checks = Array.from({ length: 6 }, (_, i) => `  c${i}:\n    exec: echo ${i}\n    exit-status: 0\n`).join('')
    const s = await suite('many.yaml', `command:\n${checks}`)
    for (const limit of [1, 3]) {
      let running = 0
      let peak = 0
      const counting: GossExec = async (cmd, o) => {
        running++
        peak = Math.max(peak, running)
        try {
          return await sh(cmd, o)
        } finally {
          running--
        }
      }
      const results = await runGossSuite(s, counting, { maxConcurrent: limit })
      expect(results.every((r) => r.outcome === 'pass')).toBe(true)
      expect(peak).toBe(limit)
    }
  })
})
