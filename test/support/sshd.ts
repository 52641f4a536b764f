/**
 * A real sshd in a container from the local base image, for integration tests.
 *
 *   const sshd = await startSshd({ authorizedKeys: [publicKey] })
 *   // connect as root to sshd.host:sshd.port ... then
 *   await sshd.stop()
 *
 * PID 1 is a small shell loop that (re)starts sshd, so a test can restart sshd
 * (`sshd.restartSshd()`) without stopping the container, the way a reboot or a
 * `systemctl restart ssh` drops sessions on a real machine.
 */
import { createConnection, createServer } from 'node:net'
import { GenericContainer, Wait, type StartedNetwork, type StartedTestContainer } from 'testcontainers'

const BASE_IMAGE = process.env.TSIMG_BASE_IMAGE || 'tsimg/debian-ssh:bookworm'

interface SshdUser {
  name: string
  password?: string
  authorizedKeys?: string[]
  /** Passwordless sudo. */
  sudo?: boolean
}

export interface SshdOptions {
  /** Public keys authorized for root. */
  authorizedKeys?: string[]
  users?: SshdUser[]
  /** Publish port 22 on this host port (default: a free one chosen by Docker). */
  hostPort?: number
  /** Attach to a user-defined network (for bastion tests), with these aliases. */
  network?: StartedNetwork
  networkAliases?: string[]
  /** Extra sshd_config lines, appended before sshd starts. */
  sshdConfig?: string[]
  /** Extra container labels (besides tsimg.test=sshd). */
  labels?: Record<string, string>
}

export interface StartedSshd {
  readonly host: string
  readonly port: number
  readonly container: StartedTestContainer
  /** Run a shell command in the container (not over SSH). */
  exec(cmd: string): Promise<{ exitCode: number; stdout: string; stderr: string }>
  /**
   * Kill every sshd process (dropping all sessions); resolves once the old listener is gone.
   * The PID 1 loop then starts a new one (`waitReady` waits for it), after `downMs` if given
   * (the call resolves once that time has passed, not when sshd answers).
   */
  restartSshd(opts?: { downMs?: number }): Promise<void>
  /**
   * Kill every sshd and keep it down (the machine is "rebooting") until `release()`; resolves
   * once the old listener is gone. `waitReady` after release waits for the new one.
   */
  holdSshd(): Promise<{ release(): Promise<void> }>
  /** Resolves when sshd answers with its banner on host:port. */
  waitReady(timeoutMs?: number): Promise<void>
  stop(): Promise<void>
}

/** Single-quote a value for /bin/sh. */
function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`
}

function setupScript(opts: SshdOptions): string {
  const lines = [
    'set -e',
    // The base image's / is 0700 (made from a mktemp -d folder); non-root users could not
    // even load libc. Real machines have 0755.
    'chmod 755 /',
    'mkdir -p /run/sshd /root/.ssh',
    'chmod 700 /root/.ssh',
  ]
  for (const key of opts.authorizedKeys ?? []) lines.push(`echo ${shq(key)} >> /root/.ssh/authorized_keys`)
  lines.push('touch /root/.ssh/authorized_keys', 'chmod 600 /root/.ssh/authorized_keys')
  for (const u of opts.users ?? []) {
    const home = `/home/${u.name}`
    lines.push(`id ${shq(u.name)} >/dev/null 2>&1 || useradd -m -s /bin/bash ${shq(u.name)}`)
    if (u.password !== undefined) lines.push(`echo ${shq(`${u.name}:${u.password}`)} | chpasswd`)
    lines.push(`mkdir -p ${home}/.ssh`, `: > ${home}/.ssh/authorized_keys`)
    for (const key of u.authorizedKeys ?? []) lines.push(`echo ${shq(key)} >> ${home}/.ssh/authorized_keys`)
    lines.push(`chmod 700 ${home}/.ssh`, `chmod 600 ${home}/.ssh/authorized_keys`, `chown -R ${shq(u.name)}: ${home}/.ssh`)
    if (u.sudo) lines.push(`echo ${shq(`${u.name} ALL=(ALL) NOPASSWD:ALL`)} > /etc/sudoers.d/${u.name}`)
  }
  for (const l of opts.sshdConfig ?? []) lines.push(`echo ${shq(l)} >> /etc/ssh/sshd_config`)
  lines.push(
    'ssh-keygen -A >/dev/null',
    'set +e',
    // `docker stop` ends the loop at once instead of waiting for SIGKILL.
    "trap 'kill $pid 2>/dev/null; exit 0' TERM INT",
    // /run/sshd-hold keeps sshd down, like a machine that takes a while to reboot.
    'while :; do while [ -e /run/sshd-hold ]; do sleep 0.1; done; /usr/sbin/sshd -D -e & pid=$!; wait $pid; sleep 0.1; done',
  )
  return lines.join('\n')
}

/** A free TCP port on 127.0.0.1 (for tests that must know the port before the container starts). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))))
    })
  })
}

/** Resolves when something on host:port sends an SSH banner. */
export async function waitForBanner(host: string, port: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = createConnection({ host, port })
      const timer = setTimeout(() => done(false), 2000)
      let buf = ''
      function done(v: boolean): void {
        clearTimeout(timer)
        sock.destroy()
        resolve(v)
      }
      sock.on('data', (d) => {
        buf += d.toString('latin1')
        if (buf.startsWith('SSH-')) done(true)
      })
      sock.on('error', () => done(false))
      sock.on('close', () => done(false))
    })
    if (ok) return
    if (Date.now() > deadline) throw new Error(`sshd at ${host}:${port} did not answer within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/**
 * Runs inside the container: kills every sshd (the listener and each session's), and waits
 * until the listener is gone, so that a banner seen afterwards comes from its successor (the
 * loop in PID 1 starts one). The oldest sshd is the listener; sessions are its children.
 */
const KILL_SSHD = 'old=$(pgrep -xo sshd); pkill -x sshd; [ -n "$old" ] && while kill -0 "$old" 2>/dev/null; do sleep 0.05; done; true'

export async function startSshd(opts: SshdOptions = {}): Promise<StartedSshd> {
  let c = new GenericContainer(BASE_IMAGE)
    .withCommand(['/bin/sh', '-c', setupScript(opts)])
    .withExposedPorts(opts.hostPort ? { container: 22, host: opts.hostPort } : 22)
    .withLabels({ ...opts.labels, 'tsimg.test': 'sshd' })
    .withWaitStrategy(Wait.forLogMessage(/Server listening on/))
    .withStartupTimeout(60_000)
  if (opts.network) c = c.withNetwork(opts.network)
  if (opts.networkAliases?.length) c = c.withNetworkAliases(...opts.networkAliases)
  const container = await c.start()
  const host = '127.0.0.1'
  const port = container.getMappedPort(22)
  const sshd: StartedSshd = {
    host,
    port,
    container,
    async exec(cmd) {
      const r = await container.exec(['/bin/sh', '-c', cmd])
      return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr }
    },
    async restartSshd(o = {}) {
      if (!o.downMs) {
        await container.exec(['/bin/sh', '-c', KILL_SSHD])
        return
      }
      const held = await sshd.holdSshd()
      await new Promise((r) => setTimeout(r, o.downMs))
      await held.release()
    },
    async holdSshd() {
      await container.exec(['/bin/sh', '-c', `touch /run/sshd-hold; ${KILL_SSHD}`])
      return { release: async () => void (await container.exec(['/bin/sh', '-c', 'rm -f /run/sshd-hold'])) }
    },
    waitReady: (timeoutMs) => waitForBanner(host, port, timeoutMs),
    async stop() {
      await container.stop({ timeout: 0, remove: true })
    },
  }
  try {
    await sshd.waitReady()
  } catch (err) {
    await sshd.stop().catch(() => {})
    throw err
  }
  return sshd
}
