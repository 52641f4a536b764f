import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CancelledError, SshCommunicator, TsimgError, generateKeyPair, type SshTarget } from '@tsimg/core'
import { freePort, startSshd, type StartedSshd } from '../../../test/support/sshd.js'

const key = generateKeyPair('ed25519', undefined, 'tsimg-test')
const otherKey = generateKeyPair('ed25519', undefined, 'not-authorized')
let sshd: StartedSshd
let dir: string
const opened: SshCommunicator[] = []

function target(over: Partial<SshTarget> = {}): SshTarget {
  return {
    host: sshd.host,
    port: sshd.port,
    username: 'root',
    privateKey: key.privateKey,
    timeoutMs: 15_000,
    handshakeAttempts: 2,
    keepAliveIntervalMs: 2_000,
    hostKeyPolicy: 'accept-any',
    ...over,
  }
}

async function connect(t: SshTarget): Promise<SshCommunicator> {
  const c = await SshCommunicator.connect(t)
  opened.push(c)
  return c
}

async function failure(p: Promise<unknown>): Promise<TsimgError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(TsimgError)
  return err as TsimgError
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsimg-ssh-connect-'))
  sshd = await startSshd({
    authorizedKeys: [key.publicKey],
    users: [{ name: 'alice', password: 'correct horse', sudo: true }],
  })
})
afterAll(async () => {
  await Promise.all(opened.map((c) => c.close()))
  await sshd?.stop()
  await rm(dir, { recursive: true, force: true })
})

describe('authentication', () => {
  it('logs in with a key and with a password', async () => {
    const root = await connect(target())
    const lines: string[] = []
    await root.exec('id -un', { onStdout: (l) => lines.push(l) })
    const alice = await connect(target({ username: 'alice', privateKey: undefined, password: 'correct horse' }))
    await alice.exec('id -un; sudo -n id -un', { onStdout: (l) => lines.push(l) })
    expect(lines).toEqual(['root', 'alice', 'root'])
    expect(alice.target).toBe(`alice@${sshd.host}:${sshd.port}`)
  })

  it('a wrong password names the user and the methods tried, never the password', async () => {
    const t0 = Date.now()
    const err = await failure(connect(target({ username: 'alice', privateKey: undefined, password: 'wrong-pass-xyz' })))
    expect(err.code).toBe('SSH_AUTH_FAILED')
    expect(err.message).toContain('user "alice"')
    // The server turns keyboard-interactive off, so only password is tried.
    expect(err.message).toContain('tried: password; the server accepts: publickey, password')
    expect(err.message).not.toContain('wrong-pass-xyz')
    // handshakeAttempts (2) bound it, not the 15 s timeout.
    expect(Date.now() - t0).toBeLessThan(12_000)
  })

  it('a key that is not authorized says publickey was tried', async () => {
    const err = await failure(connect(target({ privateKey: otherKey.privateKey, handshakeAttempts: 1 })))
    expect(err.code).toBe('SSH_AUTH_FAILED')
    expect(err.message).toContain('user "root"')
    expect(err.message).toContain('tried: publickey')
    expect(err.message).not.toContain('PRIVATE KEY')
  })
})

describe('ssh-agent', () => {
  let agent: ChildProcess | undefined
  afterAll(() => {
    agent?.kill()
  })

  it('logs in with a key held by ssh-agent', async () => {
    const sock = join(dir, 'agent.sock')
    agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' })
    const keyFile = join(dir, 'agent-key')
    await writeFile(keyFile, key.privateKey, { mode: 0o600 })
    for (let i = 0; i < 50; i++) {
      try {
        execFileSync('ssh-add', ['-q', keyFile], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' })
        break
      } catch {
        await new Promise((r) => setTimeout(r, 100))
      }
    }
    const c = await connect(target({ privateKey: undefined, agent: sock }))
    const lines: string[] = []
    await c.exec('echo via-agent', { onStdout: (l) => lines.push(l) })
    expect(lines).toEqual(['via-agent'])
    // A bad agent key set is reported as the agent method.
    const err = await failure(connect(target({ privateKey: undefined, agent: sock, username: 'alice', handshakeAttempts: 1 })))
    expect(err.message).toContain('tried: agent')
  })
})

describe('waiting for SSH', () => {
  it('fails at once on an empty host', async () => {
    const t0 = Date.now()
    const err = await failure(connect(target({ host: '' })))
    expect(err.code).toBe('SSH_NO_HOST')
    expect(err.message).toMatch(/no host address/)
    expect(Date.now() - t0).toBeLessThan(500)
  })

  it('fails at once on a host name that does not resolve', async () => {
    const t0 = Date.now()
    const err = await failure(connect(target({ host: 'no-such-host.invalid' })))
    expect(err.code).toBe('SSH_UNREACHABLE')
    expect(err.message).toContain('no-such-host.invalid')
    expect(Date.now() - t0).toBeLessThan(5_000)
  })

  it('keeps retrying a refused port until sshTimeout, then says the last error', async () => {
    const port = await freePort()
    const t0 = Date.now()
    const err = await failure(connect(target({ port, timeoutMs: 2_000 })))
    const took = Date.now() - t0
    expect(err.code).toBe('SSH_TIMEOUT')
    expect(err.message).toContain(`root@127.0.0.1:${port}`)
    expect(err.message).toMatch(/after 2s; last error: .*ECONNREFUSED/)
    expect(took).toBeGreaterThanOrEqual(1_500)
    expect(took).toBeLessThan(4_000)
  })

  it('stops waiting at once when the build is cancelled', async () => {
    const port = await freePort()
    const ac = new AbortController()
    setTimeout(() => ac.abort(), 300)
    const t0 = Date.now()
    const err = await SshCommunicator.connect(target({ port, timeoutMs: 60_000 }), { signal: ac.signal }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(CancelledError)
    expect(Date.now() - t0).toBeLessThan(1_500)
  })

  it('connects within about a second of sshd coming up on a machine that was not there yet', async () => {
    const port = await freePort()
    let connectedAt = 0
    const connecting = connect(target({ port, timeoutMs: 90_000 })).then((c) => {
      connectedAt = Date.now()
      return c
    })
    await new Promise((r) => setTimeout(r, 1_500))
    const late = await startSshd({ authorizedKeys: [key.publicKey], hostPort: port })
    const upAt = Date.now() // startSshd resolves once sshd's banner is seen
    try {
      const c = await connecting
      expect((await c.exec('true')).exitCode).toBe(0)
      expect(connectedAt - upAt).toBeLessThan(1_500)
    } finally {
      await late.stop()
    }
  })
})

describe('host key policy', () => {
  async function hostKeyLine(): Promise<{ fp: string; pub: string }> {
    const r = await sshd.exec('ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub; cat /etc/ssh/ssh_host_ed25519_key.pub')
    const [fpLine, pub] = r.stdout.trim().split('\n')
    return { fp: fpLine!.split(' ')[1]!, pub: pub!.split(' ').slice(0, 2).join(' ') }
  }

  it('accepts a pinned fingerprint and a known_hosts entry, and refuses a different key at once', async () => {
    const { fp, pub } = await hostKeyLine()
    const pinned = await connect(target({ hostKeyPolicy: fp as SshTarget['hostKeyPolicy'] }))
    expect((await pinned.exec('true')).exitCode).toBe(0)

    const kh = join(dir, 'known_hosts')
    await writeFile(kh, `# comment\n[${sshd.host}]:${sshd.port} ${pub}\n`)
    const known = await connect(target({ hostKeyPolicy: 'known-hosts', knownHostsFile: kh }))
    expect((await known.exec('true')).exitCode).toBe(0)

    const wrong = 'SHA256:' + 'A'.repeat(43)
    const t0 = Date.now()
    const err = await failure(connect(target({ hostKeyPolicy: wrong as SshTarget['hostKeyPolicy'] })))
    expect(err.code).toBe('SSH_HOST_KEY')
    expect(err.message).toContain(fp)
    expect(Date.now() - t0).toBeLessThan(3_000)

    await writeFile(kh, `[${sshd.host}]:1 ${pub}\n`)
    const missing = await failure(connect(target({ hostKeyPolicy: 'known-hosts', knownHostsFile: kh })))
    expect(missing.message).toContain('is not in')
  })
})
