import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { createConnection, createServer, type AddressInfo, type Server } from 'node:net'
import { join } from 'node:path'
import ssh2 from 'ssh2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CancelledError, SshCommunicator, TsimgError, generateKeyPair, type SshTarget } from '@tsimg/core/plugin'
import { sharedTarget, type SharedTarget } from '../../../test/support/shared-sshd.js'
import { freePort } from '../../../test/support/sshd.js'

const otherKey = generateKeyPair('ed25519', undefined, 'not-authorized')
// The run's shared sshd: this file only logs in and reads host keys there.
let sshd: SharedTarget
let alicePassword: string
// "At once" tests give an sshTimeout far beyond the test's own limit: if tsimg waited
// instead of failing, the test would time out. No wall-clock bound to trip on a busy machine.
const FOREVER = 3_600_000
let dir: string
const opened: SshCommunicator[] = []

function target(over: Partial<SshTarget> = {}): SshTarget {
  return {
    host: sshd.host,
    port: sshd.port,
    username: 'root',
    privateKey: sshd.privateKey,
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
  sshd = await sharedTarget()
  // alice: password only (with a space and a quote), sudo, no key authorized.
  alicePassword = sshd.users.alice.password
})
afterAll(async () => {
  await Promise.all(opened.map((c) => c.close()))
  await rm(dir, { recursive: true, force: true })
})

describe('authentication', () => {
  it('logs in with a key and with a password', async () => {
    const root = await connect(target())
    const lines: string[] = []
    await root.exec('id -un', { onStdout: (l) => lines.push(l) })
    const alice = await connect(target({ username: 'alice', privateKey: undefined, password: alicePassword }))
    await alice.exec('id -un; sudo -n id -un', { onStdout: (l) => lines.push(l) })
    expect(lines).toEqual(['root', 'alice', 'root'])
    expect(alice.target).toBe(`alice@${sshd.host}:${sshd.port}`)
  })

  it('a wrong password names the user and the methods tried, never the password', async () => {
    // sshTimeout far beyond the test's own limit: only handshakeAttempts (2) can end this in time.
    const err = await failure(connect(target({ username: 'alice', privateKey: undefined, password: 'wrong-pass-xyz', timeoutMs: 3_600_000 })))
    expect(err.code).toBe('SSH_AUTH_FAILED')
    expect(err.message).toContain('user "alice"')
    // The server turns keyboard-interactive off, so only password is tried.
    expect(err.message).toContain('tried: password; the server accepts: publickey, password')
    expect(err.message).not.toContain('wrong-pass-xyz')
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
    agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: ['ignore', 'pipe', 'ignore'] })
    // With -D, ssh-agent prints SSH_AUTH_SOCK=... once it listens on the socket.
    await once(agent.stdout!, 'data')
    const keyFile = join(dir, 'agent-key')
    await writeFile(keyFile, sshd.privateKey, { mode: 0o600 })
    try {
      execFileSync('ssh-add', ['-q', keyFile], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' })
    } finally {
      await rm(keyFile, { force: true })
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
    const err = await failure(connect(target({ host: '', timeoutMs: FOREVER })))
    expect(err.code).toBe('SSH_NO_HOST')
    expect(err.message).toMatch(/no host address/)
  })

  it('fails at once on a host name that does not resolve', async () => {
    const err = await failure(connect(target({ host: 'no-such-host.invalid', timeoutMs: FOREVER })))
    expect(err.code).toBe('SSH_UNREACHABLE')
    expect(err.message).toContain('no-such-host.invalid')
  })

  it('keeps retrying a refused port until sshTimeout, then says the last error', async () => {
    const port = await freePort()
    const refused: string[] = []
    const t0 = Date.now()
    const err = await failure(SshCommunicator.connect(target({ port, timeoutMs: 2_000 }), { onRetry: (m) => refused.push(m) }))
    const took = Date.now() - t0
    expect(err.code).toBe('SSH_TIMEOUT')
    expect(err.message).toContain(`root@127.0.0.1:${port}`)
    expect(err.message).toMatch(/after 2s; last error: .*ECONNREFUSED/)
    // It kept trying, and did not give up early: a lower bound only, which load cannot break.
    expect(refused.length).toBeGreaterThanOrEqual(2)
    expect(refused.every((m) => m.includes('ECONNREFUSED'))).toBe(true)
    expect(took).toBeGreaterThanOrEqual(1_500)
  })

  it('stops waiting at once when the build is cancelled', async () => {
    const port = await freePort()
    const ac = new AbortController()
    let retries = 0
    // Cancelled while it is waiting between attempts, which only the signal can end.
    const onRetry = () => void (++retries === 2 && ac.abort())
    const err = await SshCommunicator.connect(target({ port, timeoutMs: FOREVER }), { signal: ac.signal, onRetry }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(CancelledError)
    expect(retries).toBe(2)
  })

  it('connects at its first attempt after sshd comes up on a machine that was not there yet', async () => {
    // The machine "comes up" when its port starts to answer: a forward to the shared sshd
    // starts listening there after the connect was refused three times.
    const port = await freePort()
    const forward: Server = createServer((sock) => {
      const up = createConnection({ host: sshd.host, port: sshd.port })
      sock.pipe(up).pipe(sock)
      sock.on('error', () => up.destroy())
      up.on('error', () => sock.destroy())
    })
    const failed: string[] = []
    let failedBeforeUp = -1
    const onRetry = (m: string): void => {
      failed.push(m)
      // listen() on an IP address binds on the next tick, long before the retry's wait ends.
      if (failed.length === 3) forward.listen(port, '127.0.0.1', () => (failedBeforeUp = 3))
    }
    try {
      const c = await SshCommunicator.connect(target({ port, timeoutMs: 90_000 }), { onRetry })
      opened.push(c)
      expect((await c.exec('true')).exitCode).toBe(0)
      expect(failedBeforeUp).toBe(3)
      expect(failed.every((m) => m.includes('ECONNREFUSED'))).toBe(true)
      // No attempt failed once the port answered.
      expect(failed).toHaveLength(3)
    } finally {
      forward.close()
    }
  })
})

describe('bastion', () => {
  it('gives up on a bastion that never answers a forward request, and says so at sshTimeout', async () => {
    // An in-process SSH server as the jump host: it logs anyone in and leaves every
    // direct-tcpip request unanswered, as a bastion whose own connect hangs would.
    const hostKey = generateKeyPair('ed25519', undefined, 'bastion-host')
    const asked: string[] = []
    const server = new ssh2.Server({ hostKeys: [hostKey.privateKey] }, (client) => {
      client.on('authentication', (ctx) => ctx.accept())
      client.on('ready', () => client.on('tcpip', (_accept, _reject, info) => void asked.push(`${info.destIP}:${info.destPort}`)))
      client.on('error', () => {})
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
    const port = (server.address() as AddressInfo).port
    try {
      const t = target({
        host: '10.255.255.1',
        port: 22,
        timeoutMs: 2_000,
        bastion: { host: '127.0.0.1', port, username: 'jump', password: 'x' },
      })
      const err = await failure(connect(t))
      expect(err.code).toBe('SSH_TIMEOUT')
      expect(err.message).toMatch(/bastion did not open a connection to 10\.255\.255\.1:22/)
      expect(asked[0]).toBe('10.255.255.1:22')
    } finally {
      server.close()
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
    const err = await failure(connect(target({ hostKeyPolicy: wrong as SshTarget['hostKeyPolicy'], timeoutMs: FOREVER, handshakeAttempts: 1000 })))
    expect(err.code).toBe('SSH_HOST_KEY')
    expect(err.message).toContain(fp)

    await writeFile(kh, `[${sshd.host}]:1 ${pub}\n`)
    const missing = await failure(connect(target({ hostKeyPolicy: 'known-hosts', knownHostsFile: kh })))
    expect(missing.message).toContain('is not in')
  })
})
