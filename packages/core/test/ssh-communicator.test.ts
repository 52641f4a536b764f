import { execFileSync } from 'node:child_process'
import { mkdtemp, mkdir, readFile, rm, writeFile, readdir, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { CancelledError, DisconnectedError, SshCommunicator, generateKeyPair, type SshTarget } from '@tsimg/core/plugin'
import { startSshd, type StartedSshd } from '../../../test/support/sshd.js'

const key = generateKeyPair('ed25519', undefined, 'tsimg-test')
let sshd: StartedSshd
let comm: SshCommunicator
let dir: string

function target(over: Partial<SshTarget> = {}): SshTarget {
  return {
    host: sshd.host,
    port: sshd.port,
    username: 'root',
    privateKey: key.privateKey,
    timeoutMs: 20_000,
    handshakeAttempts: 3,
    keepAliveIntervalMs: 2_000,
    hostKeyPolicy: 'accept-any',
    ...over,
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsimg-ssh-comm-'))
  sshd = await startSshd({ authorizedKeys: [key.publicKey], users: [{ name: 'bob', authorizedKeys: [key.publicKey] }] })
  comm = await SshCommunicator.connect(target())
})
afterAll(async () => {
  await comm?.close()
  await sshd?.stop()
  await rm(dir, { recursive: true, force: true })
})
// The disconnect tests drop `comm` on purpose: each test starts connected, whatever the last did.
beforeEach(async () => {
  if (!comm.connected) await comm.reconnect({ timeoutMs: 30_000 })
})

/** Runs a long command on c and resolves once it runs (it printed `started`), with its outcome. */
async function longRunning(c: SshCommunicator, seconds: number): Promise<{ outcome: Promise<unknown> }> {
  let started!: () => void
  const running = new Promise<void>((r) => (started = r))
  const outcome = c.exec(`echo started; sleep ${seconds}`, { onStdout: (l) => l === 'started' && started() }).then(
    () => undefined,
    (e: unknown) => e,
  )
  await Promise.race([running, outcome])
  return { outcome }
}

describe('sshReadWriteTimeout', () => {
  // Timeouts of several seconds: on a busy machine even opening an SFTP session takes over one.
  it('fails a command that stays silent longer than the timeout', async () => {
    const c = await SshCommunicator.connect(target({ readWriteTimeoutMs: 5_000 }))
    try {
      await expect(c.exec('sleep 120')).rejects.toThrow(/No data from .* for 5000 ms \(sshReadWriteTimeout\)/)
    } finally {
      await c.close()
    }
  })

  it('fails an SFTP transfer whose server stops answering, naming the transfer', async () => {
    const c = await SshCommunicator.connect(target({ readWriteTimeoutMs: 8_000 }))
    try {
      // Opens the SFTP session, then freezes its server process: requests go unanswered.
      expect(await c.isDir('/tmp')).toBe(true)
      // -x: by process name (with -f, pkill would also match, and stop, this very shell).
      const stopped = await sshd.exec('pkill -STOP -x sftp-server && echo stopped')
      expect(stopped.stdout).toContain('stopped')
      await expect(c.uploadContent('hello', '/tmp/rw-timeout.txt')).rejects.toThrow(
        /No data from .* for 8000 ms during upload to \/tmp\/rw-timeout\.txt \(sshReadWriteTimeout\)/,
      )
    } finally {
      await sshd.exec('pkill -CONT -x sftp-server; pkill -x sftp-server')
      await c.close()
    }
  })

  it('lets a long transfer run while data keeps flowing', async () => {
    const c = await SshCommunicator.connect(target({ readWriteTimeoutMs: 8_000 }))
    try {
      const big = join(dir, 'stream.bin')
      await writeFile(big, Buffer.alloc(64 * 1024 * 1024, 7))
      await c.uploadFile(big, '/tmp/stream.bin')
      const r = await sshd.exec('stat -c %s /tmp/stream.bin && rm /tmp/stream.bin')
      expect(r.stdout.trim()).toBe(String(64 * 1024 * 1024))
    } finally {
      await c.close()
    }
  })
})

describe('exec', () => {
  it('streams stdout and stderr line by line and returns the exit code', async () => {
    const out: string[] = []
    const err: string[] = []
    const r = await comm.exec('printf "a\\nb\\r\\nc"; echo e1 >&2; echo e2 >&2; exit 3', {
      onStdout: (l) => out.push(l),
      onStderr: (l) => err.push(l),
    })
    expect(r.exitCode).toBe(3)
    expect(out).toEqual(['a', 'b', 'c'])
    expect(err).toEqual(['e1', 'e2'])
    expect((await comm.exec('true')).exitCode).toBe(0)
  })

  it('keeps multi-byte characters whole across chunk boundaries of long output', async () => {
    const out: string[] = []
    const r = await comm.exec('i=0; while [ $i -lt 20000 ]; do echo "zeile $i: héllo wörld ✓ 日本"; i=$((i+1)); done', { onStdout: (l) => out.push(l) })
    expect(r.exitCode).toBe(0)
    expect(out.length).toBe(20000)
    expect(out.every((l, i) => l === `zeile ${i}: héllo wörld ✓ 日本`)).toBe(true)
  })
})

describe('sftp', () => {
  it('uploads and downloads a file, content and a tree with the same bytes', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 17)
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff
    await writeFile(join(dir, 'big.bin'), big, { mode: 0o640 })
    await comm.uploadFile(join(dir, 'big.bin'), '/tmp/big.bin')
    const r = await sshd.exec('stat -c %a:%s /tmp/big.bin')
    expect(r.stdout.trim()).toBe(`640:${big.length}`)
    await comm.downloadFile('/tmp/big.bin', join(dir, 'back', 'big.bin'))
    expect((await readFile(join(dir, 'back', 'big.bin'))).equals(big)).toBe(true)

    await comm.uploadContent('hello\n', '/tmp/hello.txt', { mode: 0o600 })
    expect((await sshd.exec('stat -c %a /tmp/hello.txt; cat /tmp/hello.txt')).stdout).toBe('600\nhello\n')

    const tree = join(dir, 'tree')
    for (let d = 0; d < 5; d++) {
      await mkdir(join(tree, `d${d}`, 'sub'), { recursive: true })
      for (let f = 0; f < 20; f++) await writeFile(join(tree, `d${d}`, 'sub', `f${f}.txt`), `file ${d}/${f}\n`)
    }
    await writeFile(join(tree, 'run.sh'), '#!/bin/sh\necho ok\n', { mode: 0o755 })
    await comm.uploadDir(tree, '/opt/up/tree')
    expect((await sshd.exec('find /opt/up/tree -type f | wc -l')).stdout.trim()).toBe('101')
    expect((await sshd.exec('/opt/up/tree/run.sh')).stdout).toBe('ok\n')
    expect(await comm.isDir('/opt/up/tree/d3')).toBe(true)
    expect(await comm.isDir('/opt/up/nope')).toBe(false)

    await comm.downloadDir('/opt/up/tree', join(dir, 'down'))
    expect(await readFile(join(dir, 'down', 'd4', 'sub', 'f19.txt'), 'utf8')).toBe('file 4/19\n')
    expect((await readdir(join(dir, 'down', 'd2', 'sub'))).length).toBe(20)
    expect((await stat(join(dir, 'down', 'run.sh'))).mode & 0o777).toBe(0o755)
  })
})

describe('disconnects', () => {
  it('a dropped connection is a DisconnectedError, and reconnect() connects again', async () => {
    const running = await longRunning(comm, 30)
    await sshd.restartSshd()
    expect(await running.outcome).toBeInstanceOf(DisconnectedError)
    // Without reconnecting, commands fail at once with the same error (no hang).
    await expect(comm.exec('true')).rejects.toBeInstanceOf(DisconnectedError)
    await comm.reconnect({ timeoutMs: 20_000 })
    const out: string[] = []
    expect((await comm.exec('echo back', { onStdout: (l) => out.push(l) })).exitCode).toBe(0)
    expect(out).toEqual(['back'])
  })

  it('reconnect() waits for a machine that is down for a while and connects at its first attempt after it is back', async () => {
    const running = await longRunning(comm, 30)
    const held = await sshd.holdSshd()
    expect(await running.outcome).toBeInstanceOf(DisconnectedError)
    // sshd stays down until reconnect() has been refused three times, then comes back.
    const failed: string[] = []
    let refusedThrice!: () => void
    const third = new Promise<void>((r) => (refusedThrice = r))
    const reconnecting = comm.reconnect({ timeoutMs: 60_000, onRetry: (m) => (failed.push(m), failed.length === 3 && refusedThrice()) })
    await third
    await held.release()
    await sshd.waitReady()
    const failedWhenBack = failed.length
    await reconnecting
    // At most the attempt that was under way while sshd came back failed; the next connected.
    expect(failed.length - failedWhenBack).toBeLessThanOrEqual(1)
    expect((await comm.exec('true')).exitCode).toBe(0)
  })
})

describe('keep-alive', () => {
  it('notices a machine that stops answering (no FIN, no RST) and reports DisconnectedError', async () => {
    const quick = await SshCommunicator.connect(target({ keepAliveIntervalMs: 500 }))
    const running = await longRunning(quick, 60)
    // A frozen machine: the TCP connection stays open but nothing answers.
    execFileSync('docker', ['pause', sshd.container.getId()])
    try {
      const err = await running.outcome
      expect(err).toBeInstanceOf(DisconnectedError)
      // Without keep-alives the command would just end after its 60 s, with no error.
      expect((err as Error).message).toMatch(/Keepalive timeout/i)
    } finally {
      execFileSync('docker', ['unpause', sshd.container.getId()])
      await quick.close()
    }
  })
})

describe('exec edge cases', () => {
  it('aborting a command stops its whole process tree and closes its channel; the connection stays usable', async () => {
    // OpenSSH honours signal requests only in privilege-separated sessions, i.e. for non-root users.
    const asBob = await SshCommunicator.connect(target({ username: 'bob' }))
    try {
      const ac = new AbortController()
      const out: string[] = []
      // Aborted once the trap is set (it prints `started`), however slowly the machine gets there.
      const running = asBob.exec(
        "rm -f /tmp/term-marker; trap 'echo got-term > /tmp/term-marker; exit 1' TERM; echo started; sleep 77 & wait; echo should-not-print",
        {
          signal: ac.signal,
          onStdout: (l) => (out.push(l), l === 'started' && ac.abort()),
        },
      )
      await expect(running).rejects.toBeInstanceOf(CancelledError)
      // The remote shell writes its marker a moment after the channel closed.
      while ((await sshd.exec('cat /tmp/term-marker 2>/dev/null')).stdout === '') await new Promise((r) => setTimeout(r, 100))
      expect((await sshd.exec('cat /tmp/term-marker')).stdout).toBe('got-term\n')
      expect((await sshd.exec('pgrep -f "^sleep 77" || echo none')).stdout.trim()).toBe('none')
      expect(out).toEqual(['started'])
      expect((await asBob.exec('true')).exitCode).toBe(0)
    } finally {
      await asBob.close()
    }
  })

  it('reports a command killed by a signal with exitSignal and no exit code', async () => {
    const r = await comm.exec('kill -KILL $$')
    expect(r).toEqual({ exitCode: null, exitSignal: 'KILL' })
  })

  it('a failed transfer names the path', async () => {
    const err = await comm.uploadContent('x', '/no/such/dir/file.txt').then(
      () => undefined,
      (e: unknown) => e as Error,
    )
    expect(err?.message).toContain('/no/such/dir/file.txt')
    expect(err).not.toBeInstanceOf(DisconnectedError)
  })
})
