// The child-process helpers `tsimg cleanup` relies on after a kill -9: a gated command never
// runs unless released, and a recorded process is waited for until it really ended.
import { spawn, type ExecFileException } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { GATE_CLOSED_EXIT } from '../dist/util/process.js'
import { gatedExecFile, isRunning, processRef, waitForExit } from '@tsimg/core/plugin'

function gated(script: string) {
  let done!: (r: { err: ExecFileException | null; stdout: string }) => void
  const result = new Promise<{ err: ExecFileException | null; stdout: string }>((r) => (done = r))
  const g = gatedExecFile('/bin/sh', ['-c', script], { encoding: 'utf8' }, (err, stdout) => done({ err, stdout }))
  return { ...g, result }
}

describe.skipIf(process.platform === 'win32')('gatedExecFile', () => {
  it('runs the command only once released, as the same pid', async () => {
    const g = gated('echo ran as $$')
    const pid = g.child.pid
    g.release()
    const r = await g.result
    expect(r.err).toBeNull()
    expect(r.stdout).toBe(`ran as ${pid}\n`)
  })

  it('never runs the command when its parent goes away first (stdin closed, not released)', async () => {
    const g = gated('echo should-not-run')
    g.child.stdin!.end()
    const r = await g.result
    expect(r.stdout).toBe('')
    expect(r.err?.code).toBe(GATE_CLOSED_EXIT)
  })
})

describe.skipIf(process.platform !== 'linux')('isRunning / waitForExit', () => {
  it('sees a process run, then end; a recorded start time tells a reused pid apart', async () => {
    const child = spawn('sleep', ['3600'])
    const ref = await processRef(child.pid!)
    expect(ref.startTicks).toEqual(expect.any(Number))
    expect(await isRunning(ref)).toBe(true)
    expect(await isRunning({ pid: ref.pid, startTicks: ref.startTicks! + 1 })).toBe(false)
    const exited = new Promise((r) => child.once('exit', r))
    child.kill('SIGKILL')
    await exited
    expect(await waitForExit(ref, { timeoutMs: 3_600_000 })).toBe(true)
  })

  it('counts a zombie (ended, not yet reaped) as ended', async () => {
    // The shell stops reaping: its child ends and stays a zombie while the shell sleeps on.
    const parent = spawn('/bin/sh', ['-c', 'sleep 0 & echo $!; exec sleep 3600'], { stdio: ['ignore', 'pipe', 'ignore'] })
    const pid = Number(await new Promise<string>((r) => parent.stdout!.once('data', (d: Buffer) => r(d.toString().trim()))))
    try {
      expect(await waitForExit({ pid }, { timeoutMs: 3_600_000 })).toBe(true)
    } finally {
      parent.kill('SIGKILL')
    }
  })

  it('gives up at its time limit on a process that keeps running', async () => {
    const child = spawn('sleep', ['3600'])
    try {
      expect(await waitForExit(await processRef(child.pid!), { timeoutMs: 300, pollMs: 50 })).toBe(false)
    } finally {
      child.kill('SIGKILL')
    }
  })
})
