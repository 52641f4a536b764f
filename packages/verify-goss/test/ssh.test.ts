// The same checks over core's SSH communicator (the cloud builders' connection), on the shared
// sshd of the test run (read-only): as root, as a sudo user with use_sudo, and a cancel that
// stops a running probe.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CancelledError, SshCommunicator, type SshTarget } from '@tsimg/core/plugin'
import { execOver, loadGossfile, runGossSuite, type GossExec } from '@tsimg/verify-goss'
import { sharedTarget, type SharedTarget } from '../../../test/support/shared-sshd.js'

let sshd: SharedTarget
let dir: string
const opened: SshCommunicator[] = []

async function connect(username: string): Promise<SshCommunicator> {
  const t: SshTarget = {
    host: sshd.host,
    port: sshd.port,
    username,
    privateKey: sshd.privateKey,
    timeoutMs: 30_000,
    handshakeAttempts: 3,
    keepAliveIntervalMs: 2_000,
    hostKeyPolicy: 'accept-any',
  }
  const c = await SshCommunicator.connect(t)
  opened.push(c)
  return c
}

beforeAll(async () => {
  sshd = await sharedTarget()
  dir = await mkdtemp(join(tmpdir(), 'tsimg-goss-ssh-'))
})
afterAll(async () => {
  for (const c of opened) await c.close().catch(() => undefined)
  await rm(dir, { recursive: true, force: true })
})

async function suite(yaml: string) {
  const f = join(dir, `s${Math.random().toString(36).slice(2, 8)}.yaml`)
  await writeFile(f, yaml)
  return loadGossfile(f)
}

describe('goss checks over SSH', () => {
  it('runs as root through the SSH communicator', async () => {
    const s = await suite(
      'user:\n  root:\n    exists: true\n    uid: 0\nport:\n  tcp:22:\n    listening: true\nprocess:\n  sshd:\n    running: true\ncommand:\n  whoami:\n    exit-status: 0\n    stdout: [root]\nfile:\n  /etc/passwd:\n    exists: true\n    contents: [/^root:/]\n',
    )
    const results = await runGossSuite(s, execOver(await connect('root')))
    expect(results.filter((r) => r.outcome !== 'pass').map((r) => r.summary)).toEqual([])
    expect(results).toHaveLength(8)
  })

  it('with use_sudo a non-root login reads what only root may read', async () => {
    const s = await suite('command:\n  id -u:\n    exit-status: 0\n    stdout: ["/^0$/"]\nfile:\n  /etc/shadow:\n    exists: true\n    contents: [/^root:/]\n')
    const deploy = execOver(await connect('deploy'))
    const plain = await runGossSuite(s, deploy)
    expect(plain.find((r) => r.property === 'stdout')!.outcome).toBe('fail')
    expect(plain.find((r) => r.property === 'contents')!.outcome).toBe('fail')
    const sudo = await runGossSuite(s, deploy, { useSudo: true })
    expect(sudo.filter((r) => r.outcome !== 'pass').map((r) => r.summary)).toEqual([])
  })

  it('a cancel while a probe runs rejects with CancelledError', async () => {
    const s = await suite('command:\n  slow:\n    exec: echo started; sleep 60\n    exit-status: 0\n    timeout: 120000\n')
    const ac = new AbortController()
    const comm = await connect('root')
    // abort on the event: the probe's command printed its first line on the machine
    const watched: GossExec = async (cmd, o = {}) => {
      const out: string[] = []
      const r = await comm.exec(cmd, {
        ...(o.signal ? { signal: o.signal } : {}),
        onStdout: (l) => {
          out.push(l)
          if (l === 'started') ac.abort()
        },
      })
      return { stdout: out.join('\n'), stderr: '', exitCode: r.exitCode }
    }
    await expect(runGossSuite(s, watched, { signal: ac.signal })).rejects.toBeInstanceOf(CancelledError)
  })
})
